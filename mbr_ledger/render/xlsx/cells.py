"""Cells of the workbook: typed values, text that can never become a formula, column widths."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.worksheet import Worksheet as Sheet

from ...core.formula import BOOL_TEXT

# Number formats; "_)" keeps a small space right of a number, so that it does not run into the
# left-aligned text of the next column.
MONEY = "#,##0.00_)"
DATE = "yyyy-mm-dd_)"
COUNT = "0_)"
MAX_WIDTH = 60
ROW_HEIGHT = 15  # points per line of 11-point text
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
STATUS_FILL = {"fail": PatternFill("solid", fgColor="FFC7CE"), "warn": PatternFill("solid", fgColor="FFEB9C"),
               "ok": PatternFill("solid", fgColor="C6EFCE"), "info": PatternFill("solid", fgColor="DDEBF7")}
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
# A spreadsheet reads a cell starting with one of these as a formula (or DDE command) when it is typed
# or imported from CSV: such text gets the quote prefix on top of being a string cell.
# Characters an XML file cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE, and U+FFFE, U+FFFF): each is
# written as U+FFFD. One pattern for Python's re and for Polars.
ILLEGAL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\uFFFE\uFFFF]"
ILLEGAL = re.compile(ILLEGAL_PATTERN)
MAX_TEXT = 32767  # characters a cell holds
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# Before this day a spreadsheet's day numbers count the 1900-02-29 that never was (openpyxl's to_excel knows).
EXCEL_LEAP_BUG_END = dt.date(1900, 3, 1)

CHART_ROWS = 18          # rows kept free for a chart of CHART_CM (height, width) in centimetres
CHART_CM = (8.0, 15.0)  # float-ok: chart size in cm
LEDGER_HEADS = ["Date", "Account", "Kind", "Source", "Amount", "Basis", "Taxable", "Destination", "For year",
                "Memo", "Fund", "Source file", "Line"]
LOTS_SHEET = "After-tax lots and conversions"  # the charts, the per-plan lines and notes
GRID_SHEETS = {"lots": "Lots", "conversions": "Conversions"}  # the lots worksheet's big grids, a sheet each
# Form 8606's grids, a sheet each after the form's lines: each table's columns have widths of their own, so
# that each prints at the scale of its own width (and none shrinks the form's lines).
F8606_SHEETS = {"carry_forward": "Form 8606 basis carried", "roth_layers": "Form 8606 Roth layers",
                "line6": "Form 8606 line 6"}
REFS_WIDTH = 30  # a detail grid's `row` column (file:line) wraps at this width, so the grid fits a page
NARROW_MARGIN = "0.25"  # inches left and right: a spreadsheet's "narrow" margins
SHEETS = ["Summary", "Audit", "1099-R reconciliation", "Form 8606", *F8606_SHEETS.values(), LOTS_SHEET,
          *GRID_SHEETS.values(), "Capacity plan", "Limits", "Ledger"]


def put_text(cell: Cell, value: str) -> Cell:
    """Write `value` as a string cell, never a formula, whatever it starts with."""
    s = ILLEGAL.sub("\ufffd", value)[:MAX_TEXT]
    cell.value = s
    cell.data_type = "s"
    if s.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


def ratio_format(value: Decimal) -> str:
    places = max(-int(value.as_tuple().exponent), 3)
    return "0." + "0" * places + "_)"


class Writer:
    """One sheet: typed cells, and column widths from what was written."""

    def __init__(self, ws: Sheet):
        self.ws = ws
        self.widths: dict[int, int] = {}
        self.wrapped: set[int] = set()
        self.elsewhere: tuple[int, int] | None = None  # rows written as XML (`sheet_xml.FastRows`), not here

    def _width(self, col: int, n: int) -> None:
        self.widths[col] = max(self.widths.get(col, 8), min(n + 2, MAX_WIDTH))
        if n + 2 > MAX_WIDTH:
            self.wrapped.add(col)

    def narrow(self, col: int, width: int) -> None:
        """Column `col` at most `width` wide, its longer text wrapped (call after writing it)."""
        if self.widths.get(col, 8) > width:
            self.widths[col] = width
            self.wrapped.add(col)

    def narrow_margins(self) -> None:
        """Left and right margins of NARROW_MARGIN inches: a wide table prints at a larger scale."""
        self.ws.page_margins.left = self.ws.page_margins.right = Decimal(NARROW_MARGIN)

    def put(self, row: int, col: int, value: Any, kind: str = "", *, bold: bool = False) -> Cell:
        cell = self.ws.cell(row=row, column=col)
        if value is None or value == "":
            return cell
        if isinstance(value, bool):
            put_text(cell, BOOL_TEXT[value])
            self._width(col, len(BOOL_TEXT[value]))
        elif isinstance(value, Decimal) and kind == "ratio":
            cell.value = value
            cell.number_format = ratio_format(value)
            self._width(col, len(str(value)))
        elif isinstance(value, Decimal):
            cell.value = value if value else abs(value)  # a zero has no sign
            cell.number_format = MONEY
            self._width(col, len(f"{cell.value:,.2f}"))
        elif isinstance(value, dt.date):
            cell.value = value
            cell.number_format = DATE
            self._width(col, 10)
        elif isinstance(value, int):
            cell.value = value
            cell.number_format = COUNT
            self._width(col, len(str(value)))
        elif kind == "ratio" and isinstance(value, str) and is_number(value):
            return self.put(row, col, Decimal(value), "ratio", bold=bold)
        else:
            put_text(cell, value if isinstance(value, str) else show(value))
            text = cell.value  # as written: the longest line counts
            self._width(col, max(len(x) for x in text.split("\n")))
            if "\n" in text:
                self.wrapped.add(col)
        if bold:
            cell.font = BOLD
        return cell

    def formula(self, row: int, col: int, text: str, number_format: str = MONEY, *, bold: bool = False,
                width: int = 14) -> Cell:
        """A live formula; `width`: the characters its value takes (when known, e.g. a sum of the cells)."""
        cell = self.ws.cell(row=row, column=col)
        cell.value = text
        cell.number_format = number_format
        self._width(col, width)
        if bold:
            cell.font = BOLD
        return cell

    def header(self, row: int, names: Sequence[str], col: int = 1) -> None:
        for i, name in enumerate(names):
            c = self.put(row, col + i, name, bold=True)
            c.fill = HEAD_FILL

    def title(self, row: int, text: str, size: int = 12, col: int = 1) -> None:
        c = put_text(self.ws.cell(row=row, column=col), text)
        c.font = Font(bold=True, size=size)

    def _column(self, col: int) -> list[Cell]:
        """The cells of a column, but for the rows written elsewhere."""
        spans = [(1, self.ws.max_row)]
        if self.elsewhere is not None:
            spans = [(1, self.elsewhere[0] - 1), (self.elsewhere[1] + 1, self.ws.max_row)]
        return [c for lo, hi in spans if lo <= hi
                for (c,) in self.ws.iter_rows(min_row=lo, max_row=hi, min_col=col, max_col=col)]

    def finish(self, *, freeze: str | None = None, landscape: bool = True, note: str = "") -> None:
        for col, width in self.widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = width
        lines: dict[int, int] = {}
        for col in self.wrapped:
            chars = max(self.widths.get(col, 8) * 11 // 10, 1)  # a column unit is a digit; text runs narrower
            for cell in self._column(col):
                if cell.value is None:
                    continue
                if not cell.alignment.wrap_text:
                    cell.alignment = WRAP
                if isinstance(cell.value, str):
                    n = sum(max(1, -(-len(part) // chars)) for part in cell.value.split("\n"))
                    lines[cell.row] = max(lines.get(cell.row, 1), n)
        # Row heights for wrapped text: spreadsheets do not always size rows on opening a file.
        for row, n in lines.items():
            if n > 1:
                self.ws.row_dimensions[row].height = min(ROW_HEIGHT * n, 409)
                for cell in self.ws[row]:
                    if cell.value is not None and not cell.alignment.wrap_text:
                        cell.alignment = TOP
        if freeze:
            self.ws.freeze_panes = freeze
            above = coordinate_from_string(freeze)[1] - 1  # the rows kept in view are printed on every page too
            if above:
                self.ws.print_title_rows = f"1:{above}"
        ps = self.ws.page_setup
        ps.orientation = "landscape" if landscape else "portrait"
        ps.fitToWidth = 1
        ps.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.oddFooter.left.text = "Not tax advice"
        self.ws.oddFooter.right.text = "Page &P of &N"
        if note:
            self.ws.oddHeader.left.text = note.replace("&", "&&")


def column_after(w: Writer, col: int, cm: float) -> int:  # float-ok: centimetres
    """The first column at least `cm` centimetres right of the left edge of column `col`."""
    edge = 0.0  # float-ok: centimetres
    while edge < cm:
        edge += (7 * w.widths.get(col, 8.43) + 5) * 2.54 / 96  # float-ok: a column's width in cm (96 dpi)
        col += 1
    return col


def serial(day: dt.date) -> int:
    """A date as a spreadsheet's day number (1900 date system)."""
    return (day - dt.date(1899, 12, 30)).days


def is_number(text: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?", text.strip()) is not None


def show(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {show(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(show(v) for v in value)
    if isinstance(value, Decimal):
        return f"{value:,}" if value.as_tuple().exponent == -2 else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return BOOL_TEXT[value]
    return str(value)


def cell_ref(sheet: str, col: int, row: int) -> str:
    return f"{quote_sheetname(sheet)}!${get_column_letter(col)}${row}"

