"""The workbook's sheets: one method each, reading only the `Packet`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet as Sheet

from ...forms.packet import BEST_KNOWLEDGE, Packet, capacity_table, compact_refs, flat_details, form_label
from .blocks import Placed, form_lines, ordered, put_grid, put_notes, span_notes
from .cells import (
    BOLD,
    CHART_CM,
    CHART_ROWS,
    F8606_SHEETS,
    GRID_SHEETS,
    LOTS_SHEET,
    MAX_WIDTH,
    REFS_WIDTH,
    SHEETS,
    STATUS_FILL,
    Writer,
    cell_ref,
    column_after,
    put_text,
    serial,
    show,
)
from .returns import form_5329_sheet, household_sheet
from .sheet_xml import FastRows
from .tables import grid_table, ledger_table, put_table


class Book:
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
        self.bodies: dict[Sheet, FastRows] = {}  # rows written as XML, spliced in after saving

    def build(self) -> Workbook:
        self.form_8606()  # before 1099-R: Form 1040 line 4b refers to it
        self.form_1099r()
        self.audit()
        self.lots()
        self.capacity()
        self.limits()
        self.ledger()
        self.summary()
        household_sheet(self)
        form_5329_sheet(self)
        for body in self.bodies.values():  # every width is known: the rows' wrapping, heights and styles
            body.prepare()
        props = self.wb.properties
        props.creator = "mbr_ledger"
        props.title = f"mbr {self.p.year} {self.p.person}"
        props.subject = "Mega backdoor Roth year-end packet. Not tax advice."
        props.created = dt.datetime(self.p.year, 12, 31)
        return self.wb

    # -- Summary
    def summary(self) -> None:
        p = self.p
        w = Writer(self.sheets["Summary"])
        w.title(1, "Mega backdoor Roth year-end packet", 14)
        w.put(2, 1, "Person", bold=True)
        # header values overflow into the empty cells beside them rather than widen column B
        put_text(w.ws.cell(row=2, column=2), f"{p.person_name} ({p.person})" if p.person_name != p.person else p.person)
        w.put(3, 1, "Tax year", bold=True)
        w.put(3, 2, p.year)
        w.put(4, 1, "Verdict", bold=True)
        verdict = put_text(w.ws.cell(row=4, column=2), p.verdict_text())
        verdict.font = BOLD
        verdict.fill = STATUS_FILL.get(p.verdict, STATUS_FILL["ok"])
        put_text(w.ws.cell(row=5, column=1), p.note).font = Font(italic=True)
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
            put_text(w.ws.cell(row=r + 1, column=1), "No check fails or warns, and the 1099-R forms match the ledger.")
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
            w.ws.row_breaks.append(Break(id=r - 1))  # the chart starts a printed page: never cut by a page break
            w.ws.add_chart(chart, f"A{r}")
            r += CHART_ROWS
        notes = [BEST_KNOWLEDGE] if any(f.best_knowledge for f in p.findings) else []
        put_notes(w, r, notes)
        w.finish(note=self.header)

    # -- Audit
    def audit(self) -> None:
        w = Writer(self.sheets["Audit"])
        heads = ["Status", "Check", "Scope", "Limit", "Amount", "Excess", "Message", "Fix", "Deadline",
                 "Best knowledge", "Ledger rows", "Details"]
        w.header(1, heads)
        for i, f in enumerate(self.p.findings):
            r = 2 + i
            w.put(r, 1, f.status).fill = STATUS_FILL.get(f.status, STATUS_FILL["ok"])
            vals = [f.id, f.scope, f.limit, f.amount, f.excess, f.message, f.fix, f.deadline, f.best_knowledge,
                    compact_refs(f.rows), show(flat_details(f.details))]
            for j, v in enumerate(vals):
                w.put(r, 2 + j, v)
        last = 1 + len(self.p.findings)
        w.ws.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{max(last, 2)}"
        if not self.p.findings:
            w.put(2, 1, "(no findings)")
        w.finish(freeze="A2", note=self.header)

    # -- 1099-R
    def form_1099r(self) -> None:
        w = Writer(self.sheets["1099-R reconciliation"])
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
            r = put_notes(w, r, ws.notes)
        titles = {"expected": "Expected from the ledger", "actual": "Forms received",
                  "differences": "Differences"}
        placed: dict[str, Placed] = {}
        for name, grid in ordered(ws.grids, ["expected", "actual", "differences"]):
            r, placed[name] = put_grid(w, r, grid, titles.get(name, grid.title or name))
        w.title(top, "Form 1040")
        f8606 = self.p.worksheet("8606")
        linked = f8606 is not None and f8606.person == ws.person  # line 4b's Form 8606 is on the next sheet

        def outside(name: str) -> str | None:
            """Another form's line (`F8606.L18`) or a grid's column (`expected.box1`) as cells."""
            head, _, rest = name.partition(".")
            if head.startswith("F") and rest.startswith("L"):
                return self.line_cells.get((head[1:], rest[1:])) if linked else None
            where, grid = placed.get(head), ws.grids.get(head)
            return where.column(rest) if where and grid and grid.rows and rest in where.letters else None

        _, cells = form_lines(w, top + 1, ws, outside)
        self.line_cells.update({("1099r", k): v for k, v in cells.items()})
        w.finish(freeze="A2", note=self.header)

    # -- Form 8606
    def form_8606(self) -> None:
        w = Writer(self.sheets["Form 8606"])
        ws = self.p.worksheet("8606")
        w.title(1, f"Form 8606, {self.p.title}")
        if ws is None:
            w.put(3, 1, "(no worksheet)")
            w.finish(freeze="A2", note=self.header)
            for sheet in F8606_SHEETS.values():
                d = Writer(self.sheets[sheet])
                d.put(1, 1, "(no worksheet)")
                d.finish(note=self.header)
            return
        r, cells = form_lines(w, 2, ws)
        self.line_cells.update({("8606", k): v for k, v in cells.items()})
        last = put_notes(w, r, ws.notes) - 2 if ws.notes else r - 1
        w.finish(freeze="A3", note=self.header)  # the form's five columns, one landscape page wide
        span_notes(w, r + 1, len(ws.notes), 5)
        w.ws.print_area = f"A1:E{max(last, 1)}"  # printed at the scale of the lines, not of a long note
        # The grids (basis carried, Roth layers, line 6's IRAs) each on a sheet of its own, in columns of its
        # own widths, each printed one page wide at the scale of its own width, none shrinking the form's lines.
        for name, sheet in F8606_SHEETS.items():
            d = Writer(self.sheets[sheet])
            grid = ws.grids.get(name)
            d.title(1, f"{sheet}, {self.p.title}")
            if grid is None:
                d.put(3, 1, "(none)")
            else:
                put_grid(d, 3, grid, grid.title or name)
                if "row" in grid.columns:
                    d.narrow(grid.columns.index("row") + 1, REFS_WIDTH)
            d.finish(freeze="A2", note=self.header)
            d.narrow_margins()

    # -- Lots and conversions: the big grids on sheets of their own; the charts, the per-plan lines and notes
    def lots(self) -> None:
        ws = self.p.worksheet("lots")
        for name, sheet in GRID_SHEETS.items():
            w = Writer(self.sheets[sheet])
            grid = ws.grids.get(name) if ws is not None else None
            if grid is None:
                w.put(1, 1, "(no worksheet)" if ws is None else "(none)")
                w.finish(note=self.header)
                continue
            self._table(w, put_table(w, grid_table(grid)))
            w.finish(freeze="A2", note=f"{self.header}. {grid.title or name}")

        w = Writer(self.sheets[LOTS_SHEET])
        w.title(1, f"After-tax lots and conversions, {self.p.title}")
        balances = self.p.charts.balances
        earnings = [s for s in self.p.charts.earnings if s.points]
        r = 3 + (CHART_ROWS if balances or earnings else 0)  # the charts go on top, the tables below them
        top = r
        if ws is None:
            w.put(r, 1, "(no worksheet)")
            r += 2
        else:
            put_text(w.ws.cell(row=2, column=1), "Each lot is on the sheet Lots; each conversion, rollover and "
                     "distribution on the sheet Conversions.")
            for name, grid in ordered(ws.grids, []):
                if name not in GRID_SHEETS:
                    r, _ = put_grid(w, r, grid, grid.title or name)
            if ws.lines:
                w.title(r, "Per plan")
                r, _ = form_lines(w, r + 1, ws)
            r = put_notes(w, r, ws.notes)
        # the charts' data beside the tables above, each in columns of its own
        col = 1 + max([5, *w.widths]) + 1
        charts: list[BarChart | ScatterChart] = []
        if balances:
            dates = sorted({d for s in balances for d, _ in s.points})
            w.title(top, "After-tax balance (chart data)", col=col)
            w.header(top + 1, ["Date", *[s.name for s in balances]], col)
            by_day = {s.name: dict(s.points) for s in balances}
            carry: dict[str, Decimal | None] = {s.name: None for s in balances}
            for i, d in enumerate(dates):
                w.put(top + 2 + i, col, d)
                for j, s in enumerate(balances):
                    if d in by_day[s.name]:
                        carry[s.name] = by_day[s.name][d]
                    w.put(top + 2 + i, col + 1 + j, carry[s.name])
            sc = ScatterChart()
            sc.title = "After-tax balance over the year"
            sc.y_axis.title = "USD"
            sc.y_axis.numFmt = "#,##0"
            sc.x_axis.number_format = "mmm"
            sc.x_axis.scaling.min = serial(dt.date(self.p.year, 1, 1))
            sc.x_axis.scaling.max = serial(dt.date(self.p.year, 12, 31))
            sc.x_axis.majorUnit = 61  # about two months
            xs = Reference(w.ws, min_col=col, min_row=top + 2, max_row=top + 1 + len(dates))
            for j in range(len(balances)):
                ys = Reference(w.ws, min_col=col + 1 + j, min_row=top + 1, max_row=top + 1 + len(dates))
                series = Series(ys, xs, title_from_data=True)
                series.marker.symbol = "none"
                series.smooth = False
                sc.series.append(series)
            charts.append(sc)
            col += len(balances) + 2
        if earnings:
            days = sorted({d for s in earnings for d, _ in s.points})
            w.title(top, "Earnings in each conversion or rollover (chart data)", col=col)
            w.header(top + 1, ["Date", *[s.name for s in earnings]], col)
            for i, d in enumerate(days):
                w.put(top + 2 + i, col, d)
                for j, s in enumerate(earnings):
                    w.put(top + 2 + i, col + 1 + j, dict(s.points).get(d))
            bc = BarChart()
            bc.title = "Earnings in each conversion (Dec 31: still unconverted)"
            bc.y_axis.title = "USD"
            bc.y_axis.numFmt = "#,##0.00"
            bc.x_axis.number_format = "mm-dd"
            bc.add_data(Reference(w.ws, min_col=col + 1, max_col=col + len(earnings), min_row=top + 1,
                                  max_row=top + 1 + len(days)), titles_from_data=True)
            bc.set_categories(Reference(w.ws, min_col=col, min_row=top + 2, max_row=top + 1 + len(days)))
            charts.append(bc)
        col = 1
        for chart in charts:
            chart.height, chart.width = CHART_CM  # float-ok: chart size in cm
            w.ws.add_chart(chart, f"{get_column_letter(col)}3")
            col = column_after(w, col, CHART_CM[1] + 0.5)  # float-ok: cm
        w.finish(freeze="A2", note=self.header)

    # -- Capacity plan
    def capacity(self) -> None:
        w = Writer(self.sheets["Capacity plan"])
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
                    self.capacity_cells[plans[j].label] = cell_ref(w.ws.title, 2 + j, 2 + i)
        notes = [f"{c.label}: {n}" for c in plans for n in c.notes]
        put_notes(w, len(table) + 3, notes)
        w.widths[1] = min(w.widths.get(1, 8), MAX_WIDTH)
        w.wrapped.discard(1)
        w.finish(freeze="B2", landscape=False, note=self.header)

    # -- Limits
    def limits(self) -> None:
        w = Writer(self.sheets["Limits"])
        heads = ["Id", "Limit", "Code section", "Value", "Source", "Note"]
        w.header(1, heads)
        for i, lim in enumerate(self.p.limits):
            vals = [lim.id, lim.label, lim.code_section, lim.shown if lim.value is not None else "n/a",
                    lim.source, lim.note]
            for j, v in enumerate(vals):
                w.put(2 + i, 1 + j, v)
        w.ws.auto_filter.ref = f"A1:F{max(1 + len(self.p.limits), 2)}"
        w.finish(freeze="A2", note=self.header)

    # -- Ledger
    def ledger(self) -> None:
        w = Writer(self.sheets["Ledger"])
        self._table(w, put_table(w, ledger_table(self.p.ledger)))
        w.finish(freeze="A2", note=self.header)

    def _table(self, w: Writer, body: FastRows | None) -> None:
        if body is not None:
            self.bodies[w.ws] = body
