"""The PDF packet's cells and tables: styles, column widths that never break a word, and the tables
of findings, worksheet grids and form lines (reportlab)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape as _escape  # xml.sax.saxutils would pull in urllib.request
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Table, TableStyle

from ..core.money import fmt_table
from ..forms.model import Grid, Line
from ..forms.packet import grid_totals

FONT = "Helvetica"
BOLD = "Helvetica-Bold"

_base = getSampleStyleSheet()
H1 = ParagraphStyle("h1", parent=_base["Heading1"], fontName=BOLD, fontSize=16, spaceBefore=16, spaceAfter=8)
H2 = ParagraphStyle("h2", parent=_base["Heading2"], fontName=BOLD, fontSize=12, spaceBefore=8, spaceAfter=5)
HEAD_ROOM = 140  # points a table's heading needs below it (itself, the header row, a first row of a few lines)
BODY = ParagraphStyle("body", parent=_base["BodyText"], fontName=FONT, fontSize=9, leading=11.5)
NOTE = ParagraphStyle("note", parent=BODY, fontSize=8, leading=10, textColor=colors.HexColor("#404040"))
CELL_SIZE = 7.5  # float-ok: points
CELL_PAD = 3     # points left and right of a cell's text
CELL_LEADING = 9  # points per line of a cell: no table row is shorter
CELL = ParagraphStyle("cell", parent=BODY, fontSize=CELL_SIZE, leading=CELL_LEADING)
CELL_B = ParagraphStyle("cellb", parent=CELL, fontName=BOLD)
CELL_R = ParagraphStyle("cellr", parent=CELL, alignment=TA_RIGHT)
CELL_RB = ParagraphStyle("cellrb", parent=CELL_R, fontName=BOLD)
NOTE_CELL = ParagraphStyle("notecell", parent=CELL, textColor=colors.HexColor("#404040"), leftIndent=8)
VERDICT = ParagraphStyle("verdict", parent=BODY, fontName=BOLD, fontSize=14, leading=18)

STATUS_BG = {"fail": colors.HexColor("#FFC7CE"), "warn": colors.HexColor("#FFEB9C"),
             "ok": colors.HexColor("#C6EFCE"), "info": colors.HexColor("#DDEBF7")}
HEAD_BG = colors.HexColor("#D9E1F2")
GRID_LINE = colors.HexColor("#A6A6A6")
NUMERIC = ("money", "ratio", "count", "date")
# A busy year can have tens of thousands of lots and rows behind one finding: the PDF shows the first
# ones and says how many more the workbook lists, so that every page can be laid out and read.
PDF_GRID_ROWS = 200     # rows of a worksheet table
PDF_REFS = 40           # ranges of ledger rows behind a finding
PDF_CELL_CHARS = 1500   # characters of one cell
MAX_WORD = 150          # points: a longer word (a long list of rows) may still be split
_LINE_LIST = re.compile(r":(\d[\d,-]*\d)")  # the lines of "a.csv:6,11-14,20": a break may follow each comma


# ---------------------------------------------------------------- cells and tables


def escape(text: str) -> str:
    """&, < and > as entities: paragraph markup in user text is shown, never interpreted."""
    return _escape(text, quote=False)


def _p(text: str, style: ParagraphStyle = CELL) -> Paragraph:
    """A paragraph of plain text: markup characters in user text are escaped, never interpreted."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _show(value: Any, kind: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return fmt_table(value) if kind == "money" or value.as_tuple().exponent == -2 else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    return str(value)


def _cut(text: str) -> str:
    """A cell's text, cut at `PDF_CELL_CHARS` with a pointer to the workbook, which has all of it; a
    list of row numbers may break after each comma."""
    text = _LINE_LIST.sub(lambda m: ":" + m.group(1).replace(",", ", "), text)
    if len(text) <= PDF_CELL_CHARS:
        return text
    return text[:PDF_CELL_CHARS].rstrip() + f" ... ({len(text) - PDF_CELL_CHARS:,} more characters in the workbook)"


def _word_width(text: str) -> float:  # float-ok: layout in points
    """The width of the longest word of `text` (what a line break cannot go through)."""
    return max((stringWidth(w, FONT, CELL_SIZE) for w in text.split()), default=0)


def _line_widths(text: str) -> float:  # float-ok: layout in points
    """The width of the widest line of `text` in the cell font."""
    return max((stringWidth(line, FONT, CELL_SIZE) for line in text.splitlines()), default=0)


