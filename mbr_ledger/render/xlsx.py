"""The year-end packet as an Excel workbook a CPA can audit (openpyxl).

Reads only the `Packet` (forms/packet.py). Totals are live `SUM` formulas over the rows they add
up, and Form 8606 lines are live formulas over the lines the form names, written only where the
formula gives exactly the worksheet's figure (otherwise the figure itself, with the form's words
beside it). Every string goes through `_text`, which writes it as a string cell: text from a
user's file (a memo, a fund name, a file path) can never become a formula.

The Ledger sheet's rows (thousands on a big book) are written as sheet XML by `_Rows`, the same
string, number and date cells that `_Writer.put` makes, at about an eighth of openpyxl's cost a cell.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.worksheet import Worksheet as Sheet

from ..core.money import ZERO, round_cents
from ..forms.model import Grid, Line, Worksheet
from ..forms.packet import BEST_KNOWLEDGE, Packet, capacity_table, compact_refs, flat_details, form_label

MONEY = "#,##0.00"
DATE = "yyyy-mm-dd"
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
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# Before this day a spreadsheet's day numbers count the 1900-02-29 that never was (openpyxl's to_excel knows).
EXCEL_LEAP_BUG_END = dt.date(1900, 3, 1)

CHART_ROWS = 18          # rows kept free for a chart of CHART_CM (height, width) in centimetres
CHART_CM = (8.0, 15.0)  # float-ok: chart size in cm
LEDGER_HEADS = ["Date", "Account", "Kind", "Source", "Amount", "Basis", "Taxable", "Destination", "For year",
                "Memo", "Fund", "Source file", "Line"]
SHEETS = ["Summary", "Audit", "1099-R reconciliation", "Form 8606", "After-tax lots and conversions",
          "Capacity plan", "Limits", "Ledger"]

# Form 8606 lines as the form computes them, over other lines: "a+b-c", "a*b" (rounded to the cent)
# or "max0(...)" (zero if negative). Written as a live formula only when it reproduces the worksheet.
F8606 = {"3": "1+2", "5": "3-4", "9": "6+7+8", "11": "8*10", "12": "7*10", "13": "11+12", "14": "3-13",
         "15a": "7-12", "15c": "15a-15b", "16": "8", "17": "11", "18": "16-17", "21": "19-20",
         "23": "max0(21-22)", "25a": "max0(23-24)"}
# Form 1040 lines that come from Form 8606 lines (tax-rules.md section 5).
F1040_FROM_8606 = {"4b": "15c+18+25c"}
# Form 1040 lines that add up a box of the expected 1099-R forms of IRAs (True) or of plans (False).
F1040_FROM_FORMS = {"4a": ("box1", True), "5a": ("box1", False), "5b": ("box2a", False)}
_TERM = re.compile(r"([+-]?)([0-9]+[a-z]?)")


# ---------------------------------------------------------------- cells


def _text(cell: Cell, value: str) -> Cell:
    """Write `value` as a string cell, never a formula, whatever it starts with."""
    s = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)[:32767]
    cell.value = s
    cell.data_type = "s"
    if s.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


def _ratio_format(value: Decimal) -> str:
    places = max(-int(value.as_tuple().exponent), 3)
    return "0." + "0" * places


class _Writer:
    """One sheet: typed cells, and column widths from what was written."""

    def __init__(self, ws: Sheet):
        self.ws = ws
        self.widths: dict[int, int] = {}
        self.wrapped: set[int] = set()

    def _width(self, col: int, n: int) -> None:
        self.widths[col] = max(self.widths.get(col, 8), min(n + 2, MAX_WIDTH))
        if n + 2 > MAX_WIDTH:
            self.wrapped.add(col)

    def put(self, row: int, col: int, value: Any, kind: str = "", *, bold: bool = False) -> Cell:
        cell = self.ws.cell(row=row, column=col)
        if value is None or value == "":
            return cell
        if isinstance(value, bool):
            _text(cell, "yes" if value else "no")
            self._width(col, 3)
        elif isinstance(value, Decimal) and kind == "ratio":
            cell.value = value
            cell.number_format = _ratio_format(value)
            self._width(col, len(str(value)))
        elif isinstance(value, Decimal):
            cell.value = value
            cell.number_format = MONEY
            self._width(col, len(f"{value:,.2f}"))
        elif isinstance(value, dt.date):
            cell.value = value
            cell.number_format = DATE
            self._width(col, 10)
        elif isinstance(value, int):
            cell.value = value
            self._width(col, len(str(value)))
        elif kind == "ratio" and isinstance(value, str) and _is_number(value):
            return self.put(row, col, Decimal(value), "ratio", bold=bold)
        else:
            text = value if isinstance(value, str) else _show(value)
            _text(cell, text)
            self._width(col, max((len(x) for x in text.splitlines()), default=0))
            if "\n" in text:
                self.wrapped.add(col)
        if bold:
            cell.font = BOLD
        return cell

    def formula(self, row: int, col: int, text: str, number_format: str = MONEY, *, bold: bool = False) -> Cell:
        cell = self.ws.cell(row=row, column=col)
        cell.value = text
        cell.number_format = number_format
        self._width(col, 14)
        if bold:
            cell.font = BOLD
        return cell

    def header(self, row: int, names: Sequence[str], col: int = 1) -> None:
        for i, name in enumerate(names):
            c = self.put(row, col + i, name, bold=True)
            c.fill = HEAD_FILL

    def title(self, row: int, text: str, size: int = 12, col: int = 1) -> None:
        c = _text(self.ws.cell(row=row, column=col), text)
        c.font = Font(bold=True, size=size)

    def finish(self, *, freeze: str | None = None, landscape: bool = True, note: str = "") -> None:
        for col, width in self.widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = width
        lines: dict[int, int] = {}
        for col in self.wrapped:
            chars = max(self.widths.get(col, 8) * 11 // 10, 1)  # a column unit is a digit; text runs narrower
            for (cell,) in self.ws.iter_rows(min_col=col, max_col=col):
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
        ps = self.ws.page_setup
        ps.orientation = "landscape" if landscape else "portrait"
        ps.fitToWidth = 1
        ps.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.oddFooter.left.text = "Not tax advice"
        self.ws.oddFooter.right.text = "Page &P of &N"
        if note:
            self.ws.oddHeader.left.text = note.replace("&", "&&")


class _Rows:
    """Many rows of plain values written straight as sheet XML, for the Ledger sheet's thousands of rows.

    openpyxl makes an object of each cell and writes it through a generic XML serializer, some 20 µs a
    cell; these rows are written as text instead, cell for cell what `_Writer.put` and `_Writer.finish`
    give: the same types, number formats, quote prefix, wrapping and row heights, and the same column
    widths. `xml()` is spliced into the saved sheet after its first row (`_splice`)."""

    def __init__(self, w: _Writer, first: int, rows: Sequence[Sequence[Any]]):
        self.w = w
        self.first = first
        self.rows = rows
        self.styles: dict[tuple[str, bool, Alignment | None], str] = {}

    def measure(self) -> None:
        """Column widths (and the columns that wrap) as `_Writer.put` would count them."""
        for j in range(max((len(r) for r in self.rows), default=0)):
            longest, wraps, seen = 0, False, False
            for row in self.rows:
                v = row[j]
                if v is None or v == "":
                    continue
                seen = True
                if isinstance(v, bool):
                    n = 3
                elif isinstance(v, Decimal):
                    n = len(f"{v:,.2f}")
                elif isinstance(v, dt.date):
                    n = 10
                elif isinstance(v, int):
                    n = len(str(v))
                else:
                    text = v if isinstance(v, str) else _show(v)
                    n = max((len(x) for x in text.splitlines()), default=0)
                    wraps = wraps or "\n" in text
                longest = max(longest, n)
            if seen:
                self.w._width(j + 1, longest)
            if wraps:
                self.w.wrapped.add(j + 1)

    def _style(self, number_format: str, quote: bool, align: Alignment | None) -> str:
        """The ` s="N"` attribute of a cell with this format, quote prefix and alignment ("" for none)."""
        key = (number_format, quote, align)
        if key not in self.styles:
            cell = Cell(self.w.ws)
            if number_format:
                cell.number_format = number_format
            if quote:
                cell.quotePrefix = True
            if align is not None:
                cell.alignment = align
            self.styles[key] = f' s="{cell.style_id}"' if cell.has_style else ""
        return self.styles[key]

    def xml(self) -> str:
        w = self.w
        wrapped = sorted(c - 1 for c in w.wrapped)
        chars = {j: max(w.widths.get(j + 1, 8) * 11 // 10, 1) for j in wrapped}
        letters = [get_column_letter(j + 1) for j in range(max((len(r) for r in self.rows), default=0))]
        out: list[str] = []
        for i, row in enumerate(self.rows):
            r = self.first + i
            cells: list[tuple[int, Any]] = []
            lines = 1
            for j, v in enumerate(row):
                if v is None or v == "":
                    continue
                if isinstance(v, bool):
                    v = "yes" if v else "no"
                elif isinstance(v, str):
                    v = ILLEGAL_CHARACTERS_RE.sub("\ufffd", v)[:32767]
                elif not isinstance(v, Decimal | dt.date | int):
                    v = ILLEGAL_CHARACTERS_RE.sub("\ufffd", _show(v))[:32767]
                cells.append((j, v))
                if isinstance(v, str) and j in chars:
                    n = sum(max(1, -(-len(part) // chars[j])) for part in v.split("\n"))
                    lines = max(lines, n)
            tall = lines > 1
            out.append(f'<row r="{r}" ht="{min(ROW_HEIGHT * lines, 409)}" customHeight="1">' if tall
                       else f'<row r="{r}">')
            for j, v in cells:
                align = WRAP if j in chars else TOP if tall else None
                ref = f"{letters[j]}{r}"
                if isinstance(v, str):
                    s = self._style("", v.startswith(FORMULA_START), align)
                    space = ' xml:space="preserve"' if v != v.strip() and v.strip() else ""
                    text = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                    out.append(f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>')
                    continue
                if isinstance(v, Decimal):
                    s, num = self._style(MONEY, False, align), format(v.normalize(), "f")
                elif isinstance(v, dt.datetime) or (isinstance(v, dt.date) and v < EXCEL_LEAP_BUG_END):
                    s, num = self._style(DATE, False, align), f"{to_excel(v):.16g}"  # float-ok: a day number
                elif isinstance(v, dt.date):
                    s, num = self._style(DATE, False, align), str(_serial(v))
                else:
                    s, num = self._style("", False, align), str(v)
                out.append(f'<c r="{ref}"{s} t="n"><v>{num}</v></c>')
            out.append("</row>")
        return "".join(out)


def _splice(data: bytes, bodies: dict[str, str]) -> bytes:
    """The saved workbook with each sheet's XML rows (sheet path -> rows) put right after its first row."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info)
            rows = bodies.get(info.filename)
            if rows is not None:
                xml = blob.decode("utf-8")
                start = xml.find("<sheetData>")
                end = xml.find("</row>", start)
                if start < 0 or end < 0:
                    raise RuntimeError(f"{info.filename}: no first row to put the rows after")
                end += len("</row>")
                blob = (xml[:end] + rows + xml[end:]).encode("utf-8")
            dst.writestr(info, blob)
    return out.getvalue()


