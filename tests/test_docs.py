"""The project's documentation stands on its own: nothing points outside the clone, links resolve,
and docs/formats.md lists exactly the columns each contract format reads."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from mbr_ledger.cli import cli
from mbr_ledger.importers.contract import CONTRACT_IMPORTERS

from conftest import ROOT

OUTSIDE = ("../shared", "shared/reference", "shared/spec", "tax-rules.md", "tax-facts.md", "statement-formats.md")
USER_DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MY_DOCS = [ROOT / "README.md", ROOT / "docs" / "rules.md", ROOT / "docs" / "formats.md", ROOT / "docs" / "profile-keys.md"]


@pytest.mark.parametrize("path", [*USER_DOCS, ROOT / "mbr_ledger" / "limits" / "limits.toml"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_points_outside_the_clone(path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    assert [w for w in OUTSIDE if w in text] == []


def test_audit_help_points_to_the_projects_rules() -> None:
    out = CliRunner().invoke(cli, ["audit", "--help"]).output
    assert "docs/rules.md" in out and not [w for w in OUTSIDE if w in out]


@pytest.mark.parametrize("path", MY_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target:
            continue
        assert (path.parent / target).exists(), f"{path.name}: link to {target}"


def _column_table(section: str) -> dict[str, bool]:
    """column -> required, from the `| column | required | holds | feeds |` table of a section."""
    out = {}
    for m in re.finditer(r"^\| `([a-z0-9_]+)` \| (yes[^|]*|no) \|", section, re.M):
        out[m.group(1)] = m.group(2).startswith("yes")
    return out


@pytest.mark.parametrize("fmt", CONTRACT_IMPORTERS, ids=lambda f: f.name)
def test_formats_md_lists_every_column_of_each_contract_format(fmt) -> None:  # type: ignore[no-untyped-def]
    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    m = re.search(rf"^### `{fmt.name}`:.*?(?=^##)", text, re.M | re.S)
    assert m, f"docs/formats.md has no section for {fmt.name}"
    section = m.group(0)
    assert _column_table(section) == {c.name: c.required for c in fmt.cols}
    example = re.search(r"```\n(.*?)\n```", section, re.S)
    assert example, f"docs/formats.md: {fmt.name} has no example"
    header, *rows = example.group(1).splitlines()
    assert set(header.split(",")) <= {c.name for c in fmt.cols} and rows
    assert {c.name for c in fmt.cols if c.required} <= set(header.split(","))
    assert all(len(r.split(",")) == len(header.split(",")) for r in rows)


@pytest.mark.parametrize("fmt", CONTRACT_IMPORTERS, ids=lambda f: f.name)
def test_the_example_rows_of_formats_md_import(fmt, make_book, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Each contract format's example in docs/formats.md is a file the sample household's book imports."""
    from conftest import SAMPLE, run

    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    section = re.search(rf"^### `{fmt.name}`:.*?(?=^##)", text, re.M | re.S)
    assert section
    example = re.search(r"```\n(.*?)\n```", section.group(0), re.S)
    assert example
    book = make_book((SAMPLE / "mbr.toml").read_text(encoding="utf-8"), name=f"docs-{fmt.name}")
    f = tmp_path / f"example-{fmt.name}.csv"
    f.write_text(example.group(1) + "\n", encoding="utf-8")
    res = run(book, "import", "--from", fmt.name, "--format", "json", str(f))
    assert res.exit_code == 0, res.output
    rows = example.group(1).count("\n")
    assert f'"imported": {rows}' in res.output


def test_code_and_tests_cite_only_the_projects_docs() -> None:
    """Docstrings and comments name docs/rules.md and docs/formats.md, never a file outside the clone."""
    own = __file__
    found = []
    for folder in ("mbr_ledger", "tests"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".toml", ".md") or str(path) == own or "__pycache__" in path.parts:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{path.relative_to(ROOT)}: {w}" for w in OUTSIDE if w in text]
    assert found == []
