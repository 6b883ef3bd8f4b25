"""Form 8606 Parts I-III from the ledger, with the basis carried across years (docs/rules.md section 6).

Every expected figure below is computed by hand in the comments next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mbr_ledger.core.errors import MbrError
from mbr_ledger.forms.f8606 import as_json, worksheet_8606
from mbr_ledger.profile import load_profile
from mbr_ledger.rules.basis import Year8606, _part1_taxable, backdoor_details

from conftest import person_year, run

HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"
D = Decimal


def load(book: Path, tmp_path: Path, activity: str) -> tuple[Any, Path]:
    path = tmp_path / "activity.csv"
    path.write_text(HEADER + activity.strip() + "\n", encoding="utf-8")
    res = run(book, "import", str(path))
    assert res.exit_code == 0, res.output
    return load_profile(book / "mbr.toml"), book


def lines(profile: Any, led: Path, year: int, person: str = "alex") -> dict[str, Any]:
    return dict(as_json(worksheet_8606(person_year(led, year, person)))["lines"])


def backdoor_taxable(facts: Any) -> tuple[Decimal, list[str]]:
    """Line 18 and the traditional IRAs whose Dec 31 money made part of it taxable."""
    r: Year8606 = facts.f8606
    return r.money("18"), list(r.responsible)


def blank(*ids: str) -> dict[str, None]:
    return {i: None for i in ids}


ALL_BLANK = blank("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15a", "15b", "15c",
                  "16", "17", "18", "19", "20", "21", "22", "23", "24", "25a", "25b", "25c")

# ---------------------------------------------------------------- split rollover -> backdoor pro-rata

SPLIT = """
2025-03-03,alex,beta,contribution,after_tax,6000.00,,,,,
2025-05-30,alex,beta,earnings,after_tax,60.00,,,,,
2025-06-02,alex,beta,rollover,after_tax,60.00,,,traditional_ira,,split: earnings leg
2025-06-02,alex,beta,rollover,after_tax,6000.00,,,roth_ira,,split: basis leg
2025-09-30,alex,alex-trad,earnings,,0.50,,,,,
2025-12-31,alex,alex-trad,balance,,60.50,,,,,
2026-01-15,alex,alex-trad,contribution,nondeductible,7500.00,,,,2026,backdoor
2026-01-22,alex,alex-trad,conversion,,7500.00,,,,,backdoor
2026-06-30,alex,alex-trad,earnings,,0.50,,,,,
"""


def test_split_rollover_makes_the_next_backdoor_conversion_partly_taxable(book: Path, tmp_path: Path) -> None:
    profile, led = load(book, tmp_path, SPLIT + "2026-12-31,alex,alex-trad,balance,,61.00,,,,,\n")
    # 2025: the split sends 60.00 of earnings to alex-trad; no IRA conversion, no basis: line 14 = line 3 = 0.
    assert lines(profile, led, 2025) == {**ALL_BLANK, "1": "0.00", "2": "0.00", "3": "0.00", "14": "0.00"}
    # 2026: 7500.00 converted while alex-trad holds 61.00 at Dec 31.
    # line 9 = 61.00 + 0 + 7500.00 = 7561.00; line 10 = 7500 / 7561 = 0.991932284... -> 0.99193;
    # line 11 = 7500.00 x 0.99193 = 7439.475 -> 7439.48; line 14 = 7500.00 - 7439.48 = 60.52 = line 18.
    assert lines(profile, led, 2026) == {
        **ALL_BLANK, "1": "7500.00", "2": "0.00", "3": "7500.00", "4": "0.00", "5": "7500.00", "6": "61.00",
        "7": "0.00", "8": "7500.00", "9": "7561.00", "10": "0.99193", "11": "7439.48", "12": "0.00",
        "13": "7439.48", "14": "60.52", "16": "7500.00", "17": "7439.48", "18": "60.52"}
    taxable, accounts = backdoor_taxable(person_year(led, 2026, "alex"))
    assert (taxable, accounts) == (D("60.52"), ["alex-trad"])
    det = backdoor_details(person_year(led, 2026, "alex").f8606)
    # Without the 61.00 the whole 7500.00 would be basis: all 60.52 is due to the pro-rata rule.
    assert (det.converted, det.taxable, det.pro_rata_taxable, det.dec31_value) == (
        D("7500.00"), D("60.52"), D("60.52"), D("61.00"))
    assert det.sources == [f"beta 2025-06-02 {tmp_path / 'activity.csv'}:4"]
    ws = worksheet_8606(person_year(led, 2026, "alex"))
    assert not any("no balance row" in n for n in ws.notes)
    assert any("60.52 of the conversion is taxable only because of the IRA pro-rata rule" in n for n in ws.notes)
    assert as_json(ws)["carry_forward"]["traditional_ira_basis"] == "60.52"


def test_missing_dec31_balance_warns_naming_the_account(book: Path, tmp_path: Path) -> None:
    profile, led = load(book, tmp_path, SPLIT)   # no 2026-12-31 balance row
    got = lines(profile, led, 2026)
    # Estimated from the rows: 60.50 + 7500.00 - 7500.00 + 0.50 = 61.00; same figures as with the row.
    assert (got["6"], got["10"], got["18"]) == ("61.00", "0.99193", "60.52")
    ws = worksheet_8606(person_year(led, 2026, "alex"))
    assert any(n.startswith("alex-trad: no balance row dated 2026-12-31") for n in ws.notes)
    assert any("Line 6 is incomplete: no Dec 31 balance row for alex-trad" in n for n in ws.notes)
    assert ws.grids["line6"].rows == [["alex-trad", D("61.00"), "estimated from the ledger", ""]]


def test_backdoor_with_an_empty_traditional_ira_is_clean(book: Path, tmp_path: Path) -> None:
    profile, led = load(book, tmp_path, """
