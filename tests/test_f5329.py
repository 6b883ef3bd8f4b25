"""Form 5329 Parts I, III and IV from the ledger (Instructions for Form 5329; Pub. 590-A and 590-B).

Every expected figure is worked by hand in the comment next to it, from the instructions' rules:
- Part I: an early distribution is one made before the day you reach age 59 1/2; line 1 takes its
  taxable part and, for a Roth IRA, the conversion money taxed less than 5 years before (the
  "recapture amount", allocated by the ordering rules: contributions, then conversions oldest
  first, taxable part before nontaxable part); line 4 is 10% of line 3.
- Parts III/IV: line 15/23 is the year's excess, line 9/18 last year's line 16/24 when last year's
  line 17/25 was more than 0; lines 10 and 19 the unused limit of the year; line 17/25 is 6% of the
  smaller of line 16/24 and the IRAs' value on Dec 31.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import run

PROFILE = """
[[person]]
id = "kim"
born = "{born}"

[[ira]]
id = "kim-trad"
person = "kim"
type = "traditional"

[[ira]]
id = "kim-roth"
person = "kim"
type = "roth"
"""

HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"


def form(make_book: Callable[..., Path], tmp_path: Path, activity: str, year: int, born: str = "1980-05-20",
         name: str = "book") -> dict[str, Any]:
    book = make_book(PROFILE.replace("{born}", born), name=name)
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + activity.strip() + "\n", encoding="utf-8")
    res = run(book, "import", str(path))
    assert res.exit_code == 0, res.output
    res = run(book, "worksheet", "5329", "--year", str(year), "--format", "json")
    assert res.exit_code == 0, res.output + res.stderr
    got = json.loads(res.stdout)
    assert isinstance(got, dict) and got["year"] == year and got["person"] == "kim"
    return got


def part(got: dict[str, Any], *ids: int) -> dict[str, Any]:
    return {str(i): got["lines"][str(i)] for i in ids}


PART_I = (1, 2, 3, 4)
PART_III = tuple(range(9, 18))
PART_IV = tuple(range(18, 26))


# ---------------------------------------------------------------- Part I: age 59 1/2

# Born 1967-01-15: age 59 on 2026-01-15, age 59 1/2 on 2026-07-15. A 10,000.00 distribution from a
# traditional IRA without basis is all taxable (Form 8606 line 10 = 0 / 60,000 = 0, line 15c = 10,000.00).
DISTRIBUTION = """
{date},kim,kim-trad,distribution,,10000.00,,,,,
2026-12-31,kim,kim-trad,balance,,50000.00,,,,,
"""


@pytest.mark.parametrize("date,early", [
    ("2026-01-15", True),    # the 59th birthday: early
    ("2026-07-14", True),    # the day before age 59 1/2: early
    ("2026-07-15", False),   # the day of age 59 1/2: no longer "before you reach age 59 1/2"
    ("2026-07-16", False),   # 59 1/2 and a day
])
def test_an_early_distribution_is_one_before_age_59_and_a_half(make_book: Callable[..., Path], tmp_path: Path,
                                                               date: str, early: bool) -> None:
    got = form(make_book, tmp_path, DISTRIBUTION.replace("{date}", date), 2026, born="1967-01-15")
    if early:
        # line 1 = 10,000.00; line 3 = 10,000.00 - 0; line 4 = 10% = 1,000.00
        assert part(got, *PART_I) == {"1": "10000.00", "2": "0.00", "3": "10000.00", "4": "1000.00"}
        assert got["additional_tax"] == "1000.00"
    else:
        assert part(got, *PART_I) == {"1": None, "2": None, "3": None, "4": None}
        assert got["additional_tax"] == "0.00"
        assert got["notes"][0].startswith("No additional tax for 2026")
    [item] = got["early_distributions"]
    assert (item["early"], item["taxable"], item["line1"]) == (early, "10000.00", "10000.00" if early else "0.00")


# ---------------------------------------------------------------- Part I: the conversion's 5-year clock

# 2022: 6,000.00 deductible contribution converted with no basis: Form 8606 line 18 = 6,000.00, all taxable.
# Its 5-year period is 2022-2026 (it starts Jan 1 of the conversion's year). Kim is under 59 1/2 throughout.
CONVERSION = """
2022-01-10,kim,kim-trad,contribution,deductible,6000.00,,,,2022,
2022-03-01,kim,kim-trad,conversion,,6000.00,,,,,
2022-12-31,kim,kim-trad,balance,,0.00,,,,,
{date},kim,kim-roth,distribution,,6000.00,,,,,
"""


@pytest.mark.parametrize("date,recaptured", [
    ("2025-06-01", True),    # year 4 of the clock (2022, 2023, 2024, 2025)
    ("2026-12-31", True),    # the last day of year 5
    ("2027-01-04", False),   # year 6: the clock has run
])
def test_a_conversion_is_recaptured_within_its_5_years(make_book: Callable[..., Path], tmp_path: Path, date: str,
                                                       recaptured: bool) -> None:
    year = int(date[:4])
    got = form(make_book, tmp_path, CONVERSION.replace("{date}", date), year)
    # Ordering rules: no contributions, then the 2022 conversion's taxable 6,000.00: Form 8606 line 25c = 0.
    if recaptured:
        # line 1 = 0 (line 25c) + 6,000.00 recaptured; line 4 = 600.00
        assert part(got, *PART_I) == {"1": "6000.00", "2": "0.00", "3": "6000.00", "4": "600.00"}
        [item] = got["early_distributions"]
        assert (item["taxable"], item["recapture"]) == ("0.00", "6000.00")
    else:
        assert part(got, *PART_I) == {"1": None, "2": None, "3": None, "4": None}


def test_the_instructions_recapture_example(make_book: Callable[..., Path], tmp_path: Path) -> None:
    """Instructions for Form 5329, "Distributions from Roth IRAs", Example: conversions of 20,000 in 2013
    (line 17 5,000, line 18 15,000) and 10,000 in 2014 (line 17 3,000, line 18 7,000), Roth IRA
    contributions of 2,000 for each year; a 33,000 distribution on July 9, 2017, at age 53. The ordering
    rules take 4,000 of contributions, then 15,000 + 5,000 of 2013 and 7,000 + 2,000 of 2014: the 2013
    and 2014 taxable parts are within their 5-year periods, so line 1 = 15,000 + 7,000 = 22,000."""
    activity = """