def _column_after(w: _Writer, col: int, cm: float) -> int:  # float-ok: centimetres
    """The first column at least `cm` centimetres right of the left edge of column `col`."""
    edge = 0.0  # float-ok: centimetres
    while edge < cm:
        edge += (7 * w.widths.get(col, 8.43) + 5) * 2.54 / 96  # float-ok: a column's width in cm (96 dpi)
        col += 1
    return col


def _serial(day: dt.date) -> int:
    """A date as a spreadsheet's day number (1900 date system)."""
    return (day - dt.date(1899, 12, 30)).days


def _is_number(text: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?", text.strip()) is not None


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, Decimal):
        return f"{value:,}" if value.as_tuple().exponent == -2 else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _ref(sheet: str, col: int, row: int) -> str:
    return f"{quote_sheetname(sheet)}!${get_column_letter(col)}${row}"


# ---------------------------------------------------------------- blocks


@dataclass
class _Placed:
    """Where a grid landed: its data rows, the column letter of each column, the cell of each total."""

    first: int
    last: int
    letters: dict[str, str]
    totals: dict[str, str]

    def column(self, name: str) -> str:
        col = self.letters[name]
        return f"${col}${self.first}:${col}${self.last}"


def _grid(w: _Writer, top: int, grid: Grid, title: str = "") -> tuple[int, _Placed]:
    """Write a grid (title, header, rows, totals as SUM formulas); return the next free row and where it is."""
    r = top
    if title:
        w.title(r, title)
        r += 1
    w.header(r, grid.columns)
    first = r + 1
    for i, row in enumerate(grid.rows):
        for j, (kind, value) in enumerate(zip(grid.kinds, row, strict=True)):
            w.put(first + i, j + 1, value, kind)
    last = first + len(grid.rows) - 1
    placed = _Placed(first, last, {c: get_column_letter(j + 1) for j, c in enumerate(grid.columns)}, {})
    if not grid.rows:
        w.put(first, 1, "(none)")
        return first + 2, placed
    if grid.totals:
        tr = last + 1
        label_col = next((j + 1 for j, (c, k) in enumerate(zip(grid.columns, grid.kinds, strict=True))
                          if c not in grid.totals and k not in ("money", "date", "count", "ratio")), None)
        if label_col is not None:
            w.put(tr, label_col, "Total", bold=True)
        for c in grid.totals:
            if c not in grid.columns:
                continue
            j = grid.columns.index(c) + 1
            letter = get_column_letter(j)
            w.formula(tr, j, f"=SUM({letter}{first}:{letter}{last})", bold=True)
            placed.totals[c] = f"{letter}{tr}"
        last = tr
    return last + 2, placed