2026-01-15,alex,alex-trad,contribution,nondeductible,7500.00,,,,2026,
2026-01-22,alex,alex-trad,conversion,,7500.00,,,,,
2026-12-31,alex,alex-trad,balance,,0.00,,,,,
""")
    got = lines(profile, led, 2026)
    assert (got["9"], got["10"], got["11"], got["14"], got["18"]) == ("7500.00", "1.000", "7500.00", "0.00", "0.00")
    assert backdoor_taxable(person_year(led, 2026, "alex")) == (D("0.00"), [])


# ---------------------------------------------------------------- carry-forward across years

FIRST_YEAR = """
[[person]]
id = "alex"
born = "1975-03-10"
first_year = 2025
prior_ira_basis = "1000.00"

[[ira]]
id = "alex-trad"
person = "alex"
type = "traditional"

[[ira]]
id = "alex-roth"
person = "alex"
type = "roth"
"""

CARRY = """
2024-05-01,alex,alex-trad,contribution,nondeductible,7000.00,,,,2024,before the book's first year
2025-04-01,alex,alex-trad,contribution,nondeductible,6000.00,,,,2025,
2025-04-10,alex,alex-trad,conversion,,5000.00,,,,,
2025-12-31,alex,alex-trad,balance,,12000.00,,,,,
2026-02-10,alex,alex-trad,contribution,nondeductible,1000.00,,,,2025,made in 2026 for 2025
2026-03-01,alex,alex-trad,contribution,nondeductible,7500.00,,,,2026,
2026-06-01,alex,alex-trad,distribution,,2000.00,,,,,
2026-12-31,alex,alex-trad,balance,,15000.00,,,,,
"""


def test_line_14_carries_two_years_with_prior_basis_and_next_year_contribution(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = make_book(FIRST_YEAR, name="carry")
    profile, led = load(book, tmp_path, CARRY)
    # 2025: line 1 = 6000.00 + 1000.00 (made 2026-02-10 for 2025); line 2 = 1000.00 prior basis (mbr.toml);
    # line 3 = 8000.00; line 4 = 1000.00; line 5 = 7000.00; line 9 = 12000.00 + 5000.00 = 17000.00;
    # line 10 = 7000 / 17000 = 0.41176470... -> 0.41176; line 11 = 5000.00 x 0.41176 = 2058.80;
    # line 14 = 8000.00 - 2058.80 = 5941.20; line 18 = 5000.00 - 2058.80 = 2941.20.
    assert lines(profile, led, 2025) == {
        **ALL_BLANK, "1": "7000.00", "2": "1000.00", "3": "8000.00", "4": "1000.00", "5": "7000.00",
        "6": "12000.00", "7": "0.00", "8": "5000.00", "9": "17000.00", "10": "0.41176", "11": "2058.80",
        "12": "0.00", "13": "2058.80", "14": "5941.20", "16": "5000.00", "17": "2058.80", "18": "2941.20"}
    # 2026: line 2 = 5941.20 (2025 line 14); line 3 = 7500.00 + 5941.20 = 13441.20; line 9 = 15000.00 + 2000.00;
    # line 10 = 13441.20 / 17000 = 0.79065882... -> 0.79066; line 12 = 2000.00 x 0.79066 = 1581.32;
    # line 14 = 13441.20 - 1581.32 = 11859.88; line 15a = 15c = 2000.00 - 1581.32 = 418.68.
    assert lines(profile, led, 2026) == {
        **ALL_BLANK, "1": "7500.00", "2": "5941.20", "3": "13441.20", "4": "0.00", "5": "13441.20",
        "6": "15000.00", "7": "2000.00", "8": "0.00", "9": "17000.00", "10": "0.79066", "11": "0.00",
        "12": "1581.32", "13": "1581.32", "14": "11859.88", "15a": "418.68", "15c": "418.68"}
    # 2027: nothing happens: line 2 = 2026 line 14, line 14 = line 3, lines 4-13 blank.
    assert lines(profile, led, 2027) == {**ALL_BLANK, "1": "0.00", "2": "11859.88", "3": "11859.88",
                                         "14": "11859.88"}
    cf = as_json(worksheet_8606(person_year(led, 2026, "alex")))["carry_forward"]
    assert (cf["traditional_ira_basis"], cf["roth_contribution_basis"], cf["roth_conversion_basis"]) == (
        "11859.88", "0.00", "5000.00")
    assert [(x["year"], x["amount"], x["taxable"], x["clock_end"]) for x in cf["roth_layers"]] == [
        (2025, "5000.00", "2941.20", "2030-01-01")]


def test_a_year_before_first_year_is_refused(make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = make_book(FIRST_YEAR, name="carry")
    profile, led = load(book, tmp_path, CARRY)
    with pytest.raises(MbrError, match="2024 is before alex's first year 2025"):
        worksheet_8606(person_year(led, 2024, "alex"))


# ---------------------------------------------------------------- Part III: Roth IRA distributions

ROTH_PROFILE = """
[[person]]
id = "alex"
born = "1980-01-01"
first_year = 2025
prior_roth_contribution_basis = "5000.00"