2013-02-01,kim,kim-trad,contribution,nondeductible,5000.00,,,,2013,
2013-02-15,kim,kim-trad,earnings,,15000.00,,,,,
2013-03-01,kim,kim-trad,conversion,,20000.00,,,,,
2013-12-31,kim,kim-trad,balance,,0.00,,,,,
2013-05-01,kim,kim-roth,contribution,roth,2000.00,,,,2013,
2014-02-01,kim,kim-trad,contribution,nondeductible,3000.00,,,,2014,
2014-02-15,kim,kim-trad,earnings,,7000.00,,,,,
2014-03-01,kim,kim-trad,conversion,,10000.00,,,,,
2014-12-31,kim,kim-trad,balance,,0.00,,,,,
2014-05-01,kim,kim-roth,contribution,roth,2000.00,,,,2014,
2017-07-09,kim,kim-roth,distribution,,33000.00,,,,,
"""
    got = form(make_book, tmp_path, activity, 2017, born="1964-01-01")
    # line 4 = 10% of 22,000.00 = 2,200.00
    assert part(got, *PART_I) == {"1": "22000.00", "2": "0.00", "3": "22000.00", "4": "2200.00"}
    res = run(tmp_path / "book", "worksheet", "8606", "--year", "2017", "--format", "json")
    f8606 = json.loads(res.stdout)["lines"]
    assert (f8606["19"], f8606["23"], f8606["25c"]) == ("33000.00", "29000.00", "0.00")


# ---------------------------------------------------------------- Part IV: excess Roth IRA contributions

# Kim is 45 in 2025: the IRA limit is 7,000.00 (2025) and 7,500.00 (2026), no compensation on file.
EXCESS_2025 = """
2025-03-01,kim,kim-roth,contribution,roth,8000.00,,,,2025,
2025-12-31,kim,kim-roth,balance,,8500.00,,,,,
"""


def test_an_excess_roth_contribution_not_removed_costs_6_percent(make_book: Callable[..., Path],
                                                                 tmp_path: Path) -> None:
    got = form(make_book, tmp_path, EXCESS_2025, 2025)
    # line 23 = 8,000.00 - 7,000.00 = 1,000.00 (not removed by the due date); line 19 = 0 (no limit left);
    # line 24 = 0 + 1,000.00; line 25 = 6% of the smaller of 1,000.00 and 8,500.00 = 60.00
    assert part(got, *PART_IV) == {"18": "0.00", "19": "0.00", "20": "0.00", "21": "0.00", "22": "0.00",
                                   "23": "1000.00", "24": "1000.00", "25": "60.00"}
    assert part(got, *PART_III) == {str(i): None for i in PART_III}
    assert got["additional_tax"] == "60.00"


def test_the_excess_is_carried_and_absorbed_next_year(make_book: Callable[..., Path], tmp_path: Path) -> None:
    got = form(make_book, tmp_path, EXCESS_2025, 2026)
    # 2026: line 18 = 2025 line 24 = 1,000.00 (2025 line 25 was 60.00); no 2026 contribution, so line 19 =
    # 7,500.00 - 0 = 7,500.00; line 22 = max(0, 1,000.00 - 7,500.00) = 0; line 24 = 0; line 25 = 0.00.
    assert part(got, *PART_IV) == {"18": "1000.00", "19": "7500.00", "20": "0.00", "21": "7500.00", "22": "0.00",
                                   "23": "0.00", "24": "0.00", "25": "0.00"}
    assert got["additional_tax"] == "0.00"


def test_the_excess_is_partly_absorbed(make_book: Callable[..., Path], tmp_path: Path) -> None:
    activity = EXCESS_2025 + """
