"""Form lines defined once (`core.formula`): the worksheet's figures are the evaluation of each line's
expression, and the workbook's formulas are the mechanical translation of the same expression."""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from mbr_ledger.book.book import Book
from mbr_ledger.core.errors import MbrError
from mbr_ledger.core.formula import LineDef, evaluate, excel, line_values, parse
from mbr_ledger.forms import f1040
from mbr_ledger.forms.model import Grid, Line, Worksheet
from mbr_ledger.forms.packet import Packet
from mbr_ledger.render.xlsx import render_xlsx
from mbr_ledger.rules import form8606
from mbr_ledger.rules.basis import _part1_taxable

from conftest import run

D = Decimal
CELL = re.compile(r"(?:'[^']+'!)?\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?")
ROTH_DISTRIBUTION = """date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo
2024-02-01,alex,alex-roth,contribution,roth,3000.00,,,,2024,
2025-03-01,alex,alex-roth,distribution,,4000.00,,,,,
2025-01-20,alex,alex-trad,contribution,nondeductible,1000.00,,,,2024,
2024-12-31,alex,alex-trad,balance,,500.00,,,,,
2024-06-01,alex,alex-trad,conversion,,500.00,,,,,
"""


def _computed(ws: Worksheet) -> list[tuple[Line, LineDef]]:
    return [(ln, form8606.BY_ID[ln.id]) for ln in ws.lines if form8606.BY_ID[ln.id].computed and ln.value is not None]


def _check_8606(ws: Worksheet) -> int:
    values = {ln.id: ln.value for ln in ws.lines}
    n = 0
    for ln, d in _computed(ws):
        got = d.evaluate(line_values(values))
        want = form8606.ratio_text(got) if d.kind == "ratio" else got
        assert ln.value == want, (ws.person, ws.year, ln.id, ln.value, want)
        assert ln.expr == d.expr and ln.inputs == d.lines
        n += 1
    return n


# ---------------------------------------------------------------- the worksheet is the definitions' evaluation


def test_every_computed_8606_line_is_the_evaluation_of_its_definition(sample_book: Path) -> None:
    seen = 0
    with Book.open(sample_book) as b:
        for year in (2025, 2026):
            for ws in b.worksheets("8606", year):
                seen += _check_8606(ws)
    assert seen >= 20


def test_part_iii_lines_are_the_evaluation_of_their_definitions(book: Path, tmp_path: Path) -> None:
    path = tmp_path / "roth.csv"
    path.write_text(ROTH_DISTRIBUTION, encoding="utf-8")
    assert run(book, "import", str(path)).exit_code == 0
    with Book.open(book) as b:
        ws = b.worksheets("8606", 2025, "alex")[0]
    assert {k: ws.value(k) for k in ("19", "21", "22", "23", "24", "25a", "25c")} == {
        "19": D("4000.00"), "21": D("4000.00"), "22": D("3000.00"), "23": D("1000.00"), "24": D("500.00"),
        "25a": D("500.00"), "25c": D("500.00")}
    assert _check_8606(ws) >= 6


def test_form_1040_lines_are_the_evaluation_of_their_definitions(sample_book: Path) -> None:
    with Book.open(sample_book) as b:
        ws = b.worksheets("1099r", 2026, "alex")[0]
        f = b.worksheets("8606", 2026, "alex")[0]
    assert [ln.id for ln in ws.lines] == [d.id for d in f1040.LINES]
    assert ws.value("4b") == sum((f.value(k) or D(0) for k in ("15c", "18", "25c")), D(0)) == D("30.20")  # type: ignore[misc]
    g = ws.grids["expected"]
    ira = [r for r in g.rows if r[g.columns.index("ira_sep_simple")] or r[g.columns.index("box7")] in "JQT"]
    assert ws.value("4a") == sum((r[g.columns.index("box1")] for r in ira), D(0)) == D("8605.41")
    assert ws.value("5a") == D("21832.86") and ws.value("5b") == D("58.49")


# ---------------------------------------------------------------- the Excel translation names exactly the lines


@pytest.mark.parametrize("d", [*form8606.LINES, *f1040.LINES], ids=lambda d: d.id)
def test_the_excel_translation_names_exactly_the_cells_it_comes_from(d: LineDef) -> None:
    if not d.computed:
        assert d.expr == "" and d.source and d.refs == []
        return
    cells = {name: f"$Z${i + 1}" if "." not in name else f"'S'!$Y${i + 1}:$Y${i + 9}"
             for i, name in enumerate(d.refs)}
    text = excel(d.expr, cells.get)
    assert text is not None
    assert sorted(set(CELL.findall(text))) == sorted(cells.values())
    if d in form8606.LINES:
        assert all(r.startswith("L") for r in d.refs) and d.lines == [r[1:] for r in d.refs]
        assert set(d.lines) <= set(form8606.LINE_IDS)
    assert excel(d.expr, lambda name: None) is None  # a name without a cell: no formula


