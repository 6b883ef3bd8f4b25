"""The workbook's big tables (Ledger, Lots, Conversions) are written by a fast path, Polars expressions
writing the sheet XML (`sheet_xml.FastRows`), or by the plain definition, every cell through
`Writer.put`; the switch is `tuning.workbook.FAST_TABLES`. Both must give the same workbook: every
cell of every sheet (value, type, number format, quote prefix, font, fill, alignment), the column
widths, the row heights, the frozen and printed header rows, the filters."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from mbr_ledger.book.book import Book
from mbr_ledger.book.report import build_packet
from mbr_ledger.forms.model import Grid, Worksheet
from mbr_ledger.forms.packet import Packet, ledger_table
from mbr_ledger.render.xlsx import LEDGER_HEADS, SHEETS, render_xlsx
from mbr_ledger.render.xlsx.tables import grid_table
from mbr_ledger.tuning import workbook

from conftest import SAMPLE, run

D = Decimal


def dump(data: bytes) -> dict[str, list[Any]]:
    """Everything a reader of the workbook sees, sheet by sheet."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out: dict[str, list[Any]] = {}
    for ws in wb.worksheets:
        got: list[Any] = [ws.dimensions, ws.freeze_panes, ws.print_title_rows, ws.auto_filter.ref,
                          ws.page_setup.orientation, ws.oddHeader.left.text, len(ws._charts),
                          sorted((k, v.width) for k, v in ws.column_dimensions.items() if v.width),
                          sorted((k, v.height) for k, v in ws.row_dimensions.items() if v.height)]
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                got.append((c.coordinate, c.value, type(c.value).__name__, c.data_type, c.number_format,
                            bool(c.quotePrefix), bool(c.font.b), c.font.sz, c.fill.fill_type,
                            c.fill.fgColor.rgb, bool(c.alignment.wrap_text), c.alignment.vertical))
        out[ws.title] = got
    return out


def both_ways(packet: Packet, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, bytes]:
    monkeypatch.setattr(workbook, "FAST_TABLES", False)
    plain = render_xlsx(packet)
    monkeypatch.setattr(workbook, "FAST_TABLES", True)
    return plain, render_xlsx(packet)


