"""The capacity planner: the worked examples of docs/rules.md section 3 (2025 limits), their 2026
equivalents, the age boundaries, the caps, exact per-paycheck cents, and the book-aware planner."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from mbr_ledger.cli import cli
from mbr_ledger.rules.capacity import cadence, paychecks_left, spread, standalone

from conftest import run

D = Decimal
CONTRACT_KEYS = {"year", "annual_additions_limit", "deferral_limit", "catch_up_limit", "employee_deferrals",
                 "catch_up", "employer_contributions", "after_tax_capacity", "total", "per_paycheck",
                 "after_tax_pct_of_pay"}


def mbr(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# ---------------------------------------------------------------------------- worked examples


@pytest.mark.parametrize("year,salary,match,age,deferrals,employer,after_tax", [
    # docs/rules.md section 3, 2025 limits: 70,000 - 23,500 - match
    (2025, "120000", "4", 40, "23500.00", "4800.00", "41700.00"),
    (2025, "150000", "6", 40, "23500.00", "9000.00", "37500.00"),
    (2025, "150000", None, 40, "23500.00", "0.00", "46500.00"),
    (2025, "150000", "5", 50, "31000.00", "7500.00", "39000.00"),   # 70,000 - 23,500 - 7,500; catch-up outside
    # the same with the 2026 limits: 72,000 - 24,500 - match
    (2026, "120000", "4", 40, "24500.00", "4800.00", "42700.00"),
    (2026, "150000", "6", 40, "24500.00", "9000.00", "38500.00"),
    (2026, "150000", None, 40, "24500.00", "0.00", "47500.00"),
    (2026, "150000", "5", 50, "32500.00", "7500.00", "40000.00"),
])
def test_worked_examples(year, salary, match, age, deferrals, employer, after_tax):
    p = standalone(year, salary=D(salary), age=age, match_pct=D(match) if match else None)
    j = p.as_json()
    assert (j["employee_deferrals"], j["employer_contributions"], j["after_tax_capacity"]) == (
        deferrals, employer, after_tax)
    assert j["binding"] == "415c"
    assert D(j["total"]) == D(j["annual_additions_limit"]) + D(j["catch_up"])


@pytest.mark.parametrize("year,age,catch_up", [
    (2025, 49, "0.00"), (2025, 50, "7500.00"), (2025, 59, "7500.00"), (2025, 60, "11250.00"),
    (2025, 63, "11250.00"), (2025, 64, "7500.00"),
    (2026, 49, "0.00"), (2026, 50, "8000.00"), (2026, 59, "8000.00"), (2026, 60, "11250.00"),
    (2026, 63, "11250.00"), (2026, 64, "8000.00"),
])
def test_age_boundaries_catch_up_outside_415c(year, age, catch_up):
    p = standalone(year, salary=D("200000"), age=age, match_pct=D("4"))
    j = p.as_json()
    base = {2025: D("23500"), 2026: D("24500")}[year]
    dollar = {2025: D("70000"), 2026: D("72000")}[year]
    assert j["catch_up_limit"] == catch_up and j["catch_up"] == catch_up
    assert D(j["employee_deferrals"]) == base + D(catch_up)
    # the after-tax room is the same at every age: catch-up is not an annual addition
    assert D(j["after_tax_capacity"]) == dollar - base - D("8000.00")
    assert D(j["total"]) == dollar + D(catch_up)


def test_born_gives_the_age_on_dec_31():
    res = mbr("capacity", "--year", "2026", "--born", "1966-12-31", "--salary", "150000", "--format", "json")
    assert json.loads(res.stdout)["catch_up_limit"] == "11250.00"   # 60 on Dec 31, 2026
    res = mbr("capacity", "--year", "2026", "--born", "1967-01-01", "--salary", "150000", "--format", "json")
    assert json.loads(res.stdout)["catch_up_limit"] == "8000.00"    # 59


# ---------------------------------------------------------------------------- caps


def test_match_is_computed_on_pay_capped_at_401a17():
    p = standalone(2026, salary=D("400000"), age=40, match_pct=D("4"))
    assert p.employer_contributions == D("14400.00")             # 4% of 360,000, not of 400,000
    assert p.after_tax_capacity == D("33100.00")                 # 72,000 - 24,500 - 14,400
    assert any("401(a)(17)" in n for n in p.notes)
    p = standalone(2026, salary=D("360000"), age=40, match_pct=D("4"))
    assert p.employer_contributions == D("14400.00") and not any("401(a)(17)" in n for n in p.notes)


def test_415c_capped_at_compensation_in_a_part_time_year():
    p = standalone(2026, salary=D("30000"), age=40, paychecks=12)
    assert (p.annual_additions_limit, p.employee_deferrals, p.after_tax_capacity) == (
        D("30000"), D("24500.00"), D("5500.00"))
    assert p.binding == "compensation"
    # at 50 the whole pay can be deferred (5,500 of it catch-up), and nothing is left to put in after-tax
    p = standalone(2026, salary=D("30000"), age=50, paychecks=12)
    assert (p.employee_deferrals, p.catch_up, p.after_tax_capacity, p.binding) == (
        D("30000"), D("5500"), D("0.00"), "pay")


def test_plan_cap_from_options_binds():
    p = standalone(2026, salary=D("150000"), age=40, match_pct=D("6"), after_tax_cap_pct=D("10"))
    assert (p.after_tax_capacity, p.plan_cap, p.binding) == (D("15000.00"), D("15000.00"), "plan_cap")
    p = standalone(2026, salary=D("150000"), age=40, match_pct=D("6"), after_tax_cap=D("9999.99"))
    assert (p.after_tax_capacity, p.binding) == (D("9999.99"), "plan_cap")


def test_employer_amount_and_deferral_options():
    p = standalone(2026, salary=D("150000"), age=40, deferral=D("10000"), employer_amount=D("3000"))
    assert p.after_tax_capacity == D("59000.00")   # 72,000 - 10,000 - 3,000


# ---------------------------------------------------------------------------- paychecks


def test_per_paycheck_cents_add_up_and_the_election():
    p = standalone(2026, salary=D("120000"), age=40, match_pct=D("4"), paychecks=26)
    j = p.as_json()
    assert j["per_paycheck"] == {"paychecks": 26, "deferral": "942.31", "employer": "184.62", "after_tax": "1642.31",
                                 "last": {"deferral": "942.25", "employer": "184.50", "after_tax": "1642.25"}}
    assert sum(x.after_tax for x in p.schedule) == D("42700.00")
    assert sum(x.deferral for x in p.schedule) == D("24500.00")
    assert sum(x.employer for x in p.schedule) == D("4800.00")
    # 42,700 / 120,000 = 35.5833...%: rounded down so the election never overshoots
    assert j["after_tax_pct_of_pay"] == "35.58"
    assert any("42,696.00" in n for n in p.notes)


@given(st.integers(min_value=0, max_value=10_000_000_00), st.integers(min_value=1, max_value=60))
def test_spread_adds_up_exactly(cents, n):
    total = D(cents) / 100
    parts = spread(total, n)
    assert len(parts) == n and sum(parts) == total
    assert all(x >= 0 and x == x.quantize(D("0.01")) for x in parts)
    assert len(set(parts[:-1])) <= 1


def test_front_loading_warning_unless_true_up():
    p = standalone(2026, salary=D("120000"), age=40, match_pct=D("4"))
    assert any("front-loading" in w for w in p.warnings)
    p = standalone(2026, salary=D("120000"), age=40, match_pct=D("4"), true_up=True)
    assert not any("front-loading" in w for w in p.warnings)
    p = standalone(2026, salary=D("120000"), age=40)
    assert not any("front-loading" in w for w in p.warnings)


# ---------------------------------------------------------------------------- the command


def test_cli_json_has_the_contract_keys():
    res = mbr("capacity", "--year", "2026", "--age", "40", "--salary", "120000", "--match-pct", "4",
              "--paychecks", "24", "--format", "json")
    assert res.exit_code == 0
    j = json.loads(res.stdout)
    assert CONTRACT_KEYS <= set(j)
    assert {"paychecks", "deferral", "employer", "after_tax"} <= set(j["per_paycheck"])
    assert (j["year"], j["annual_additions_limit"], j["deferral_limit"], j["catch_up_limit"]) == (
        2026, "72000.00", "24500.00", "0.00")
    assert (j["after_tax_capacity"], j["total"], j["per_paycheck"]["after_tax"]) == ("42700.00", "72000.00", "1779.17")
    assert j["after_tax_pct_of_pay"] == "35.58"


def test_cli_table_and_bad_usage():
    res = mbr("capacity", "--year", "2025", "--age", "50", "--salary", "$150,000", "--match-pct", "5%")
    assert res.exit_code == 0 and "39,000.00" in res.stdout and "front-loading" in res.stdout
    for args, msg in [
        (["--salary", "100000", "--age", "40", "--deferral", "24500.01"], "over the 2026 limit"),
        (["--salary", "20000", "--age", "40", "--deferral", "20000.01"], "more than the pay"),
        (["--age", "40"], "give --salary"),
        (["--salary", "1e5"], "--salary"),
        (["--salary", "100000", "--match-pct", "4", "--employer-amount", "100"], "not both"),
        (["--salary", "100000", "--age", "40", "--born", "1980-01-01"], "not both"),
        (["--salary", "100000", "--match-pct", "140"], "percentage from 0 to 100"),
    ]:
        res = mbr("capacity", "--year", "2026", *args)
        assert res.exit_code == 2, args
        assert msg in res.stderr, (args, res.stderr)
    res = mbr("capacity", "--year", "2031", "--salary", "100000")
    assert res.exit_code == 2 and "no limits for 2031" in res.stderr


# ---------------------------------------------------------------------------- book-aware


def test_cadence_and_paychecks_left():
    import datetime as dt

    bi = [dt.date(2026, 1, 2) + dt.timedelta(days=14 * i) for i in range(13)]
    assert cadence(bi) == "biweekly" and paychecks_left(bi[-1], "biweekly", 2026) == 13
    semi = [dt.date(2026, 7, 15), dt.date(2026, 7, 31), dt.date(2026, 8, 14), dt.date(2026, 8, 31)]
    assert cadence(semi) == "semi-monthly"
    assert paychecks_left(dt.date(2026, 9, 15), "semi-monthly", 2026) == 7
    assert paychecks_left(dt.date(2026, 12, 30), "semi-monthly", 2026) == 0
    assert paychecks_left(dt.date(2026, 6, 30), "monthly", 2026) == 6


MID_YEAR = """
[[person]]
id = "alex"
born = "1985-06-01"

