"""Pub. 590-B Worksheet 1-1 (Figuring the Taxable Part of Your IRA Distribution): in a year with a
distribution or conversion and contributions that may be partly deductible, all of the year's
contributions, deductible or not, go into the ratio; Form 8606 then leaves lines 6-12 blank and takes
line 13 from worksheet line 8, line 15a from worksheet line 11 and line 17 from worksheet line 10
(Pub. 590-B, "Reporting your nontaxable distribution on Form 8606"). If Form 8606 line 5 is less than
worksheet line 8, Form 8606 lines 6-15c are completed as usual.

The Rose Green example (Pub. 590-B; the 2019 sample Form 8606 on irs.gov): basis 300 from earlier
years; a 2,000 contribution for the year, 1,500 of it deductible (the IRA Deduction Worksheet) and 500
nondeductible; 5,000 converted to a Roth IRA; the traditional IRAs are worth 20,000 at the end of the
year. Worksheet 1-1: line 3 = 300 + 2,000 = 2,300; line 6 = 20,000 + 5,000 = 25,000; line 7 = .092;
line 8 = 460; line 9 = 4,540. Form 8606: lines 1-5 = 500, 300, 800, 0, 800; line 13 = 460; line 14 =
340; line 15c = 0; line 16 = 5,000; line 17 = 460; line 18 = 4,540. Without the worksheet the form's
own ratio (800 / 25,000 = .032) would give line 13 = 160.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from test_form_lines import _line_cells, _packet

from mbr_ledger.book.book import Book
from mbr_ledger.render.xlsx import render_xlsx
from mbr_ledger.rules import form8606

from conftest import run

HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"


def profile(year: int, basis: str) -> str:
    return f"""
[[person]]
id = "rose"
born = "1955-05-01"
first_year = {year}
prior_ira_basis = "{basis}"

[[ira]]
id = "rose-trad"
person = "rose"
type = "traditional"

[[ira]]
id = "rose-roth"
person = "rose"
type = "roth"
"""


def form(make_book: Callable[..., Path], tmp_path: Path, year: int, basis: str, rows: str,
         name: str) -> dict[str, Any]:
    book = make_book(profile(year, basis), name=name)
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    res = run(book, "import", str(path))
    assert res.exit_code == 0, res.output
    res = run(book, "worksheet", "8606", "--year", str(year), "--format", "json")
    assert res.exit_code == 0, res.output
    return dict(json.loads(res.stdout))


BLANK_6_TO_12 = {k: None for k in ("6", "7", "8", "9", "10", "11", "12")}

ROSE = """2019-03-01,rose,rose-trad,contribution,deductible,1500.00,,,,2019,deductible part (IRA Deduction Worksheet)
2019-03-01,rose,rose-trad,contribution,nondeductible,500.00,,,,2019,nondeductible part
2019-06-03,rose,rose-trad,conversion,,5000.00,,,,,
2019-12-31,rose,rose-trad,balance,,20000.00,,,,,
"""


def test_the_rose_green_example(make_book: Callable[..., Path], tmp_path: Path) -> None:
    ws = form(make_book, tmp_path, 2019, "300.00", ROSE, "rose")
    lines = ws["lines"]
    assert {k: lines[k] for k in ("1", "2", "3", "4", "5", "13", "14", "15a", "15c", "16", "17", "18")} == {
        "1": "500.00", "2": "300.00", "3": "800.00", "4": "0.00", "5": "800.00", "13": "460.00", "14": "340.00",
        "15a": "0.00", "15c": "0.00", "16": "5000.00", "17": "460.00", "18": "4540.00"}
    assert {k: lines[k] for k in BLANK_6_TO_12} == BLANK_6_TO_12
    assert ws["carry_forward"]["traditional_ira_basis"] == "340.00"
    notes = " ".join(ws["notes"])
    assert "Worksheet 1-1 (Pub. 590-B)" in notes and "line 7 = line 3 / line 6 = 0.09200" in notes
    assert "lines 6-12 are not completed" in notes


def test_a_distribution_and_a_conversion_split_by_worksheet_line_10(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    # Basis 1,000; contributions 2,000 nondeductible + 4,000 deductible; Dec 31 value 50,000; 4,000 taken out
    # and 6,000 converted. Worksheet: line 3 = 7,000; line 6 = 60,000; line 7 = 7,000 / 60,000 = 0.1166666...
    # -> 0.11667; line 8 = 10,000 x 0.11667 = 1,166.70; line 9 = 8,833.30; line 10 = 8,833.30 x 6,000 / 10,000
    # = 5,299.98; line 11 = 3,533.32. Form 8606: line 3 = 3,000 = line 5 (>= 1,166.70); line 13 = 1,166.70;
    # line 14 = 1,833.30; 15a = 15c = 3,533.32; line 16 = 6,000; line 17 = 6,000 - 5,299.98 = 700.02; line 18 =
    # 5,299.98. (The form's own ratio would be 3,000 / 60,000 = 0.05: line 13 = 500.00.)
    rows = """2026-02-01,rose,rose-trad,contribution,nondeductible,2000.00,,,,2026,