2026-02-01,kim,kim-roth,contribution,roth,7000.00,,,,2026,
2026-12-31,kim,kim-roth,balance,,20000.00,,,,,
"""
    got = form(make_book, tmp_path, activity, 2026)
    # line 19 = 7,500.00 - 7,000.00 = 500.00; line 22 = 1,000.00 - 500.00 = 500.00; line 24 = 500.00;
    # line 25 = 6% of the smaller of 500.00 and 20,000.00 = 30.00
    assert part(got, 18, 19, 21, 22, 23, 24, 25) == {"18": "1000.00", "19": "500.00", "21": "500.00",
                                                     "22": "500.00", "23": "0.00", "24": "500.00", "25": "30.00"}


# ---------------------------------------------------------------- Part III: excess traditional IRA contributions

def test_an_excess_traditional_contribution_costs_6_percent_of_the_smaller_amount(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    activity = """
2025-03-01,kim,kim-trad,contribution,nondeductible,8000.00,,,,2025,
2025-12-31,kim,kim-trad,balance,,500.00,,,,,
"""
    got = form(make_book, tmp_path, activity, 2025)
    # line 15 = 8,000.00 - 7,000.00 = 1,000.00; line 16 = 1,000.00; the Dec 31 value is 500.00, smaller:
    # line 17 = 6% of 500.00 = 30.00
    assert part(got, *PART_III) == {"9": "0.00", "10": "0.00", "11": "0.00", "12": "0.00", "13": "0.00",
                                    "14": "0.00", "15": "1000.00", "16": "1000.00", "17": "30.00"}
    assert part(got, *PART_IV) == {str(i): None for i in PART_IV}


def test_help_has_examples(book: Path) -> None:
    res = run(book, "worksheet", "5329", "--help")
    assert res.exit_code == 0 and "mbr worksheet 5329 --year 2026 --person alex --format json" in res.output


def test_an_excess_over_both_kinds_falls_on_the_roth_side(make_book: Callable[..., Path], tmp_path: Path) -> None:
    """Instructions, line 19: the Roth IRA limit is the IRA limit reduced by the traditional IRA
    contributions. 2025: 5,000.00 traditional + 3,000.00 Roth against 7,000.00: the Roth limit is
    2,000.00, so the 1,000.00 excess is on the Roth side (line 23), none on the traditional (line 15)."""
    activity = """