def rows_in_order(data: bytes) -> None:
    """Each sheet's rows once each and in order (a spreadsheet refuses a file with a row twice)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                rows = [int(n) for n in re.findall(r'<row r="(\d+)"', z.read(name).decode())]
                assert rows == sorted(set(rows)), name


def assert_same(packet: Packet, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    plain, fast = both_ways(packet, monkeypatch)
    want, got = dump(plain), dump(fast)
    assert list(got) == list(want) == SHEETS
    for sheet in want:
        assert got[sheet][:9] == want[sheet][:9], sheet
        assert len(got[sheet]) == len(want[sheet]), sheet
        for g, w in zip(got[sheet], want[sheet], strict=True):
            assert g == w, sheet
    rows_in_order(plain)
    rows_in_order(fast)
    return got


# ---------------------------------------------------------------- awkward values, made by hand

AWKWARD: list[list[Any]] = [
    # date, text, text, money (cents), money, count, text, text
    [dt.date(2026, 1, 2), "acme", "contribution", 121154, 0, 2025, "x" * 150, "plain"],
    [dt.date(2026, 12, 31), "", None, 1234567890123, None, None, "one\ntwo\nthree", "=HYPERLINK(\"a\",\"b\")"],
    [dt.date(1900, 1, 15), "-5", "@x", 0, 10000, 0, "\t=1+1", " lead & <tag> "],
    [dt.date(1900, 3, 1), "+FUND", "\uff1dwide", -750, -5, 7, "ctl\x07char\ufffe", "trailing  "],
    [dt.date(1899, 12, 1), "yes", "no", 1, -9999999, 123456, "a\rb", "é ünïcode 中文"],
    [None, "   ", "a\n\nb\n", 10, 100, -3, "y" * 40 + "\n" + "z" * 70, "&amp;"],
]


def _ledger(rows: list[list[Any]]) -> pl.DataFrame:
    cols = ["date", "account", "kind", "amount", "basis", "for_year", "memo", "fund"]
    return ledger_table(pl.DataFrame({c: [r[i] for r in rows] for i, c in enumerate(cols)},
                                     schema_overrides={"amount": pl.Int64, "basis": pl.Int64,
                                                       "for_year": pl.Int64}))


def _grid(rows: list[list[Any]]) -> Grid:
    return Grid("After-tax lots", ["plan", "contributed_on", "basis", "days", "earnings", "memo"],
                ["text", "date", "money", "count", "money", "text"],
                [[r[1], r[0], None if r[3] is None else D(r[3]) / 100, r[5], None if r[4] is None else D(r[4]) / 100,
                  r[6]] for r in rows], totals=["basis", "earnings"])


def _packet(rows: list[list[Any]], grid: Grid | None = None) -> Packet:
    lots = Worksheet("lots", "lots", 2026, "alex", grids={"lots": grid or _grid(rows), "conversions": Grid(
        "Conversions", ["plan", "date", "amount", "flag"], ["text", "date", "money", "text"],
        [["acme", dt.date(2026, 5, 1), D("5.00"), True], ["=beta", dt.date(2026, 6, 1), D("-0.50"), False],
         ["", None, D("-0.00"), None]],
        totals=["amount"])})
    return Packet(year=2026, person="alex", person_name="alex", ledger=_ledger(rows), worksheets={"lots": lots})


def test_awkward_values_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    got = assert_same(_packet(AWKWARD), monkeypatch)
    ledger = {c[0]: c for c in got["Ledger"][9:]}
    # the case is not trivial: wrapped text, tall rows, quote prefixes, dates around 1900, a replaced character
    assert ledger["J2"][1:] == ("x" * 150, "str", "s", "General", False, False, 11.0, None, "00000000", True, "top")
    assert dict(got["Ledger"][7])["J"] == 60 and dict(got["Ledger"][7])["C"] == 14
    # 150 characters over a 60-wide column (66 a line); "one\ntwo\nthree"; "a\n\nb\n" over a 14-wide one
    assert got["Ledger"][8] == [(2, 45.0), (3, 45.0), (7, 60.0)]
    assert ledger["I2"][1:3] == (2025, "int") and ledger["I2"][10:] == (False, "top")  # top-aligned, a tall row
    assert ledger["B4"][1:6] == ("-5", "str", "s", "General", True)
    assert ledger["K3"][1:6] == ('=HYPERLINK("a","b")', "str", "s", "General", True)
    assert ledger["A4"][1] == dt.datetime(1900, 1, 15) and ledger["A5"][1] == dt.datetime(1900, 3, 1)
    assert ledger["E3"][1:5] == (12345678901.23, "float", "n", "#,##0.00_)")
    assert ledger["I2"][4] == "0_)" and ledger["A2"][4] == "yyyy-mm-dd_)"
    assert ledger["K4"][1] == " lead & <tag> " and ledger["K7"][1] == "&amp;"
    assert ledger["J5"][1] == "ctl\ufffdchar\ufffd"
    assert ledger["B7"][1] == "   " and "A7" not in ledger
    assert ledger["E8"][1] == "=SUBTOTAL(9,E2:E7)"
    lots = {c[0]: c for c in got["Lots"][9:]}
    assert lots["A8"][1] == "Total shown" and lots["C8"][1] == "=SUBTOTAL(9,C2:C7)"
    assert got["Lots"][1:4] == ["A2", "$1:$1", "A1:F7"]
    conversions = {c[0]: c for c in got["Conversions"][9:]}
    assert (conversions["D2"][1], conversions["A3"][5], conversions["C4"][1]) == ("yes", True, 0)


def test_a_table_the_fast_path_cannot_write_goes_the_plain_way(monkeypatch: pytest.MonkeyPatch) -> None:
    grid = _grid(AWKWARD)
    grid.rows[0][2] = D("1.005")  # more than a cent's places
    grid.rows[1][1] = dt.datetime(2026, 1, 1, 12)
    assert grid_table(grid).frame is None
    assert_same(_packet(AWKWARD, grid), monkeypatch)


def test_empty_tables_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    got = assert_same(_packet([], Grid("none", ["plan"], ["text"], [])), monkeypatch)
    assert [c[1] for c in got["Ledger"][9:]] == [*LEDGER_HEADS, "(none)"]
    assert assert_same(Packet(year=2026, person="alex", person_name="alex"), monkeypatch)["Lots"][9][1] == \
        "(no worksheet)"


# ---------------------------------------------------------------- the sample household and a busy year


def test_sample_packet_both_ways(make_book: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    book = make_book((SAMPLE / "mbr.toml").read_text(encoding="utf-8"), "sample")
    assert run(book, "import", *sorted(str(p) for p in SAMPLE.glob("*.csv"))).exit_code == 0
    with Book.open(book) as b:
        packet = build_packet(b, b.facts(2026, "alex")[0])
    got = assert_same(packet, monkeypatch)
    assert len(got["Ledger"]) > 100 and len(got["Lots"]) > 100


BUSY_PROFILE = """
[[person]]
id = "solo"
born = "1980-05-01"
marginal_rate = "0.32"