def _notes(w: _Writer, top: int, notes: list[str], title: str = "Notes") -> int:
    if not notes:
        return top
    w.title(top, title)
    for i, n in enumerate(notes):
        _text(w.ws.cell(row=top + 1 + i, column=1), n)
    return top + len(notes) + 2


def _plan(expr: str) -> tuple[str, list[tuple[int, str]]]:
    """Parse a line formula: ("sum"|"mul"|"max0", [(sign, line id)])."""
    op = "sum"
    if expr.startswith("max0(") and expr.endswith(")"):
        op, expr = "max0", expr[5:-1]
    if "*" in expr:
        a, b = expr.split("*")
        return "mul", [(1, a), (1, b)]
    return op, [(-1 if s == "-" else 1, t) for s, t in _TERM.findall(expr)]


def _number(value: Decimal | str | None) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str) and _is_number(value):
        return Decimal(value)
    return ZERO


def _line_formula(expr: str, lines: dict[str, Line], cells: dict[str, str], target: Decimal) -> str | None:
    """The Excel formula for `expr` if every line it names is present and it gives exactly `target`."""
    op, terms = _plan(expr)
    if any(t not in lines or t not in cells for _, t in terms):
        return None
    vals = [_number(lines[t].value) for _, t in terms]
    refs = [cells[t] for _, t in terms]
    if op == "mul":
        result = round_cents(vals[0] * vals[1])
        text = f"=ROUND({refs[0]}*{refs[1]},2)"
    else:
        result = sum((s * v for (s, _), v in zip(terms, vals, strict=True)), ZERO)
        body = "".join(("-" if s < 0 else ("+" if i else "")) + ref
                       for i, ((s, _), ref) in enumerate(zip(terms, refs, strict=True)))
        if op == "max0":
            result = max(result, ZERO)
            body = f"MAX(0,{body})"
        text = "=" + body
    return text if result == target else None


