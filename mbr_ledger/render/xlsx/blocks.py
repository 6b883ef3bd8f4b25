"""Blocks of a sheet: a grid with its totals, notes, and form lines written as live formulas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.utils import get_column_letter

from ...core.formula import excel
from ...forms.model import Grid, Line, Worksheet
from ...forms.packet import compact_refs
from .cells import MONEY, ROW_HEIGHT, WRAP, Writer, cell_ref, is_number, put_text, ratio_format


@dataclass
class Placed:
    """Where a grid landed: its data rows, the column letter of each column, the cell of each total."""

    first: int
    last: int
    letters: dict[str, str]
    totals: dict[str, str]

    def column(self, name: str) -> str:
        col = self.letters[name]
        return f"${col}${self.first}:${col}${self.last}"


def put_grid(w: Writer, top: int, grid: Grid, title: str = "") -> tuple[int, Placed]:
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
    placed = Placed(first, last, {c: get_column_letter(j + 1) for j, c in enumerate(grid.columns)}, {})
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
            total = sum((v for v in (row[j - 1] for row in grid.rows) if isinstance(v, Decimal)), Decimal(0))
            w.formula(tr, j, f"=SUM({letter}{first}:{letter}{last})", bold=True, width=len(f"{total:,.2f}") + 1)
            placed.totals[c] = f"{letter}{tr}"
        last = tr
    return last + 2, placed


def put_notes(w: Writer, top: int, notes: list[str], title: str = "Notes") -> int:
    if not notes:
        return top
    w.title(top, title)
    for i, n in enumerate(notes):
        put_text(w.ws.cell(row=top + 1 + i, column=1), n)
    return top + len(notes) + 2



def span_notes(w: Writer, top: int, count: int, last_col: int) -> None:
    """The `count` note rows from `top` (as put_notes wrote them) each merged across columns 1 to
    `last_col` and wrapped there, so that a long note neither runs past the block when printed nor
    widens the printed page. Call after `w.finish()`, once the column widths are set."""
    chars = sum(w.widths.get(c, 8) for c in range(1, last_col + 1)) * 11 // 10
    for r in range(top, top + count):
        cell = w.ws.cell(row=r, column=1)
        text = str(cell.value or "")
        cell.alignment = WRAP
        w.ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last_col)
        lines = sum(max(1, -(-len(part) // max(chars, 1))) for part in text.split("\n"))
        if lines > 1:
            w.ws.row_dimensions[r].height = min(ROW_HEIGHT * lines, 409)


def ordered(grids: dict[str, Grid], first: list[str]) -> list[tuple[str, Grid]]:
    names = [n for n in first if n in grids] + [n for n in grids if n not in first]
    return [(n, grids[n]) for n in names]


def _number_format(ln: Line) -> str:
    if ln.kind == "ratio" and isinstance(ln.value, str) and is_number(ln.value):
        return ratio_format(Decimal(ln.value))
    return MONEY


def form_lines(w: Writer, top: int, ws: Worksheet, outside: Callable[[str], str | None] | None = None,
               col: int = 1) -> tuple[int, dict[str, str]]:
    """Form lines: Line | Description | Amount | How | From, from column `col`. A computed line's amount
    is its expression as a live formula over the cells of the lines it names (`outside` gives the cells
    of other names: another sheet's lines, a grid's columns); a line from a source, or one whose names
    have no cell, shows its value. Returns the next row and each line's cell (usable from any sheet)."""
    w.header(top, ["Line", "Description", "Amount", "How", "From"], col)
    letter = get_column_letter(col + 2)
    cells: dict[str, str] = {ln.id: f"{letter}{top + 1 + i}" for i, ln in enumerate(ws.lines)}

    def cell(name: str) -> str | None:
        if name.startswith("L") and "." not in name:
            return cells.get(name[1:])
        return outside(name) if outside is not None else None

    for i, ln in enumerate(ws.lines):
        r = top + 1 + i
        w.put(r, col, ln.id, bold=True)
        w.put(r, col + 1, ln.label)
        text = excel(ln.expr, cell) if ln.expr and ln.value is not None else None
        if text is not None:
            w.formula(r, col + 2, "=" + text, _number_format(ln))
        else:
            w.put(r, col + 2, ln.value, ln.kind)
        w.put(r, col + 3, ln.formula)
        w.put(r, col + 4, compact_refs(ln.inputs))
    refs = {k: cell_ref(w.ws.title, col + 2, top + 1 + i) for i, k in enumerate(cells)}
    return top + len(ws.lines) + 2, refs
