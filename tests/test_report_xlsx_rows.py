"""The Ledger sheet's rows are written as XML text (`XmlRows`), not cell by cell through openpyxl: the
workbook must read back exactly as if every value had gone through `Writer.put` and `Writer.finish`
(values, types, number formats, quote prefix, wrapping, row heights, column widths)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
from openpyxl import Workbook

from mbr_ledger.forms.packet import Packet, ledger_table
from mbr_ledger.render.xlsx import LEDGER_HEADS, render_xlsx
from mbr_ledger.render.xlsx.cells import Writer
from mbr_ledger.render.xlsx.sheet_xml import XmlRows, splice

D = Decimal

AWKWARD: list[list[Any]] = [
    [dt.date(2026, 1, 2), "acme", "contribution", D("1211.54"), D("-0.00"), 2025, "x" * 150, "plain"],
    [dt.date(2026, 12, 31), "", None, D("12345678901.23"), None, None, "one\ntwo\nthree", "=HYPERLINK(\"a\",\"b\")"],
    [dt.date(1900, 1, 15), "-5", "@x", D("0"), D("100.00"), 0, "\t=1+1", " lead & <tag> "],
    [dt.datetime(2026, 3, 4, 12, 0), "+FUND", "\uff1dwide", D("-7.5"), D("1E+2"), 7, "ctl\x07char", "trailing  "],
    [dt.date(2026, 6, 30), True, False, D("0.01"), D("-99999.99"), 123456, "a\rb", "é ünïcode 中文"],
]


def _dump(data: bytes) -> list[Any]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws is not None
    out: list[Any] = [ws.dimensions,
                      sorted((k, v.width) for k, v in ws.column_dimensions.items() if v.width),
                      sorted((k, v.height) for k, v in ws.row_dimensions.items() if v.height)]
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style:
                continue
            out.append((c.coordinate, c.value, c.data_type, c.number_format, bool(c.quotePrefix), bool(c.font.b),
                        c.fill.fill_type, bool(c.alignment.wrap_text), c.alignment.vertical))
    return out


def _by_cell(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    w = Writer(wb.active)  # type: ignore[arg-type]
    w.header(1, [f"h{j}" for j in range(len(rows[0]))])
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            w.put(2 + i, 1 + j, v)
    w.put(2 + len(rows), 2, "Total", bold=True)
    w.finish(freeze="A2")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _as_xml(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    w = Writer(ws)  # type: ignore[arg-type]
    w.header(1, [f"h{j}" for j in range(len(rows[0]))])
    w.put(2 + len(rows), 2, "Total", bold=True)
    body = XmlRows(w, 2, rows)
    body.measure()
    xml = body.xml()
    w.finish(freeze="A2")
    buf = io.BytesIO()
    wb.save(buf)
    return splice(buf.getvalue(), {ws.path.lstrip("/"): xml})  # type: ignore[union-attr]


def test_rows_as_xml_read_back_as_cell_by_cell() -> None:
    want = _dump(_by_cell(AWKWARD))
    got = _dump(_as_xml(AWKWARD))
    assert got == want
    # the case is not trivial: wrapped text, a tall row, quote prefixes and a 1900 date are all in it
    assert ("G2", "x" * 150, "s", "General", False, False, None, True, "top") in got
    assert dict(got[1])["G"] == 60
    # 150 characters over a 60-wide column (66 characters a line), three lines of "one\ntwo\nthree"
    assert got[2] == [(2, 45), (3, 45)]
    assert ("F2", 2025, "n", "General", False, False, None, False, "top") in got  # top-aligned in a tall row
    assert ("B4", "-5", "s", "General", True, False, None, False, None) in got
    assert ("A4", dt.datetime(1900, 1, 15), "d", "yyyy-mm-dd", False, False, None, False, None) in got
    assert ("D3", 12345678901.23, "n", "#,##0.00", False, False, None, False, "top") in got
    assert ("H4", " lead & <tag> ", "s", "General", False, False, None, False, None) in got


def test_rows_as_xml_without_wrapping() -> None:
    rows = [[r[0], r[1], r[3], r[5]] for r in AWKWARD]
    got = _dump(_as_xml(rows))
    assert got == _dump(_by_cell(rows))
    assert not any(h for h in got[2])  # no tall rows


def test_ledger_sheet_of_a_packet(tmp_path: Path) -> None:
    rows = ledger_table(pl.DataFrame({
        "date": [dt.date(2026, 1, 2 + i % 28) for i in range(300)], "account": ["acme"] * 300,
        "kind": ["contribution"] * 300, "source": ["after_tax"] * 300, "amount": [i * 100 + i % 100 for i in range(300)],
        "source_file": [f"f{i % 3}.csv" for i in range(300)], "source_line": list(range(300)),
        "memo": ["=1+1" if i == 7 else "" for i in range(300)]}))
    packet = Packet(year=2026, person="alex", person_name="alex", ledger=rows)
    path = tmp_path / "p.xlsx"
    path.write_bytes(render_xlsx(packet))
    ws = openpyxl.load_workbook(path)["Ledger"]
    assert [c.value for c in ws[1]] == LEDGER_HEADS
    assert ws.max_row == 302 and ws.auto_filter.ref == "A1:M301"
    assert ws["A2"].value == dt.datetime(2026, 1, 2) and ws["A2"].number_format == "yyyy-mm-dd"
    assert D(str(ws["E301"].value)) == D("299.99") and ws["E301"].number_format == "#,##0.00"
    assert (ws["J9"].value, ws["J9"].data_type, ws["J9"].quotePrefix) == ("=1+1", "s", True)
    assert ws["L301"].value == "f2.csv" and ws["M301"].value == 299
    assert ws["D302"].value == "Total shown" and ws["E302"].value == "=SUBTOTAL(9,E2:E301)"
    assert sum(D(str(ws.cell(row=r, column=5).value)) for r in range(2, 302)) == \
        sum((D(c) / 100 for c in rows["amount"].to_list()), D(0))
