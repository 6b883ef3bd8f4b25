"""The year-end audit checks, each pinned on both sides of its threshold, exact to the cent.

The checks are pure functions over frames: most tests build the frames by hand (`pay`, `ev`,
`w2` below) and call one check. The lot-based checks read the lots engine and are tested on books
(see also tests/test_audit_sample.py for the sample household).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import tomllib
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from mbr_ledger.core.money import to_cents
from mbr_ledger.core.schema import TABLES
from mbr_ledger.limits import limits_for
from mbr_ledger.profile import Profile, parse_profile
from mbr_ledger.rules import audit as A
from mbr_ledger.rules.findings import Finding

from conftest import run

D = Decimal
_line = itertools.count(2)


def c(text: str | int) -> int:
    return to_cents(D(str(text).replace(",", "")))


def profile(plans: str = "", born: str = "1980-06-01", person_extra: str = "", extra: str = "") -> Profile:
    text = f'[[person]]\nid = "alex"\nborn = "{born}"\n{person_extra}\n{plans}\n{extra}'
    return parse_profile(tomllib.loads(text))


ACME = '[[plan]]\nid = "acme"\nperson = "alex"\nemployer = "Acme Corp"\n'
BETA = '[[plan]]\nid = "beta"\nperson = "alex"\nemployer = "Beta Labs"\n'
IRAS = ('[[ira]]\nid = "alex-trad"\nperson = "alex"\ntype = "traditional"\n'
        '[[ira]]\nid = "alex-roth"\nperson = "alex"\ntype = "roth"\n')


def born_for(age: int, year: int) -> str:
    """A birth date that makes the person `age` on Dec 31 of `year`."""
    return f"{year - age}-06-01"


def pay(date: str, plan: str, comp: str, pretax: str = "0", roth: str = "0", after: str = "0", match: str = "0",
        nonel: str = "0", fica: str | None = None) -> dict[str, Any]:
    return {"pay_date": dt.date.fromisoformat(date), "person": "alex", "plan": plan, "gross_pay": c(comp),
            "plan_compensation": c(comp), "fica_wages": c(fica if fica is not None else comp),
            "pretax_401k": c(pretax), "roth_401k": c(roth), "after_tax_401k": c(after), "employer_match": c(match),
            "employer_nonelective": c(nonel), "source_file": f"payroll-{plan}.csv", "source_sha256": "x",
            "source_line": next(_line)}


def ev(date: str, account: str, kind: str, source: str | None, amount: str, for_year: int | None = None,
       destination: str | None = None) -> dict[str, Any]:
    amt = c(amount)
    if kind in ("fee", "conversion", "rollover", "distribution"):
        amt = -amt
    return {"date": dt.date.fromisoformat(date), "person": "alex", "account": account, "kind": kind,
            "source": source, "amount": amt, "basis": None, "taxable": None, "destination": destination,
            "for_year": for_year, "memo": None, "fund": None, "shares": None, "source_file": f"activity-{account}.csv",
            "source_sha256": "x", "source_line": next(_line)}


def w2(year: int, plan: str, box1: str, box3: str, d: str = "0", aa: str = "0") -> dict[str, Any]:
    return {"tax_year": year, "person": "alex", "plan": plan, "box1": c(box1), "box3": c(box3), "box12_d": c(d),
            "box12_aa": c(aa), "source_file": "w2.csv", "source_sha256": "x", "source_line": next(_line)}


def frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    cols = {**TABLES[table].columns, "source_file": pl.String, "source_sha256": pl.String, "source_line": pl.Int64}
    return pl.DataFrame([{k: r.get(k) for k in cols} for r in rows], schema=cols, orient="row")


def data(prof: Profile, year: int, payroll: list[dict[str, Any]] = (), events: list[dict[str, Any]] = (),  # type: ignore[assignment]
         forms: list[dict[str, Any]] = ()) -> A.AuditData:  # type: ignore[assignment]
    try:
        prior = limits_for(year - 1)
    except Exception:
        prior = None
    return A.AuditData(prof, prof.person("alex"), year, limits_for(year), frame("payroll", list(payroll)),
                       frame("events", list(events)), frame("w2", list(forms)), prior_limits=prior)


def biweekly(year: int, plan: str, n: int, start: str | None = None, **amounts: str) -> list[dict[str, Any]]:
    """`n` paychecks 14 days apart from `start` (default: the first Friday of the year)."""
    day = dt.date.fromisoformat(start) if start else dt.date(year, 1, 1)
    while start is None and day.weekday() != 4:
        day += dt.timedelta(days=1)
    return [pay((day + dt.timedelta(days=14 * i)).isoformat(), plan, **amounts) for i in range(n)]


def one(findings: list[Finding], check: str, scope: str | None = None) -> Finding:
    got = [f for f in findings if f.id == check and (scope is None or f.scope == scope)]
    assert len(got) == 1, [(f.id, f.scope, f.status) for f in findings]
    return got[0]


def figures(f: Finding) -> tuple[str, str | None, str | None, str | None]:
    j = f.as_json()
    return j["status"], j["limit"], j["amount"], j["excess"]


# ---------------------------------------------------------------------------- 402(g)


@pytest.mark.parametrize("year,age,limit", [
    (2025, 49, "23500.00"), (2025, 50, "31000.00"), (2025, 59, "31000.00"), (2025, 60, "34750.00"),
    (2025, 63, "34750.00"), (2025, 64, "31000.00"),
    (2026, 49, "24500.00"), (2026, 50, "32500.00"), (2026, 59, "32500.00"), (2026, 60, "35750.00"),
    (2026, 63, "35750.00"), (2026, 64, "32500.00"),
    (2024, 60, "30500.00"),  # no age 60-63 catch-up before 2025
])
def test_402g_age_boundaries_both_sides(year, age, limit):
    prof = profile(ACME, born=born_for(age, year))
    at = D(limit)
    ok = A.check_402g(data(prof, year, [pay(f"{year}-03-14", "acme", "200000", pretax=str(at))]))
    assert figures(one(ok, "402g")) == ("ok", limit, limit, "0.00")
    over = A.check_402g(data(prof, year, [pay(f"{year}-03-14", "acme", "200000", pretax=str(at - 1),
                                              roth="1.01")]))
    f = one(over, "402g")
    assert figures(f) == ("fail", limit, str(at + D("0.01")), "0.01")
    assert f.deadline == dt.date(year + 1, 4, 15)
    assert "code P" in f.fix and "code 8" in f.fix


def test_402g_two_employers_job_change_and_after_tax_not_counted():
    prof = profile(ACME + BETA, born=born_for(40, 2026))
    rows = (biweekly(2026, "acme", 10, comp="5000", pretax="2000", after="900")      # 20,000 Jan-May
            + biweekly(2026, "beta", 10, start="2026-07-10", comp="6000", roth="1000", after="2000"))  # 10,000
    f = one(A.check_402g(data(prof, 2026, rows)), "402g")
    assert figures(f) == ("fail", "24500.00", "30000.00", "5500.00")
    assert "job-change" in f.message
    assert f.fix.startswith("Ask the plan (beta)")
    j = f.as_json()
    assert j["by_plan"] == {"acme": "20000.00", "beta": "10000.00"}
    assert j["split"]["beta"] == {"deferrals": "10000.00", "regular": "4500.00", "catch_up": "0.00",
                                  "excess": "5500.00"}
    assert j["deadline"] == "2027-04-15"
    assert "payroll-beta.csv" in " ".join(f.rows) and "payroll-acme.csv" in " ".join(f.rows)


def test_402g_from_deposits_when_a_plan_has_no_payroll():
    prof = profile(ACME, born=born_for(40, 2025))
    evs = [ev("2025-02-03", "acme", "contribution", "pretax", "20000"),
           ev("2025-09-03", "acme", "contribution", "roth", "3500.01"),
           ev("2025-09-03", "acme", "contribution", "after_tax", "9000")]
    f = one(A.check_402g(data(prof, 2025, events=evs)), "402g")
    assert figures(f) == ("fail", "23500.00", "23500.01", "0.01")
    assert f.rows == ["activity-acme.csv:" + str(evs[0]["source_line"]),
                      "activity-acme.csv:" + str(evs[1]["source_line"])]


# ---------------------------------------------------------------------------- 415(c)


def test_415c_excludes_catch_up_both_sides():
    """Age 50 in 2025: 31,000 deferrals, 7,500 of them catch-up, which 415(c) does not count."""
    prof = profile(ACME, born=born_for(50, 2025))
    base = dict(comp="8000", pretax="1192.31", match="323.08")
    rows = biweekly(2025, "acme", 25, **base, after="1464.00") + [
        pay("2025-12-26", "acme", "10000", pretax="1192.25", match="323.00", after="1500.00")]
    # deferrals 31,000.00 (23,500 regular + 7,500 catch-up), match 8,400.00, after-tax 25 x 1,464 + 1,500 = 38,100
    f = one(A.check_415c(data(prof, 2025, rows)), "415c")
    assert figures(f) == ("ok", "70000.00", "70000.00", "0.00")
    assert f.as_json()["catch_up"] == "7500.00"
    rows[-1] = pay("2025-12-26", "acme", "10000", pretax="1192.25", match="323.00", after="1500.01")
    f = one(A.check_415c(data(prof, 2025, rows)), "415c")
    assert figures(f) == ("fail", "70000.00", "70000.01", "0.01")
    assert "EPCRS" in f.fix and "after-tax contributions are returned first" in f.fix and "code E" in f.fix
    assert f.best_knowledge


def test_415c_two_plans_of_one_employer_group_share_one_limit_and_pay_counts_once():
    plans = ACME + 'employer_group = "acme"\n' + (
        '[[plan]]\nid = "acme-supp"\nperson = "alex"\nemployer = "Acme Corp"\nemployer_group = "acme"\n')
    prof = profile(plans, born=born_for(40, 2026))
    rows = [pay("2026-06-30", "acme", "100000", pretax="24500", match="5000"),
            pay("2026-06-30", "acme-supp", "100000", after="42500"),
            pay("2026-12-31", "acme", "100000"), pay("2026-12-31", "acme-supp", "100000")]
    f = one(A.check_415c(data(prof, 2026, rows)), "415c", "acme")
    assert figures(f) == ("ok", "72000.00", "72000.00", "0.00")
    assert f.as_json()["compensation"] == "200000.00"   # the same paychecks on two plans count once
    rows[1] = pay("2026-06-30", "acme-supp", "100000", after="42500.01")
    assert figures(one(A.check_415c(data(prof, 2026, rows)), "415c", "acme")) == (
        "fail", "72000.00", "72000.01", "0.01")


def test_415c_unrelated_employers_each_get_a_limit():
    prof = profile(ACME + BETA, born=born_for(40, 2026))
    rows = [pay("2026-03-31", "acme", "120000", pretax="12000", after="60000"),
            pay("2026-09-30", "beta", "120000", pretax="12000", after="60000")]
    found = A.check_415c(data(prof, 2026, rows))
    assert figures(one(found, "415c", "Acme Corp")) == ("ok", "72000.00", "72000.00", "0.00")
    assert figures(one(found, "415c", "Beta Labs")) == ("ok", "72000.00", "72000.00", "0.00")


def test_415c_part_time_year_100_percent_of_pay_binds():
    prof = profile(ACME, born=born_for(40, 2026))
    rows = [pay("2026-05-15", "acme", "15000", pretax="10000", match="300"),
            pay("2026-05-29", "acme", "15000", after="19700")]
    f = one(A.check_415c(data(prof, 2026, rows)), "415c")
    assert figures(f) == ("ok", "30000.00", "30000.00", "0.00")
    assert "100% of compensation 30,000.00" in f.message
    rows[1] = pay("2026-05-29", "acme", "15000", after="19700.01")
    assert figures(one(A.check_415c(data(prof, 2026, rows)), "415c")) == ("fail", "30000.00", "30000.01", "0.01")


def test_415c_counts_employer_deposits_no_paycheck_explains():
    prof = profile(ACME, born=born_for(40, 2026))
    rows = [pay("2026-06-30", "acme", "200000", pretax="24500", match="4000", after="40000")]
    evs = [ev("2026-07-01", "acme", "contribution", "pretax", "24500"),
           ev("2026-07-01", "acme", "contribution", "match", "4000"),
           ev("2026-07-01", "acme", "contribution", "after_tax", "40000"),
           ev("2026-12-31", "acme", "contribution", "nonelective", "3500.01")]  # a profit-sharing deposit
    f = one(A.check_415c(data(prof, 2026, rows, evs)), "415c")
    assert figures(f) == ("fail", "72000.00", "72000.01", "0.01")


# ---------------------------------------------------------------------------- Roth catch-up (2026)


def catch_up_case(box3: str | None = None, prior_pay: list[dict[str, Any]] = (), first: str = "2026-01-09",  # type: ignore[assignment]
                  pretax: str = "2000", roth: str = "0", age: int = 55, year: int = 2026,
                  last_pretax: str | None = None) -> Finding | None:
    prof = profile(ACME, born=born_for(age, year))
    rows = list(prior_pay) + biweekly(year, "acme", 13, start=first, comp="10000", pretax=pretax, roth=roth)
    if last_pretax is not None:
        rows[-1] = pay(rows[-1]["pay_date"].isoformat(), "acme", "10000", pretax=last_pretax, roth=roth)
    forms = [w2(year - 1, "acme", "150000", box3)] if box3 is not None else []
    found = A.check_catch_up_roth(data(prof, year, rows, forms=forms))
    return found[0] if found else None


def test_catch_up_roth_threshold_is_strictly_above():
    at = catch_up_case(box3="150000.00")   # 26,000 pre-tax, 1,500 of it catch-up
    assert at is not None and figures(at) == ("ok", "24500.00", "26000.00", "0.00")
    assert "not above" in at.message
    over = catch_up_case(box3="150000.01")
    assert over is not None and figures(over) == ("fail", "24500.00", "26000.00", "1500.00")
    assert "w2.csv" in " ".join(over.rows)


def test_catch_up_roth_high_earner_pre_tax_catch_up_fails_roth_catch_up_passes():
    f = catch_up_case(box3="176100.00")
    assert f is not None and f.status == "fail" and f.as_json()["pre_tax_catch_up"] == "1500.00"
    assert "T.D. 10033" in f.fix
    # Catch-up made as Roth: 19,500 pre-tax + 6,500 Roth.
    ok = catch_up_case(box3="176100.00", pretax="1500", roth="500")
    assert ok is not None and figures(ok) == ("ok", "24500.00", "19500.00", "0.00")
    # Pre-tax exactly at 24,500.00 (12 x 1,884.62 + 1,884.56) with a Roth catch-up: ok; one cent more fails.
    at = catch_up_case(box3="176100.00", pretax="1884.62", roth="100", last_pretax="1884.56")
    assert at is not None and figures(at) == ("ok", "24500.00", "24500.00", "0.00")
    f2 = catch_up_case(box3="176100.00", pretax="1884.62", roth="100", last_pretax="1884.57")
    assert f2 is not None and figures(f2) == ("fail", "24500.00", "24500.01", "0.01")


def test_catch_up_roth_prior_year_wages_from_payroll_rows():
    prior = [pay("2025-06-30", "acme", "75000", fica="75000"), pay("2025-12-31", "acme", "75000.01", fica="75000.01")]
    f = catch_up_case(prior_pay=prior)
    assert f is not None and f.status == "fail"
    assert f.as_json()["prior_year_fica_wages"] == "150000.01" and "payroll fica_wages" in f.message
    prior[-1] = pay("2025-12-31", "acme", "75000", fica="75000")
    f = catch_up_case(prior_pay=prior)
    assert f is not None and f.status == "ok"


def test_catch_up_roth_new_hire_not_subject_and_unknown_prior_year_warns():
    hire = catch_up_case(first="2026-07-10")
    assert hire is not None and hire.status == "ok" and "new hire" in hire.message
    unknown = catch_up_case(first="2026-01-09")
    assert unknown is not None and unknown.status == "warn"
    assert "W-2 box 3 for 2025 from Acme Corp" in unknown.message


def test_catch_up_roth_transition_years_info_and_under_50_left_out():
    f = catch_up_case(box3="176100.00", year=2025, first="2025-01-10", pretax="2400")  # 31,200 pre-tax
    assert f is not None and f.status == "info" and "transition" in f.message
    assert f.as_json()["pre_tax_catch_up"] == "7500.00"
    assert catch_up_case(box3="176100.00", age=49) is None


# ---------------------------------------------------------------------------- 401(a)(17)


def test_comp_limit_match_after_pay_passed_the_limit_warns():
    prof = profile(ACME, born=born_for(40, 2026))
    rows = biweekly(2026, "acme", 26, comp="15000", match="600")   # 390,000 of pay, 4% match on every check
    f = one(A.check_comp_limit(data(prof, 2026, rows)), "comp_limit")
    # YTD pay reaches 360,000 with check 24: checks 25 and 26 start above the limit.
    assert figures(f) == ("warn", "360000.00", "390000.00", "1200.00")
    stop = biweekly(2026, "acme", 24, comp="15000", match="600") + biweekly(
        2026, "acme", 2, start="2026-12-04", comp="15000")
    f = one(A.check_comp_limit(data(prof, 2026, stop)), "comp_limit")
    assert figures(f) == ("ok", "360000.00", "390000.00", "0.00")


def test_comp_limit_with_the_plans_match_pct():
    prof = profile(ACME + 'match_pct = "4"\n', born=born_for(40, 2026))
    # 4% of the capped 360,000 = 14,400.00; one cent per paycheck of rounding is tolerated (26 cents).
    rows = biweekly(2026, "acme", 25, comp="15000", match="554") + [pay("2026-12-25", "acme", "15000", match="550.26")]
    assert figures(one(A.check_comp_limit(data(prof, 2026, rows)), "comp_limit"))[0] == "ok"
    rows[-1] = pay("2026-12-25", "acme", "15000", match="550.27")
    assert figures(one(A.check_comp_limit(data(prof, 2026, rows)), "comp_limit")) == (
        "warn", "360000.00", "390000.00", "0.27")


# ---------------------------------------------------------------------------- plan's after-tax cap


def test_plan_after_tax_cap_percent_and_dollars_both_sides():
    prof = profile(ACME + 'after_tax_cap_pct = "10"\n', born=born_for(40, 2026))
    rows = [pay("2026-06-30", "acme", "60000", after="6000"), pay("2026-12-31", "acme", "60000", after="6000")]
    assert figures(one(A.check_plan_after_tax_cap(data(prof, 2026, rows)), "plan_after_tax_cap")) == (
        "ok", "12000.00", "12000.00", "0.00")
    rows[-1] = pay("2026-12-31", "acme", "60000", after="6000.01")
    f = one(A.check_plan_after_tax_cap(data(prof, 2026, rows)), "plan_after_tax_cap")
    assert figures(f) == ("fail", "12000.00", "12000.01", "0.01")
    prof2 = profile(ACME + 'after_tax_cap_pct = "10"\nafter_tax_cap = "5000"\n', born=born_for(40, 2026))
    assert figures(one(A.check_plan_after_tax_cap(data(prof2, 2026, rows)), "plan_after_tax_cap")) == (
        "fail", "5000.00", "12000.01", "7000.01")
    assert A.check_plan_after_tax_cap(data(profile(ACME), 2026, rows)) == []


# ---------------------------------------------------------------------------- deposits


def test_deposit_match_window_in_business_days_both_sides():
    prof = profile(ACME, born=born_for(40, 2026))
    rows = [pay("2026-03-06", "acme", "5000", pretax="500", after="700")]   # a Friday
    # 7 business days after Fri 2026-03-06 is Tue 2026-03-17.
    ok = [ev("2026-03-09", "acme", "contribution", "pretax", "500"),
          ev("2026-03-17", "acme", "contribution", "after_tax", "700")]
    f = one(A.check_deposit_match(data(prof, 2026, rows, ok)), "deposit_match")
    assert figures(f) == ("ok", None, "1200.00", "0.00")
    late = [ok[0], ev("2026-03-18", "acme", "contribution", "after_tax", "700")]
    f = one(A.check_deposit_match(data(prof, 2026, rows, late)), "deposit_match")
    assert figures(f) == ("warn", None, "1200.00", "700.00")
    assert f.as_json()["problems"][0]["kind"] == "late" and "8 business days later" in f.message


def test_deposit_match_missing_different_and_unexplained():
    prof = profile(ACME, born=born_for(40, 2026))
    rows = [pay("2026-03-06", "acme", "5000", pretax="500", roth="250", after="700", match="200")]
    evs = [ev("2026-03-09", "acme", "contribution", "pretax", "500"),
           ev("2026-03-09", "acme", "contribution", "roth", "249.99"),
           ev("2026-03-09", "acme", "contribution", "match", "200"),
           ev("2026-03-10", "acme", "contribution", "pretax", "100")]
    f = one(A.check_deposit_match(data(prof, 2026, rows, evs)), "deposit_match")
    kinds = sorted(p["kind"] for p in f.as_json()["problems"])
    assert kinds == ["different", "missing", "unexplained"]
    assert figures(f) == ("warn", None, "1650.00", "700.01")   # 700.00 missing + 0.01 short
    assert "700.00 after_tax of pay date 2026-03-06 never reached the plan" in f.message


def test_deposit_match_across_the_new_year():
    prof = profile(ACME, born=born_for(40, 2026))
    rows = [pay("2025-12-31", "acme", "5000", after="700"), pay("2026-12-31", "acme", "5000", after="700")]
    evs = [ev("2026-01-02", "acme", "contribution", "after_tax", "700"),
           ev("2027-01-04", "acme", "contribution", "after_tax", "700")]
    f = one(A.check_deposit_match(data(prof, 2026, rows, evs)), "deposit_match")
    assert figures(f) == ("ok", None, "700.00", "0.00")


# ---------------------------------------------------------------------------- W-2 box 12


def test_w2_box12_equal_and_one_cent_off():
    prof = profile(ACME, born=born_for(40, 2026))
    rows = [pay("2026-06-30", "acme", "50000", pretax="6000", roth="4000", after="5000")]
    f = one(A.check_w2_box12(data(prof, 2026, rows, forms=[w2(2026, "acme", "44000", "50000", "6000", "4000")])),
            "w2_box12")
    assert figures(f) == ("ok", "10000.00", "10000.00", "0.00")
    f = one(A.check_w2_box12(data(prof, 2026, rows, forms=[w2(2026, "acme", "44000", "50000", "6000.01", "4000")])),
            "w2_box12")
    assert figures(f) == ("warn", "10000.00", "10000.01", "0.01")
    assert "W-2c" in f.fix


# ---------------------------------------------------------------------------- IRA limit


@pytest.mark.parametrize("age,limit", [(49, "7500.00"), (50, "8600.00")])
def test_ira_limit_both_sides_counting_contributions_made_by_april_15(age, limit):
    # MAGI below the Roth IRA phase-out (tests/test_roth_income_limit.py): only the IRA limit applies.
    prof = profile(ACME + IRAS, born=born_for(age, 2026), person_extra='magi = { "2026" = "100000.00" }')
    lim = D(limit)
    evs = [ev("2026-02-02", "alex-trad", "contribution", "nondeductible", str(lim - 100), for_year=2026),
           ev("2027-04-15", "alex-roth", "contribution", "roth", "100", for_year=2026),
           ev("2026-02-02", "alex-trad", "contribution", "nondeductible", "7000", for_year=2025)]
    f = one(A.check_ira_limit(data(prof, 2026, events=evs)), "ira_limit")
    assert figures(f) == ("ok", limit, limit, "0.00")
    evs[1] = ev("2027-04-15", "alex-roth", "contribution", "roth", "100.01", for_year=2026)
    f = one(A.check_ira_limit(data(prof, 2026, events=evs)), "ira_limit")
    assert figures(f) == ("fail", limit, str(lim + D("0.01")), "0.01")
    assert f.deadline == dt.date(2027, 4, 15)


def test_ira_limit_capped_at_taxable_compensation():
    prof = profile(IRAS, born=born_for(40, 2026), person_extra='filing_status = "single"')
    evs = [ev("2026-02-02", "alex-trad", "contribution", "nondeductible", "5000.01", for_year=2026)]
    f = one(A.check_ira_limit(data(prof, 2026, events=evs, forms=[w2(2026, "acme", "5000", "5000")])), "ira_limit")
    assert figures(f) == ("fail", "5000.00", "5000.01", "0.01")
    joint = profile(IRAS, born=born_for(40, 2026), person_extra='filing_status = "mfj"')
    f = one(A.check_ira_limit(data(joint, 2026, events=evs, forms=[w2(2026, "acme", "5000", "5000")])), "ira_limit")
    assert f.status == "warn" and "spousal" in f.message


# ---------------------------------------------------------------------------- ACP (info)


def test_acp_risk_hce_by_prior_year_pay_both_sides():
    prof = profile(ACME, born=born_for(40, 2026))
    now = [pay("2026-06-30", "acme", "100000", after="10000")]
    f = one(A.check_acp_risk(data(prof, 2026, [pay("2025-12-31", "acme", "160000")] + now)), "acp_risk")
    assert f.status == "info" and f.as_json()["hce"] is False
    f = one(A.check_acp_risk(data(prof, 2026, [pay("2025-12-31", "acme", "160000.01")] + now)), "acp_risk")
    assert f.status == "info" and f.as_json()["hce"] is True and f.as_json()["amount"] == "10000.00"


# ---------------------------------------------------------------------------- lots, on a book


LAG_PROFILE = """
[[person]]
id = "alex"
born = "1980-06-01"
marginal_rate = "0.24"

