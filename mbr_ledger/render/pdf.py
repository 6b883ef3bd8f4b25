"""The year-end packet as a PDF a person can read (reportlab).

Reads only the `Packet`. A cover page with the year's verdict, then the audit, the 1099-R
reconciliation, Form 8606 line by line, the lots and conversions, the capacity plan, the charts
and the limits with their sources. Every page has a header with the person and year, the page
number and the not-tax-advice note. Built in reportlab's invariant mode: the same packet gives
the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from decimal import Decimal
from html import escape as _escape  # xml.sax.saxutils would pull in urllib.request
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..core.money import fmt_table
from ..forms.model import Grid, Line, Worksheet
from ..forms.packet import (
    BEST_KNOWLEDGE,
    Packet,
    capacity_table,
    compact_refs,
    flat_details,
    form_label,
    grid_totals,
)
from . import charts

MARGIN = 40
HEAD = 46   # room for the running header
FOOT = 40   # room for the footer
FONT = "Helvetica"
BOLD = "Helvetica-Bold"

_base = getSampleStyleSheet()
H1 = ParagraphStyle("h1", parent=_base["Heading1"], fontName=BOLD, fontSize=16, spaceAfter=8)
H2 = ParagraphStyle("h2", parent=_base["Heading2"], fontName=BOLD, fontSize=12, spaceBefore=8, spaceAfter=5)
HEAD_ROOM = 140  # points a table's heading needs below it (itself, the header row, a first row of a few lines)
BODY = ParagraphStyle("body", parent=_base["BodyText"], fontName=FONT, fontSize=9, leading=11.5)
NOTE = ParagraphStyle("note", parent=BODY, fontSize=8, leading=10, textColor=colors.HexColor("#404040"))
CELL_SIZE = 7.5  # float-ok: points
CELL_PAD = 3     # points left and right of a cell's text
CELL = ParagraphStyle("cell", parent=BODY, fontSize=CELL_SIZE, leading=9)
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


# ---------------------------------------------------------------- document


class _NumberedCanvas(Canvas):
    """Draws "Page N of M" once the number of pages is known."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            w, _ = self._pagesize
            self.setFont(FONT, 7.5)
            self.drawRightString(w - MARGIN, FOOT - 22, f"Page {self._pageNumber} of {total}")
            super().showPage()
        super().save()


def _decorate(packet: Packet) -> Any:
    who = packet.title

    def on_page(canv: Canvas, doc: BaseDocTemplate) -> None:
        w, h = canv._pagesize
        canv.saveState()
        canv.setFont(BOLD, 8.5)
        canv.drawString(MARGIN, h - 28, "Mega backdoor Roth year-end packet")
        canv.setFont(FONT, 8.5)
        canv.drawRightString(w - MARGIN, h - 28, who)
        canv.setStrokeColor(GRID_LINE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN, h - 34, w - MARGIN, h - 34)
        canv.line(MARGIN, FOOT - 12, w - MARGIN, FOOT - 12)
        canv.setFont(FONT, 7.5)
        canv.drawString(MARGIN, FOOT - 22, "Not tax advice. Review with a tax professional before you file.")
        canv.restoreState()

    return on_page


def _doc(buf: io.BytesIO, packet: Packet) -> BaseDocTemplate:
    doc = BaseDocTemplate(buf, pagesize=letter, invariant=1, title=f"mbr {packet.year} {packet.person}",
                          author="mbr_ledger", subject="Mega backdoor Roth year-end packet. Not tax advice.",
                          creator="mbr_ledger", producer="mbr_ledger (reportlab)",
                          leftMargin=MARGIN, rightMargin=MARGIN, topMargin=HEAD, bottomMargin=FOOT)
    on_page = _decorate(packet)
    templates = []
    for name, size in (("portrait", letter), ("landscape", landscape(letter))):
        w, h = size
        frame = Frame(MARGIN, FOOT, w - 2 * MARGIN, h - HEAD - FOOT, id=name, leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0)
        templates.append(PageTemplate(id=name, frames=[frame], pagesize=size, onPage=on_page))
    doc.addPageTemplates(templates)
    return doc


PORTRAIT_W = letter[0] - 2 * MARGIN
LANDSCAPE_W = letter[1] - 2 * MARGIN