[[plan]]
id = "solo-acme"
person = "solo"
employer = "Acme solo"
conversion = "in_plan_auto"
"""

MEMOS = ["payroll", '"=HYPERLINK(""http://x"",""y"")"', "+cmd", "-2+3", "@SUM(1)", "fees & <costs>",
         '"two\nlines"', "l" * 90, " padded ", "中文 memo", ""]


def busy_year(days: int) -> str:
    """One person's year with after-tax and pre-tax rows interleaved, as a big book has them."""
    out = ["date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo"]
    day0 = dt.date(2026, 1, 1)
    for i in range(days):
        d = (day0 + dt.timedelta(days=i % 365)).isoformat()
        memo = MEMOS[i % len(MEMOS)]
        for kind, source, amount in (("contribution", "after_tax", "100.00"), ("contribution", "pretax", "200.00"),
                                     ("earnings", "after_tax", f"{(i % 7) - 3}.{i % 100:02d}"),
                                     ("fee", "pretax", "-0.25")):
            out.append(f"{d},solo,solo-acme,{kind},{source},{amount},,,,,{memo}")
        if i % 6 == 5:
            out.append(f"{d},solo,solo-acme,conversion,after_tax,{550 + i % 3}.00,,,,,in-plan Roth rollover")
    return "\n".join(out) + "\n"


def test_busy_packet_both_ways(make_book: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = make_book(BUSY_PROFILE, "busy")
    csv = tmp_path / "busy.csv"
    csv.write_text(busy_year(600), encoding="utf-8")
    res = run(book, "import", str(csv))
    assert res.exit_code == 0, res.output
    with Book.open(book) as b:
        packet = build_packet(b, b.facts(2026, "solo")[0])
    assert packet.ledger.height > 2000
    got = assert_same(packet, monkeypatch)
    ledger = {c[0]: c for c in got["Ledger"][9:]}
    memos = {c[1] for k, c in ledger.items() if k.startswith("J")}
    assert {"=HYPERLINK(\"http://x\",\"y\")", "two\nlines", "l" * 90, "fees & <costs>"} <= memos
    n = len(packet.worksheets["lots"].grids["lots"].rows)
    assert n > 100 and got["Lots"][1:4] == ["A2", "$1:$1", f"A1:J{1 + n}"]


def test_form_8606_lines_print_alone_at_the_scale_of_their_columns(sample_book: Path, tmp_path: Path) -> None:
    """The Form 8606 sheet prints its five columns (line, description, amount, how, from) and its notes
    only, the notes wrapped across those columns; the wide grids (basis carried, the Roth layers, line
    6's IRAs) are on the next sheet, so their columns never shrink the form's lines on paper."""
    assert run(sample_book, "report", "--year", "2026", "--out", str(tmp_path)).exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "mbr-2026-alex.xlsx")
    form = wb["Form 8606"]
    assert form.max_column == 5
    assert form.print_area == f"'Form 8606'!$A$1:$E${form.max_row}"
    assert [form.cell(row=r, column=1).value for r in range(1, form.max_row + 1)].count("Notes") == 1
    notes = [str(m) for m in form.merged_cells.ranges]
    assert notes and all(m.startswith("A") and ":E" in m for m in notes)
    assert form.page_setup.orientation == "landscape" and form.page_setup.fitToWidth == 1
    at = wb.sheetnames.index("Form 8606")
    assert wb.sheetnames[at + 1:at + 4] == ["Form 8606 basis carried", "Form 8606 Roth layers", "Form 8606 line 6"]
    assert wb["Form 8606 basis carried"]["A3"].value == "Carried to next year"
    assert wb["Form 8606 Roth layers"]["A3"].value == "Roth IRA conversion and rollover layers (5-year clocks)"
    assert wb["Form 8606 line 6"]["A3"].value == "Line 6: traditional, SEP and SIMPLE IRAs on Dec 31"