def test_translation_and_how_text() -> None:
    assert excel("L1 + L2", {"L1": "C3", "L2": "C4"}.get) == "C3+C4"
    assert excel("L21 - (L22 - L3) * 2", {"L21": "A1", "L22": "A2", "L3": "A3"}.get) == "A1-(A2-A3)*2"
    assert excel("MAX(0, L23 - L24)", {"L23": "A1", "L24": "A2"}.get) == "MAX(0,A1-A2)"
    assert excel('SUMIFS(g.a, g.b, "no", g.c, "<>J")', {"g.a": "A1:A3", "g.b": "B1:B3", "g.c": "C1:C3"}.get) == \
        'SUMIFS(A1:A3,B1:B3,"no",C1:C3,"<>J")'
    assert form8606.BY_ID["3"].formula == "line 1 + line 2"
    assert form8606.BY_ID["11"].formula == "line 8 x line 10"
    assert form8606.BY_ID["16"].formula == "line 8"
    with pytest.raises(MbrError, match="unknown function"):
        parse("SQRT(L1)")
    with pytest.raises(MbrError, match="not both or neither"):
        LineDef("x", "x", "L1", source="the ledger")


def test_sumifs_and_blank_lines_as_excel_reads_them() -> None:
    cols = {"g.box": [D("1.00"), D("2.00"), D("4.00")], "g.flag": [True, False, False], "g.code": ["7", "J", "G"]}
    assert evaluate(parse('SUMIFS(g.box, g.flag, "yes")'), cols.__getitem__) == D("1.00")
    assert evaluate(parse('SUMIFS(g.box, g.flag, "no", g.code, "<>j")'), cols.__getitem__) == D("4.00")
    assert evaluate(parse("SUM(g.box)"), cols.__getitem__) == D("7.00")
    blank = line_values({"15a": D("5.00"), "15b": None})
    assert evaluate(parse("L15a - L15b"), blank) == D("5.00")


# ---------------------------------------------------------------- line 10 on both sides of 1


@pytest.mark.parametrize(("l5", "l6", "l8", "text", "l11"), [
    ("8000.00", "0.00", "8000.00", "1.000", "8000.00"),       # line 5 = line 9: exactly 1
    ("8000.00", "0.50", "8000.00", "0.99994", "7999.52"),     # 8000 / 8000.50 = 0.9999375: just under 1
    ("8000.00", "0.01", "8000.00", "1.000", "8000.00"),       # 0.99999875 rounds to 1.00000: entered as 1.000
    ("99999.99", "0.00", "100000.00", "1.000", "99999.99"),   # 0.9999999 -> 1.000; line 11 kept within line 5
    ("99999.00", "0.00", "100000.00", "0.99999", "99999.00"), # 0.99999 exactly: stays under 1
    ("500.00", "0.00", "0.00", "1.000", "0.00"),              # line 9 = 0: 1.000, no division
])
def test_line_10_on_both_sides_of_one(l5: str, l6: str, l8: str, text: str, l11: str) -> None:
    ratio, got, g11, g12 = _part1_taxable(D(l5), D(l6), D("0.00"), D(l8))
    assert (got, g11, g12) == (text, D(l11), D("0.00"))
    assert ratio == D(text)


# ---------------------------------------------------------------- the workbook holds the formulas


def _packet(ws8606: Worksheet, ws1099: Worksheet | None = None) -> Packet:
    worksheets = {"8606": ws8606}
    if ws1099 is not None:
        worksheets["1099r"] = ws1099
    return Packet(year=ws8606.year, person=ws8606.person, person_name=ws8606.person, worksheets=worksheets)


def _line_cells(sheet: openpyxl.worksheet.worksheet.Worksheet, ids: list[str], start: int = 1) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in range(start, sheet.max_row + 1):
        v = sheet.cell(row=r, column=1).value
        if v in ids and v not in out and sheet.cell(row=r, column=2).value:
            out[v] = f"C{r}"
        if len(out) == len(ids):
            break
    return out