[[plan]]
id = "acme"
person = "alex"
employer = "Acme Corp"
conversion = "in_plan_manual"

[audit]
conversion_lag_warn_days = 30
"""


def lag_book(make_book, tmp_path, days: int, leave: bool = False, name: str = "book"):
    book = make_book(LAG_PROFILE, name=name)
    start = dt.date(2026, 3, 2)
    lines = ["date,person,account,kind,source,amount",
             f"{start},alex,acme,contribution,after_tax,1000.00",
             f"{start + dt.timedelta(days=days)},alex,acme,earnings,after_tax,12.35"]
    if not leave:
        lines.append(f"{start + dt.timedelta(days=days)},alex,acme,conversion,after_tax,1012.35")
    path = tmp_path / f"activity-{name}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run(book, "import", str(path))
    assert res.exit_code == 0, res.output
    res = run(book, "audit", "--year", "2026", "--format", "json")
    return json.loads(res.stdout), res.exit_code


def check_of(doc: dict[str, Any], check: str) -> dict[str, Any]:
    got = [x for x in doc["checks"] if x["id"] == check]
    assert len(got) == 1, [x["id"] for x in doc["checks"]]
    return got[0]


def test_conversion_lag_threshold_both_sides(make_book, tmp_path):
    doc, code = lag_book(make_book, tmp_path, 30)
    lag = check_of(doc, "conversion_lag")
    assert (lag["status"], lag["amount"], lag["max_days"]) == ("info", "12.35", 30)
    assert code == 0
    doc, _ = lag_book(make_book, tmp_path, 31, name="later")
    lag = check_of(doc, "conversion_lag")
    assert (lag["status"], lag["amount"], lag["max_days"]) == ("warn", "12.35", 31)
    assert lag["tax_on_earnings"] == "2.96"    # 12.35 x 0.24 = 2.964


def test_after_tax_unconverted_warns_with_the_tax_on_the_earnings(make_book, tmp_path):
    doc, code = lag_book(make_book, tmp_path, 40, leave=True)
    f = check_of(doc, "after_tax_unconverted")
    assert (f["status"], f["amount"], f["basis"], f["earnings"], f["tax_on_earnings"]) == (
        "warn", "1012.35", "1000.00", "12.35", "2.96")
    assert code == 0
    assert [x["id"] for x in doc["checks"] if x["id"] == "conversion_lag"] == []


def test_run_audit_order_and_exit_code():
    assert A.CHECK_IDS[:2] == ("no_rows", "402g") and len(A.CHECK_IDS) == 13
    assert A.exit_code([Finding("x", "warn", "a", "m")]) == 0
    assert A.exit_code([Finding("x", "fail", "a", "m")]) == 1