def _section(story: list[Flowable], template: str, title: str) -> None:
    story += [NextPageTemplate(template), PageBreak(), Paragraph(escape(title), H1)]


def _cover(p: Packet, story: list[Flowable]) -> None:
    story.append(Paragraph("Mega backdoor Roth year-end packet", H1))
    story.append(_p(p.title, ParagraphStyle("who", parent=BODY, fontSize=11, leading=14)))
    story.append(Spacer(1, 10))
    box = Table([[_p(p.verdict_text(), VERDICT)]], colWidths=[PORTRAIT_W])
    box.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), STATUS_BG.get(p.verdict, STATUS_BG["ok"])),
                             ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                             ("TOPPADDING", (0, 0), (-1, -1), 8), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                             ("LEFTPADDING", (0, 0), (-1, -1), 8)]))
    story += [box, Spacer(1, 6), _p(p.note, NOTE)]
    story.append(Paragraph("Every fail and warning", H2))
    probs = p.problems()
    if probs:
        rows = []
        for pr in probs:
            what = pr.message
            if pr.fix:
                what += f"\nWhat to do: {pr.fix}"
            if pr.deadline:
                what += f"\nDeadline: {pr.deadline.isoformat()}"
            rows.append([pr.status, pr.check, pr.scope, pr.amount, pr.excess, what])
        story.append(_table(["Status", "Check", "Scope", "Amount", "Excess", "What is wrong, what to do"], rows,
                            ["text", "text", "text", "money", "money", "text"], PORTRAIT_W, status_col=0))
    else:
        story.append(_p("No check fails or warns, and the 1099-R forms match the ledger.", BODY))
    figures = _key_figures(p)
    if figures:
        story.append(Paragraph("Key figures", H2))
        story.append(_table(["Figure", "Amount"], figures, ["text", "money"], PORTRAIT_W * 0.75))
    if any(f.best_knowledge for f in p.findings):
        story += [Spacer(1, 6), _p(BEST_KNOWLEDGE, NOTE)]


def _key_figures(p: Packet) -> list[list[Any]]:
    out: list[list[Any]] = []
    ws = p.worksheet("1099r")
    if ws:
        out += [[form_label("Form 1040", ln), ln.value] for ln in ws.lines]
    ws = p.worksheet("8606")
    if ws:
        out += [[form_label("Form 8606", ln), ln.value] for ln in ws.lines if ln.id in ("18", "14")]
    for c in p.capacity:
        out.append([f"After-tax room, {c.label}", c.value("after_tax_capacity")])
    return out


def _audit(p: Packet, story: list[Flowable]) -> None:
    _section(story, "landscape", "Audit of the year's limits")
    if not p.findings:
        story.append(_p("No findings.", BODY))
        return
    rows = []
    for f in p.findings:
        what = f.message
        if f.fix:
            what += f"\nWhat to do: {f.fix}"
        if f.deadline:
            what += f"\nDeadline: {f.deadline.isoformat()}"
        flat = flat_details(f.details)
        if flat:
            what += "\n" + "; ".join(f"{k}: {_show(v)}" for k, v in flat.items())
        if f.rows:
            what += "\nLedger rows: " + compact_refs(f.rows, PDF_REFS)
        if f.best_knowledge:
            what += "\nBest knowledge: see the note on the cover."
        rows.append([f.status, f.id, f.scope, f.limit, f.amount, f.excess, what])
    story.append(_table(["Status", "Check", "Scope", "Limit", "Amount", "Excess", "Finding"], rows,
                        ["text", "text", "text", "money", "money", "money", "text"], LANDSCAPE_W, status_col=0))


def _worksheet_body(ws: Worksheet, story: list[Flowable], width: float, order: list[str],  # float-ok
                    titles: dict[str, str]) -> None:
    """The worksheet's grids, in `order` first."""
    for name in [n for n in order if n in ws.grids] + [n for n in ws.grids if n not in order]:
        grid = ws.grids[name]
        title = titles.get(name, grid.title or name)
        if not grid.rows:  # one line, never a page of its own
            story.append(_p(f"{title}: none.", BODY))
            continue
        story.append(CondPageBreak(HEAD_ROOM))  # the heading goes with its table's first rows
        story.append(Paragraph(escape(title), H2))
        story.append(_grid(grid, width, ws.person))
        if _more_rows(grid):
            story.append(_p(_more_rows(grid), NOTE))


