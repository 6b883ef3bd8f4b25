"""The bad-input corpus (tests/bad_inputs/cases.toml): every file is refused with exit 2, a message
naming the file and line (or mbr.toml and the key; a refusal of the whole file, such as one too big
or a zip bomb, names the file alone, on one line), no traceback, and the ledger's bytes unchanged."""

from __future__ import annotations

import hashlib
import importlib
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mbr_ledger.cli import cli

from conftest import SAMPLE, run

HERE = Path(__file__).resolve().parent / "bad_inputs"
MANIFEST = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = MANIFEST["case"]
PROFILES: list[dict[str, Any]] = MANIFEST["profile"]
GOOD = SAMPLE / "activity-acme-2026.csv"


def ledger_state(book: Path) -> tuple[str, list[str]]:
    """The ledger file's SHA-256 and what else is in the book folder (a left-over journal shows)."""
    return hashlib.sha256((book / "ledger.sqlite").read_bytes()).hexdigest(), sorted(p.name for p in book.iterdir())


@pytest.fixture
def filled_book(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    res = CliRunner().invoke(cli, ["init", str(book), "--profile", str(HERE / "profile.toml")],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    res = run(book, "import", str(GOOD))
    assert res.exit_code == 0, res.output
    return book


def test_the_corpus_is_complete() -> None:
    listed = {c["file"] for c in CASES} | {p["file"] for p in PROFILES} | {"cases.toml", "profile.toml"}
    on_disk = {p.name for p in HERE.iterdir()}
    assert listed == on_disk
    assert len(CASES) + len(PROFILES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_file_is_refused_and_changes_nothing(filled_book: Path, case: dict[str, Any],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for target, value in case.get("patch", {}).items():  # a limit lowered, so that a small file is "too big"
        module, attr = target.split(":")
        mod = importlib.import_module(module)
        assert isinstance(getattr(mod, attr), type(value)), target
        monkeypatch.setattr(mod, attr, value)
    before = ledger_state(filled_book)
    path = HERE / case["file"]
    res = run(filled_book, "import", *case.get("args", []), str(path))
    assert res.exit_code == 2, res.output
    if "line" in case:
        assert f"{path}:{case['line']}:" in res.stderr, res.stderr
    else:  # the whole file is refused: the file is named, without a line, in one line
        assert res.stderr.startswith(f"mbr: {path}: ") and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert case["expect"] in res.stderr, res.stderr
    assert "Traceback" not in res.output
    assert res.stdout == ""
    assert ledger_state(filled_book) == before


@pytest.mark.parametrize("case", PROFILES, ids=[p["file"] for p in PROFILES])
def test_bad_profile_is_refused_and_changes_nothing(filled_book: Path, case: dict[str, Any]) -> None:
    shutil.copyfile(HERE / case["file"], filled_book / "mbr.toml")
    before = ledger_state(filled_book)
    res = run(filled_book, "import", str(GOOD))
    assert res.exit_code == 2, res.output
    where = f"mbr.toml: {case['key']}:" if case["key"] else "mbr.toml: "
    assert where in res.stderr and case["expect"] in res.stderr, res.stderr
    assert "Traceback" not in res.output
    assert ledger_state(filled_book) == before


def test_bad_files_among_good_ones_stop_everything(filled_book: Path) -> None:
    before = ledger_state(filled_book)
    files = [str(SAMPLE / "payroll-acme-2026.csv"), str(HERE / "long_field.csv"), str(SAMPLE / "w2-2026.csv")]
    res = run(filled_book, "import", *files)
    assert res.exit_code == 2
    assert f"{HERE / 'long_field.csv'}:3: memo: field longer than 4096 characters" in res.stderr
    assert ledger_state(filled_book) == before


@pytest.mark.parametrize("name", ["binary.csv", "windows_1252.csv", "header_only.csv", "unterminated_quote.csv",
                                  "nul_in_the_middle.csv"])
def test_the_installed_command_exits_2_without_a_traceback(filled_book: Path, name: str) -> None:
    """The same through a real process, as a user runs it."""
    case = next(c for c in CASES if c["file"] == name)
    before = ledger_state(filled_book)
    proc = subprocess.run([sys.executable, "-m", "mbr_ledger.cli", "--book", str(filled_book), "import",
                           str(HERE / name)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert f"{HERE / name}:{case['line']}: " in proc.stderr and case["expect"] in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert ledger_state(filled_book) == before
