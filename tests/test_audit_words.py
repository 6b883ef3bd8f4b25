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
from test_audit import ACME, IRAS, born_for, data, ev, figures, one, pay, profile, w2

from mbr_ledger.rules import audit as A
from mbr_ledger.rules.findings import Finding

from conftest import run

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


# ---------------------------------------------------------------------------- 2a. at, under and over each limit


def deferring(pretax: str, age: int = 40, year: int = 2026) -> list[Finding]:
    prof = profile(ACME, born=born_for(age, year))
    return A.check_402g(data(prof, year, [pay(f"{year}-03-13", "acme", "200000", pretax=pretax)]))


def test_402g_exactly_at_the_limit_is_at_it_not_over():
    f = one(deferring("24500"), "402g")
    assert figures(f) == ("ok", "24500.00", "24500.00", "0.00")
    assert f.message == ("Deferrals 24,500.00 (acme 24,500.00) are at the 402(g) limit 24,500.00: no room left, "
                         "and not over it.")


def test_402g_one_cent_under_and_one_cent_over():
    f = one(deferring("24499.99"), "402g")
    assert figures(f) == ("ok", "24500.00", "24499.99", "0.00")
    assert f.message == ("Deferrals 24,499.99 (acme 24,499.99) are under the 402(g) limit 24,500.00: 0.01 of "
                         "room left.")
    f = one(deferring("24500.01"), "402g")
    assert figures(f) == ("fail", "24500.00", "24500.01", "0.01")
    assert f.message == "Deferrals 24,500.01 (acme 24,500.01) are 0.01 over the 402(g) limit 24,500.00."


def test_402g_with_catch_up_names_the_sum_once():
    # Age 51 in 2026: 24,500.00 + 8,000.00 = 32,500.00.
    f = one(deferring("32500", age=51), "402g")
    assert f.status == "ok"
    assert f.message == ("Deferrals 32,500.00 (acme 32,500.00) are at the 402(g) limit 24,500.00 + 8,000.00 "
                         "catch-up (age 51 on Dec 31) = 32,500.00: no room left, and not over it.")
    f = one(deferring("32500.01", age=51), "402g")
    assert figures(f) == ("fail", "32500.00", "32500.01", "0.01")
    assert " 0.01 over the 402(g) limit 24,500.00 + 8,000.00 catch-up" in f.message


def additions(after: str, comp: str = "200000") -> Finding:
    # 24,500.00 deferrals + 10,000.00 match + after-tax, against 415(c) 72,000.00 (2026).
    prof = profile(ACME, born=born_for(40, 2026))
    return one(A.check_415c(data(prof, 2026, [pay("2026-03-13", "acme", comp, pretax="24500", match="10000",
                                                    after=after)])), "415c")


def test_415c_at_under_and_over_the_dollar_limit():
    f = additions("37500")
    assert figures(f) == ("ok", "72000.00", "72000.00", "0.00")
    assert ("Annual additions 72,000.00 = 24,500.00 deferrals without catch-up + 10,000.00 employer + 37,500.00 "
            "after-tax: at the 415(c) limit 72,000.00, no room left, and not over it.") == f.message
    f = additions("37499.99")
    assert figures(f) == ("ok", "72000.00", "71999.99", "0.00")
    assert f.message.endswith(": under the 415(c) limit 72,000.00, 0.01 of room left.")
    f = additions("37500.01")
    assert figures(f) == ("fail", "72000.00", "72000.01", "0.01")
    assert f.message.endswith(": 0.01 over the 415(c) limit 72,000.00.")


def test_415c_at_and_over_100_percent_of_pay():
    # Pay 50,000.00 < 72,000.00: the limit is the pay. 24,500 + 10,000 + 15,500 = 50,000.00.
    f = additions("15500", comp="50000")
    assert figures(f) == ("ok", "50000.00", "50000.00", "0.00")
    assert f.message.endswith(": at 100% of compensation 50,000.00 (below the 72,000.00 dollar limit), no room "
                              "left, and not over it.")
    f = additions("15500.01", comp="50000")
    assert figures(f) == ("fail", "50000.00", "50000.01", "0.01")
    assert ": 0.01 over 100% of compensation 50,000.00" in f.message