def _lines(w: _Writer, top: int, ws: Worksheet, formulas: dict[str, str], extra: dict[str, str] | None = None,
           col: int = 1) -> tuple[int, dict[str, str]]:
    """Form lines: Line | Description | Amount | How | From, from column `col`. Returns the next row and
    each line's value cell (a reference usable from any sheet)."""
    w.header(top, ["Line", "Description", "Amount", "How", "From"], col)
    letter = get_column_letter(col + 2)
    cells: dict[str, str] = {ln.id: f"{letter}{top + 1 + i}" for i, ln in enumerate(ws.lines)}
    by_id = {ln.id: ln for ln in ws.lines}
    for i, ln in enumerate(ws.lines):
        r = top + 1 + i
        w.put(r, col, ln.id, bold=True)
        w.put(r, col + 1, ln.label)
        expr = formulas.get(ln.id)
        text = None
        if expr and isinstance(ln.value, Decimal) and ln.kind == "money":
            text = _line_formula(expr, by_id, cells, ln.value)
        if text is None and extra and ln.id in extra and isinstance(ln.value, Decimal):
            text = extra[ln.id]
        if text is not None:
            w.formula(r, col + 2, text)
        else:
            w.put(r, col + 2, ln.value, ln.kind)
        w.put(r, col + 3, ln.formula)
        w.put(r, col + 4, compact_refs(ln.inputs))
    refs = {k: _ref(w.ws.title, col + 2, top + 1 + i) for i, k in enumerate(cells)}
    return top + len(ws.lines) + 2, refs


