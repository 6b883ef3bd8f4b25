"""The year-end packet as a PDF a person can read (reportlab).

Reads only the `Packet`. A cover page with the year's verdict, then the audit, the 1099-R
reconciliation, Form 8606 line by line, the lots and conversions, the capacity plan, the charts
and the limits with their sources. A section goes on the page where the one before it ends when it
fits there (a small one whole, a long one from its heading and first rows), so no page holds only a
line or two; wide tables get landscape pages. Every page has a header with the person and year, the
page number and the not-tax-advice note. Built in reportlab's invariant mode: the same packet gives
the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import ActionFlowable

from ..forms.model import Worksheet
from ..forms.packet import BEST_KNOWLEDGE, Packet, capacity_table, compact_refs, flat_details, form_label
from . import charts
from .pdf_tables import (
    BODY,
    BOLD,
    CELL_LEADING,
    FONT,
    GRID_LINE,
    H1,
    H2,
    HEAD_ROOM,
    NOTE,
    PDF_REFS,
    STATUS_BG,
    VERDICT,
    _grid,
    _lines,
    _more_rows,
    _p,
    _show,
    _table,
    escape,
)

__all__ = ["LANDSCAPE_W", "PORTRAIT_W", "SECTIONS", "_table", "render_pdf"]

MARGIN = 40
HEAD = 46   # room for the running header
FOOT = 40   # room for the footer
PORTRAIT_W = letter[0] - 2 * MARGIN
LANDSCAPE_W = letter[1] - 2 * MARGIN
SMALL_GRID = 12  # rows: a table this short is kept on one page with its heading
FRAME_H = {"portrait": letter[1] - HEAD - FOOT, "landscape": letter[0] - HEAD - FOOT}


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


def _doc(buf: io.BytesIO, packet: Packet) -> _PacketDoc:
    doc = _PacketDoc(buf, pagesize=letter, invariant=1, title=f"mbr {packet.year} {packet.person}",
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


# ---------------------------------------------------------------- placing the sections


class _SectionStart(ActionFlowable):
    """Where a section begins, decided when the layout reaches it (by _PacketDoc): on the current page
    when it is drawn narrow enough for that page (`anywhere`: at a portrait page's width) and either the
    whole section fits in the room left, or it runs over pages and the page has its orientation or is
    nearly empty (and its heading and first rows fit); else on a new page of its own orientation."""

    def __init__(self, template: str, flows: list[Flowable], height: float, anywhere: bool) -> None:  # float-ok
        super().__init__()
        self.template, self.flows, self.need, self.anywhere = template, flows, height, anywhere

    def place(self, doc: BaseDocTemplate) -> list[Flowable]:
        frame, here = doc.frame, doc.pageTemplate.id
        room = frame._y - frame._y1p
        if self.anywhere or here == self.template:
            if self.need <= room:
                return self.flows
            nearly_empty = room > FRAME_H[here] * 0.75
            if room >= HEAD_ROOM and (nearly_empty or (here == self.template and self.need > FRAME_H[here])):
                return self.flows
        doc.handle_nextPageTemplate(self.template)
        doc.handle_pageBreak()
        return self.flows


class _PacketDoc(BaseDocTemplate):
    """The document, placing each section where its _SectionStart says."""

    def handle_flowable(self, flowables: list[Flowable]) -> None:
        if flowables and isinstance(flowables[0], _SectionStart):
            start = flowables.pop(0)
            flowables[0:0] = start.place(self)
            return
        super().handle_flowable(flowables)


def _tables(flows: list[Flowable]) -> list[Table]:
    out: list[Table] = []
    for f in flows:
        if isinstance(f, Table):
            out.append(f)
        elif isinstance(f, KeepTogether):
            out += _tables(list(f._content))
    return out


def _height(flows: list[Flowable], width: float, canv: Canvas) -> float:  # float-ok: points
    """The height the flowables take at `width` (their space before and after included), or more than any
    page once that is certain (a table with more rows than a page holds is not laid out to know it)."""
    most = max(FRAME_H.values())
    total = 0.0  # float-ok: points
    for f in flows:
        if isinstance(f, Table) and len(f._cellvalues) * CELL_LEADING > most:
            return most + 1
        _, h = f.wrapOn(canv, width, 1e7)
        total += h + f.getSpaceBefore() + f.getSpaceAfter()
        if total > most:
            return total
    return total


Build = Callable[[Packet, float], list[Flowable]]


def _placed(p: Packet, template: str, build: Build, canv: Canvas) -> _SectionStart:
    """A section, built once for the narrowest width it can take: a portrait page's when its tables fit
    that width (a landscape section: with no cell wrapped; a portrait one: with no word cut), so that it
    may share a page of either orientation; else a landscape page's, for landscape pages only."""
    flows = build(p, PORTRAIT_W if template == "portrait" else LANDSCAPE_W)
    fits = [getattr(t, "mbr_fit", None) for t in _tables(flows)]
    if template == "portrait" and any(f is not None and f.breaks(PORTRAIT_W) for f in fits):
        flows, template = build(p, LANDSCAPE_W), "landscape"
    elif template == "landscape" and not any(f is not None and f.wraps(PORTRAIT_W) for f in fits):
        flows, template = build(p, PORTRAIT_W), "portrait"
    width = PORTRAIT_W if template == "portrait" else LANDSCAPE_W
    return _SectionStart(template, flows, _height(flows, width, canv), template == "portrait")


def _kept(heading: str, flows: list[Flowable], style: ParagraphStyle = H2) -> Flowable:
    """A heading with what follows it, on one page when it fits one."""
    return KeepTogether([Paragraph(escape(heading), style), *flows])


# ---------------------------------------------------------------- the sections


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
        story.append(_kept("Key figures", [_table(["Figure", "Amount"], figures, ["text", "money"], PORTRAIT_W * 0.75)]))
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
    ws = p.form_5329()
    if ws:
        from ..forms.f5329 import total_tax

        out.append(["Form 5329 additional tax (lines 4 + 17 + 25)", total_tax(ws)])
    for c in p.capacity:
        out.append([f"After-tax room, {c.label}", c.value("after_tax_capacity")])
    return out


def _title(text: str) -> Paragraph:
    return Paragraph(escape(text), H1)


def _audit(p: Packet, width: float) -> list[Flowable]:
    title = "Audit of the year's limits"
    if not p.findings:
        return [_title(title), _p("No findings.", BODY)]
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
    return [_title(title), _table(["Status", "Check", "Scope", "Limit", "Amount", "Excess", "Finding"], rows,
                                  ["text", "text", "text", "money", "money", "money", "text"], width, status_col=0)]


def _worksheet_body(ws: Worksheet, width: float, order: list[str], titles: dict[str, str]) -> list[Flowable]:  # float-ok
    """The worksheet's grids, in `order` first; an empty grid is one line ("none"), never a page."""
    out: list[Flowable] = []
    for name in [n for n in order if n in ws.grids] + [n for n in ws.grids if n not in order]:
        grid = ws.grids[name]
        title = titles.get(name, grid.title or name)
        if not grid.rows:
            out.append(_p(f"{title}: none.", BODY))
            continue
        if len(grid.rows) <= SMALL_GRID:  # heading and table on one page
            out.append(_kept(title, [_grid(grid, width, ws.person)]))
        else:  # the heading goes with its table's first rows
            out += [CondPageBreak(HEAD_ROOM), Paragraph(escape(title), H2), _grid(grid, width, ws.person)]
        if _more_rows(grid):
            out.append(_p(_more_rows(grid), NOTE))
    return out


def _notes(notes: list[str]) -> list[Flowable]:
    return [_kept("Notes", [_p(n, NOTE) for n in notes])] if notes else []


def _f1099r(p: Packet, width: float) -> list[Flowable]:
    out: list[Flowable] = [_title("Form 1099-R reconciliation")]
    ws = p.worksheet("1099r")
    if ws is None:
        return [*out, _p("(no worksheet)", BODY)]
    if ws.lines:
        out.append(_kept("Form 1040", [_lines(ws.lines, width)]))
    out += _notes(ws.notes)
    return out + _worksheet_body(ws, width, ["expected", "actual", "differences"],
                                 {"expected": "Expected from the ledger", "actual": "Forms received",
                                  "differences": "Differences"})


def _f8606(p: Packet, width: float) -> list[Flowable]:
    out: list[Flowable] = [_title("Form 8606, line by line")]
    ws = p.worksheet("8606")
    if ws is None:
        return [*out, _p("(no worksheet)", BODY)]
    out.append(_lines(ws.lines, width))
    out += _notes(ws.notes)
    return out + _worksheet_body(ws, width, [], {"carry_forward": "Carried to next year"})


def _household(p: Packet, width: float) -> list[Flowable]:
    """The joint return's Form 1040 lines, both spouses' amounts added (nothing for a return of one)."""
    ws = p.household()
    if ws is None:
        return []
    out: list[Flowable] = [_title(f"Household return: {ws.title}"), _lines(ws.lines, width)]
    out += _worksheet_body(ws, width, ["by_person", "rollover"], {})
    return out + _notes(ws.notes)


def _f5329(p: Packet, width: float) -> list[Flowable]:
    """Form 5329 Parts I, III and IV when it has something to say, else the one line saying so."""
    ws = p.form_5329()
    if ws is None:
        text = p.no_5329_text()
        return [_p(text, BODY)] if text else []
    from ..forms.f5329 import PART_TITLES, part_lines

    out: list[Flowable] = [_title(f"Form 5329, {ws.year}: additional taxes")]
    for part, heading in PART_TITLES.items():
        filled = [ln for ln in part_lines(ws, part) if ln.value is not None]
        if filled:
            out.append(_kept(heading, [_lines(filled, width)]))
    out += _worksheet_body(ws, width, ["early"], {"early": "Distributions Part I looked at"})
    return out + _notes(ws.notes)


def _lots(p: Packet, width: float) -> list[Flowable]:
    out: list[Flowable] = [_title("After-tax lots and conversions")]
    ws = p.worksheet("lots")
    if ws is None:
        return [*out, _p("(no worksheet)", BODY)]
    out += _worksheet_body(ws, width, ["lots", "conversions"], {})
    if ws.lines:
        out.append(_kept("Per plan", [_lines(ws.lines, width)]))
    return out + _notes(ws.notes)


def _capacity(p: Packet, width: float) -> list[Flowable]:
    out: list[Flowable] = [_title("Capacity plan")]
    if not p.capacity:
        return [*out, _p("No plan for this year.", BODY)]
    table = capacity_table(p.capacity)
    rows = [[label, *[_show(v, kind) for v in values]] for _, label, kind, values in table]
    kinds = ["text", *(["money"] * len(p.capacity))]
    out.append(_table(["Figure", *[c.label for c in p.capacity]], rows, kinds, width))
    return out + _notes([f"{c.label}: {n}" for c in p.capacity for n in c.notes])


def _charts(p: Packet, width: float) -> list[Flowable]:
    out: list[Flowable] = [_title("Charts")]
    w = int(width)
    if p.charts.limits:
        out += [charts.limits_chart(p.charts.limits, w), Spacer(1, 12)]
    if p.charts.balances:
        out += [charts.balance_chart(p.charts.balances, p.year, w), Spacer(1, 12)]
    earnings = [s for s in p.charts.earnings if s.points]
    if earnings:
        out.append(charts.earnings_chart(earnings, p.year, w))
    if len(out) == 1:
        out.append(_p("Nothing to chart for this year.", BODY))
    return out


def _limits(p: Packet, width: float) -> list[Flowable]:
    rows = [[lim.label, lim.code_section, lim.shown if lim.value is not None else "n/a",
             lim.source + (f" ({lim.note})" if lim.note else "")] for lim in p.limits]
    shown = [[r[0], r[1], _show(r[2]), r[3]] for r in rows]
    return [_title(f"Limits for {p.year} and their sources"),
            _table(["Limit", "Code section", "Value", "Source"], shown, ["text", "text", "money", "text"], width),
            Spacer(1, 8), _p(p.note, NOTE)]


# The sections after the cover, in order, each with the orientation its wide tables want: a new page
# (Form 1040, Form 5329, ...) is one more entry.
SECTIONS: list[tuple[str, Build]] = [
    ("landscape", _audit),
    ("landscape", _f1099r),
    ("portrait", _f8606),
    ("portrait", _household),
    ("portrait", _f5329),
    ("landscape", _lots),
    ("portrait", _capacity),
    ("portrait", _charts),
    ("portrait", _limits),
]


def render_pdf(packet: Packet) -> bytes:
    """The PDF as bytes; the same packet always gives the same bytes."""
    buf = io.BytesIO()
    doc = _doc(buf, packet)
    story: list[Flowable] = []
    _cover(packet, story)
    measure = Canvas(io.BytesIO())
    for template, build in SECTIONS:
        story.append(_placed(packet, template, build, measure))
    doc.build(story, canvasmaker=_NumberedCanvas)
    return buf.getvalue()
