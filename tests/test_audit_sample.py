"""The audit of the sample household (sample_data/README.md, "Audit"), every status and figure pinned.

Figures by hand from the README and the CSV files:

2025 (age 50, limits 23,500 + 7,500; 415(c) 70,000; IRA 7,000 + 1,000):
- 402g: 26 checks of pre-tax, 31,000.00, exactly at 31,000.00.
- 415c acme: 23,500.00 (31,000 less the 7,500 catch-up) + 8,400.00 match + 31,500.00 after-tax = 63,400.00.
- plan_after_tax_cap acme: 20% x 210,000.00 = 42,000.00 against 31,500.00.
- deposit_match acme: 31,000 + 31,500 + 8,400 = 70,900.00 of payroll, all deposited.
- conversion_lag acme: 26 lots, 1-2 days, 65.65 of earnings.
- backdoor_pro_rata: traditional IRA 0.00 at Dec 31; 3.12 taxable.

2026 (age 51, limits 24,500 + 8,000; 415(c) 72,000; IRA 7,500 + 1,100):
- 402g: 26,000 (Acme) + 6,000 + 6,000 (Beta) = 38,000.00 against 32,500.00: 5,500.00 over, by 2027-04-15.
- 415c acme: 24,500 + 4,200 + 15,750 = 44,450.00. Beta: its 12,000 of deferrals are 6,500 catch-up (the rest of
  alex's 8,000) and 5,500 excess (paid out), so 0 + 3,600 + 12,000 = 15,600.00 (README: the status is what counts).
- catch_up_roth acme: 2025 W-2 box 3 176,100.00 > 150,000.00; pre-tax 26,000.00 > 24,500.00: 1,500.00.
  Beta: first paycheck 2026-07-15, a new hire: not subject.
- plan_after_tax_cap beta: 10% x 120,000.00 = 12,000.00, exactly at the cap.
- after_tax_unconverted beta: 5,000.00 basis + 41.15 earnings = 5,041.15; 41.15 x 0.32 = 13.168 -> 13.17.
- conversion_lag acme: the 2026-06-23 lot converted 2026-07-27, 34 days, 17.91 of earnings; 17.91 x 0.32 = 5.73.
- deposit_match beta: 1,000.00 after-tax of 2026-09-15 never deposited, of 27,600.00 of payroll.
- w2_box12 beta: D 6,500.00 + AA 6,000.00 = 12,500.00 against 12,000.00: 500.00.
- backdoor_pro_rata: 30.20 taxable, 24.79 of it from the pro-rata rule (alex-trad 24.87 at Dec 31).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from conftest import run

# (id, scope) -> (status, limit, amount, excess)
EXPECTED_2025 = {
    ("402g", "alex"): ("ok", "31000.00", "31000.00", "0.00"),
    ("415c", "acme"): ("ok", "70000.00", "63400.00", "0.00"),
    ("catch_up_roth", "acme"): ("info", "23500.00", "31000.00", None),
    ("comp_limit", "acme"): ("ok", "350000.00", "210000.00", "0.00"),
    ("plan_after_tax_cap", "acme"): ("ok", "42000.00", "31500.00", "0.00"),
    ("after_tax_unconverted", "acme"): ("ok", None, "0.00", None),
    ("conversion_lag", "acme"): ("info", None, "65.65", None),
    ("deposit_match", "acme"): ("ok", None, "70900.00", "0.00"),
    ("w2_box12", "acme"): ("ok", "31000.00", "31000.00", "0.00"),
    ("ira_limit", "alex"): ("ok", "8000.00", "8000.00", "0.00"),
    ("backdoor_pro_rata", "alex"): ("ok", None, "3.12", "0.00"),
    ("acp_risk", "acme"): ("info", None, "31500.00", None),
}

EXPECTED_2026 = {
    ("402g", "alex"): ("fail", "32500.00", "38000.00", "5500.00"),
    ("415c", "acme"): ("ok", "72000.00", "44450.00", "0.00"),
    ("415c", "beta"): ("ok", "72000.00", "15600.00", "0.00"),
    ("catch_up_roth", "acme"): ("fail", "24500.00", "26000.00", "1500.00"),
    ("catch_up_roth", "beta"): ("ok", "24500.00", "6000.00", "0.00"),
    ("comp_limit", "acme"): ("ok", "360000.00", "105000.00", "0.00"),
    ("comp_limit", "beta"): ("ok", "360000.00", "120000.00", "0.00"),
    ("plan_after_tax_cap", "acme"): ("ok", "21000.00", "15750.00", "0.00"),
    ("plan_after_tax_cap", "beta"): ("ok", "12000.00", "12000.00", "0.00"),
    ("after_tax_unconverted", "acme"): ("ok", None, "0.00", None),
    ("after_tax_unconverted", "beta"): ("warn", None, "5041.15", None),
    ("conversion_lag", "acme"): ("warn", None, "17.91", None),
    ("conversion_lag", "beta"): ("warn", None, "22.62", None),
    ("deposit_match", "acme"): ("ok", None, "45950.00", "0.00"),
    ("deposit_match", "beta"): ("warn", None, "27600.00", "1000.00"),
    ("w2_box12", "acme"): ("ok", "26000.00", "26000.00", "0.00"),
    ("w2_box12", "beta"): ("warn", "12000.00", "12500.00", "500.00"),
    ("ira_limit", "alex"): ("ok", "8600.00", "8600.00", "0.00"),
    ("backdoor_pro_rata", "alex"): ("warn", None, "30.20", "24.79"),
    ("acp_risk", "acme"): ("info", None, "15750.00", None),
    ("acp_risk", "beta"): ("info", None, "12000.00", None),
}


def has_row(rows: list[str], suffix: str) -> bool:
    """The fixture imports by absolute path: rows are `<path>/sample_data/<file>:<line>`."""
    return any(r.endswith(suffix) for r in rows)


def audit(book, year: int) -> tuple[dict[str, Any], int]:
    res = run(book, "audit", "--year", str(year), "--person", "alex", "--format", "json")
    return json.loads(res.stdout), res.exit_code


def by_key(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for c in doc["checks"]:
        assert (c["id"], c["scope"]) not in out
        out[(c["id"], c["scope"])] = c
    return out


@pytest.mark.parametrize("year,expected,code", [(2025, EXPECTED_2025, 0), (2026, EXPECTED_2026, 1)])
def test_sample_audit_statuses_and_figures(sample_book, year, expected, code):
    doc, exit_code = audit(sample_book, year)
    assert exit_code == code
    assert (doc["year"], doc["person"]) == (year, "alex")
    got = {k: (c["status"], c["limit"], c["amount"], c["excess"]) for k, c in by_key(doc).items()}
    assert got == expected
    for c in doc["checks"]:
        assert {"id", "status", "scope", "limit", "amount", "excess", "message"} <= set(c)
        assert c["message"]


def test_sample_2026_details(sample_book):
    doc, _ = audit(sample_book, 2026)
    c = by_key(doc)
    g = c[("402g", "alex")]
    assert g["deadline"] == "2027-04-15" and "code P" in g["fix"] and "code 8" in g["fix"]
    assert has_row(g["rows"], "sample_data/payroll-beta-2026.csv:2")
    cu = c[("catch_up_roth", "acme")]
    assert cu["prior_year_fica_wages"] == "176100.00" and has_row(cu["rows"], "sample_data/w2-2025.csv:2")
    un = c[("after_tax_unconverted", "beta")]
    assert (un["basis"], un["earnings"], un["tax_on_earnings"]) == ("5000.00", "41.15", "13.17")
    lag = c[("conversion_lag", "acme")]
    slow = [lot for lot in lag["lots"] if lot["days"] > 30]
    assert len(slow) == 1
    assert slow[0]["row"].endswith("sample_data/activity-acme-2026.csv:64")
    assert slow[0]["conversion_row"].endswith("sample_data/activity-acme-2026.csv:67")
    assert {k: v for k, v in slow[0].items() if "row" not in k} == {
        "contributed_on": "2026-06-23", "converted_on": "2026-07-27", "days": 34, "basis": "1211.52",
        "earnings": "17.91", "destination": "roth_401k"}
    assert lag["earnings"] == "41.56" and "5.73 of tax" in lag["message"]
    beta_lag = c[("conversion_lag", "beta")]
    assert sorted(lot["days"] for lot in beta_lag["lots"]) == [3, 6, 17, 21, 35, 51]
    assert beta_lag["open_at_year_end"] == 5
    dep = c[("deposit_match", "beta")]
    assert [(p["kind"], p["pay_date"], p["source"], p["payroll_amount"]) for p in dep["problems"]] == [
        ("missing", "2026-09-15", "after_tax", "1000.00")]
    assert len(dep["rows"]) == 1 and has_row(dep["rows"], "sample_data/payroll-beta-2026.csv:6")
    bd = c[("backdoor_pro_rata", "alex")]
    assert bd["accounts"] == ["alex-trad"] and bd["dec31_traditional_value"] == "24.87"
    assert has_row(bd["rows"], "sample_data/activity-beta-2026.csv:34")
    assert c[("acp_risk", "acme")]["hce"] is True and c[("acp_risk", "beta")]["hce"] is False
    assert doc["summary"] == {"fail": 2, "warn": 6, "info": 2, "ok": 11}


def test_sample_table_output(sample_book):
    res = run(sample_book, "audit", "--year", "2026")
    assert res.exit_code == 1
    out = res.stdout
    for status in ("FAIL", "WARN", "INFO", "OK"):
        assert f"\n{status} " in out
    assert "Verdict 2026: 2 check(s) FAIL" in out
    assert "By: 2027-04-15" in out
    assert re.search(r"Rows: \S*sample_data/payroll-acme-2026.csv:2-14; \S*sample_data/payroll-beta-2026.csv:2-13\n",
                     out)
    assert "best knowledge" in out and "Not tax advice" in out
    res = run(sample_book, "audit", "--year", "2025")
    assert res.exit_code == 0 and "Verdict 2025: all clear (0 fail, 0 warn, 3 info, 9 ok)." in res.stdout


def test_audit_bad_usage(sample_book):
    res = run(sample_book, "audit", "--year", "2026", "--person", "bob")
    assert res.exit_code == 2 and "unknown person" in res.stderr
    res = run(sample_book, "audit", "--year", "2031")
    assert res.exit_code == 2 and "no limits for 2031" in res.stderr