# ---------------------------------------------------------------- sheets


class _Book:
    def __init__(self, packet: Packet):
        self.p = packet
        self.wb = Workbook()
        self.sheets: dict[str, Sheet] = {}
        for i, name in enumerate(SHEETS):
            ws = self.wb.active if i == 0 else self.wb.create_sheet()
            assert ws is not None
            ws.title = name
            self.sheets[name] = ws
        self.line_cells: dict[tuple[str, str], str] = {}   # (worksheet id, line id) -> cell reference
        self.capacity_cells: dict[str, str] = {}
        self.header = f"mbr year-end packet: {packet.title}"
        self.bodies: dict[Sheet, str] = {}  # rows written as XML (`_Rows`), spliced in after saving

    def build(self) -> Workbook:
        self.form_8606()  # before 1099-R: Form 1040 line 4b refers to it
        self.form_1099r()
        self.audit()
        self.lots()
        self.capacity()
        self.limits()
        self.ledger()
        self.summary()
        props = self.wb.properties
        props.creator = "mbr_ledger"
        props.title = f"mbr {self.p.year} {self.p.person}"
        props.subject = "Mega backdoor Roth year-end packet. Not tax advice."
        props.created = dt.datetime(self.p.year, 12, 31)
        return self.wb

    # -- Summary
    def summary(self) -> None:
        p = self.p
        w = _Writer(self.sheets["Summary"])
        w.title(1, "Mega backdoor Roth year-end packet", 14)
        w.put(2, 1, "Person", bold=True)
        # header values overflow into the empty cells beside them rather than widen column B
        _text(w.ws.cell(row=2, column=2), f"{p.person_name} ({p.person})" if p.person_name != p.person else p.person)
        w.put(3, 1, "Tax year", bold=True)
        w.put(3, 2, p.year)
        w.put(4, 1, "Verdict", bold=True)
        verdict = _text(w.ws.cell(row=4, column=2), p.verdict_text())
        verdict.font = BOLD
        verdict.fill = STATUS_FILL.get(p.verdict, STATUS_FILL["ok"])
        _text(w.ws.cell(row=5, column=1), p.note).font = Font(italic=True)
        r = 7
        w.title(r, "Every fail and warning")
        r += 1
        w.header(r, ["Status", "Check", "Scope", "Amount", "Excess", "Message", "Fix", "Deadline"])
        probs = p.problems()
        for i, pr in enumerate(probs):
            row = r + 1 + i
            w.put(row, 1, pr.status).fill = STATUS_FILL[pr.status]
            for j, v in enumerate([pr.check, pr.scope, pr.amount, pr.excess, pr.message, pr.fix, pr.deadline]):
                w.put(row, 2 + j, v)
        if not probs:
            _text(w.ws.cell(row=r + 1, column=1), "No check fails or warns, and the 1099-R forms match the ledger.")
        r = r + max(len(probs), 1) + 2

        figures: list[tuple[str, str, str]] = []  # (figure, cell it links to, description)
        for form, ws_id, ids in (("Form 1040", "1099r", None), ("Form 8606", "8606", ("18", "14"))):
            ws = p.worksheet(ws_id)
            for ln in ws.lines if ws else []:
                if (ids is None or ln.id in ids) and (ws_id, ln.id) in self.line_cells:
                    figures.append((f"{form} line {ln.id}", self.line_cells[(ws_id, ln.id)],
                                    form_label(form, ln).split(": ", 1)[-1]))
        figures += [(f"After-tax room, {label}", ref, "capacity plan: after-tax contributions still possible")
                    for label, ref in self.capacity_cells.items()]
        if figures:
            w.title(r, "Key figures (live links to the sheets)")
            w.header(r + 1, ["Figure", "Amount", "What it is"])
            for i, (label, ref, what) in enumerate(figures):
                w.put(r + 2 + i, 1, label)
                w.formula(r + 2 + i, 2, f"={ref}")
                w.put(r + 2 + i, 3, what)
            r += len(figures) + 3

        bars = p.charts.limits
        if bars:
            w.title(r, "Contributions against each limit")
            w.header(r + 1, ["Limit", "Limit amount", "Contributed", "Status"])
            for i, b in enumerate(bars):
                w.put(r + 2 + i, 1, b.label)
                w.put(r + 2 + i, 2, b.limit)
                w.put(r + 2 + i, 3, b.amount)
                w.put(r + 2 + i, 4, b.status).fill = STATUS_FILL.get(b.status, STATUS_FILL["ok"])
            chart = BarChart()
            chart.type = "bar"
            chart.title = "Contributions against each limit"
            chart.y_axis.title = "USD"
            chart.y_axis.numFmt = "#,##0"
            chart.height, chart.width = CHART_CM  # float-ok: chart size in cm
            data = Reference(w.ws, min_col=2, max_col=3, min_row=r + 1, max_row=r + 1 + len(bars))
            cats = Reference(w.ws, min_col=1, min_row=r + 2, max_row=r + 1 + len(bars))
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(cats)
            r += len(bars) + 3
            w.ws.add_chart(chart, f"A{r}")
            r += CHART_ROWS
        notes = [BEST_KNOWLEDGE] if any(f.best_knowledge for f in p.findings) else []
        _notes(w, r, notes)
        w.finish(note=self.header)

    # -- Audit
    def audit(self) -> None:
        w = _Writer(self.sheets["Audit"])
        heads = ["Status", "Check", "Scope", "Limit", "Amount", "Excess", "Message", "Fix", "Deadline",
                 "Best knowledge", "Ledger rows", "Details"]
        w.header(1, heads)
        for i, f in enumerate(self.p.findings):
            r = 2 + i
            w.put(r, 1, f.status).fill = STATUS_FILL.get(f.status, STATUS_FILL["ok"])
            vals = [f.id, f.scope, f.limit, f.amount, f.excess, f.message, f.fix, f.deadline, f.best_knowledge,
                    compact_refs(f.rows), _show(flat_details(f.details))]
            for j, v in enumerate(vals):
                w.put(r, 2 + j, v)
        last = 1 + len(self.p.findings)
        w.ws.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{max(last, 2)}"
        if not self.p.findings:
            w.put(2, 1, "(no findings)")
        w.finish(freeze="A2", note=self.header)

    # -- 1099-R
    def form_1099r(self) -> None:
        w = _Writer(self.sheets["1099-R reconciliation"])
        ws = self.p.worksheet("1099r")
        w.title(1, f"Form 1099-R reconciliation, {self.p.title}")
        if ws is None:
            w.put(3, 1, "(no worksheet)")
            w.finish(freeze="A2", note=self.header)
            return
        # Form 1040 on top, over the forms it adds up; the notes, then the grids below
        top = 3
        r = top + 2 + len(ws.lines) + 1
        if ws.notes:
            r = _notes(w, r, ws.notes)
        titles = {"expected": "Expected from the ledger", "actual": "Forms received",
                  "differences": "Differences"}
        placed: dict[str, _Placed] = {}
        for name, grid in _ordered(ws.grids, ["expected", "actual", "differences"]):
            r, placed[name] = _grid(w, r, grid, titles.get(name, grid.title or name))
        w.title(top, "Form 1040")
        extra = _form_lines_from_forms(ws, placed.get("expected"))
        for lid, expr in F1040_FROM_8606.items():
            parts = [t for _, t in _TERM.findall(expr)]
            refs = [self.line_cells.get(("8606", t)) for t in parts]
            ln, f8606 = ws.line(lid), self.p.worksheet("8606")
            if ln is None or f8606 is None or None in refs or not isinstance(ln.value, Decimal):
                continue
            total = sum((_number(f8606.value(t)) for t in parts), ZERO)
            if total == ln.value:
                extra[lid] = "=" + "+".join(str(x) for x in refs)
        _, cells = _lines(w, top + 1, ws, {}, extra)
        self.line_cells.update({("1099r", k): v for k, v in cells.items()})
        w.finish(freeze="A2", note=self.header)

    # -- Form 8606
    def form_8606(self) -> None:
        w = _Writer(self.sheets["Form 8606"])
        ws = self.p.worksheet("8606")
        w.title(1, f"Form 8606, {self.p.title}")
        if ws is None:
            w.put(3, 1, "(no worksheet)")
            w.finish(freeze="A2", note=self.header)
            return
        r, cells = _lines(w, 2, ws, F8606)
        self.line_cells.update({("8606", k): v for k, v in cells.items()})
        r = _notes(w, r, ws.notes)
        for name, grid in ws.grids.items():
            r, _ = _grid(w, r, grid, grid.title or name)
        w.finish(freeze="A3", landscape=False, note=self.header)

    # -- Lots and conversions, with the after-tax charts
    def lots(self) -> None:
        w = _Writer(self.sheets["After-tax lots and conversions"])
        ws = self.p.worksheet("lots")
        w.title(1, f"After-tax lots and conversions, {self.p.title}")
        balances = self.p.charts.balances
        earnings = [s for s in self.p.charts.earnings if s.points]
        r = 3 + (CHART_ROWS if balances or earnings else 0)  # the charts go on top, their data at the end
        if ws is None:
            w.put(r, 1, "(no worksheet)")
            r += 2
        else:
            top, width = r, 1
            for name, grid in _ordered(ws.grids, ["lots", "conversions"]):
                r, _ = _grid(w, r, grid, grid.title or name)
                width = max(width, len(grid.columns))
            if ws.lines:  # beside the grids, so that its long labels do not widen their columns
                w.title(top, "Per plan", col=width + 2)
                _lines(w, top + 1, ws, {}, col=width + 2)
                r = max(r, top + len(ws.lines) + 3)
            r = _notes(w, r, ws.notes)
        charts: list[BarChart | ScatterChart] = []
        if balances:
            dates = sorted({d for s in balances for d, _ in s.points})
            w.title(r, "After-tax balance (chart data)")
            w.header(r + 1, ["Date", *[s.name for s in balances]])
            by_day = {s.name: dict(s.points) for s in balances}
            carry: dict[str, Decimal | None] = {s.name: None for s in balances}
            for i, d in enumerate(dates):
                w.put(r + 2 + i, 1, d)
                for j, s in enumerate(balances):
                    if d in by_day[s.name]:
                        carry[s.name] = by_day[s.name][d]
                    w.put(r + 2 + i, 2 + j, carry[s.name])
            sc = ScatterChart()
            sc.title = "After-tax balance over the year"
            sc.y_axis.title = "USD"
            sc.y_axis.numFmt = "#,##0"
            sc.x_axis.number_format = "mmm"
            sc.x_axis.scaling.min = _serial(dt.date(self.p.year, 1, 1))
            sc.x_axis.scaling.max = _serial(dt.date(self.p.year, 12, 31))
            sc.x_axis.majorUnit = 61  # about two months
            xs = Reference(w.ws, min_col=1, min_row=r + 2, max_row=r + 1 + len(dates))
            for j in range(len(balances)):
                ys = Reference(w.ws, min_col=2 + j, min_row=r + 1, max_row=r + 1 + len(dates))
                series = Series(ys, xs, title_from_data=True)
                series.marker.symbol = "none"
                series.smooth = False
                sc.series.append(series)
            charts.append(sc)
            r += len(dates) + 3
        if earnings:
            days = sorted({d for s in earnings for d, _ in s.points})
            w.title(r, "Earnings in each conversion or rollover (chart data)")
            w.header(r + 1, ["Date", *[s.name for s in earnings]])
            for i, d in enumerate(days):
                w.put(r + 2 + i, 1, d)
                for j, s in enumerate(earnings):
                    w.put(r + 2 + i, 2 + j, dict(s.points).get(d))
            bc = BarChart()
            bc.title = "Earnings in each conversion (Dec 31: still unconverted)"
            bc.y_axis.title = "USD"
            bc.y_axis.numFmt = "#,##0.00"
            bc.x_axis.number_format = "mm-dd"
            bc.add_data(Reference(w.ws, min_col=2, max_col=1 + len(earnings), min_row=r + 1,
                                  max_row=r + 1 + len(days)), titles_from_data=True)
            bc.set_categories(Reference(w.ws, min_col=1, min_row=r + 2, max_row=r + 1 + len(days)))
            charts.append(bc)
        col = 1
        for chart in charts:
            chart.height, chart.width = CHART_CM  # float-ok: chart size in cm
            w.ws.add_chart(chart, f"{get_column_letter(col)}3")
            col = _column_after(w, col, CHART_CM[1] + 0.5)  # float-ok: cm
        w.finish(freeze="A2", note=self.header)

    # -- Capacity plan
    def capacity(self) -> None:
        w = _Writer(self.sheets["Capacity plan"])
        plans = self.p.capacity
        w.header(1, ["Figure", *[c.label for c in plans]])
        if not plans:
            w.put(2, 1, "(no plan for this year)")
        table = capacity_table(plans)
        for i, (key, label, kind, values) in enumerate(table):
            w.put(2 + i, 1, label)
            for j, v in enumerate(values):
                cell = w.put(2 + i, 2 + j, v, kind)
                if key == "after_tax_capacity" and cell.value is not None:
                    self.capacity_cells[plans[j].label] = _ref(w.ws.title, 2 + j, 2 + i)
        notes = [f"{c.label}: {n}" for c in plans for n in c.notes]
        _notes(w, len(table) + 3, notes)
        w.widths[1] = min(w.widths.get(1, 8), MAX_WIDTH)
        w.wrapped.discard(1)
        w.finish(freeze="B2", landscape=False, note=self.header)

    # -- Limits
    def limits(self) -> None:
        w = _Writer(self.sheets["Limits"])
        heads = ["Id", "Limit", "Code section", "Value", "Source", "Note"]
        w.header(1, heads)
        for i, lim in enumerate(self.p.limits):
            vals = [lim.id, lim.label, lim.code_section, lim.value if lim.value is not None else "n/a",
                    lim.source, lim.note]
            for j, v in enumerate(vals):
                w.put(2 + i, 1 + j, v)
        w.ws.auto_filter.ref = f"A1:F{max(1 + len(self.p.limits), 2)}"
        w.finish(freeze="A2", note=self.header)

    # -- Ledger
    def ledger(self) -> None:
        w = _Writer(self.sheets["Ledger"])
        w.header(1, LEDGER_HEADS)
        rows = [(lr.date, lr.account, lr.kind, lr.source, lr.amount, lr.basis, lr.taxable, lr.destination,
                 lr.for_year, lr.memo, lr.fund, lr.source_file, lr.source_line) for lr in self.p.ledger]
        last = 1 + len(rows)
        w.ws.auto_filter.ref = f"A1:{get_column_letter(len(LEDGER_HEADS))}{max(last, 2)}"
        if rows:
            w.put(last + 1, 4, "Total shown", bold=True)
            w.formula(last + 1, 5, f"=SUBTOTAL(9,E2:E{last})", bold=True)
            body = _Rows(w, 2, rows)
            body.measure()
            self.bodies[w.ws] = body.xml()  # every width is known now: the rows' wrapping and heights
        w.finish(freeze="A2", note=self.header)


