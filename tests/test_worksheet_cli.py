"""`mbr worksheet 1099r | 8606 | lots` on the sample household, and the command's behaviour.

The sample figures are the hand-computed ones of sample_data/README.md ("Expected figures").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import run


def as_json(book: Path, *args: str) -> tuple[int, Any]:
    res = run(book, "worksheet", *args, "--format", "json")
    return res.exit_code, json.loads(res.stdout)


# ---------------------------------------------------------------- the sample household, Form 8606

F8606 = {
    2025: {"1": "8000.00", "2": "0.00", "3": "8000.00", "4": "0.00", "5": "8000.00", "6": "0.00", "7": "0.00",
           "8": "8003.12", "9": "8003.12", "10": "0.99961", "11": "8000.00", "12": "0.00", "13": "8000.00",
           "14": "0.00", "16": "8003.12", "17": "8000.00", "18": "3.12"},
    2026: {"1": "8600.00", "2": "0.00", "3": "8600.00", "4": "0.00", "5": "8600.00", "6": "24.87", "7": "0.00",
           "8": "8605.41", "9": "8630.28", "10": "0.99649", "11": "8575.21", "12": "0.00", "13": "8575.21",
           "14": "24.79", "16": "8605.41", "17": "8575.21", "18": "30.20"},
}
# Line 24 basis grows by 8003.12 (2025) and by 8605.41 + 3016.93 + 3000.00 = 14622.34 (2026).
CARRY = {2025: ("0.00", "0.00", "8003.12"), 2026: ("24.79", "0.00", "22625.46")}


@pytest.mark.parametrize("year", [2025, 2026])
def test_sample_8606(sample_book: Path, year: int) -> None:
    code, j = as_json(sample_book, "8606", "--year", str(year), "--person", "alex")
    assert code == 0
    assert (j["year"], j["person"]) == (year, "alex")
    filled = {k: v for k, v in j["lines"].items() if v is not None}
    assert filled == F8606[year]
    assert set(j["lines"]) >= {"1", "10", "15c", "18", "19", "25c"}
    cf = j["carry_forward"]
    assert (cf["traditional_ira_basis"], cf["roth_contribution_basis"], cf["roth_conversion_basis"]) == CARRY[year]


def test_sample_8606_layers_and_pro_rata_note(sample_book: Path) -> None:
    _, j = as_json(sample_book, "8606", "--year", "2026")
    layers = [(x["year"], x["kind"], x["origin"], x["amount"], x["taxable"]) for x in j["carry_forward"]["roth_layers"]]
    assert layers == [(2025, "conversion", "alex-trad", "8003.12", "3.12"),
                      (2026, "conversion", "alex-trad", "8605.41", "30.20"),
                      (2026, "rollover", "beta", "3016.93", "16.93"),
                      (2026, "rollover", "beta", "3000.00", "0.00")]
    # Of the 30.20, 5.41 is the January earnings and 24.79 the pro-rata cost of the split's 24.87 in alex-trad.
    assert any("alex-trad held 24.87 on Dec 31, 2026, so 24.79 of the conversion" in n for n in j["notes"])


# ---------------------------------------------------------------- the sample household, Form 1099-R


def test_sample_1099r_2025_agrees(sample_book: Path) -> None:
    code, j = as_json(sample_book, "1099r", "--year", "2025", "--person", "alex")
    assert code == 0
    assert [(x["payer_account"], x["destination"], x["box1"], x["box2a"], x["box5"], x["box7"],
             x["matched_form"]) for x in j["expected"]] == [
        ("acme", "roth_401k", "31565.65", "65.65", "31500.00", "G", "ACME-2025-1099R"),
        ("alex-trad", "roth_ira", "8003.12", "8003.12", "0.00", "2", "TRAD-2025-1099R")]
    assert len(j["actual"]) == 2
    assert j["differences"] == []
    assert j["form1040"] == {"4a": "8003.12", "4b": "3.12", "5a": "31565.65", "5b": "65.65"}


def test_sample_1099r_2026_finds_betas_box_2a(sample_book: Path) -> None:
    code, j = as_json(sample_book, "1099r", "--year", "2026")
    assert code == 1
    assert [(x["payer_account"], x["destination"], x["box1"], x["box2a"], x["box5"], x["box7"],
             x["matched_form"]) for x in j["expected"]] == [
        ("acme", "roth_401k", "15791.56", "41.56", "15750.00", "G", "ACME-2026-1099R"),
        ("beta", "roth_ira", "3016.93", "16.93", "3000.00", "G", "BETA-2026-1099R-1"),
        ("beta", "roth_ira", "3000.00", "0.00", "3000.00", "G", "BETA-2026-1099R-3"),
        ("beta", "traditional_ira", "24.37", "0.00", "0.00", "G", "BETA-2026-1099R-2"),
        ("alex-trad", "roth_ira", "8605.41", "8605.41", "0.00", "2", "TRAD-2026-1099R")]
    # Beta's forms add up to 6041.30 / 0.00 / 6000.00; the ledger says 6041.30 / 16.93 / 6000.00.
    assert [(d["payer_account"], d["level"], d["box"], d["expected"], d["actual"], d["difference"])
            for d in j["differences"]] == [("beta", "form", "box2a", "16.93", "0.00", "16.93")]
    assert "BETA-2026-1099R-1" in j["differences"][0]["form"]
    assert "sample_data/activity-beta-2026.csv:16" in j["differences"][0]["rows"]
    # 5a = 15791.56 + 6041.30; 5b = 41.56 + 16.93 (the split legs add 0); 4b = Form 8606 line 18.
    assert j["form1040"] == {"4a": "8605.41", "4b": "30.20", "5a": "21832.86", "5b": "58.49"}
    assert any("would give line 5b = 41.56" in n for n in j["notes"])


def test_sample_1099r_table_view_exits_1_and_explains(sample_book: Path) -> None:
    res = run(sample_book, "worksheet", "1099r", "--year", "2026")
    assert res.exit_code == 1
    assert "BETA-2026-1099R-1" in res.stdout
    assert "code G does not mean 'not taxable'" in res.stdout
    assert "21,832.86" in res.stdout and "58.49" in res.stdout
    assert "Not tax advice" in res.stdout


# ---------------------------------------------------------------- the sample household, lots


def test_sample_lots_2026(sample_book: Path) -> None:
    code, j = as_json(sample_book, "lots", "--year", "2026", "--person", "alex")
    assert code == 0
    lines = j["lines"]
    assert (lines["acme.contributed"], lines["acme.earnings"], lines["acme.moved"], lines["acme.moved_taxable"]) == (
        "15750.00", "41.56", "15791.56", "41.56")
    assert (lines["beta.contributed"], lines["beta.earnings"], lines["beta.moved"], lines["beta.moved_basis"],
            lines["beta.moved_taxable"]) == ("11000.00", "82.45", "6041.30", "6000.00", "16.93")
    assert (lines["beta.unconverted_basis"], lines["beta.unconverted_earnings"]) == ("5000.00", "41.15")
    late = [x for x in j["lots"] if x["contributed_on"] == "2026-06-23"]
    assert [(x["converted_on"], x["days"], x["earnings"], x["basis"]) for x in late] == [
        ("2026-07-27", 34, "17.91", "1211.52")]
    beta = [x for x in j["lots"] if x["plan"] == "beta"]
    assert [x["days"] for x in beta if x["converted_on"]] == [35, 17, 3, 51, 21, 6]
    assert len([x for x in beta if x["status"] == "open"]) == 5
    split = [x for x in j["conversions"] if x["split_group"]]
    assert [(x["destination"], x["landing"], x["amount"], x["basis"], x["earnings"], x["taxable"]) for x in split] == [
        ("roth_ira", "alex-roth", "3000.00", "3000.00", "0.00", "0.00"),
        ("traditional_ira", "alex-trad", "24.37", "0.00", "24.37", "0.00")]


def test_sample_lots_2025(sample_book: Path) -> None:
    _, j = as_json(sample_book, "lots", "--year", "2025")
    acme = [x for x in j["lots"] if x["plan"] == "acme"]
    assert len(acme) == 26
    assert sum(int(x["earnings"].replace(".", "")) for x in acme) == 6565   # 65.65
    assert (acme[0]["contributed_on"], acme[0]["converted_on"], acme[0]["earnings"]) == (
        "2025-01-07", "2025-01-08", "0.61")
    assert (j["lines"]["acme.moved"], j["lines"]["acme.moved_basis"]) == ("31565.65", "31500.00")


def test_sample_8606_table_view(sample_book: Path) -> None:
    res = run(sample_book, "worksheet", "8606", "--year", "2026")
    assert res.exit_code == 0
    assert "0.99649" in res.stdout and "8,575.21" in res.stdout and "22,625.46" in res.stdout


# ---------------------------------------------------------------- behaviour


@pytest.mark.parametrize("sub", [[], ["1099r"], ["8606"], ["lots"]])
def test_help_has_an_example(sub: list[str], book: Path) -> None:
    res = run(book, "worksheet", *sub, "--help")
    assert res.exit_code == 0
    assert "Example:" in res.stdout


def test_unknown_person_exits_2(sample_book: Path) -> None:
    res = run(sample_book, "worksheet", "8606", "--year", "2026", "--person", "sam")
    assert res.exit_code == 2
    assert "--person sam: unknown person" in res.stderr


def test_missing_year_is_a_usage_error(sample_book: Path) -> None:
    res = run(sample_book, "worksheet", "lots")
    assert res.exit_code == 2


def test_no_book_exits_2(tmp_path: Path) -> None:
    res = run(tmp_path / "nowhere", "worksheet", "8606", "--year", "2026")
    assert res.exit_code == 2
    assert "no profile here" in res.stderr or "no ledger here" in res.stderr


TWO = """
[[person]]
id = "alex"
born = "1975-03-10"
first_year = 2026

[[person]]
id = "sam"
born = "1980-01-01"

[[ira]]
id = "alex-trad"
person = "alex"
type = "traditional"
"""


def test_several_persons_give_a_list_and_a_year_before_first_year_exits_2(
        make_book: Callable[..., Path]) -> None:
    book = make_book(TWO, name="two")
    code, j = as_json(book, "8606", "--year", "2026")
    assert code == 0
    assert [x["person"] for x in j] == ["alex", "sam"]
    assert j[0]["lines"]["14"] == "0.00" and j[0]["lines"]["10"] is None
    res = run(book, "worksheet", "8606", "--year", "2025", "--person", "alex")
    assert res.exit_code == 2
    assert "2025 is before alex's first year 2026" in res.stderr
    code, j1 = as_json(book, "1099r", "--year", "2026")
    assert code == 0 and j1["person"] == "alex,sam" and j1["expected"] == []