2025-03-01,kim,kim-trad,contribution,nondeductible,5000.00,,,,2025,
2025-03-02,kim,kim-roth,contribution,roth,3000.00,,,,2025,
2025-12-31,kim,kim-trad,balance,,5000.00,,,,,
2025-12-31,kim,kim-roth,balance,,3100.00,,,,,
"""
    got = form(make_book, tmp_path, activity, 2025)
    assert part(got, *PART_III) == {str(i): None for i in PART_III}
    # line 24 = 1,000.00; line 25 = 6% of the smaller of 1,000.00 and 3,100.00 = 60.00
    assert part(got, 23, 24, 25) == {"23": "1000.00", "24": "1000.00", "25": "60.00"}


def test_the_python_api_gives_the_commands_json(make_book: Callable[..., Path], tmp_path: Path) -> None:
    from mbr_ledger.book.book import Book

    got = form(make_book, tmp_path, EXCESS_2025, 2025)
    with Book.open(tmp_path / "book") as b:
        assert b.worksheet("5329", 2025).to_dict() == got


# ---------------------------------------------------------------- corrective distributions

CORRECTIVE_HEADER = HEADER.rstrip("\n") + ",reason\n"


@pytest.mark.parametrize("date,subject", [
    ("2022-12-28", True),    # before SECURE 2.0 sec. 333 took effect: the earnings are an early distribution
    ("2022-12-29", False),   # from Dec 29, 2022: a return by the due date is not subject (instructions, Reminders)
])
def test_an_ira_return_is_subject_only_before_december_29_2022(make_book: Callable[..., Path], tmp_path: Path,
                                                                date: str, subject: bool) -> None:
    book = make_book(PROFILE.replace("{born}", "1980-05-20"))
    path = tmp_path / "a.csv"
    path.write_text(CORRECTIVE_HEADER + "2022-06-01,kim,kim-roth,contribution,roth,7000.00,,,,2022,,\n"
                    f"{date},kim,kim-roth,corrective,,1050.00,1000.00,50.00,,2022,,ira_return\n", encoding="utf-8")
    assert run(book, "import", str(path)).exit_code == 0
    got = json.loads(run(book, "worksheet", "5329", "--year", "2022", "--format", "json").stdout)
    if subject:
        # line 1 = the 50.00 of earnings; line 4 = 10% = 5.00
        assert part(got, *PART_I) == {"1": "50.00", "2": "0.00", "3": "50.00", "4": "5.00"}
    else:
        assert part(got, *PART_I) == {"1": None, "2": None, "3": None, "4": None}
    [item] = got["early_distributions"]
    assert (item["early"], item["subject"], item["taxable"]) == (True, subject, "50.00")
    # 7,000.00 less the 1,000.00 returned is the 6,000.00 limit: no excess, Part IV blank
    assert part(got, *PART_IV) == {str(i): None for i in PART_IV}


@pytest.mark.parametrize("removed", [False, True])
def test_a_carried_excess_removed_after_the_due_date_is_line_12(make_book: Callable[..., Path], tmp_path: Path,
                                                               removed: bool) -> None:
    """Instructions, line 12: distributions of prior-year excess contributions reduce last year's excess.
    2025: 8,000.00 into the traditional IRA, 1,000.00 over the 7,000.00 limit (line 15); 2026: the full
    7,500.00 limit used (line 10 = 0), and the 1,000.00 taken out in June (after the 2025 due date) or not."""
    book = make_book(PROFILE.replace("{born}", "1980-05-20"))
    path = tmp_path / "a.csv"
    rows = ("2025-03-01,kim,kim-trad,contribution,nondeductible,8000.00,,,,2025,,\n"
            "2025-12-31,kim,kim-trad,balance,,8500.00,,,,,,\n"
            "2026-02-01,kim,kim-trad,contribution,nondeductible,7500.00,,,,2026,,\n"
            "2026-12-31,kim,kim-trad,balance,,15000.00,,,,,,\n")
    if removed:
        rows += "2026-06-01,kim,kim-trad,corrective,,1000.00,1000.00,0.00,,2025,,ira_excess\n"
    path.write_text(CORRECTIVE_HEADER + rows, encoding="utf-8")
    res = run(book, "import", str(path))
    assert res.exit_code == 0, res.output
    got = json.loads(run(book, "worksheet", "5329", "--year", "2026", "--format", "json").stdout)
    if removed:
        # line 9 = 1,000.00 (2025 line 17 = 6% of 1,000.00 = 60.00); line 13 = 0 + 0 + 1,000.00; line 14 = 0
        assert part(got, 9, 10, 12, 13, 14, 15, 16, 17) == {"9": "1000.00", "10": "0.00", "12": "1000.00",
                                                            "13": "1000.00", "14": "0.00", "15": "0.00",
                                                            "16": "0.00", "17": "0.00"}
    else:
        # line 14 = 1,000.00 - 0; line 16 = 1,000.00; line 17 = 6% of the smaller of 1,000.00 and 15,000.00 = 60.00
        assert part(got, 9, 10, 12, 13, 14, 15, 16, 17) == {"9": "1000.00", "10": "0.00", "12": "0.00",
                                                            "13": "0.00", "14": "1000.00", "15": "0.00",
                                                            "16": "1000.00", "17": "60.00"}


def test_a_roth_401k_distribution_after_an_irr_says_what_the_ledger_does_not_know(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    """Notice 2010-84, Q&A-12: money allocable to the taxable amount of an in-plan Roth rollover, distributed
    within the 5 taxable years from the rollover's, is treated as includible for the 10% tax. The ledger
    does not hold the plan's allocation: line 1 takes box 2a (0.00 here, all basis by the plan's pro rata
    figures) and a note says what to ask the plan."""
    book = make_book('[[person]]\nid = "kim"\nborn = "1980-05-20"\n\n[[plan]]\nid = "acme"\nperson = "kim"\n'
                     'employer = "Acme"\nconversion = "in_plan_auto"\n')
    path = tmp_path / "a.csv"
    path.write_text(HEADER + "2025-03-01,kim,acme,contribution,after_tax,5000.00,,,,,\n"
                    "2025-03-10,kim,acme,earnings,after_tax,10.00,,,,,\n"
                    "2025-03-11,kim,acme,conversion,after_tax,5010.00,,,,,\n"
                    "2026-04-01,kim,acme,distribution,roth,1000.00,,,,,\n", encoding="utf-8")
    assert run(book, "import", str(path)).exit_code == 0
    got = json.loads(run(book, "worksheet", "5329", "--year", "2026", "--format", "json").stdout)
    [item] = got["early_distributions"]
    assert (item["kind"], item["early"], item["taxable"], item["line1"]) == ("plan", True, "0.00", "0.00")
    assert any("in-plan Roth rollovers less than 5 years ago" in n and "best knowledge" in n for n in got["notes"])
    assert got["notes"][0].startswith("No additional tax for 2026: nothing taxable from an early distribution")