def _form_lines_from_forms(ws: Worksheet, placed: _Placed | None) -> dict[str, str]:
    """SUMIFS formulas for Form 1040 lines 4a/5a/5b over the expected forms, where they give the line's value."""
    grid = ws.grids.get("expected")
    if grid is None or placed is None or not grid.rows or "ira_sep_simple" not in grid.columns:
        return {}
    flag = grid.columns.index("ira_sep_simple")
    out = {}
    for lid, (box, ira) in F1040_FROM_FORMS.items():
        ln = ws.line(lid)
        if ln is None or not isinstance(ln.value, Decimal) or box not in grid.columns:
            continue
        j = grid.columns.index(box)
        total = sum((r[j] for r in grid.rows if bool(r[flag]) == ira and isinstance(r[j], Decimal)), ZERO)
        if total == ln.value:
            out[lid] = (f'=SUMIFS({placed.column(box)},{placed.column("ira_sep_simple")},'
                        f'"{"yes" if ira else "no"}")')
    return out


def _ordered(grids: dict[str, Grid], first: list[str]) -> list[tuple[str, Grid]]:
    names = [n for n in first if n in grids] + [n for n in grids if n not in first]
    return [(n, grids[n]) for n in names]


def render_xlsx(packet: Packet) -> bytes:
    """The workbook as bytes (the caller writes it to disk atomically)."""
    book = _Book(packet)
    wb = book.build()
    buf = io.BytesIO()
    wb.save(buf)
    if not book.bodies:
        return buf.getvalue()
    return _splice(buf.getvalue(), {ws.path.lstrip("/"): rows for ws, rows in book.bodies.items()})