@pytest.mark.parametrize("comp,words", [
    ("359999.99", "Pay 359,999.99 is under the 401(a)(17) limit 360,000.00."),
    ("360000", "Pay 360,000.00 is at the 401(a)(17) limit 360,000.00, not over it."),
    ("360000.01", "Pay 360,000.01 is 0.01 over the 401(a)(17) limit 360,000.00; the employer contributions stay "
                  "within it."),
])
def test_comp_limit_words_on_both_sides(comp, words):
    prof = profile(ACME, born=born_for(40, 2026))
    f = one(A.check_comp_limit(data(prof, 2026, [pay("2026-12-31", "acme", comp, match="1000")])), "comp_limit")
    assert figures(f)[0] == "ok" and f.message == words


def cap_finding(after: str) -> Finding:
    # 10% x pay 100,000.00 = 10,000.00.
    prof = profile(ACME + 'after_tax_cap_pct = "10"\n', born=born_for(40, 2026))
    return one(A.check_plan_after_tax_cap(data(prof, 2026, [pay("2026-03-13", "acme", "100000", after=after)])),
               "plan_after_tax_cap")


def test_plan_after_tax_cap_at_under_and_over():
    f = cap_finding("10000")
    assert figures(f) == ("ok", "10000.00", "10000.00", "0.00")
    assert f.message == ("After-tax contributions 10,000.00 (payroll) are at the cap 10% x pay 100,000.00 = "
                         "10,000.00: no room left, and not over it.")
    f = cap_finding("9999.99")
    assert f.message.endswith("are under the cap 10% x pay 100,000.00 = 10,000.00: 0.01 of room left.")
    f = cap_finding("10000.01")
    assert figures(f) == ("fail", "10000.00", "10000.01", "0.01")
    assert f.message == ("After-tax contributions 10,000.01 (payroll) are 0.01 over the cap 10% x pay 100,000.00 = "
                         "10,000.00.")


def catch_up(pretax: str, box3: str) -> Finding:
    # Age 51 in 2026: catch-up 8,000.00; the Roth rule applies above 150,000.00 of 2025 FICA wages.
    prof = profile(ACME, born=born_for(51, 2026))
    rows = [pay("2026-03-13", "acme", "200000", pretax=pretax)]
    return one(A.check_catch_up_roth(data(prof, 2026, rows, forms=[w2(2025, "acme", box3, box3)])), "catch_up_roth")


def test_catch_up_roth_wages_at_and_over_the_threshold():
    f = catch_up("30000", "150000")
    assert f.status == "ok"
    assert "150,000.00 is at the 150,000.00 threshold, not above it; catch-ups may be pre-tax." in f.message
    f = catch_up("30000", "149999.99")
    assert "149,999.99 is under the 150,000.00 threshold; catch-ups may be pre-tax." in f.message
    f = catch_up("30000", "150000.01")
    assert figures(f) == ("fail", "24500.00", "30000.00", "5500.00")


def test_catch_up_roth_pre_tax_at_and_over_the_402g_limit():
    f = catch_up("24500", "150000.01")
    assert figures(f) == ("ok", "24500.00", "24500.00", "0.00")
    assert "pre-tax deferrals 24,500.00 are at the 402(g) limit 24,500.00, not over it." in f.message
    f = catch_up("24499.99", "150000.01")
    assert "pre-tax deferrals 24,499.99 are under the 402(g) limit 24,500.00." in f.message
    f = catch_up("24500.01", "150000.01")
    assert figures(f) == ("fail", "24500.00", "24500.01", "0.01")
    assert "pre-tax deferrals 24,500.01 are 0.01 over the 402(g) limit 24,500.00" in f.message


def ira(amount: str) -> Finding:
    # Age 40 in 2026: IRA limit 7,500.00.
    prof = profile(ACME + IRAS, born=born_for(40, 2026))
    evs = [ev("2026-02-02", "alex-trad", "contribution", "nondeductible", amount, for_year=2026)]
    return one(A.check_ira_limit(data(prof, 2026, events=evs)), "ira_limit")


