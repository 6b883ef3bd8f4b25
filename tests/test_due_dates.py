"""Each tax year's filing due date: the IRA contribution and IRA-correction deadline.

IRC 7503: a deadline on a Saturday, Sunday or legal holiday moves to the next day that is none of
them; D.C. holidays count, and Emancipation Day (April 16) is observed on the Friday before when it
falls on a Saturday and the Monday after when on a Sunday (Rev. Rul. 2015-13). Postponements: tax
year 2019 to July 15, 2020 (IR-2020-58, Notice 2020-23), 2020 to May 17, 2021 (IR-2021-59, Notice
2021-21), IRA contributions included. The 402(g) refund deadline stays April 15 (IRC 402(g)(2)(A)).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from test_audit import ACME, IRAS, born_for, data, ev, figures, one, profile

from mbr_ledger.limits import filing_due_date
from mbr_ledger.limits.due_dates import cited_due_dates, emancipation_day_observed, irc7503_due_date
from mbr_ledger.rules import audit as A

from conftest import run

d = dt.date


@pytest.mark.parametrize(("tax_year", "due", "why"), [
    (2015, d(2016, 4, 18), "Fri Apr 15 is Emancipation Day observed (Apr 16 a Saturday) -> Monday"),
    (2016, d(2017, 4, 18), "Sat Apr 15; Mon Apr 17 is Emancipation Day observed (Apr 16 a Sunday) -> Tuesday"),
    (2017, d(2018, 4, 17), "Sun Apr 15; Mon Apr 16 is Emancipation Day -> Tuesday"),
    (2018, d(2019, 4, 15), "Mon Apr 15"),
    (2019, d(2020, 4, 15), "Wed Apr 15 (before the postponement)"),
    (2020, d(2021, 4, 15), "Thu Apr 15 (before the postponement)"),
    (2021, d(2022, 4, 18), "Fri Apr 15 is Emancipation Day observed (Apr 16 a Saturday) -> Monday"),
    (2022, d(2023, 4, 18), "Sat Apr 15; Mon Apr 17 is Emancipation Day observed -> Tuesday"),
    (2023, d(2024, 4, 15), "Mon Apr 15"),
    (2024, d(2025, 4, 15), "Tue Apr 15"),
    (2025, d(2026, 4, 15), "Wed Apr 15"),
    (2026, d(2027, 4, 15), "Thu Apr 15 (Emancipation Day is Fri Apr 16)"),
])
def test_irc_7503_moves_april_15_past_weekends_and_emancipation_day(tax_year: int, due: dt.date, why: str) -> None:
    assert irc7503_due_date(tax_year) == due, why


def test_emancipation_day_is_observed_on_the_nearest_weekday() -> None:
    assert emancipation_day_observed(2016) == d(2016, 4, 15)  # Saturday -> Friday before
    assert emancipation_day_observed(2023) == d(2023, 4, 17)  # Sunday -> Monday after
    assert emancipation_day_observed(2026) == d(2026, 4, 16)  # Thursday: the day itself
    assert emancipation_day_observed(2004) is None            # a D.C. legal holiday from 2005


def test_the_computed_rule_agrees_with_every_cited_irc_7503_date() -> None:
    cited = {y: c for y, c in cited_due_dates().items() if c.rule == "irc7503"}
    assert sorted(cited) == [2015, 2016, 2017, 2021, 2022]
    for year, c in cited.items():
        assert irc7503_due_date(year) == c.date, year


def test_postponements_replace_the_computed_date() -> None:
    assert (filing_due_date(2019).date, filing_due_date(2019).rule) == (d(2020, 7, 15), "postponed")
    assert (filing_due_date(2020).date, filing_due_date(2020).rule) == (d(2021, 5, 17), "postponed")
    assert "Notice 2020-23" in filing_due_date(2019).source and "IR-2021-59" in filing_due_date(2020).source
    assert filing_due_date(2024).date == d(2025, 4, 15) and filing_due_date(2024).source == "IRC 7503 (computed)"


def test_mbr_limits_shows_the_filing_due_date(tmp_path: Path) -> None:
    res = run(tmp_path, "limits", "--year", "2022", "--format", "json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["filing_due_date"]["date"] == "2023-04-18"
    table = run(tmp_path, "limits", "--year", "2019").stdout
    assert "2020-07-15" in table and "Notice 2020-23" in table


# ---------------------------------------------------------------- the import's prior-year IRA contribution rule

PROFILE = """
[[person]]
id = "alex"
born = "1980-03-10"