[[plan]]
id = "beta"
person = "alex"
employer = "Beta Labs"

[[ira]]
id = "alex-trad"
person = "alex"
type = "traditional"

[[ira]]
id = "alex-roth"
person = "alex"
type = "roth"
"""

ROTH = """
2025-01-15,alex,alex-trad,contribution,nondeductible,7000.00,,,,2025,
2025-01-20,alex,alex-trad,conversion,,7000.00,,,,,
2025-12-31,alex,alex-trad,balance,,0.00,,,,,
2025-03-03,alex,beta,contribution,after_tax,2000.00,,,,,
2025-05-30,alex,beta,earnings,after_tax,20.00,,,,,
2025-06-02,alex,beta,rollover,after_tax,2020.00,,,roth_ira,,
2026-05-01,alex,alex-roth,distribution,,13000.00,,,,,
2027-03-01,alex,alex-roth,distribution,,1500.00,,,,,
"""


def test_roth_ira_distributions_follow_the_ordering_rules_across_years(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = make_book(ROTH_PROFILE, name="roth")
    profile, led = load(book, tmp_path, ROTH)
    got25 = lines(profile, led, 2025)
    assert (got25["10"], got25["11"], got25["14"], got25["18"]) == ("1.000", "7000.00", "0.00", "0.00")
    # 2026: 13000.00 out. Line 22 = 5000.00 prior contributions; line 23 = 8000.00;
    # line 24 = 7000.00 (2025 conversion) + 2020.00 (2025 rollover: 20.00 taxable + 2000.00 basis) = 9020.00;
    # line 25a = max(0, 8000.00 - 9020.00) = 0.
    assert lines(profile, led, 2026) == {
        **ALL_BLANK, "1": "0.00", "2": "0.00", "3": "0.00", "14": "0.00", "19": "13000.00", "21": "13000.00",
        "22": "5000.00", "23": "8000.00", "24": "9020.00", "25a": "0.00", "25c": "0.00"}
    ws26 = worksheet_8606(person_year(led, 2026, "alex"))
    # The ordering used 5000.00 of contributions, all 7000.00 of the conversion, then the 2025 rollover:
    # its 20.00 taxable part (within its 5-year clock, alex is 46: 10% recapture) and 980.00 of basis.
    assert any("20.00 of this distribution is conversion or rollover money" in n for n in ws26.notes)
    cf = as_json(ws26)["carry_forward"]
    assert (cf["roth_contribution_basis"], cf["roth_conversion_basis"]) == ("0.00", "1020.00")
    # 2027: 1500.00 out: no contribution basis left, 1020.00 of rollover basis, 480.00 of earnings taxable.
    got27 = lines(profile, led, 2027)
    assert {k: got27[k] for k in ("19", "21", "22", "23", "24", "25a", "25c")} == {
        "19": "1500.00", "21": "1500.00", "22": "0.00", "23": "1500.00", "24": "1020.00", "25a": "480.00",
        "25c": "480.00"}


# ---------------------------------------------------------------- line 10 rounding


def test_line_10_rounds_half_up_to_five_places_and_never_exceeds_one() -> None:
    z = D("0.00")
    # README sample 2025: 8000.00 / 8003.12 = 0.99961015... -> 0.99961; 8003.12 x 0.99961 = 7999.9988 -> 8000.00.
    assert _part1_taxable(D("8000.00"), z, z, D("8003.12"))[1:] == ("0.99961", D("8000.00"), z)
    # 8000.00 / 8000.50 = 0.99993750... -> 0.99994: line 11 = 7999.52, 0.48 taxable.
    assert _part1_taxable(D("8000.00"), D("0.50"), z, D("8000.00"))[1:] == ("0.99994", D("7999.52"), z)
    # 8000.00 / 8000.01 = 0.99999875 -> rounds to 1.00000: the form says enter 1.000.
    assert _part1_taxable(D("8000.00"), D("0.01"), z, D("8000.00"))[1:] == ("1.000", D("8000.00"), z)
    # 99999.50 / 100000.00 = 0.999995 -> 1.000; line 8 x 1.000 = 100000.00 would pass line 5: kept at 99999.50.
    assert _part1_taxable(D("99999.50"), z, z, D("100000.00"))[1:] == ("1.000", D("99999.50"), z)
    # Distributions and conversions share line 5: 11 + 12 never exceed it.
    ratio, text, l11, l12 = _part1_taxable(D("99999.50"), z, D("50000.00"), D("50000.00"))
    assert (text, l11, l12) == ("1.000", D("50000.00"), D("49999.50"))