def test_ira_limit_at_under_and_over():
    f = ira("7500")
    assert figures(f) == ("ok", "7500.00", "7500.00", "0.00")
    assert f.message == ("IRA contributions for 2026 7,500.00 are at the IRA limit 7,500.00: no room left, and not "
                         "over it.")
    assert ira("7499.99").message.endswith("are under the IRA limit 7,500.00: 0.01 of room left.")
    f = ira("7500.01")
    assert figures(f) == ("fail", "7500.00", "7500.01", "0.01")
    assert f.message == "IRA contributions for 2026 7,500.01 are 0.01 over the IRA limit 7,500.00."


# ---------------------------------------------------------------------------- 2b. one kind of scope per check

ACME2 = '[[plan]]\nid = "acme-nq"\nperson = "alex"\nemployer = "Acme Corp"\n'
BETA_PLAN = '[[plan]]\nid = "beta"\nperson = "alex"\nemployer = "Beta Labs"\nafter_tax_cap_pct = "10"\n'


def busy_year(plans: str) -> list[Finding]:
    """Age 51 in 2026, two employers (Acme with two plans), after-tax money and W-2s everywhere: every
    check that has a scope of its own speaks."""
    prof = profile(plans + IRAS, born=born_for(51, 2026), person_extra='marginal_rate = "0.24"')
    rows = [pay("2026-01-16", "acme", "100000", pretax="20000", after="1000", match="500"),
            pay("2026-01-16", "acme-nq", "100000", pretax="5000"),
            pay("2026-07-17", "beta", "50000", roth="1000", after="2000")]
    evs = [ev("2026-01-20", "acme", "contribution", "pretax", "20000"),
           ev("2026-01-20", "acme", "contribution", "after_tax", "1000"),
           ev("2026-01-20", "acme", "contribution", "match", "500"),
           ev("2026-01-20", "acme-nq", "contribution", "pretax", "5000"),
           ev("2026-07-20", "beta", "contribution", "roth", "1000"),
           ev("2026-07-20", "beta", "contribution", "after_tax", "2000"),
           ev("2026-02-02", "alex-trad", "contribution", "nondeductible", "7000", for_year=2026)]
    forms = [w2(2025, "acme", "160000", "160000"), w2(2026, "acme", "175000", "200000", "25000"),
             w2(2026, "beta", "50000", "50000", "0", "1000")]
    return A.run_checks(data(prof, 2026, rows, evs, forms))


def test_employer_checks_name_the_employer_group_like_415c():
    found = busy_year(ACME + ACME2 + BETA_PLAN)
    # No employer_group in mbr.toml: the group is the employer's name, for one plan as for two.
    for check in ("415c", "catch_up_roth", "w2_box12", "acp_risk"):
        assert {f.scope for f in found if f.id == check} == {"Acme Corp", "Beta Labs"}, check
    grouped = busy_year(ACME + 'employer_group = "acme"\n' + ACME2 + 'employer_group = "acme"\n' + BETA_PLAN)
    for check in ("415c", "catch_up_roth", "w2_box12", "acp_risk"):
        assert {f.scope for f in grouped if f.id == check} == {"acme", "Beta Labs"}, check


def test_every_check_has_one_kind_of_scope():
    found = busy_year(ACME + ACME2 + BETA_PLAN)
    assert {f.id for f in found} >= {"402g", "415c", "catch_up_roth", "comp_limit", "plan_after_tax_cap",
                                     "deposit_match", "w2_box12", "ira_limit", "acp_risk"}
    kinds = {"person": {"alex"}, "plan": {"acme", "acme-nq", "beta"}, "employer_group": {"Acme Corp", "Beta Labs"}}
    assert set(A.CHECK_SCOPES) == set(A.CHECK_IDS)
    for f in found:
        assert f.scope in kinds[A.CHECK_SCOPES[f.id]], (f.id, f.scope)


# ---------------------------------------------------------------------------- 2c. flags and percentages are not money


@pytest.mark.parametrize("year,enforced", [(2025, False), (2026, True)])
def test_roth_catch_up_enforced_is_a_yes_no_flag(year, enforced):
    prof = profile(ACME, born=born_for(51, year))
    rows = [pay(f"{year}-03-13", "acme", "200000", pretax="30000")]
    f = one(A.check_catch_up_roth(data(prof, year, rows, forms=[w2(year - 1, "acme", "160000", "160000")])),
            "catch_up_roth")
    assert f.details["enforced"] is enforced
    j = json.loads(json.dumps(f.as_json()))
    assert j["enforced"] is enforced
    assert "roth_catch_up_enforced" not in j