2026-02-01,rose,rose-trad,contribution,deductible,4000.00,,,,2026,
2026-05-01,rose,rose-trad,distribution,,4000.00,,,,,
2026-06-01,rose,rose-trad,conversion,,6000.00,,,,,
2026-12-31,rose,rose-trad,balance,,50000.00,,,,,
"""
    lines = form(make_book, tmp_path, 2026, "1000.00", rows, "split")["lines"]
    assert {k: lines[k] for k in ("3", "5", "13", "14", "15a", "15c", "16", "17", "18")} == {
        "3": "3000.00", "5": "3000.00", "13": "1166.70", "14": "1833.30", "15a": "3533.32", "15c": "3533.32",
        "16": "6000.00", "17": "700.02", "18": "5299.98"}
    assert Decimal(lines["15c"]) + Decimal(lines["18"]) == Decimal("8833.30")  # worksheet line 9


def test_when_form_line_5_is_below_worksheet_line_8_the_form_is_completed_as_usual(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    # No basis; 100 nondeductible + 5,900 deductible; all 6,000 taken out, nothing left on Dec 31. Worksheet:
    # line 3 = 6,000, line 6 = 6,000, line 7 = 1.000, line 8 = 6,000 > Form 8606 line 5 = 100: lines 6-15c as
    # usual: line 9 = 6,000; line 10 = 100 / 6,000 = 0.016666... -> 0.01667; line 12 = 6,000 x 0.01667 = 100.02,
    # kept within line 5: 100.00; line 15a = 5,900.00.
    rows = """2026-02-01,rose,rose-trad,contribution,nondeductible,100.00,,,,2026,
2026-02-01,rose,rose-trad,contribution,deductible,5900.00,,,,2026,
2026-05-01,rose,rose-trad,distribution,,6000.00,,,,,
2026-12-31,rose,rose-trad,balance,,0.00,,,,,
"""
    ws = form(make_book, tmp_path, 2026, "0.00", rows, "usual")
    lines = ws["lines"]
    assert {k: lines[k] for k in ("5", "6", "7", "9", "10", "12", "13", "14", "15a")} == {
        "5": "100.00", "6": "0.00", "7": "6000.00", "9": "6000.00", "10": "0.01667", "12": "100.00",
        "13": "100.00", "14": "0.00", "15a": "5900.00"}
    assert any("is more than Form 8606 line 5" in n for n in ws["notes"])


def test_without_deductible_contributions_the_form_is_unchanged(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    # Only nondeductible money: the worksheet and the form agree, so the form's lines are used as they are.
    rows = ROSE.replace("deductible,1500.00", "nondeductible,1500.00").replace(",deductible part", ",")
    ws = form(make_book, tmp_path, 2019, "300.00", rows, "nond")
    # Line 5 = 300 + 2,000 = 2,300; line 10 = 2,300 / 25,000 = 0.092; line 11 = 460.
    assert (ws["lines"]["10"], ws["lines"]["11"], ws["lines"]["13"]) == ("0.09200", "460.00", "460.00")
    assert not any("Worksheet 1-1" in n for n in ws["notes"])


def test_the_workbook_writes_the_worksheets_figures_as_values(make_book: Callable[..., Path], tmp_path: Path) -> None:
    """Lines 13, 15a, 16 and 17 come from Worksheet 1-1, not from the form's formulas over the blank lines
    6-12: the workbook holds them as values (460, not =C11+C12 = 0); lines 14 and 18 stay live formulas."""
    form(make_book, tmp_path, 2019, "300.00", ROSE, "rosewb")
    with Book.open(tmp_path / "rosewb") as b:
        ws = b.worksheets("8606", 2019, "rose")[0]
    assert {ln.id: ln.formula for ln in ws.lines if ln.id in ("13", "17")} == {
        "13": "Worksheet 1-1 line 8 (Pub. 590-B)", "17": "line 16 - Worksheet 1-1 line 10 (Pub. 590-B)"}
    path = tmp_path / "rose.xlsx"
    path.write_bytes(render_xlsx(_packet(ws)))
    sheet = openpyxl.load_workbook(path)["Form 8606"]
    cells = _line_cells(sheet, form8606.LINE_IDS)
    for lid, value in (("13", "460"), ("15a", "0"), ("16", "5000"), ("17", "460")):
        cell = sheet[cells[lid]]
        assert cell.data_type == "n" and Decimal(str(cell.value)) == Decimal(value), lid
    assert sheet[cells["14"]].data_type == "f" and sheet[cells["18"]].data_type == "f"
    assert sheet[cells["11"]].value is None