def _widths(header: Sequence[str], content: Sequence[float], numeric: Sequence[bool],  # float-ok: points
            total: float, words: Sequence[float] | None = None) -> list[float]:  # float-ok: layout in points
    """Column widths that fit `total`: numbers keep their natural width; text columns start at the width
    of their longest word (header or cells: a date or a file name is never broken) and share the rest,
    the narrow ones filled first (water-filling). `content` is the widest cell of each column, `words`
    its longest word."""
    pad = 8
    natural: list[float] = []  # float-ok: points
    low: list[float] = []  # float-ok: points
    for j, head in enumerate(header):
        head_word = max((stringWidth(w, BOLD, CELL_SIZE) for w in head.split()), default=0)
        natural.append(max(content[j], head_word) + pad)
        word = min(words[j], MAX_WORD) if words else 0
        low.append(natural[-1] if numeric[j] else min(natural[-1], max(head_word + pad, 36, word + pad)))
    text_cols = [j for j in range(len(header)) if not numeric[j]] or list(range(len(header)))
    if sum(natural) <= total:
        spare = (total - sum(natural)) / len(text_cols)
        return [w + (spare if j in text_cols else 0) for j, w in enumerate(natural)]
    if sum(low) >= total:
        # Too many columns for the page: numbers keep their width, and the widest text columns give way
        # first, down to one level (a short word such as a date keeps its column).
        room_left = total - sum(low[j] for j in range(len(header)) if j not in text_cols)
        level = _level([low[j] for j in text_cols], room_left)
        if level is None:
            return [w * total / sum(low) for w in low]
        return [min(low[j], level) if j in text_cols else low[j] for j in range(len(header))]
    out = list(low)
    room = total - sum(low)
    want = {j: natural[j] - low[j] for j in text_cols if natural[j] > low[j]}
    while room > 0.01 and want:
        share = room / len(want)
        for j in list(want):
            give = min(share, want[j])
            out[j] += give
            room -= give
            want[j] -= give
            if want[j] <= 0.01:
                del want[j]
    return out


@dataclass(frozen=True)
class Fit:
    """What a table's column widths are computed from, to tell how it would fit another width."""

    header: list[str]
    content: list[float]  # float-ok: points, the widest cell of each column
    numeric: list[bool]
    words: list[float]    # float-ok: points, the longest word of each column

    def wraps(self, width: float) -> bool:  # float-ok: points
        """At `width`, a text column is narrower than its longest line (its cells wrap)."""
        widths = _widths(self.header, self.content, self.numeric, width, self.words)
        natural = [max(self.content[j], max((stringWidth(w, BOLD, CELL_SIZE) for w in h.split()), default=0)) + 8
                   for j, h in enumerate(self.header)]
        return any(w + 0.01 < n for w, n in zip(widths, natural, strict=True))

    def breaks(self, width: float) -> bool:  # float-ok: points
        """At `width`, a column is narrower than its longest word (a file name or a date would be cut)."""
        widths = _widths(self.header, self.content, self.numeric, width, self.words)
        return any(w + 0.01 < min(wd, MAX_WORD) + 8 for w, wd in zip(widths, self.words, strict=True))


