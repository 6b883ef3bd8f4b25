"""Tables of many rows, each on a sheet of its own: a header row, the rows, a totals row of
`SUBTOTAL(9, ...)` formulas (the sum of the rows the filter shows), an auto filter, and the header
frozen and printed on every page.

The rows go one of two ways, chosen by `tuning.workbook.FAST_TABLES`: the plain definition, every
cell through `Writer.put`, or the fast path (`sheet_xml.FastRows`), which must give the same
workbook cell for cell. A table whose values the fast path cannot write exactly goes the plain way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from openpyxl.utils import get_column_letter

from ...core.money import from_cents
from ...forms.model import Grid
from ...forms.packet import LEDGER_COLUMNS
from ...tuning import workbook as tuning
from .cells import LEDGER_HEADS, Writer, show
from .sheet_xml import FastRows, fits


@dataclass
class Table:
    heads: list[str]
    kinds: list[str]                                  # each column's kind as `Writer.put` takes it
    count: int                                        # rows
    rows: Callable[[], Iterable[Sequence[Any]]]       # the rows' values as `Writer.put` takes them
    frame: pl.DataFrame | None = None                 # the same rows for the fast path, if it can write them
    frame_kinds: list[str] = field(default_factory=list)  # each frame column's kind (`sheet_xml.KINDS`)
    totals: list[str] = field(default_factory=list)   # heads of the columns with a total
    label_col: int | None = None                      # where the totals row says what it is


def ledger_table(frame: pl.DataFrame) -> Table:
    """The packet's ledger rows (`LEDGER_COLUMNS`, money in integer cents)."""
    money = {"amount", "basis", "taxable"}
    kinds = ["money" if c in money else "text" if t == pl.String else "date" if t == pl.Date else "count"
             for c, t in LEDGER_COLUMNS.items()]
    cents = [c in money for c in LEDGER_COLUMNS]

    def rows() -> Iterable[Sequence[Any]]:
        for row in frame.iter_rows():
            yield [from_cents(v) if m and v is not None else v for v, m in zip(row, cents, strict=True)]

    return Table(list(LEDGER_HEADS), kinds, frame.height, rows, frame.select(list(LEDGER_COLUMNS)), kinds,
                 totals=["Amount"], label_col=LEDGER_HEADS.index("Source") + 1)


def grid_table(grid: Grid) -> Table:
    """A grid of a worksheet; its frame column by column where every value has the fast path's kind."""
    label_col = next((j + 1 for j, (c, k) in enumerate(zip(grid.columns, grid.kinds, strict=True))
                      if c not in grid.totals and k not in ("money", "date", "count", "ratio")), None)
    table = Table(list(grid.columns), list(grid.kinds), len(grid.rows), lambda: grid.rows,
                  totals=[c for c in grid.totals if c in grid.columns], label_col=label_col)
    columns: dict[str, pl.Series] = {}
    for j, kind in enumerate(grid.kinds):
        got = _series(f"c{j}", kind, [row[j] for row in grid.rows])
        if got is None:
            return table
        columns[f"c{j}"], k = got
        table.frame_kinds.append(k)
    table.frame = pl.DataFrame(columns) if columns else None
    return table


def _series(name: str, kind: str, values: list[Any]) -> tuple[pl.Series, str] | None:
    """One grid column as the fast path holds it, with its kind, as `Writer.put` would write each value;
    None when it cannot hold them (a ratio, a datetime, more than a cent's places, mixed kinds)."""
    if kind == "ratio":
        return None
    types = set(map(type, values)) - {type(None)}
    if str in types and len(types) > 1:
        values = [None if isinstance(v, str) and v == "" else v for v in values]  # "" is no cell, like None
        types = set(map(type, values)) - {type(None)}
    if types == {Decimal}:
        cents = _cents(values)
        return None if cents is None else (pl.Series(name, cents, pl.Int64), "money")
    if types == {dt.date}:
        return pl.Series(name, values, pl.Date), "date"
    if types == {int}:
        return pl.Series(name, values, pl.Int64), "count"
    if types & {Decimal, dt.date, dt.datetime, int}:
        return None
    if types <= {str}:
        return pl.Series(name, values, pl.String), "text"
    return pl.Series(name, [None if v is None else v if isinstance(v, str) else show(v) for v in values],
                     pl.String), "text"


def _cents(values: list[Decimal | None]) -> list[int | None] | None:
    """Each amount in integer cents; None if one has more places (or is not a number)."""
    out: list[int | None] = []
    try:
        for v in values:
            if v is None:
                out.append(None)
                continue
            x = v.scaleb(2)
            i = int(x)
            if x != i:
                return None
            out.append(i)
    except (ValueError, OverflowError):
        return None
    return out


def put_table(w: Writer, table: Table, fast: bool | None = None) -> FastRows | None:
    """The table from the sheet's first row. Returns the rows to splice in after saving if they go the
    fast way (`fast`, by default `tuning.workbook.FAST_TABLES`)."""
    fast = tuning.FAST_TABLES if fast is None else fast
    w.header(1, table.heads)
    last = 1 + table.count
    w.ws.auto_filter.ref = f"A1:{get_column_letter(len(table.heads))}{max(last, 2)}"
    if not table.count:
        w.put(2, 1, "(none)")
        return None
    if table.totals:
        if table.label_col is not None:
            w.put(last + 1, table.label_col, "Total shown", bold=True)
        for head in table.totals:
            j = table.heads.index(head) + 1
            letter = get_column_letter(j)
            w.formula(last + 1, j, f"=SUBTOTAL(9,{letter}2:{letter}{last})", bold=True)
    if fast and table.frame is not None and fits(table.frame, table.frame_kinds):
        body = FastRows(w, 2, table.frame, table.frame_kinds)
        body.measure()
        w.elsewhere = (2, last)
        return body
    for i, row in enumerate(table.rows()):
        for j, (kind, value) in enumerate(zip(table.kinds, row, strict=True)):
            w.put(2 + i, j + 1, value, kind)
    return None
