"""The terminal view (issue 15): detail lines wrapped to the width, tables aligned within it, status
words in colour on a terminal only, `--book` after the subcommand, `mbr init` beside an mbr.toml."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mbr_ledger.cli import cli
from mbr_ledger.render.terminal import table

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def invoke(*args: str, env: dict[str, str | None] | None = None, color: bool = False) -> Result:
    base: dict[str, str | None] = {"COLUMNS": None, "NO_COLOR": None}
    return CliRunner().invoke(cli, list(args), env={**base, **(env or {})}, color=color, catch_exceptions=False)


# ---------------------------------------------------------------- wrapping


def details(out: str) -> list[str]:
    return out.split("\nDetails\n", 1)[1].splitlines()


def test_audit_details_wrap_to_columns(sample_book: Path) -> None:
    wide = invoke("--book", str(sample_book), "audit", "--year", "2026").stdout
    assert max(len(ln) for ln in details(wide)) > 200  # piped, no COLUMNS: one line per detail, for grep
    res = invoke("--book", str(sample_book), "audit", "--year", "2026", env={"COLUMNS": "60"})
    lines = details(res.stdout)
    assert all(len(ln) <= 60 for ln in lines), max(lines, key=len)
    assert "".join("".join(lines).split()) == "".join("".join(details(wide)).split())  # the same text
    # never broken inside a file name or a date
    for ln in lines:
        assert not ln.rstrip().endswith("-"), ln


def test_worksheet_and_capacity_notes_wrap(sample_book: Path) -> None:
    for args in (["worksheet", "8606", "--year", "2026"], ["worksheet", "1099r", "--year", "2026"],
                 ["capacity", "--year", "2026", "--person", "alex"]):
        res = invoke("--book", str(sample_book), *args, env={"COLUMNS": "72"})
        text = res.stdout.split("\nNotes:\n", 1)[-1]  # the notes; for capacity, the warnings after the table
        lines = [ln for ln in text.splitlines() if not ln.startswith(("paychecks", "limited by"))]
        lines = lines[lines.index(next(ln for ln in lines if ln.startswith(("- ", "warning:", "note:")))):]
        long = [ln for ln in lines if len(ln) > 72]
        assert not long, (args, long[:2])


@pytest.mark.parametrize("args", [["audit", "--year", "2026"], ["worksheet", "8606", "--year", "2026"],
                                  ["worksheet", "lots", "--year", "2026"],
                                  ["capacity", "--year", "2026", "--person", "alex"]])
def test_tables_fit_80_columns(sample_book: Path, args: list[str]) -> None:
    """The first table of each view (the audit, the form's lines, the plan) fits 80 columns, aligned."""
    res = invoke("--book", str(sample_book), *args, env={"COLUMNS": "80"})
    assert res.exit_code in (0, 1)
    first = res.stdout.split("\n\n", 1)[0].split("\nwarning:", 1)[0].split("\nnote:", 1)[0].splitlines()
    over = [ln for ln in first if len(ln) > 80]
    assert not over, over[:2]
    rule = next(ln for ln in first if set(ln) <= {"-", " "} and ln)
    starts = [i for i in range(len(rule)) if rule[i] == "-" and (i == 0 or rule[i - 1] == " ")]
    for ln in first[first.index(rule) + 1:]:  # every cell starts at its column, or is blank
        for a in starts[1:]:
            assert ln[a - 2:a].strip() == "", (ln, a)  # the gap before each column is blank
        assert len(ln) <= len(rule)


@pytest.mark.parametrize("args", [["limits", "--year", "2026"], ["ledger", "--year", "2026"]])
def test_a_table_too_wide_to_fit_is_left_whole(sample_book: Path, args: list[str]) -> None:
    piped = invoke("--book", str(sample_book), *args)
    res = invoke("--book", str(sample_book), *args, env={"COLUMNS": "80"})
    assert res.stdout == piped.stdout


def test_table_wraps_text_cells_and_keeps_columns_aligned() -> None:
    rows = [["1", "a long description " * 5, "8,600.00"], ["2", "short", "0.00"]]
    out = table(["line", "description", "amount"], rows, right=[False, False, True], width=40)
    lines = out.splitlines()
    assert all(len(ln) <= 40 for ln in lines)
    amounts = [ln for ln in lines if ln.endswith(("8,600.00", "0.00"))]
    assert len(amounts) == 2 and len({len(ln) for ln in amounts}) == 1  # right edges line up
    assert lines[0].startswith("line  description")
    assert table(["a", "b"], [["x" * 100, "1"]], width=None).splitlines()[2] == "x" * 100 + "  1"


# ---------------------------------------------------------------- colour


def test_status_words_in_colour_on_a_terminal(sample_book: Path) -> None:
    out = invoke("--book", str(sample_book), "audit", "--year", "2026", color=True).stdout
    assert "\x1b[31mFAIL" in out and "\x1b[33mWARN" in out and "\x1b[32mOK" in out
    plain = ANSI.sub("", out)
    assert plain == invoke("--book", str(sample_book), "audit", "--year", "2026").stdout  # same alignment


def test_no_colour_when_piped_or_no_color(sample_book: Path) -> None:
    assert "\x1b[" not in invoke("--book", str(sample_book), "audit", "--year", "2026").stdout
    res = invoke("--book", str(sample_book), "audit", "--year", "2026", env={"NO_COLOR": "1"}, color=True)
    assert "\x1b[" not in res.stdout
    res = invoke("--book", str(sample_book), "audit", "--year", "2026", "--format", "json", color=True,
                 env={"COLUMNS": "40"})
    assert "\x1b[" not in res.stdout
    json.loads(res.stdout)


# ---------------------------------------------------------------- --book after the subcommand


@pytest.mark.parametrize("args", [["audit", "--year", "2026"], ["ledger", "--year", "2026"],
                                  ["worksheet", "8606", "--year", "2026"], ["worksheet", "lots", "--year", "2026"],
                                  ["worksheet", "1099r", "--year", "2026"],
                                  ["capacity", "--year", "2026", "--person", "alex"]])
def test_book_after_the_subcommand(sample_book: Path, tmp_path: Path, args: list[str]) -> None:
    before = invoke("--book", str(sample_book), *args, "--format", "json")
    after = invoke(*args, "--book", str(sample_book), "--format", "json")
    assert after.exit_code == before.exit_code, after.output
    assert after.stdout == before.stdout
    # after the subcommand it wins over the one before it
    late = invoke("--book", str(tmp_path), *args, "--book", str(sample_book), "--format", "json")
    assert late.stdout == before.stdout


def test_book_after_import_and_report(book: Path, tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("date,person,account,kind,source,amount\n2026-01-02,alex,acme,contribution,after_tax,100.00\n")
    res = invoke("import", str(f), "--book", str(book))
    assert res.exit_code == 0, res.output
    res = invoke("report", "--year", "2026", "--out", str(tmp_path / "out"), "--book", str(book))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "mbr-2026-alex.pdf").exists()


# ---------------------------------------------------------------- mbr init beside an mbr.toml


PROFILE = '[[person]]\nid = "alex"\nborn = "1975-03-10"\n\n[[plan]]\nid = "acme"\nperson = "alex"\n' \
          'employer = "Acme"\n'


def test_init_beside_an_existing_profile(tmp_path: Path) -> None:
    d = tmp_path / "book"
    d.mkdir()
    (d / "mbr.toml").write_text(PROFILE, encoding="utf-8")
    res = invoke("init", str(d))
    assert res.exit_code == 0, res.output
    assert (d / "ledger.sqlite").exists()
    assert (d / "mbr.toml").read_text(encoding="utf-8") == PROFILE  # kept as it was
    assert "mbr.toml" in res.stdout
    assert invoke("--book", str(d), "ledger").exit_code == 0
    again = invoke("init", str(d))  # a whole book now: refused, never overwritten
    assert again.exit_code == 2 and "exists already" in again.stderr


def test_init_beside_a_bad_profile_creates_nothing(tmp_path: Path) -> None:
    d = tmp_path / "book"
    d.mkdir()
    (d / "mbr.toml").write_text("[[person]]\nidd = 1\n", encoding="utf-8")
    res = invoke("init", str(d))
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert not (d / "ledger.sqlite").exists()


def test_init_with_profile_option_never_overwrites(tmp_path: Path) -> None:
    d = tmp_path / "book"
    d.mkdir()
    (d / "mbr.toml").write_text(PROFILE, encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text(PROFILE.replace("Acme", "Other"), encoding="utf-8")
    res = invoke("init", str(d), "--profile", str(other))
    assert res.exit_code == 2 and "exists already" in res.stderr
    assert (d / "mbr.toml").read_text(encoding="utf-8") == PROFILE


def test_a_wrapped_bullet_is_one_bullet(sample_book: Path) -> None:
    """A note wrapped over several lines starts with "- " once; its other lines are indented."""
    res = invoke("--book", str(sample_book), "worksheet", "8606", "--year", "2026", env={"COLUMNS": "72"})
    notes = res.stdout.split("\nNotes:\n", 1)[1].splitlines()
    bullets = [ln for ln in notes if ln.startswith("- ")]
    assert len(bullets) >= 3
    assert all(ln.startswith(("- ", "    ")) and not ln.startswith("-   ") for ln in notes), notes
