"""`mbr project`: growth of yearly contributions, end or start of year, and the cost of conversion lag."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from mbr_ledger.cli import cli
from mbr_ledger.core.errors import MbrError
from mbr_ledger.rules.projection import lag_growth, parse_rate, project

D = Decimal


def mbr(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_end_of_year_contributions():
    # 1,000 a year at 10%: 1,000; 1,000 x 1.1 + 1,000 = 2,100; 2,100 x 1.1 + 1,000 = 3,310
    rows = [r.as_json() for r in project(D("1000"), 3, D("0.10")).rows]
    assert rows == [{"year": 1, "contributions": "1000.00", "value": "1000.00", "earnings": "0.00"},
                    {"year": 2, "contributions": "2000.00", "value": "2100.00", "earnings": "100.00"},
                    {"year": 3, "contributions": "3000.00", "value": "3310.00", "earnings": "310.00"}]


def test_start_of_year_contributions():
    # (0 + 1,000) x 1.1 = 1,100; (1,100 + 1,000) x 1.1 = 2,310; (2,310 + 1,000) x 1.1 = 3,641
    assert [r.as_json()["value"] for r in project(D("1000"), 3, D("0.10"), "start").rows] == [
        "1100.00", "2310.00", "3641.00"]


def test_rounding_happens_once_for_output():
    # 0.01 a year at 50%: exact values 0.01, 0.025, 0.0475, 0.08125 -> rounded half-up per row only
    vals = [r.as_json()["value"] for r in project(D("0.01"), 4, D("0.5")).rows]
    assert vals == ["0.01", "0.03", "0.05", "0.08"]
    assert project(D("0.01"), 4, D("0.5")).rows[-1].value == D("0.08125")


def test_lag_and_unconverted_tax():
    # a whole year of lag at 10% earns 10% of each contribution: 100 a year; at 30% that is 30 of tax a year
    p = project(D("1000"), 2, D("0.10"), marginal_rate=D("0.30"), lag_days=365)
    rows = [r.as_json() for r in p.rows]
    assert [(r["lag_earnings"], r["lag_tax"]) for r in rows] == [("100.00", "30.00"), ("200.00", "60.00")]
    # never converted: earnings of 100.00 after year 2, taxed at 30%
    assert [r["tax_if_unconverted"] for r in rows] == ["0.00", "30.00"]
    assert lag_growth(D("0.10"), 0) == 0 and lag_growth(D("0"), 30) == 0
    # 30 days at 7%: 1.07 ** (30/365) - 1 = exp(0.0676586 x 30/365) - 1 = 0.00557648
    assert round(lag_growth(D("0.07"), 30), 7) == D("0.0055765")


def test_parse_rate():
    assert parse_rate("0.07") == D("0.07") and parse_rate("7%") == D("0.07") and parse_rate("-0.5") == D("-0.5")
    with pytest.raises(MbrError, match="write 7% for seven percent"):
        parse_rate("7")
    with pytest.raises(MbrError, match="not a rate"):
        parse_rate("seven")


def test_cli_json_and_table():
    res = mbr("project", "--annual", "42700", "--years", "2", "--rate", "7%", "--format", "json")
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["rows"] == [{"year": 1, "contributions": "42700.00", "value": "42700.00", "earnings": "0.00"},
                           {"year": 2, "contributions": "85400.00", "value": "88389.00", "earnings": "2989.00"}]
    res = mbr("project", "--annual", "1000", "--years", "2", "--rate", "0.10", "--timing", "start",
              "--marginal-rate", "0.30", "--lag-days", "365")
    assert res.exit_code == 0
    assert "lag_tax" in res.stdout and "2,310.00" in res.stdout and "60.00" in res.stdout
    res = mbr("project", "--annual", "1000", "--years", "2", "--rate", "0.10", "--format", "csv")
    assert res.stdout.splitlines()[0] == "year,contributions,value,earnings"
    assert res.stdout.splitlines()[2] == "2,2000.00,2100.00,100.00"


@pytest.mark.parametrize("args,msg", [
    (["--annual", "1000", "--years", "0", "--rate", "0.05"], "'--years': 0 is not in the range 1<=x<=100"),
    (["--annual", "1000", "--years", "3", "--rate", "5"], "write 7% for seven percent"),
    (["--annual", "ten", "--years", "3", "--rate", "0.05"], "--annual"),
    (["--annual", "1000", "--years", "3", "--rate", "0.05", "--marginal-rate", "1.5"], "--marginal-rate"),
])
def test_cli_bad_usage(args, msg):
    res = mbr("project", *args)
    assert res.exit_code == 2 and msg in res.stderr
