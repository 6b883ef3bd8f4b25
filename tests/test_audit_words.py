"""The audit in the situations of issue 15: payroll rows with pay but no plan money, the words of
every limit check on both sides of its limit, one kind of scope per check, flags as yes/no, and a
person-year with no ledger rows at all (`no_rows`).

Figures by hand, exact to the cent; the helpers build frames as tests/test_audit.py does.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from mbr_ledger.rules import audit as A
from mbr_ledger.rules.findings import Finding

from conftest import run
from test_audit import ACME, BETA, IRAS, born_for, data, ev, figures, one, pay, profile, w2

D = Decimal


def no_money(date: str, plan: str = "acme", comp: str = "5000", empty: bool = False) -> dict[str, Any]:
    """A paycheck with pay and no plan money: every deferral and employer column 0 (or empty)."""
    r = pay(date, plan, comp)
    if empty:
        for col in ("pretax_401k", "roth_401k", "after_tax_401k", "employer_match", "employer_nonelective"):
            r[col] = None
    return r


# ---------------------------------------------------------------------------- 1. pay without plan money


@pytest.mark.parametrize("empty", [False, True], ids=["zeros", "empty"])
def test_deposit_match_pay_without_plan_money_gives_no_finding(empty):
    prof = profile(ACME, born=born_for(40, 2026))
    rows = [no_money("2026-01-09", empty=empty), no_money("2026-01-23", empty=empty)]
    assert A.check_deposit_match(data(prof, 2026, rows)) == []
    found = A.run_checks(data(prof, 2026, rows))     # no other check trips over such rows either
    assert all(f.status != "fail" for f in found)


def test_deposit_match_pay_without_plan_money_still_sees_an_unexplained_deposit():
    prof = profile(ACME, born=born_for(40, 2026))
    rows = [no_money("2026-01-09"), no_money("2026-01-23", empty=True)]
    evs = [ev("2026-01-12", "acme", "contribution", "after_tax", "300")]
    f = one(A.check_deposit_match(data(prof, 2026, rows, evs)), "deposit_match")
    assert figures(f) == ("warn", None, "0.00", "0.00")
    assert [p["kind"] for p in f.as_json()["problems"]] == ["unexplained"]
    assert "pay but no plan money on 2 paycheck(s) of 2026" in f.message
    assert "deposit 300.00 after_tax on 2026-01-12 matches no paycheck" in f.message


def test_deposit_match_counts_the_paychecks_with_money_when_others_have_none():
    prof = profile(ACME, born=born_for(40, 2026))
    rows = [no_money("2026-01-09"), pay("2026-01-23", "acme", "5000", pretax="400.01")]
    evs = [ev("2026-01-26", "acme", "contribution", "pretax", "400.01")]
    f = one(A.check_deposit_match(data(prof, 2026, rows, evs)), "deposit_match")
    assert figures(f) == ("ok", None, "400.01", "0.00")
    assert f.message.startswith("All 1 payroll amounts of 1 paychecks (400.01) reached the plan")


def test_audit_command_on_pay_without_plan_money(make_book, tmp_path):
    book = make_book()
    path = tmp_path / "payroll.csv"
    path.write_text("pay_date,person,plan,gross_pay,plan_compensation,fica_wages,pretax_401k,roth_401k,"
                    "after_tax_401k,employer_match,employer_nonelective\n"
                    "2026-01-09,alex,acme,5000.00,5000.00,5000.00,0,0,0,0,0\n"
                    "2026-01-23,alex,acme,5000.00,5000.00,5000.00,0.00,0.00,0.00,0.00,\n", encoding="utf-8")
    res = run(book, "import", str(path))
    assert res.exit_code == 0, res.output
    res = run(book, "audit", "--year", "2026", "--format", "json")
    assert res.exit_code == 0, res.output
    ids = [c["id"] for c in json.loads(res.stdout)["checks"]]
    assert "deposit_match" not in ids