def _print_scale(ws: Any) -> int:
    """The percent a sheet printed one landscape Letter page wide comes out at: its used columns' width in
    pixels (a column of width w is 7w + 5 pixels in the default 11-point font) against the page's printable
    width (11 in less the left and right margins, 96 pixels an inch), at most 100."""
    px = sum(7 * (ws.column_dimensions[chr(64 + c)].width or 8.43) + 5 for c in range(1, ws.max_column + 1))
    page = (11 - ws.page_margins.left - ws.page_margins.right) * 96
    return min(100, int(100 * page // px))


def test_form_8606_tables_have_their_own_widths_and_print_readably(sample_book: Path, tmp_path: Path) -> None:
    """Each of Form 8606's three tables is on a sheet of its own, in columns as wide as its own cells
    (text + 2, at least 8), printed one landscape page wide: the two narrow tables at 100%, the Roth
    layers (eleven columns, its file:line column wrapped at 30) at 90% or more. On one sheet, the three
    tables shared column widths: eleven columns as wide as the widest of any table, about 47%."""
    assert run(sample_book, "report", "--year", "2026", "--out", str(tmp_path)).exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "mbr-2026-alex.xlsx")
    basis, layers, line6 = wb["Form 8606 basis carried"], wb["Form 8606 Roth layers"], wb["Form 8606 line 6"]
    # The longest key, label and value of the basis carried: roth_contribution_basis (23),
    # "Roth IRA conversion and rollover basis (line 24)" (48), 22,625.46 (9).
    assert [basis.column_dimensions[c].width for c in "ABC"] == [25, 50, 11]
    # The layers: year (8, the least), dates (10 + 2), kind "conversion" (10 + 2), origin "alex-trad" (9 + 2),
    # amount 8,605.41 and its total 22,625.46 (+ 1 for a sign, + 2), taxable (7 + 2), nontaxable and remaining
    # (10 + 2, 22,625.46 + 3), clock_start (11 + 2), clock_end (10 + 2), row (file:line, wrapped at 30).
    refs = [layers.cell(row=r, column=11).value for r in range(5, 9)]
    assert [layers.column_dimensions[chr(64 + c)].width for c in range(1, 12)] == [
        8, 12, 12, 11, 12, 9, 12, 12, 13, 12, min(30, max(len(x) for x in refs) + 2)]
    assert all(layers.cell(row=r, column=11).alignment.wrap_text for r in range(5, 9))
    assert [line6.column_dimensions[c].width for c in "ABC"] == [11, 8, 13]  # account, 24.87, "balance row"
    for ws in (basis, layers, line6):
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_margins.left == ws.page_margins.right == 0.25
    assert _print_scale(basis) == 100 and _print_scale(line6) == 100 and _print_scale(layers) >= 90