def test_non_money_details_are_not_written_as_money():
    found = busy_year(ACME + ACME2 + BETA_PLAN)
    cap = one(found, "plan_after_tax_cap", "beta").as_json()
    assert cap["cap_pct"] == "10" and cap["cap_dollars"] is None    # a percentage of pay, as mbr.toml writes it
    assert cap["limit"] == "5000.00"                                # 10% x 50,000.00
    for f in found:
        for k, v in f.details.items():
            if isinstance(v, bool) or k.endswith(("_days", "_pct", "paychecks", "amounts", "matched", "open_lots",
                                                  "age_dec31", "max_days")):
                assert not isinstance(v, Decimal), (f.id, k, v)


def test_a_dollar_cap_is_money():
    prof = profile(ACME + 'after_tax_cap = "5000"\n', born=born_for(40, 2026))
    f = one(A.check_plan_after_tax_cap(data(prof, 2026, [pay("2026-03-13", "acme", "100000", after="5000.01")])),
            "plan_after_tax_cap")
    j = f.as_json()
    assert (j["status"], j["limit"], j["excess"], j["cap_dollars"], j["cap_pct"]) == (
        "fail", "5000.00", "0.01", "5000.00", None)
    assert f.message == "After-tax contributions 5,000.01 (payroll) are 0.01 over the plan's dollar cap 5,000.00."


# ---------------------------------------------------------------------------- 3. no ledger rows: not an all-clear

NO_ROWS_2026 = ("No ledger rows for alex in 2026: nothing to audit, and not an all-clear. Import the year's files "
                "(mbr import FILE...) and audit again.")


def audited(year: int = 2026, payroll=(), events=(), forms=(), plans: str = ACME + IRAS) -> list[Finding]:
    prof = profile(plans, born=born_for(51, year))
    return A.run_checks(data(prof, year, list(payroll), list(events), list(forms)))


def test_a_year_with_no_rows_says_so_and_nothing_else():
    found = audited()
    assert [(f.id, f.status, f.scope) for f in found] == [("no_rows", "warn", "alex")]
    f = found[0]
    assert f.message == NO_ROWS_2026
    j = f.as_json()
    assert (j["limit"], j["amount"], j["excess"], j["rows"]) == (None, None, None, [])
    assert "mbr import" in f.fix
    assert A.exit_code(found) == 0


def test_rows_only_around_the_year_are_not_rows_of_the_year():
    # The frames hold 2025 and early 2027 too: a 2025 paycheck and W-2, a 2025-12-31 deposit and a
    # 2027-01-01 IRA contribution for 2027 are not 2026 rows.
    rows = [pay("2025-12-31", "acme", "5000", pretax="1000", after="500")]
    evs = [ev("2025-12-31", "acme", "contribution", "pretax", "1000"),
           ev("2025-12-31", "acme", "contribution", "after_tax", "500"),
           ev("2027-01-01", "alex-trad", "contribution", "nondeductible", "7000")]
    found = audited(payroll=rows, events=evs, forms=[w2(2025, "acme", "4000", "5000", "1000")])
    assert [f.id for f in found] == ["no_rows"]
    assert found[0].message == NO_ROWS_2026


@pytest.mark.parametrize("what", ["payroll", "deposit", "w2", "ira_for_year"])
def test_one_row_of_the_year_is_enough(what):
    payroll, events, forms = [], [], []
    if what == "payroll":
        payroll = [pay("2026-12-31", "acme", "5000", pretax="1000")]
    elif what == "deposit":
        events = [ev("2026-01-01", "acme", "contribution", "pretax", "1000")]
    elif what == "w2":
        forms = [w2(2026, "acme", "4000", "5000", "1000")]
    else:  # made by April 15 of the next year, for this one
        events = [ev("2027-04-15", "alex-trad", "contribution", "nondeductible", "7000", for_year=2026)]
    found = audited(payroll=payroll, events=events, forms=forms)
    assert "no_rows" not in [f.id for f in found]
    assert found                                       # the checks speak about that row