def _level(widths: list[float], room: float) -> float | None:  # float-ok: layout in points
    """The width `L` at which the columns `min(w, L)` fill `room` exactly (None below 24 points)."""
    ws = sorted(widths)
    for k in range(len(ws)):
        # the narrowest k columns keep their width, the others are cut to the same level
        level = (room - sum(ws[:k])) / (len(ws) - k)
        if level <= ws[k]:
            return level if level >= 24 else None
    return ws[-1] if ws else None


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], kinds: Sequence[str], width: float,  # float-ok
           *, total_row: Sequence[Any] | None = None, status_col: int | None = None,
           bold_col: int | None = None, details: Sequence[str] | None = None) -> Table:
    """A table that fits `width`, its header repeated on every page. A cell whose text fits its column on
    one line is drawn as a plain string in the table's cell font (where a paragraph would put it, at a
    fraction of the cost); a longer one is a paragraph that wraps. `details`: a long text for each row,
    drawn across the whole table under it (so the other columns keep their width)."""
    numeric = [k in NUMERIC for k in kinds]
    shown = [[_cut(_show(v, k)) for v, k in zip(r, kinds, strict=True)] for r in rows]
    if total_row:
        shown.append([_show(v, k) for v, k in zip(total_row, kinds, strict=True)])
    measured = [[_line_widths(t) for t in r] for r in shown]
    content = [max((m[j] for m in measured), default=0) for j in range(len(header))]
    words = [max((_word_width(r[j]) for r in shown), default=0) for j in range(len(header))]
    widths = _widths(header, content, numeric, width, words)
    room = [w - 2 * CELL_PAD - 1e-6 for w in widths]  # float-ok: points a line may take without wrapping

    def cell(text: str, j: int, style: ParagraphStyle, size: float) -> str | Paragraph:  # float-ok: points
        if size <= room[j] and text == " ".join(text.split()):  # one line, nothing a paragraph would fold
            return text
        return _p(text, style)

    def bold(text: str, j: int) -> str | Paragraph:
        return cell(text, j, CELL_RB if numeric[j] else CELL_B, stringWidth(text, BOLD, CELL_SIZE))

    def plain(j: int) -> ParagraphStyle:
        return CELL_R if numeric[j] else CELL_B if j == bold_col else CELL

    data: list[list[Any]] = [[bold(h, j) for j, h in enumerate(header)]]
    places: list[int] = []  # the table row of each of `rows`
    spans: list[int] = []   # the table rows that hold a row's details
    for i, r in enumerate(shown[:len(rows)]):
        places.append(len(data))
        data.append([bold(t, j) if plain(j) is CELL_B else cell(t, j, plain(j), measured[i][j])
                     for j, t in enumerate(r)])
        if details and details[i]:
            spans.append(len(data))
            data.append([_p(_cut(details[i]), NOTE_CELL)] + [""] * (len(header) - 1))
    if total_row:
        data.append([bold(t, j) for j, t in enumerate(shown[-1])])
    t = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT", splitInRow=1)  # a tall row goes on the next page
    style: list[tuple[Any, ...]] = [("GRID", (0, 0), (-1, -1), 0.25, GRID_LINE), ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
             ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 2),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 2), ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
             ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
             # plain-string cells: the fonts and alignment of the paragraph styles
             ("FONT", (0, 0), (-1, -1), FONT, CELL_SIZE, CELL.leading), ("FONT", (0, 0), (-1, 0), BOLD, CELL_SIZE, CELL.leading)]
    style += [("ALIGN", (j, 0), (j, -1), "RIGHT") for j in range(len(header)) if numeric[j]]
    if bold_col is not None and not numeric[bold_col]:
        style.append(("FONT", (bold_col, 1), (bold_col, -1), BOLD, CELL_SIZE, CELL.leading))
    if total_row:
        style.append(("FONT", (0, -1), (-1, -1), BOLD, CELL_SIZE, CELL.leading))
        style.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black))
    if status_col is not None:
        for i, raw in enumerate(rows):
            bg = STATUS_BG.get(str(raw[status_col]))
            if bg is not None:
                style.append(("BACKGROUND", (status_col, places[i]), (status_col, places[i]), bg))
    for at in spans:
        style += [("SPAN", (0, at), (-1, at)), ("TOPPADDING", (0, at), (-1, at), 0)]
    t.setStyle(TableStyle(style))
    t.mbr_fit = Fit(list(header), content, numeric, words)
    return t


def _grid(grid: Grid, width: float, person: str = "") -> Table:  # float-ok: layout in points
    if "person" in grid.columns and grid.rows:  # the packet is one person's: drop a column that only repeats it
        i = grid.columns.index("person")
        if all(r[i] == person for r in grid.rows):
            keep = [j for j in range(len(grid.columns)) if j != i]
            grid = Grid(grid.title, [grid.columns[j] for j in keep], [grid.kinds[j] for j in keep],
                        [[r[j] for j in keep] for r in grid.rows], grid.totals)
    totals = grid_totals(grid)
    total_row: list[Any] | None = None
    if totals and grid.rows:
        total_row = [totals.get(c) for c in grid.columns]
    details: list[str] | None = None
    if "explanation" in grid.columns:  # a sentence or more per row: a line of its own under the row
        i = grid.columns.index("explanation")
        details = [str(r[i] or "") for r in grid.rows[:PDF_GRID_ROWS]]
        keep = [j for j in range(len(grid.columns)) if j != i]
        grid = Grid(grid.title, [grid.columns[j] for j in keep], [grid.kinds[j] for j in keep],
                    [[r[j] for j in keep] for r in grid.rows], grid.totals)
        if total_row:
            total_row = [total_row[j] for j in keep]
    kinds = [k if k in NUMERIC else "text" for k in grid.kinds]
    if total_row:
        label = next((j for j, c in enumerate(grid.columns) if c not in totals and kinds[j] == "text"), None)
        if label is not None:
            total_row[label] = "Total"
    return _table([c.replace("_", " ") for c in grid.columns], grid.rows[:PDF_GRID_ROWS], kinds, width,
                  total_row=total_row, details=details)


def _more_rows(grid: Grid) -> str:
    """What a worksheet table leaves out of the PDF (the totals row still adds up every row)."""
    left = len(grid.rows) - PDF_GRID_ROWS
    return (f"The first {PDF_GRID_ROWS:,} of {len(grid.rows):,} rows; the total adds up all of them and the "
            f"workbook lists every row.") if left > 0 else ""


def _lines(lines: list[Line], width: float) -> Table:  # float-ok: layout in points
    rows = [[ln.id, ln.label, ln.value, ln.formula] for ln in lines]
    kinds = ["text", "text", "money", "text"]
    shown_rows = [[r[0], r[1], _show(r[2], ln.kind), r[3]] for r, ln in zip(rows, lines, strict=True)]
    return _table(["Line", "Description", "Amount", "How"], shown_rows, kinds, width, bold_col=0)
