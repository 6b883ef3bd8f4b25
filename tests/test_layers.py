"""The stages of the package import one way only (docs/design.md, "One-way stages").

core and tuning <- limits, profile <- importers, ledger <- rules <- forms <- render <- book (the
orchestration layer) <- commands, cli. Every import counts: at the top of a module, inside a
function, or for type checking only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

PKG = ROOT / "mbr_ledger"
BASE = {"core", "tuning"}
MAY_IMPORT: dict[str, set[str]] = {
    "core": set(),
    "tuning": set(),
    "limits": {"core"},
    "profile": BASE | {"limits"},
    "profile_keys": BASE | {"limits", "profile"},  # the mbr.toml key reference (docs/profile-keys.md)
    "importers": BASE | {"limits", "profile"},
    "ledger": BASE | {"limits", "profile"},
    "rules": BASE | {"limits", "profile"},
    "forms": BASE | {"limits", "profile", "rules"},
    "render": BASE | {"limits", "profile", "rules", "forms"},
    "book": BASE | {"limits", "profile", "importers", "ledger", "rules", "forms", "render"},
    "commands": BASE | {"limits", "profile", "importers", "ledger", "rules", "forms", "render", "book"},
    "cli": BASE | {"commands"},
}


def _imports(path: Path, pkg: Path = PKG) -> list[tuple[int, str]]:
    """(line, stage) of every import of a package module in `path` (the stage is the first name under
    `mbr_ledger`; "" or a name it defines for the package's own `__init__`)."""
    rel = path.relative_to(pkg)
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(rel.parts[:-1])[: max(0, len(rel.parts) - node.level)]
            if node.module:
                names = [".".join([*base, node.module])]
            else:
                names = [".".join([*base, a.name]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "mbr_ledger":
            rest = node.module.split(".")[1:]
            names = [".".join(rest)] if rest else [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            names = [".".join(a.name.split(".")[1:]) for a in node.names if a.name.split(".")[0] == "mbr_ledger"]
        for n in names:
            out.append((node.lineno, n.split(".")[0] if n else ""))
    return out


def _stage(path: Path) -> str:
    return path.relative_to(PKG).parts[0].removesuffix(".py")


def test_every_module_belongs_to_a_stage() -> None:
    stages = {_stage(p) for p in PKG.rglob("*.py")} - {"__init__"}
    assert stages <= set(MAY_IMPORT), sorted(stages - set(MAY_IMPORT))


def _package_imports(root: list[ast.stmt]) -> list[tuple[str, str]]:
    """(where, module) of the imports in mbr_ledger/__init__.py: "top", "type-checking" (under
    `if TYPE_CHECKING:`) or the name of the function they are in."""
    out = []
    for node in root:
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append(("top", node.module if isinstance(node, ast.ImportFrom) else node.names[0].name))
        elif isinstance(node, ast.If | ast.FunctionDef):
            where = node.name if isinstance(node, ast.FunctionDef) else \
                "type-checking" if ast.unparse(node.test) == "TYPE_CHECKING" else "if"
            for sub in ast.walk(node):
                if isinstance(sub, ast.ImportFrom):
                    out.append((where, "." * sub.level + (sub.module or "")))
                elif isinstance(sub, ast.Import):
                    out.append((where, sub.names[0].name))
    return out


def test_the_package_init_imports_no_stage() -> None:
    """mbr_ledger/__init__.py imports nothing of the package, so that every stage may read its
    constants; only its module `__getattr__` names the book layer, lazily, for `from mbr_ledger
    import Book` (and the type checker sees the same name)."""
    root = ast.parse((PKG / "__init__.py").read_text(encoding="utf-8")).body
    got = _package_imports(root)
    assert [m for w, m in got if w == "top"] == ["typing"], got
    assert sorted((w, m) for w, m in got if w != "top") == [("__getattr__", ".book.book"),
                                                             ("type-checking", ".book.book")], got


def test_a_plain_import_of_the_package_loads_no_submodule() -> None:
    import subprocess
    import sys

    code = ("import sys, mbr_ledger; print(sorted(m for m in sys.modules if m.startswith('mbr_ledger.')));"
            "print('polars' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["[]", "False"], out.stdout + out.stderr
    code = "from mbr_ledger import Book; print(Book.__module__, Book.open.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["mbr_ledger.book.book", "open"], out.stdout + out.stderr


def test_no_import_runs_back_up_the_pipeline() -> None:
    root = ast.parse((PKG / "__init__.py").read_text(encoding="utf-8")).body
    root_names = {t.id for n in root if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    wrong = []
    for path in sorted(PKG.rglob("*.py")):
        stage = _stage(path)
        if stage == "__init__":
            continue
        for line, target in _imports(path):
            if target in ("", stage) or target in root_names:
                continue
            if target not in MAY_IMPORT[stage]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {stage} imports {target}")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize(("stage", "target"), [("rules", "ledger"), ("forms", "book"), ("importers", "ledger"),
                                               ("ledger", "importers"), ("render", "ledger"), ("tuning", "core")])
def test_the_map_refuses_what_the_design_refuses(stage: str, target: str) -> None:
    assert target not in MAY_IMPORT[stage]


def test_the_walk_sees_every_kind_of_import(tmp_path: Path) -> None:
    """Relative, absolute, in a function and for type checking only: all are found."""
    pkg = tmp_path / "mbr_ledger"
    (pkg / "rules").mkdir(parents=True)
    src = pkg / "rules" / "probe.py"
    src.write_text("from __future__ import annotations\nfrom typing import TYPE_CHECKING\n"
                   "from ..core.money import ZERO\nimport mbr_ledger.ledger.store\nfrom .lots import Lot\n"
                   "if TYPE_CHECKING:\n    from ..forms.model import Line\n"
                   "def f():\n    from mbr_ledger.book import frames\n    from .. import render\n",
                   encoding="utf-8")
    assert [t for _, t in _imports(src, pkg)] == ["core", "ledger", "rules", "forms", "book", "render"]


def test_no_command_keeps_results_in_the_book(sample_book: Path, tmp_path: Path) -> None:
    """Figures are computed fresh by every command: nothing but mbr.toml and the ledger is in the book
    folder after every reading command has run (no `.mbr-cache/`, no temporary files)."""
    from conftest import run

    for args in (["audit", "--year", "2026"], ["worksheet", "lots", "--year", "2026"],
                 ["worksheet", "1099r", "--year", "2025"], ["worksheet", "8606", "--year", "2026"],
                 ["capacity", "--year", "2026", "--person", "alex"], ["ledger", "--year", "2026"],
                 ["report", "--year", "2026", "--out", str(tmp_path / "out")]):
        res = run(sample_book, *args)
        assert res.exit_code in (0, 1), (args, res.output)
    assert sorted(p.name for p in sample_book.iterdir()) == ["ledger.sqlite", "mbr.toml"]
