"""The packet's charts as reportlab drawings, for the PDF.

The series come ready-made in `Packet.charts` (forms/packet.py); this module only draws them.
Amounts become floats here for plotting and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.lib import colors

from ..forms.packet import LimitBar, Series

PALETTE = [colors.HexColor("#1F4E79"), colors.HexColor("#C55A11"), colors.HexColor("#548235"),
           colors.HexColor("#7030A0"), colors.HexColor("#BF9000")]
LIMIT_COLOR = colors.HexColor("#A6A6A6")
STATUS_COLOR = {"fail": colors.HexColor("#C00000"), "warn": colors.HexColor("#BF9000"),
                "ok": colors.HexColor("#548235"), "info": colors.HexColor("#1F4E79")}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _f(value: Decimal) -> float:  # float-ok: a plotting coordinate, never money arithmetic
    return float(value)  # float-ok


def _thousands(v: float) -> str:  # float-ok: axis label
    return f"{v:,.0f}"


def _title(d: Drawing, text: str, width: int, height: int) -> None:
    d.add(String(width / 2, height - 14, text, fontName="Helvetica-Bold", fontSize=10, textAnchor="middle"))


def _axes(d: Drawing, x: tuple[float, float, str], y: tuple[float, float, str] | None = None) -> None:  # float-ok
    """Axis titles with their units: `x` (centre x, y, text) under the x axis, `y` (x, centre y, text)
    turned along the y axis."""
    d.add(String(x[0], x[1], x[2], fontName="Helvetica", fontSize=7, textAnchor="middle"))
    if y is not None:
        label = String(0, 0, y[2], fontName="Helvetica", fontSize=7, textAnchor="middle")
        group = Group(label)
        group.transform = (0, 1, -1, 0, y[0], y[1])  # a quarter turn: read from bottom to top
        d.add(group)


def limits_chart(bars: list[LimitBar], width: int = 500) -> Drawing:
    """Horizontal bars: each limit (grey) beside what was contributed against it (by status colour)."""
    n = len(bars)
    height = 76 + 26 * n
    d = Drawing(width, height)
    _title(d, "Contributions against each limit", width, height)
    c = HorizontalBarChart()
    c.x, c.y = 150, 42
    c.width, c.height = width - 170, height - 82
    c.data = [[_f(b.limit) for b in bars], [_f(b.amount) for b in bars]]
    c.categoryAxis.categoryNames = [b.label for b in bars]
    c.categoryAxis.labels.fontSize = 7
    c.categoryAxis.labels.boxAnchor = "e"
    c.categoryAxis.reverseDirection = 1
    c.valueAxis.valueMin = 0
    c.valueAxis.valueMax = _f(max(max(b.limit, b.amount) for b in bars)) * 1.1  # float-ok: axis headroom
    c.valueAxis.labels.fontSize = 7
    c.valueAxis.labelTextFormat = _thousands
    c.bars.strokeColor = None
    c.barSpacing = 1
    c.groupSpacing = 6
    c.bars[0].fillColor = LIMIT_COLOR
    c.bars[1].fillColor = PALETTE[0]
    for i, b in enumerate(bars):
        c.bars[(1, i)].fillColor = STATUS_COLOR.get(b.status, PALETTE[0])
    d.add(c)
    _axes(d, (c.x + c.width / 2, 24, "USD contributed in the year, and the limit"))
    statuses = [s for s in ("ok", "info", "warn", "fail") if any(b.status == s for b in bars)]
    d.add(_legend(150, 6, 110,
                  [(LIMIT_COLOR, "limit")] + [(STATUS_COLOR[s], f"contributed: {s}") for s in statuses]))
    return d


def _day(d: dt.date) -> int:
    return d.timetuple().tm_yday


def balance_chart(series: list[Series], year: int, width: int = 500, height: int = 200) -> Drawing:
    """The after-tax source balance of each plan over the year, as steps (balances change on a day)."""
    d = Drawing(width, height)
    _title(d, f"After-tax balance over {year}", width, height)
    lp = LinePlot()
    lp.x, lp.y = 60, 45
    lp.width, lp.height = width - 80, height - 80
    data = []
    for s in series:
        pts: list[tuple[int, float]] = []  # float-ok: plotting coordinates
        for day, amount in s.points:
            x = _day(day)
            if pts:
                pts.append((x, pts[-1][1]))  # hold the previous balance until this day: a step
            pts.append((x, _f(amount)))
        data.append(pts)
    lp.data = data
    last = _day(dt.date(year, 12, 31))
    lp.xValueAxis.valueMin = 1
    lp.xValueAxis.valueMax = last
    lp.xValueAxis.valueSteps = [_day(dt.date(year, m, 1)) for m in range(1, 13)]
    lp.xValueAxis.labelTextFormat = lambda v: MONTHS[dt.date.fromordinal(
        dt.date(year, 1, 1).toordinal() + int(v) - 1).month - 1]
    lp.xValueAxis.labels.fontSize = 7
    lp.yValueAxis.valueMin = 0
    lp.yValueAxis.labelTextFormat = _thousands
    lp.yValueAxis.labels.fontSize = 7
    for i in range(len(series)):
        lp.lines[i].strokeColor = PALETTE[i % len(PALETTE)]
        lp.lines[i].strokeWidth = 1.5  # float-ok: line width
    d.add(lp)
    _axes(d, (lp.x + lp.width / 2, 26, f"month of {year}"), (14, lp.y + lp.height / 2, "balance, USD"))
    d.add(_legend(60, 8, 90, [(PALETTE[i % len(PALETTE)], s.name) for i, s in enumerate(series)]))
    return d


def earnings_chart(series: list[Series], year: int, width: int = 500, height: int = 210) -> Drawing:
    """Earnings the after-tax source made before each conversion; the Dec 31 bar was never converted."""
    d = Drawing(width, height)
    _title(d, "Earnings in each conversion or rollover (a Dec 31 bar: still unconverted at year end)", width,
           height)
    days = sorted({day for s in series for day, _ in s.points})
    c = VerticalBarChart()
    c.x, c.y = 60, 60
    c.width, c.height = width - 80, height - 95
    data = []
    for s in series:
        by_day = dict(s.points)
        data.append([_f(by_day[day]) if day in by_day else None for day in days])
    c.data = data
    c.categoryAxis.categoryNames = [day.strftime("%m-%d") for day in days]
    c.categoryAxis.labels.angle = 90
    c.categoryAxis.labels.boxAnchor = "e"
    c.categoryAxis.labels.fontSize = 6
    c.valueAxis.valueMin = 0
    c.valueAxis.labels.fontSize = 7
    c.valueAxis.labelTextFormat = lambda v: f"{v:,.2f}"
    c.groupSpacing = 2
    c.barSpacing = 0
    c.bars.strokeColor = None
    for i in range(len(series)):
        c.bars[i].fillColor = PALETTE[i % len(PALETTE)]
    d.add(c)
    _axes(d, (c.x + c.width / 2, 22, "date of the conversion or rollover (month-day)"),
          (14, c.y + c.height / 2, "earnings, USD"))
    d.add(_legend(60, 8, 90, [(PALETTE[i % len(PALETTE)], s.name) for i, s in enumerate(series)]))
    return d


def _legend(x: int, y: int, deltax: int, pairs: list[tuple[Any, str]]) -> Legend:
    """One row of coloured keys under a chart."""
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = deltax
    legend.colorNamePairs = pairs
    return legend
