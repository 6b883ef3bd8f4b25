"""Corrective distributions on Form 1040 lines 4a/4b/5a/5b (forms/f1040.py) and the line 1h notes.

Rules cited: Form 1040 instructions, line 1h (corrective distributions from a retirement plan of
excess deferrals and excess contributions, plus earnings, are other earned income; an IRA's go on
lines 4a/4b) and lines 4a/4b (IRA distributions, traditional and Roth); Instructions for Forms
1099-R and 5498, box 7 codes 8 (taxable in the year of the form), P (taxable in the prior year),
E (EPCRS), J (Roth IRA); Pub. 590-A, contributions returned by the due date (section 408(d)(4)):
the contribution counts as never made, its earnings are income for the contribution's year;
Pub. 525, excess deferrals refunded by April 15: income for the year deferred, earnings for the
year paid; later: a plain distribution taxed again in the year paid.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from conftest import ACTIVITY_HEADER, SAMPLE, import_rows, run

HEADER = ACTIVITY_HEADER

PROFILE = """
[[person]]
id = "kim"
born = "1980-05-01"
filing_status = "single"
magi = { "2025" = "100000.00", "2026" = "100000.00" }

[[plan]]
id = "acme"
person = "kim"
employer = "Acme Corp"

[[ira]]
id = "kim-trad"
person = "kim"
type = "traditional"

