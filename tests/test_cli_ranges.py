"""Every numeric option has a range click checks: out of range is exit 2 with a one-line error, never a
traceback (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mbr_ledger.cli import cli

BIG = "9" * 20

# (command line, the option the error names, words of the error)
REFUSED = [
    (["limits", "--year", "0"], "--year", "1900<=x<=2100"),
    (["limits", "--year", BIG], "--year", "1900<=x<=2100"),
    (["ledger", "--year", "0"], "--year", "1900<=x<=2100"),
    (["ledger", "--year", BIG], "--year", "1900<=x<=2100"),
    (["ledger", "--year", "-5"], "--year", "1900<=x<=2100"),
    (["audit", "--year", "0"], "--year", "1900<=x<=2100"),
    (["audit", "--year", BIG], "--year", "1900<=x<=2100"),
    (["worksheet", "1099r", "--year", "0"], "--year", "1900<=x<=2100"),
    (["worksheet", "8606", "--year", BIG], "--year", "1900<=x<=2100"),
    (["worksheet", "lots", "--year", "-4"], "--year", "1900<=x<=2100"),
    (["report", "--year", "0", "--out", "x"], "--year", "1900<=x<=2100"),
    (["capacity", "--year", "0", "--salary", "100000"], "--year", "1900<=x<=2100"),
    (["capacity", "--year", "2026", "--salary", "9" * 32], "--salary", "at most 10,000,000,000,000"),
    (["capacity", "--year", "2026", "--salary", "-5"], "--salary", "must not be negative"),
    (["capacity", "--year", "2026", "--salary", "abc"], "--salary", "not an amount"),
    (["capacity", "--year", "2026", "--salary", "1000", "--deferral", "9" * 32], "--deferral", "at most"),
    (["capacity", "--year", "2026", "--salary", "1000", "--employer-amount", "9" * 32], "--employer-amount",
     "at most"),
    (["capacity", "--year", "2026", "--salary", "1000", "--after-tax-cap", "9" * 32], "--after-tax-cap", "at most"),
    (["capacity", "--year", "2026", "--salary", "1000", "--match-pct", "1e400"], "--match-pct", "0 to 100"),
    (["capacity", "--year", "2026", "--salary", "1000", "--match-pct", "101%"], "--match-pct", "0 to 100"),
    (["capacity", "--year", "2026", "--salary", "1000", "--after-tax-cap-pct", "nan"], "--after-tax-cap-pct",
     "0 to 100"),
    (["capacity", "--year", "2026", "--salary", "1000", "--age", "131"], "--age", "0<=x<=130"),
    (["capacity", "--year", "2026", "--salary", "1000", "--paychecks", "367"], "--paychecks", "0<=x<=366"),
    (["project", "--annual", "1000", "--years", "1000", "--rate", "0.07"], "--years", "1<=x<=100"),
    (["project", "--annual", "1000", "--years", "1000000", "--rate", "0.07"], "--years", "1<=x<=100"),
    (["project", "--annual", "1000", "--years", "0", "--rate", "0.07"], "--years", "1<=x<=100"),
    (["project", "--annual", "1000", "--years", "10", "--rate", "1e400%"], "--rate", "from -99% to 100%"),
    (["project", "--annual", "1000", "--years", "10", "--rate", "-100%"], "--rate", "from -99% to 100%"),
    (["project", "--annual", "1000", "--years", "10", "--rate", "7"], "--rate", "write 7% for seven percent"),
    (["project", "--annual", "9" * 32, "--years", "10", "--rate", "0.07"], "--annual", "at most"),
    (["project", "--annual", "1000", "--years", "10", "--rate", "0.07", "--marginal-rate", "150%"],
     "--marginal-rate", "from 0% to 100%"),
    (["project", "--annual", "1000", "--years", "10", "--rate", "0.07", "--lag-days", "99999"], "--lag-days",
     "0<=x<=3660"),
]


@pytest.mark.parametrize(("args", "option", "words"), REFUSED, ids=[" ".join(a)[:60] for a, _, _ in REFUSED])
def test_out_of_range_is_refused_by_click(tmp_path: Path, args: list[str], option: str, words: str) -> None:
    res = CliRunner().invoke(cli, ["--book", str(tmp_path), *args], catch_exceptions=False)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, res.stderr
    assert f"'{option}'" in errors[0] and words in errors[0], errors[0]


def test_largest_values_in_range_still_work(tmp_path: Path) -> None:
    top = "10000000000000"
    res = CliRunner().invoke(cli, ["capacity", "--year", "2026", "--salary", top, "--employer-amount", top,
                                   "--after-tax-cap", top, "--format", "json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(cli, ["project", "--annual", "1000", "--years", "100", "--rate", "0.07"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output


def test_a_projection_too_large_to_show_is_refused(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["project", "--annual", "10000000000000", "--years", "100", "--rate", "100%"],
                             catch_exceptions=False)
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert "grows past" in res.stderr