def test_workbook_lines_are_live_formulas_over_the_right_cells(sample_book: Path, tmp_path: Path) -> None:
    with Book.open(sample_book) as b:
        ws8606 = b.worksheets("8606", 2026, "alex")[0]
        ws1099 = b.worksheets("1099r", 2026, "alex")[0]
    path = tmp_path / "p.xlsx"
    path.write_bytes(render_xlsx(_packet(ws8606, ws1099)))
    wb = openpyxl.load_workbook(path)
    sheet = wb["Form 8606"]
    cells = _line_cells(sheet, form8606.LINE_IDS)
    assert len(cells) == len(form8606.LINE_IDS)
    checked = 0
    for ln in ws8606.lines:
        cell = sheet[cells[ln.id]]
        d = form8606.BY_ID[ln.id]
        if ln.value is None:
            assert cell.value is None, ln.id
        elif d.computed:
            assert cell.data_type == "f", ln.id
            assert sorted(set(CELL.findall(cell.value))) == sorted({cells[x] for x in d.lines}), ln.id
            checked += 1
        else:
            assert cell.data_type == "n" and D(str(cell.value)) == ln.value, ln.id
    assert checked == 11  # lines 3, 5, 9-14 and 16-18
    r1099 = wb["1099-R reconciliation"]
    top = next(r for r in range(1, r1099.max_row + 1) if r1099.cell(row=r, column=1).value == "Form 1040")
    c4b = r1099[_line_cells(r1099, ["4b"], top)["4b"]]
    assert c4b.data_type == "f"
    assert sorted(CELL.findall(c4b.value)) == sorted(f"'Form 8606'!${c[0]}${c[1:]}"
                                                      for c in (cells["15c"], cells["18"], cells["25c"]))
    for lid in ("4a", "5a", "5b"):
        c = r1099[_line_cells(r1099, [lid], top)[lid]]
        assert c.data_type == "f" and c.value.startswith("=SUMIFS("), lid


def test_a_line_whose_cells_are_missing_shows_its_value(tmp_path: Path) -> None:
    """Form 1040 line 4b of several persons cannot point at one person's Form 8606: the figure instead."""
    ws1099 = Worksheet("1099r", "Form 1099-R", 2026, "alex,sam")
    ws1099.grids["expected"] = Grid("expected", ["box1", "box2a", "box7", "ira_sep_simple"],
                                    ["money", "money", "text", "bool"])
    ws1099.lines = f1040.form_1040_lines(ws1099.grids["expected"], [{"15c": None, "18": D("3.00"), "25c": None},
                                                                    {"18": D("4.00")}], {})
    ws8606 = Worksheet("8606", "Form 8606", 2026, "alex")
    path = tmp_path / "p.xlsx"
    path.write_bytes(render_xlsx(_packet(ws8606, ws1099)))
    sheet = openpyxl.load_workbook(path)["1099-R reconciliation"]
    got = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=3) for r in range(1, 12)}
    assert got["4b"].data_type == "n" and D(str(got["4b"].value)) == D("7.00")
    assert D(str(got["4a"].value)) == D("0")  # an empty grid: the value too


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="needs LibreOffice to recalculate")
@pytest.mark.parametrize(("l5", "l6", "l8"), [("8000.00", "0.00", "8000.00"), ("8000.00", "0.50", "8000.00"),
                                              ("500.00", "0.00", "0.00")])
def test_a_spreadsheet_recalculates_the_worksheet_figures(tmp_path: Path, l5: str, l6: str, l8: str) -> None:
    values: dict[str, Decimal | str | None] = {k: None for k in form8606.LINE_IDS}
    values.update({"1": D(l5), "2": D("0.00"), "4": D("0.00"), "6": D(l6), "7": D("0.00"), "8": D(l8)})
    for lid in ("3", "5", "9", "10", "11", "12", "13", "14", "16", "17", "18"):
        d = form8606.BY_ID[lid]
        v = d.evaluate(line_values(values))
        values[lid] = form8606.ratio_text(v) if d.kind == "ratio" else v
    ws = Worksheet("8606", "Form 8606", 2026, "alex")
    ws.lines = [Line(d.id, d.label, values[d.id], d.lines, d.formula, d.kind, d.expr) for d in form8606.LINES]
    src = tmp_path / "in.xlsx"
    src.write_bytes(render_xlsx(_packet(ws)))
    out = tmp_path / "out"
    subprocess.run(["libreoffice", "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=120)
    sheet = openpyxl.load_workbook(out / "in.xlsx", data_only=True)["Form 8606"]
    cells = _line_cells(sheet, form8606.LINE_IDS)
    for lid, want in values.items():
        got = sheet[cells[lid]].value
        if want is None:
            assert got is None, lid
        else:
            assert abs(D(str(got)) - D(str(want))) < D("0.000001"), (lid, got, want)
