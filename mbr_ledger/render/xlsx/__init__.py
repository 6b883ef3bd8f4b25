"""The year-end packet as an Excel workbook a CPA can audit (openpyxl).

Reads only the `Packet` (forms/packet.py) and computes nothing: totals are live `SUM` formulas over
the rows they add up, and each computed form line is its definition's expression written as a live
formula over the cells of the lines it comes from (`core.formula.to_excel`), so the workbook shows
the worksheet's figures. Every string goes through `cells.put_text`, which writes it as a string
cell: text from a user's file (a memo, a fund name, a file path) can never become a formula.

Modules: `cells` (typed cells, widths), `blocks` (grids, notes, form lines), `tables` (the big tables,
a sheet each: Ledger, Lots, Conversions), `book` (the sheets), `sheet_xml` (speed code: the big tables'
rows written as sheet XML by Polars, behind the switch `tuning.workbook.FAST_TABLES`).
"""

from __future__ import annotations

import io

from ...forms.packet import Packet
from .book import Book
from .cells import LEDGER_HEADS, SHEETS
from .sheet_xml import splice

__all__ = ["LEDGER_HEADS", "SHEETS", "render_xlsx"]


def render_xlsx(packet: Packet) -> bytes:
    """The workbook as bytes (the caller writes it to disk atomically)."""
    book = Book(packet)
    wb = book.build()
    buf = io.BytesIO()
    wb.save(buf)
    if not book.bodies:
        return buf.getvalue()
    return splice(buf.getvalue(), {ws.path.lstrip("/"): rows for ws, rows in book.bodies.items()})