def _notes(notes: list[str], story: list[Flowable]) -> None:
    if notes:
        story.append(Paragraph("Notes", H2))
        story += [_p(n, NOTE) for n in notes]


def _f1099r(p: Packet, story: list[Flowable]) -> None:
    _section(story, "landscape", "Form 1099-R reconciliation")
    ws = p.worksheet("1099r")
    if ws is None:
        story.append(_p("(no worksheet)", BODY))
        return
    if ws.lines:
        story.append(KeepTogether([Paragraph("Form 1040", H2), _lines(ws.lines, LANDSCAPE_W)]))
    _notes(ws.notes, story)
    _worksheet_body(ws, story, LANDSCAPE_W, ["expected", "actual", "differences"],
                    {"expected": "Expected from the ledger", "actual": "Forms received",
                     "differences": "Differences"})


def _f8606(p: Packet, story: list[Flowable]) -> None:
    _section(story, "portrait", "Form 8606, line by line")
    ws = p.worksheet("8606")
    if ws is None:
        story.append(_p("(no worksheet)", BODY))
        return
    story.append(_lines(ws.lines, PORTRAIT_W))
    _notes(ws.notes, story)
    _worksheet_body(ws, story, PORTRAIT_W, [], {"carry_forward": "Carried to next year"})


def _lots(p: Packet, story: list[Flowable]) -> None:
    _section(story, "landscape", "After-tax lots and conversions")
    ws = p.worksheet("lots")
    if ws is None:
        story.append(_p("(no worksheet)", BODY))
        return
    _worksheet_body(ws, story, LANDSCAPE_W, ["lots", "conversions"], {})
    if ws.lines:
        story.append(KeepTogether([Paragraph("Per plan", H2), _lines(ws.lines, LANDSCAPE_W)]))
    _notes(ws.notes, story)


def _capacity(p: Packet, story: list[Flowable]) -> None:
    _section(story, "portrait", "Capacity plan")
    if not p.capacity:
        story.append(_p("No plan for this year.", BODY))
        return
    table = capacity_table(p.capacity)
    rows = [[label, *[_show(v, kind) for v in values]] for _, label, kind, values in table]
    kinds = ["text", *(["money"] * len(p.capacity))]
    story.append(_table(["Figure", *[c.label for c in p.capacity]], rows, kinds, PORTRAIT_W))
    _notes([f"{c.label}: {n}" for c in p.capacity for n in c.notes], story)


def _charts(p: Packet, story: list[Flowable]) -> None:
    _section(story, "portrait", "Charts")
    w = int(PORTRAIT_W)
    drawn = False
    if p.charts.limits:
        story += [charts.limits_chart(p.charts.limits, w), Spacer(1, 12)]
        drawn = True
    if p.charts.balances:
        story += [charts.balance_chart(p.charts.balances, p.year, w), Spacer(1, 12)]
        drawn = True
    earnings = [s for s in p.charts.earnings if s.points]
    if earnings:
        story.append(charts.earnings_chart(earnings, p.year, w))
        drawn = True
    if not drawn:
        story.append(_p("Nothing to chart for this year.", BODY))


def _limits(p: Packet, story: list[Flowable]) -> None:
    _section(story, "portrait", f"Limits for {p.year} and their sources")
    rows = [[lim.label, lim.code_section, lim.shown if lim.value is not None else "n/a",
             lim.source + (f" ({lim.note})" if lim.note else "")] for lim in p.limits]
    shown = [[r[0], r[1], _show(r[2]), r[3]] for r in rows]
    story.append(_table(["Limit", "Code section", "Value", "Source"], shown, ["text", "text", "money", "text"],
                        PORTRAIT_W))
    story += [Spacer(1, 8), _p(p.note, NOTE)]


def render_pdf(packet: Packet) -> bytes:
    """The PDF as bytes; the same packet always gives the same bytes."""
    buf = io.BytesIO()
    doc = _doc(buf, packet)
    story: list[Flowable] = []
    _cover(packet, story)
    _audit(packet, story)
    _f1099r(packet, story)
    _f8606(packet, story)
    _lots(packet, story)
    _capacity(packet, story)
    _charts(packet, story)
    _limits(packet, story)
    doc.build(story, canvasmaker=_NumberedCanvas)
    return buf.getvalue()
