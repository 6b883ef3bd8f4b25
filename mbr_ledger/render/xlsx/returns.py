"""The workbook's sheets for the household return and Form 5329, each only when it has something to say:
the joint return's Form 1040 lines (both spouses) and Form 5329's filled parts."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ...forms.model import Grid
from .blocks import Placed, form_lines, put_grid, put_notes
from .cells import Writer

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet as Sheet

    from .book import Book

HOUSEHOLD_SHEET = "Household return"
F5329_SHEET = "Form 5329"
AFTER = ("Form 8606 line 6", "Form 8606")  # the new sheets follow the first of these the workbook has


def _new_sheet(book: Book, title: str) -> Sheet:
    names = book.wb.sheetnames
    after = next((n for n in AFTER if n in names), names[-1])
    taken = [n for n in (HOUSEHOLD_SHEET, F5329_SHEET) if n in names]
    sheet = book.wb.create_sheet(title, index=names.index(after) + 1 + len(taken))
    book.sheets[title] = sheet
    return sheet


def household_sheet(book: Book) -> None:
    """The joint return's Form 1040 lines 4a-5b, each filer's amounts and the rollover boxes."""
    ws = book.p.household()
    if ws is None:
        return
    w = Writer(_new_sheet(book, HOUSEHOLD_SHEET))
    w.title(1, f"Household return: {ws.title}")
    top = 3
    r, _ = form_lines(w, top, replace(ws, lines=[replace(ln, expr="") for ln in ws.lines]))
    r, spouses = put_grid(w, r, ws.grids["by_person"], ws.grids["by_person"].title)
    for i, ln in enumerate(ws.lines):  # each line is the total of the filers' amounts, live
        if ln.id in spouses.totals:
            w.formula(top + 1 + i, 3, f"={spouses.totals[ln.id]}")
    r, _ = put_grid(w, r, ws.grids["rollover"], ws.grids["rollover"].title)
    put_notes(w, r, ws.notes)
    w.finish(freeze="A2", note=book.header)


def form_5329_sheet(book: Book) -> None:
    """Form 5329's filled lines as live formulas (line 17 and 25 read the Dec 31 values below them) and
    the distributions Part I looked at."""
    ws = book.p.form_5329()
    if ws is None:
        return
    w = Writer(_new_sheet(book, F5329_SHEET))
    w.title(1, f"Form 5329, {book.p.title}")
    filled = replace(ws, lines=[ln for ln in ws.lines if ln.value is not None])
    top = 3
    r = top + len(filled.lines) + 2
    values = ws.grids.get("values") or Grid("", ["name", "value_of", "amount"], ["text", "text", "money"])
    if values.rows:
        r, at = put_grid(w, r, values, values.title)
    else:
        at = Placed(r, r, {"amount": "C"}, {})

    def outside(name: str, at: Placed = at) -> str | None:
        names = [row[0] for row in values.rows]
        if name not in names:
            return None
        return f"{at.letters['amount']}{at.first + names.index(name)}"

    form_lines(w, top, filled, outside)
    r, _ = put_grid(w, r, ws.grids["early"], "Distributions Part I looked at")
    put_notes(w, r, ws.notes)
    w.finish(freeze="A2", note=book.header)