[[plan]]
id = "acme"
person = "alex"
employer = "Acme Corp"

[[ira]]
id = "alex-trad"
person = "alex"
type = "traditional"
"""
HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"


def _import(book: Path, tmp_path: Path, name: str, rows: str) -> tuple[int, str]:
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    res = run(book, "import", str(path))
    return res.exit_code, res.stderr + res.stdout


@pytest.mark.parametrize(("date", "for_year", "ok"), [
    ("2023-04-18", 2022, True), ("2023-04-19", 2022, False),   # 2022: due Tuesday, April 18, 2023
    ("2020-07-15", 2019, True), ("2020-07-16", 2019, False),   # 2019: postponed to July 15, 2020
    ("2021-05-17", 2020, True), ("2021-05-18", 2020, False),   # 2020: postponed to May 17, 2021
    ("2027-04-15", 2026, True), ("2027-04-16", 2026, False),   # 2026: Thursday, April 15, 2027
])
def test_a_prior_year_ira_contribution_is_due_by_that_years_filing_due_date(
        make_book: Callable[..., Path], tmp_path: Path, date: str, for_year: int, ok: bool) -> None:
    book = make_book(PROFILE, name="due")
    code, out = _import(book, tmp_path, "ira", f"{date},alex,alex-trad,contribution,nondeductible,1000.00,,,,"
                                               f"{for_year},\n")
    if ok:
        assert code == 0, out
    else:
        due = filing_due_date(for_year).date.isoformat()
        assert code == 2 and f"for {for_year} must be made by the {for_year} return's filing due date {due}" in out


def test_a_plan_contribution_booked_for_the_prior_year_is_not_held_to_the_ira_deadline(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    # An employer contribution deposited in May for last year is a plan matter (its limitation year), not an
    # IRA contribution: no IRA deadline applies to it.
    book = make_book(PROFILE, name="plan")
    code, out = _import(book, tmp_path, "plan", "2026-05-01,alex,acme,contribution,after_tax,1000.00,,,,2025,\n")
    assert code == 0, out


# ---------------------------------------------------------------- the ira_limit check's deadline


def test_the_ira_excess_deadline_is_the_filing_due_date() -> None:
    prof = profile(ACME + IRAS, born=born_for(40, 2022))
    # 2022: IRA limit 6,000 (Notice 2021-61). 5,900.00 + 100.01 made on the due date, 2023-04-18: 0.01 over.
    evs = [ev("2022-02-02", "alex-trad", "contribution", "nondeductible", "5900", for_year=2022),
           ev("2023-04-18", "alex-trad", "contribution", "nondeductible", "100.01", for_year=2022)]
    f = one(A.check_ira_limit(data(prof, 2022, events=evs)), "ira_limit")
    assert figures(f) == ("fail", "6000.00", "6000.01", "0.01")
    assert f.deadline == d(2023, 4, 18) and "2023-04-18" in (f.fix or "")
    # One made the day after the due date is too late to count for 2022: a warning naming the date.
    evs[1] = ev("2023-04-19", "alex-trad", "contribution", "nondeductible", "100", for_year=2022)
    f = one(A.check_ira_limit(data(prof, 2022, events=evs)), "ira_limit")
    assert f.status == "warn" and "after 2023-04-18, the 2022 filing due date" in f.message
