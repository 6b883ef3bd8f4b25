"""The Roth IRA 5-year clock for qualified distributions: it starts Jan 1 of "the first taxable year for
which a contribution was made to a Roth IRA set up for your benefit" (Pub. 590-B, Qualified
distributions), which may be before the book's first year (`first_roth_ira_year` in mbr.toml). A
distribution after age 59 1/2 and after the 5-year period is qualified: not on Form 8606 line 19
(Form 8606 instructions, line 19) and reported with code Q, not T (Form 1099-R instructions, box 7:
Q "Qualified distribution from a Roth IRA", T "Roth IRA distribution, exception applies").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mbr_ledger.core.errors import MbrError
from mbr_ledger.profile import parse_profile

from conftest import run

HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"


def profile(first_roth: int | None, first_year: int = 2025, prior: bool = True) -> str:
    return f"""
[[person]]
id = "pat"
born = "1965-03-01"
first_year = {first_year}
{'prior_roth_contribution_basis = "20000.00"' if prior else ""}
{f"first_roth_ira_year = {first_roth}" if first_roth else ""}

[[ira]]
id = "pat-roth"
person = "pat"
type = "roth"
"""


def book_with(make_book: Callable[..., Path], tmp_path: Path, prof: str, rows: str, name: str) -> Path:
    book = make_book(prof, name=name)
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    res = run(book, "import", str(path))
    assert res.exit_code == 0, res.output
    return book


def f8606(book: Path, year: int) -> dict[str, Any]:
    res = run(book, "worksheet", "8606", "--year", str(year), "--format", "json")
    assert res.exit_code == 0, res.output
    return dict(json.loads(res.stdout))


def roth_code(book: Path, year: int) -> str:
    res = run(book, "worksheet", "1099r", "--year", str(year), "--format", "json")
    assert res.exit_code == 0, res.output
    codes = [f["box7"] for f in json.loads(res.stdout)["expected"] if "roth distribution" in f["form"]]
    assert len(codes) == 1, codes
    return str(codes[0])


# Pat (born 1965-03-01) is 61 in 2026. The book starts in 2025 with 20,000.00 of Roth IRA contributions
# from before it (prior_roth_contribution_basis); in 2026 Pat takes 30,000.00 out of the Roth IRA.
DISTRIBUTION = "2026-06-01,pat,pat-roth,distribution,,30000.00,,,,,\n"


def test_a_roth_ira_opened_in_2016_gives_a_qualified_distribution_at_61(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = book_with(make_book, tmp_path, profile(2016), DISTRIBUTION, "opened2016")
    ws = f8606(book, 2026)
    assert ws["lines"]["19"] is None and ws["lines"]["25c"] is None
    assert any("qualified Roth IRA distribution" in n and "Jan 1, 2016" in n for n in ws["notes"])
    assert roth_code(book, 2026) == "Q"


def test_without_first_roth_ira_year_the_clock_starts_before_the_books_first_year(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    # Only the prior basis is known: the clock is taken from 2024 (the year before first_year 2025), so 2026 is
    # within it. Line 19 = 30,000.00; line 22 = 20,000.00; line 23 = 10,000.00; line 24 = 0; 25a = 25c = 10,000.00.
    book = book_with(make_book, tmp_path, profile(None), DISTRIBUTION, "unknown")
    lines = f8606(book, 2026)["lines"]
    assert (lines["19"], lines["22"], lines["23"], lines["24"], lines["25c"]) == (
        "30000.00", "20000.00", "10000.00", "0.00", "10000.00")
    assert roth_code(book, 2026) == "T"


@pytest.mark.parametrize(("opened", "qualified"), [(2021, True), (2022, False)])
def test_both_sides_of_the_five_year_boundary(make_book: Callable[..., Path], tmp_path: Path, opened: int,
                                              qualified: bool) -> None:
    # Opened 2021: the period is Jan 1, 2021 - Dec 31, 2025, so a 2026 distribution is after it. Opened 2022:
    # the period runs to Dec 31, 2026: not yet qualified.
    book = book_with(make_book, tmp_path, profile(opened), DISTRIBUTION, f"opened{opened}")
    lines = f8606(book, 2026)["lines"]
    if qualified:
        assert lines["19"] is None and roth_code(book, 2026) == "Q"
    else:
        assert (lines["19"], lines["25c"]) == ("30000.00", "10000.00") and roth_code(book, 2026) == "T"


def test_the_earliest_of_the_key_and_the_books_first_roth_year_starts_the_clock(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    # The book starts in 2021 with a Roth IRA contribution; first_roth_ira_year says 2023 (later): 2021 decides,
    # and the 2026 distribution of 6,000.00 (contributions 6,000.00) is qualified.
    rows = "2021-03-01,pat,pat-roth,contribution,roth,6000.00,,,,2021,\n2026-06-01,pat,pat-roth,distribution,,6000.00,,,,,\n"
    book = book_with(make_book, tmp_path, profile(2023, first_year=2021, prior=False), rows, "earliest")
    assert f8606(book, 2026)["lines"]["19"] is None
    assert roth_code(book, 2026) == "Q"


def test_first_roth_ira_year_is_a_checked_whole_year() -> None:
    import datetime as dt
    base = {"id": "pat", "born": dt.date(1965, 3, 1)}
    assert parse_profile({"person": [{**base, "first_roth_ira_year": 2016}]}).persons[0].first_roth_ira_year == 2016
    for bad in (1997, 2100, "2016", 2016.0):
        with pytest.raises(MbrError, match="first_roth_ira_year: expected a whole number from 1998"):
            parse_profile({"person": [{**base, "first_roth_ira_year": bad}]})
