"""`mbr report`'s verdict on stderr in the status colours, and `mbr capacity --born` checked against
--year (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mbr_ledger.cli import cli
from mbr_ledger.commands.capacity import born_in
from mbr_ledger.commands.report import coloured_verdict

RED, YELLOW, GREEN, RESET = "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[0m"


def invoke(*args: str, env: dict[str, str | None] | None = None, color: bool = False) -> Result:
    base: dict[str, str | None] = {"COLUMNS": None, "NO_COLOR": None}
    return CliRunner().invoke(cli, list(args), env={**base, **(env or {})}, color=color, catch_exceptions=False)


# ---------------------------------------------------------------- the verdict in colour


@pytest.mark.parametrize("year,word,colour", [
    (2026, "FAIL", RED),     # the sample household's 2026: two checks fail
    (2024, "WARN", YELLOW),  # no ledger rows in 2024: said, and never OK
    (2025, "OK", GREEN),     # every check passes, the 1099-R forms match
])
def test_report_verdict_in_its_colour_on_a_terminal(sample_book: Path, tmp_path: Path, year: int, word: str,
                                                    colour: str) -> None:
    res = invoke("--book", str(sample_book), "report", "--year", str(year), "--out", str(tmp_path / "r"),
                 color=True)
    assert res.exit_code == 0, res.output
    assert f"alex {year}: {colour}{word}{RESET}: " in res.stderr
    assert "\x1b[" not in res.stdout  # the paths written stay plain for scripts


def test_report_verdict_plain_when_piped_or_no_color(sample_book: Path, tmp_path: Path) -> None:
    res = invoke("--book", str(sample_book), "report", "--year", "2026", "--out", str(tmp_path / "a"))
    assert "\x1b[" not in res.stderr and "alex 2026: FAIL: 2 checks fail" in res.stderr
    res = invoke("--book", str(sample_book), "report", "--year", "2026", "--out", str(tmp_path / "b"),
                 env={"NO_COLOR": "1"}, color=True)
    assert "\x1b[" not in res.stderr and "alex 2026: FAIL: 2 checks fail" in res.stderr


def test_coloured_verdict_colours_the_first_word_only() -> None:
    assert coloured_verdict("WARN: 0 checks fail, 1 warn") == f"{YELLOW}WARN{RESET}: 0 checks fail, 1 warn"
    assert coloured_verdict("no verdict") == "no verdict"


# ---------------------------------------------------------------- --born against --year


def capacity(*args: str) -> Result:
    return invoke("capacity", "--year", "2026", "--salary", "150000", "--format", "json", *args)


def test_born_on_the_last_day_of_the_year_is_age_zero() -> None:
    """Born Dec 31, 2026: age 0 on Dec 31, 2026 (the age the catch-up reads, IRC 414(v)): no catch-up."""
    res = capacity("--born", "2026-12-31")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["catch_up_limit"] == "0.00"


@pytest.mark.parametrize("born,words", [
    ("2027-01-01", "2027-01-01 is after the tax year --year 2026 ends (Dec 31, 2026)"),
    ("2030-06-01", "is after the tax year --year 2026 ends"),
    ("2026-02-30", "impossible date"),
    ("soon", "not a date"),
])
def test_born_that_contradicts_the_year_is_refused(born: str, words: str) -> None:
    res = capacity("--born", born)
    assert res.exit_code == 2
    assert "Invalid value for '--born'" in res.stderr and words in res.stderr
    assert "Traceback" not in res.output and res.stdout == ""


def test_born_at_most_130_years_before_the_year() -> None:
    """The --age range is 0 to 130; a birth date giving more on Dec 31 of --year is refused the same way
    (the years with limits data are too recent to reach it, so the boundary is checked on born_in)."""
    import datetime as dt

    import click

    assert born_in(2030, "1900-01-01") == dt.date(1900, 1, 1)  # 130 on Dec 31, 2030
    with pytest.raises(click.BadParameter, match="age on Dec 31, 2031 131, over 130"):
        born_in(2031, "1900-12-31")
    res = invoke("capacity", "--year", "2031", "--salary", "150000", "--born", "1900-12-31")
    assert res.exit_code == 2 and "Invalid value for '--born'" in res.stderr