def test_no_rows_leaves_only_what_is_not_ok():
    # The Form 8606 figures could not be computed (a warning of backdoor_pro_rata): kept; no "ok" is left.
    prof = profile(ACME + IRAS, born=born_for(51, 2026))
    base = data(prof, 2026)
    d = A.AuditData(base.profile, base.person, 2026, base.limits, base.payroll, base.events, base.w2,
                    prior_limits=base.prior_limits, backdoor="the 2025 Form 8606 is missing")
    found = A.run_checks(d)
    assert [(f.id, f.status) for f in found] == [("no_rows", "warn"), ("backdoor_pro_rata", "warn")]


def test_no_rows_is_the_first_check():
    assert A.CHECK_IDS[0] == "no_rows" and A.CHECK_IDS[1:2] == ("402g",) and len(A.CHECK_IDS) == 13
    assert A.CHECK_SCOPES["no_rows"] == "person"


TWO = ('[[person]]\nid = "alex"\nborn = "1975-03-10"\n[[person]]\nid = "blair"\nborn = "1968-11-02"\n'
       '[[plan]]\nid = "acme"\nperson = "alex"\nemployer = "Acme Corp"\n'
       '[[plan]]\nid = "gamma"\nperson = "blair"\nemployer = "Gamma Inc"\n')


def test_audit_command_on_a_year_and_a_person_without_rows(make_book, tmp_path):
    book = make_book(TWO)
    path = tmp_path / "payroll.csv"
    path.write_text("pay_date,person,plan,gross_pay,plan_compensation,fica_wages,pretax_401k,roth_401k,"
                    "after_tax_401k,employer_match\n"
                    "2026-03-13,alex,acme,5000.00,5000.00,5000.00,500.00,0,0,0\n", encoding="utf-8")
    assert run(book, "import", str(path)).exit_code == 0
    res = run(book, "audit", "--year", "2025", "--person", "alex", "--format", "json")
    assert res.exit_code == 0, res.output
    checks = json.loads(res.stdout)["checks"]
    assert [(c["id"], c["status"], c["scope"]) for c in checks] == [("no_rows", "warn", "alex")]
    assert checks[0]["message"].startswith("No ledger rows for alex in 2025: nothing to audit")
    res = run(book, "audit", "--year", "2026", "--format", "json")
    checks = json.loads(res.stdout)["checks"]
    assert [(c["id"], c["status"], c["scope"]) for c in checks if c["id"] == "no_rows"] == [
        ("no_rows", "warn", "blair")]
    assert [c["status"] for c in checks if c["id"] == "402g"] == ["ok"]        # alex's year is audited
    assert not [c for c in checks if c["scope"] in ("blair", "gamma", "Gamma Inc") and c["status"] == "ok"]
    res = run(book, "audit", "--year", "2025")
    assert "No ledger rows for alex in 2025" in res.stdout and "all clear" not in res.stdout.lower()


@pytest.mark.parametrize(("name", "header", "row"), [
    ("earnings.csv", "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo",
     "2025-06-30,alex,acme,earnings,pretax,12.34,,,,,dividends"),
    ("1099r.csv", "tax_year,person,payer_account,box1,box2a,box5,box7,box2b_not_determined,ira_sep_simple,form_id",
     "2025,alex,acme,100.00,100.00,0.00,7,,,F-1"),
])
def test_a_year_with_only_earnings_rows_or_only_a_form_is_not_empty(make_book, tmp_path, name, header, row):
    """The audit's frames leave out earnings rows and Forms 1099-R: a year holding only those still has
    rows, so no `no_rows` warning."""
    book = make_book(TWO)
    path = tmp_path / name
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    assert run(book, "import", str(path)).exit_code == 0
    res = run(book, "audit", "--year", "2025", "--person", "alex", "--format", "json")
    assert "no_rows" not in [c["id"] for c in json.loads(res.stdout)["checks"]]
    res = run(book, "audit", "--year", "2024", "--person", "alex", "--format", "json")
    assert [c["id"] for c in json.loads(res.stdout)["checks"]] == ["no_rows"]