[[ira]]
id = "kim-roth"
person = "kim"
type = "roth"
"""

ZERO4 = {"4a": "0.00", "4b": "0.00", "5a": "0.00", "5b": "0.00"}


def _book(make_book: Callable[..., Path], tmp_path: Path, *lines: str, name: str = "book") -> Path:
    return import_rows(make_book(PROFILE, name=name), tmp_path, *lines, name=f"{name}-activity")


def _1099r(book: Path, year: int) -> dict[str, Any]:
    res = run(book, "worksheet", "1099r", "--year", str(year), "--format", "json")
    assert res.exit_code == 0, res.output
    out: dict[str, Any] = json.loads(res.stdout)
    return out


def _1040(book: Path, year: int) -> dict[str, Any]:
    res = run(book, "worksheet", "1040", "--year", str(year), "--format", "json")
    assert res.exit_code == 0, res.output
    out: dict[str, Any] = json.loads(res.stdout)
    return out


def _lines(book: Path, year: int) -> dict[str, str]:
    """Lines 4a-5b of both worksheets, which must agree (one definition, forms/f1040.py)."""
    a, b = _1099r(book, year)["form1040"], _1040(book, year)["lines"]
    assert a == b
    return dict(a)


# ------------------------------------------------------------------ IRA: 408(d)(4) returns, code 8 vs P


def test_ira_contribution_returned_in_its_year_is_code_8_on_4a_and_4b(make_book, tmp_path):
    """6,000.00 nondeductible for 2025, returned 2025-12-31 with 120.00 of earnings: code 8 (paid in
    the contribution's year), box 1 6,120.00, box 2a 120.00. 2025: line 4a 6,120.00, line 4b 120.00
    (Form 8606 has nothing: the contribution counts as never made); 2026: nothing."""
    book = _book(make_book, tmp_path,
                 "2025-01-10,kim,kim-trad,contribution,nondeductible,6000.00,,,,2025,,,",
                 "2025-12-31,kim,kim-trad,corrective,,6120.00,6000.00,,,2025,,ira_return,")
    ws = _1099r(book, 2025)
    assert [(f["box1"], f["box2a"], f["box7"], f["taxable_in"], f["on_4a"], f["on_4b"]) for f in ws["corrective"]] == [
        ("6120.00", "120.00", "8", "2025", True, True)]
    assert _lines(book, 2025) == {"4a": "6120.00", "4b": "120.00", "5a": "0.00", "5b": "0.00"}
    assert any("Form 1040 for 2025: line 4a + 6,120.00; line 4b + 120.00" in n for n in ws["notes"])
    assert not any("(code P)" in n for n in ws["notes"])  # same year: no code P note
    assert _lines(book, 2026) == ZERO4


def test_ira_contribution_returned_next_year_is_code_p_earnings_on_the_prior_return(make_book, tmp_path):
    """The same return a day later, 2026-01-01 (before the 2025 due date): code P. The 2026 form's box
    1 6,120.00 is line 4a of 2026 with nothing on 4b; its 120.00 earnings are income for 2025: line 4b
    of 2025 (and 4a of 2025 stays 0.00). Both returns say so."""
    book = _book(make_book, tmp_path,
                 "2025-01-10,kim,kim-trad,contribution,nondeductible,6000.00,,,,2025,,,",
                 "2026-01-01,kim,kim-trad,corrective,,6120.00,6000.00,,,2025,,ira_return,")
    now = _1099r(book, 2026)
    assert [(f["box1"], f["box2a"], f["box7"], f["taxable_in"], f["on_4a"], f["on_4b"]) for f in now["corrective"]] == [
        ("6120.00", "120.00", "P", "2025", True, False)]
    assert _lines(book, 2026) == {"4a": "6120.00", "4b": "0.00", "5a": "0.00", "5b": "0.00"}
    assert any("earnings 120.00 are income for 2025 (code P): line 4b of the 2025 return, not of this one" in n
               for n in now["notes"])
    prior = _1099r(book, 2025)
    assert [(f["status"], f["on_4a"], f["on_4b"]) for f in prior["corrective"]] == [("form of 2026", False, True)]
    assert _lines(book, 2025) == {"4a": "0.00", "4b": "120.00", "5a": "0.00", "5b": "0.00"}
    assert any("Form 1040 for 2025: line 4b + 120.00" in n for n in prior["notes"])
    assert any("its earnings 120.00 are income for 2025 (code P), in this return's line 4b; its box 1 6,120.00 is "
               "on line 4a of 2026" in n for n in prior["notes"])


def test_roth_ira_contribution_returned_is_code_j8_on_4a_and_4b(make_book, tmp_path):
    """A 2026 Roth IRA contribution of 6,000.00 returned 2026-11-02 with 120.00: code J8, no
    IRA/SEP/SIMPLE box; a Roth IRA distribution is still line 4a (6,120.00), its earnings line 4b
    (120.00, not Form 8606 line 25c: the contribution counts as never made; best knowledge)."""
    book = _book(make_book, tmp_path,
                 "2026-01-10,kim,kim-roth,contribution,roth,6000.00,,,,2026,,,",
                 "2026-11-02,kim,kim-roth,corrective,,6120.00,6000.00,,,2026,,ira_return,")
    ws = _1099r(book, 2026)
    assert [(f["box7"], f["ira_sep_simple"], f["on_4a"], f["on_4b"]) for f in ws["corrective"]] == [
        ("J8", False, True, True)]
    assert _lines(book, 2026) == {"4a": "6120.00", "4b": "120.00", "5a": "0.00", "5b": "0.00"}


def test_an_ira_contribution_returned_next_to_a_backdoor_conversion_adds_to_the_8606_amounts(make_book, tmp_path):
    """2026: 7,000.00 nondeductible converted at 7,000.00 (Form 8606 line 18 = 0.00) and a separate
    6,000.00 excess returned with 120.00 on 2026-06-01 (code 8): 4a = 7,000.00 + 6,120.00 = 13,120.00,
    4b = 0.00 + 120.00 = 120.00."""
    book = _book(make_book, tmp_path,
                 "2026-01-10,kim,kim-trad,contribution,nondeductible,13000.00,,,,2026,,,",
                 "2026-01-20,kim,kim-trad,conversion,,7000.00,,,,,,,",
                 "2026-06-01,kim,kim-trad,corrective,,6120.00,6000.00,,,2026,,ira_return,",
                 "2026-12-31,kim,kim-trad,balance,,0.00,,,,,,,")
    assert _lines(book, 2026) == {"4a": "13120.00", "4b": "120.00", "5a": "0.00", "5b": "0.00"}


def test_ira_excess_removed_after_the_due_date_is_line_4a_with_nothing_taxable(make_book, tmp_path):
    """1,000.00 over the 2025 IRA limit (8,000.00 nondeductible against 7,000.00), removed 2026-11-02
    with no earnings, after the 2025 extended due date (reason ira_excess): code 1 (under 59 1/2), box
    1 1,000.00 on line 4a of 2026, box 2a 0.00 (section 408(d)(5), best knowledge): 4b 0.00."""
    book = _book(make_book, tmp_path,
                 "2025-01-10,kim,kim-trad,contribution,nondeductible,8000.00,,,,2025,,,",
                 "2026-11-02,kim,kim-trad,corrective,,1000.00,1000.00,0.00,,2025,,ira_excess,")
    ws = _1099r(book, 2026)
    assert [(f["box1"], f["box2a"], f["box7"], f["on_4a"], f["on_4b"]) for f in ws["corrective"]] == [
        ("1000.00", "0.00", "1", True, False)]
    assert _lines(book, 2026) == {"4a": "1000.00", "4b": "0.00", "5a": "0.00", "5b": "0.00"}


# ------------------------------------------------------------------ plans: 415(c) (5a/5b), 402(g) (1h)


def test_415c_return_of_after_tax_money_is_lines_5a_5b_with_the_earnings_taxable(make_book, tmp_path):
    """1,000.00 of after-tax contributions over the 415(c) limit returned under EPCRS with 40.00 of
    earnings, 2026-02-10: code E, box 1 1,040.00, box 2a 40.00, box 5 1,000.00: line 5a 1,040.00,
    line 5b 40.00; lines 4a/4b untouched."""
    book = _book(make_book, tmp_path, "2026-02-10,kim,acme,corrective,after_tax,1040.00,1000.00,,,2025,,415c,")
    ws = _1099r(book, 2026)
    assert [(f["box1"], f["box2a"], f["box5"], f["box7"]) for f in ws["expected"]] == [
        ("1040.00", "40.00", "1000.00", "E")]
    assert _lines(book, 2026) == {"4a": "0.00", "4b": "0.00", "5a": "1040.00", "5b": "40.00"}


def test_402g_refund_by_april_15_is_line_1h_in_the_notes_year_by_year(make_book, tmp_path):
    """1,500.00 of 2025 excess deferrals refunded with 30.00 of earnings on 2026-04-15: code P for the
    1,500.00 (line 1h of 2025), code 8 for the 30.00 (line 1h of 2026); never lines 4a-5b."""
    book = _book(make_book, tmp_path, "2026-04-15,kim,acme,corrective,pretax,1530.00,1500.00,,,2025,,402g,")
    ws = _1099r(book, 2026)
    assert [(f["box1"], f["box2a"], f["box7"], f["taxable_in"], f["form1040_line"]) for f in ws["corrective"]] == [
        ("1500.00", "1500.00", "P", "2025", "1h"), ("30.00", "30.00", "8", "2026", "1h")]
    assert _lines(book, 2026) == ZERO4
    assert any("Form 1040 for 2026: line 1h + 30.00 (line 1h: unless the W-2 box 1 already includes the excess, "
               "best knowledge" in n for n in ws["notes"])
    assert any("its 1,500.00 is income for 2025, line 1h of the 2025 return" in n for n in ws["notes"])
    assert _lines(book, 2025) == ZERO4
    assert any("Form 1040 for 2025: line 1h + 1,500.00" in n for n in _1099r(book, 2025)["notes"])
    assert any("Form 1040 for 2026: line 1h + 30.00" in n for n in _1040(book, 2026)["notes"])


def test_402g_refund_on_april_16_is_a_plain_distribution_on_5a_5b(make_book, tmp_path):
    """A day late, 2026-04-16: no corrective distribution; a distribution of 1,530.00, all taxable in
    2026 (code 1, under 59 1/2): line 5a 1,530.00, line 5b 1,530.00; nothing on line 1h for 2026."""
    book = _book(make_book, tmp_path, "2026-04-16,kim,acme,corrective,pretax,1530.00,1500.00,,,2025,,402g,")
    assert _lines(book, 2026) == {"4a": "0.00", "4b": "0.00", "5a": "1530.00", "5b": "1530.00"}
    assert not any("line 1h +" in n for n in _1099r(book, 2026)["notes"])


def test_second_sample_household_402g_refund_is_line_1h_and_the_joint_lines_stay(make_book, tmp_path):
    """sample_data/household2: Sam's 1,500.00 excess refunded 2026-03-20 with 42.17 (codes P and 8):
    line 1h 1,500.00 for 2025 and 42.17 for 2026 in the notes; the 2026 joint return's lines are
    Robin's conversion only, 4a 8,412.50 and 4b 412.50 (the recharacterization is no distribution)."""
    home = SAMPLE / "household2"
    book = make_book((home / "mbr.toml").read_text(), name="household2")
    assert run(book, "import", *sorted(str(p) for p in home.glob("*.csv"))).exit_code == 0
    joint = _1040(book, 2026)
    assert joint["lines"] == {"4a": "8412.50", "4b": "412.50", "5a": "0.00", "5b": "0.00"}
    assert any("line 1h + 42.17" in n for n in joint["notes"])
    sam = json.loads(run(book, "worksheet", "1099r", "--year", "2025", "--person", "sam", "--format",
                         "json").stdout)
    assert any("Form 1040 for 2025: line 1h + 1,500.00" in n for n in sam["notes"])


def test_the_workbook_adds_the_ira_corrective_forms_with_live_formulas(make_book, tmp_path):
    """The report's 1099-R sheet: line 4a is SUMIFS over the expected forms plus SUMIFS over the
    corrective grid's on_4a rows, 4b the Form 8606 lines plus the on_4b rows; the formulas give the
    worksheet's 13,120.00 and 120.00 (the backdoor and the code 8 return above)."""
    from test_report import Book

    book = _book(make_book, tmp_path,
                 "2026-01-10,kim,kim-trad,contribution,nondeductible,13000.00,,,,2026,,,",
                 "2026-01-20,kim,kim-trad,conversion,,7000.00,,,,,,,",
                 "2026-06-01,kim,kim-trad,corrective,,6120.00,6000.00,,,2026,,ira_return,",
                 "2026-12-31,kim,kim-trad,balance,,0.00,,,,,,,")
    out = tmp_path / "out"
    res = run(book, "report", "--year", "2026", "--out", str(out))
    assert res.exit_code == 0, res.output
    wb = Book(out / "mbr-2026-kim.xlsx")
    sheet = "1099-R reconciliation"
    top = wb.find(sheet, 1, "Form 1040")
    for lid, want, sumifs in (("4a", "13120.00", 5), ("4b", "120.00", 1)):
        r = wb.find(sheet, 1, lid, start=top)
        formula = wb.wb[sheet][f"C{r}"].value
        assert isinstance(formula, str) and formula.count("SUMIFS(") == sumifs, (lid, formula)
        assert wb.value(sheet, f"C{r}") == Decimal(want), lid
