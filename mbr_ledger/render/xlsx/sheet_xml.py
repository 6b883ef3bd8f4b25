"""The Ledger sheet's rows written straight as sheet XML and spliced into the saved workbook.

Speed code: a big book's Ledger sheet has thousands of rows, and openpyxl's cell objects cost about
eight times as much as writing the same cells as text.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from ...core.formula import BOOL_TEXT
from .cells import DATE, EXCEL_LEAP_BUG_END, FORMULA_START, MONEY, ROW_HEIGHT, TOP, WRAP, Writer, serial, show


class XmlRows:
    """Many rows of plain values written straight as sheet XML, for the Ledger sheet's thousands of rows.

    openpyxl makes an object of each cell and writes it through a generic XML serializer, some 20 µs a
    cell; these rows are written as text instead, cell for cell what `Writer.put` and `Writer.finish`
    give: the same types, number formats, quote prefix, wrapping and row heights, and the same column
    widths. `xml()` is spliced into the saved sheet after its first row (`splice`)."""

    def __init__(self, w: Writer, first: int, rows: Sequence[Sequence[Any]]):
        self.w = w
        self.first = first
        self.rows = rows
        self.styles: dict[tuple[str, bool, Alignment | None], str] = {}

    def measure(self) -> None:
        """Column widths (and the columns that wrap) as `Writer.put` would count them."""
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
                    text = v if isinstance(v, str) else show(v)
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
                    v = BOOL_TEXT[v]
                elif isinstance(v, str):
                    v = ILLEGAL_CHARACTERS_RE.sub("\ufffd", v)[:32767]
                elif not isinstance(v, Decimal | dt.date | int):
                    v = ILLEGAL_CHARACTERS_RE.sub("\ufffd", show(v))[:32767]
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
                    s, num = self._style(DATE, False, align), str(serial(v))
                else:
                    s, num = self._style("", False, align), str(v)
                out.append(f'<c r="{ref}"{s} t="n"><v>{num}</v></c>')
            out.append("</row>")
        return "".join(out)


def splice(data: bytes, bodies: dict[str, str]) -> bytes:
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