[[plan]]
id = "acme"
person = "alex"
employer = "Acme Corp"
after_tax_cap_pct = "50"
"""


def test_book_aware_room_left_mid_year(make_book, tmp_path):
    book = make_book(MID_YEAR)
    lines = ["pay_date,person,plan,gross_pay,plan_compensation,fica_wages,pretax_401k,roth_401k,after_tax_401k,"
             "employer_match"]
    import datetime as dt

    for i in range(13):   # biweekly 2026-01-02 .. 2026-06-19
        d = dt.date(2026, 1, 2) + dt.timedelta(days=14 * i)
        lines.append(f"{d},alex,acme,5000.00,5000.00,5000.00,500.00,0.00,1000.00,200.00")
    path = tmp_path / "payroll.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run(book, "import", str(path)).exit_code == 0
    res = run(book, "capacity", "--year", "2026", "--person", "alex", "--format", "json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    (p,) = doc["plans"]
    # 13 checks left (2026-07-03 .. 2026-12-18) of 5,000: 65,000 of pay. So far 6,500 deferred, 2,600 match,
    # 13,000 after-tax. Rest: 6,500 deferrals, 4% match 2,600. 72,000 - 31,200 = 40,800 of after-tax room
    # (the plan's 50% cap, 65,000 - 13,000 = 52,000, and the pay left after deferrals, 58,500, are higher).
    assert (p["plan"], p["as_of"], p["per_paycheck"]["paychecks"]) == ("acme", "2026-06-19", 13)
    assert p["so_far"] == {"compensation": "65000.00", "deferrals": "6500.00", "employer": "2600.00",
                           "after_tax": "13000.00"}
    assert p["rest_of_year"] == {"deferral": "6500.00", "employer": "2600.00", "after_tax": "40800.00"}
    assert (p["after_tax_capacity"], p["total"], p["binding"]) == ("40800.00", "72000.00", "415c")
    assert p["per_paycheck"]["after_tax"] == "3138.46" and p["per_paycheck"]["last"]["after_tax"] == "3138.48"
    assert p["after_tax_pct_of_pay"] == "62.76"
    # --paychecks overrides the count
    doc = json.loads(run(book, "capacity", "--year", "2026", "--person", "alex", "--paychecks", "2",
                         "--format", "json").stdout)
    # 10,000 of pay left: 1,000 deferrals, 400 match; the pay after deferrals (9,000) binds
    assert (doc["plans"][0]["after_tax_capacity"], doc["plans"][0]["binding"]) == ("9000.00", "pay")


def test_book_aware_sample_job_change(sample_book):
    res = run(sample_book, "capacity", "--year", "2026", "--person", "alex", "--format", "json")
    plans = {p["plan"]: p for p in json.loads(res.stdout)["plans"]}
    acme, beta = plans["acme"], plans["beta"]
    assert acme["per_paycheck"]["paychecks"] == 0 and any("assuming you left" in w for w in acme["warnings"])
    assert (acme["employee_deferrals"], acme["catch_up"], acme["employer_contributions"]) == (
        "26000.00", "1500.00", "4200.00")
    assert beta["per_paycheck"]["paychecks"] == 0 and beta["as_of"] == "2026-12-30"
    assert (beta["employee_deferrals"], beta["catch_up"]) == ("12000.00", "6500.00")
    assert any("over the 402(g) limit" in w for w in beta["warnings"])
    res = run(sample_book, "capacity", "--year", "2026", "--person", "alex")
    assert res.exit_code == 0 and "plan acme" in res.stdout and "plan beta" in res.stdout


# ---------------------------------------------------------------------------- the pay calendar, book-aware


def _d(*isos: str) -> list[str]:
    return list(isos)


def _fridays(first: str, step: int, last: str) -> list[str]:
    import datetime as dt

    d, end, out = dt.date.fromisoformat(first), dt.date.fromisoformat(last), []
    while d <= end:
        out.append(d.isoformat())
        d += dt.timedelta(days=step)
    return out


# The pay dates of 2026 as payroll pays them, weekend dates on the Friday before (2026-01-01 is a Thursday).
SEMI_15_LAST_2026 = _d("2026-01-15", "2026-01-30", "2026-02-13", "2026-02-27", "2026-03-13", "2026-03-31",
                       "2026-04-15", "2026-04-30", "2026-05-15", "2026-05-29", "2026-06-15", "2026-06-30",
                       "2026-07-15", "2026-07-31", "2026-08-14", "2026-08-31", "2026-09-15", "2026-09-30",
                       "2026-10-15", "2026-10-30", "2026-11-13", "2026-11-30", "2026-12-15", "2026-12-31")
# the 1st and the 15th: Feb 1, Mar 1, Aug 1 and Nov 1 are on a weekend and paid Jan 30, Feb 27, Jul 31, Oct 30
SEMI_1_15_2026 = _d("2026-01-01", "2026-01-15", "2026-01-30", "2026-02-13", "2026-02-27", "2026-03-13",
                    "2026-04-01", "2026-04-15", "2026-05-01", "2026-05-15", "2026-06-01", "2026-06-15",
                    "2026-07-01", "2026-07-15", "2026-07-31", "2026-08-14", "2026-09-01", "2026-09-15",
                    "2026-10-01", "2026-10-15", "2026-10-30", "2026-11-13", "2026-12-01", "2026-12-15")
MONTHLY_15_2026 = _d("2026-01-15", "2026-02-13", "2026-03-13", "2026-04-15", "2026-05-15", "2026-06-15",
                     "2026-07-15", "2026-08-14", "2026-09-15", "2026-10-15", "2026-11-13", "2026-12-15")
MONTHLY_LAST_2026 = _d("2026-01-30", "2026-02-27", "2026-03-31", "2026-04-30", "2026-05-29", "2026-06-30",
                       "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-30", "2026-11-30", "2026-12-31")


def _upto(dates: list[str], last: str) -> list[str]:
    return [d for d in dates if d <= last]


def _payroll_capacity(make_book, tmp_path, dates: list[str], *, pay: str = "5000.00", pretax: str = "500.00",
                      after_tax: str = "1000.00", match: str = "200.00") -> dict:
    book = make_book(MID_YEAR)
    lines = ["pay_date,person,plan,gross_pay,plan_compensation,fica_wages,pretax_401k,roth_401k,after_tax_401k,"
             "employer_match"]
    lines += [f"{d},alex,acme,{pay},{pay},{pay},{pretax},0.00,{after_tax},{match}" for d in dates]
    path = tmp_path / "payroll.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run(book, "import", str(path)).exit_code == 0
    res = run(book, "capacity", "--year", "2026", "--person", "alex", "--format", "json")
    assert res.exit_code == 0, res.stderr
    (p,) = json.loads(res.stdout)["plans"]
    return p


@pytest.mark.parametrize("dates,left", [
    # weekly on Fridays: after Jun 26, the Fridays Jul 3 .. Dec 25 (5+4+4+5+4+4)
    (_fridays("2026-01-02", 7, "2026-06-26"), 26),
    (_fridays("2026-01-02", 7, "2026-12-18"), 1),                      # Dec 25
    (_fridays("2026-01-02", 7, "2026-12-25"), 0),                      # next: Fri Jan 1, 2027
    # every other Friday; Fri Jun 19 (Juneteenth) paid on Thu Jun 18: Jul 3 + 14k .. Dec 18, not a Thu Dec 31
    (_fridays("2026-01-02", 14, "2026-06-05") + ["2026-06-18"], 13),
    (_fridays("2026-01-02", 14, "2026-12-04"), 1),                     # Dec 18
    (_fridays("2026-01-02", 14, "2026-12-18"), 0),                     # next: Fri Jan 1, 2027
    # semi-monthly on the 15th and the last day
    (_upto(SEMI_15_LAST_2026, "2026-06-30"), 12),                      # Jul 15 .. Dec 31
    (_upto(SEMI_15_LAST_2026, "2026-11-13"), 3),                       # Nov 30, Dec 15, Dec 31
    (_upto(SEMI_15_LAST_2026, "2026-12-15"), 1),                       # Dec 31
    (SEMI_15_LAST_2026, 0),
    # semi-monthly on the 1st and the 15th
    (_upto(SEMI_1_15_2026, "2026-06-15"), 12),                         # Jul 1, 15, 31, Aug 14, ... Dec 1, 15
    (_upto(SEMI_1_15_2026, "2026-12-01"), 1),                          # Dec 15
    (SEMI_1_15_2026, 0),                                               # next: Fri Jan 1, 2027
    # monthly on the 15th (the issue's case last), and on the last day
    (_upto(MONTHLY_15_2026, "2026-06-15"), 6),                         # Jul 15 .. Dec 15
    (_upto(MONTHLY_15_2026, "2026-11-13"), 1),                         # Dec 15 (Nov 15 was a Sunday)
    (MONTHLY_15_2026, 0),
    (_upto(MONTHLY_LAST_2026, "2026-06-30"), 6),                       # Jul 31 .. Dec 31
    (_upto(MONTHLY_LAST_2026, "2026-11-30"), 1),                       # Dec 31
    (MONTHLY_LAST_2026, 0),
], ids=["weekly-mid", "weekly-one-left", "weekly-end", "biweekly-mid-moved", "biweekly-one-left",
        "biweekly-end", "semi-15-last-mid", "semi-15-last-moved", "semi-15-last-one-left", "semi-15-last-end",
        "semi-1-15-mid", "semi-1-15-one-left", "semi-1-15-end", "monthly-15-mid", "monthly-15-moved",
        "monthly-15-end", "monthly-last-mid", "monthly-last-one-left", "monthly-last-end"])
def test_book_aware_paychecks_left_follow_the_pay_calendar(make_book, tmp_path, dates, left):
    p = _payroll_capacity(make_book, tmp_path, dates)
    assert (p["as_of"], p["per_paycheck"]["paychecks"]) == (dates[-1], left)
    assert len(p["schedule"]) == left


def test_issue_monthly_on_the_15th_last_paid_no_phantom_paycheck(make_book, tmp_path):
    # Monthly pay of 12,500 on the 15th, the last of the year paid on Dec 15: so far 150,000 of pay, 24,000
    # deferred, 6,000 match, 36,000 after-tax (66,000 of the 72,000 415(c) limit). No paycheck is left, so no
    # after-tax money can be planned (the code planned one on Dec 31: 5,000.00 after-tax, a 40.00% election).
    p = _payroll_capacity(make_book, tmp_path, MONTHLY_15_2026, pay="12500.00", pretax="2000.00",
                          after_tax="3000.00", match="500.00")
    assert (p["as_of"], p["per_paycheck"]["paychecks"], p["schedule"]) == ("2026-12-15", 0, [])
    assert p["rest_of_year"] == {"deferral": "0.00", "employer": "0.00", "after_tax": "0.00"}
    assert (p["after_tax_capacity"], p["after_tax_pct_of_pay"], p["pay_left"]) == ("0.00", None, "0.00")
    assert (p["employee_deferrals"], p["employer_contributions"], p["total"]) == ("24000.00", "6000.00", "66000.00")
    assert (p["room_415c"], p["binding"]) == ("6000.00", "no paychecks left")
    assert any("monthly on the 15th" in n and "2026-12-15" in n for n in p["notes"]), p["notes"]


def test_issue_no_phantom_paycheck_in_the_packet(make_book, tmp_path):
    # the PDF cover and the workbook read the packet's capacity views: the same 0 paychecks, 0.00 room
    from mbr_ledger.book.book import Book

    _payroll_capacity(make_book, tmp_path, MONTHLY_15_2026, pay="12500.00", pretax="2000.00",
                      after_tax="3000.00", match="500.00")
    with Book.open(tmp_path / "book") as b:
        (view,) = b.packet(2026, "alex").capacity
    assert (view.value("per_paycheck.paychecks"), view.value("after_tax_capacity")) == (0, Decimal("0.00"))
    assert view.value("after_tax_pct_of_pay") is None
    assert any("the last paycheck of 2026 is paid (2026-12-15)" in n for n in view.notes), view.notes
