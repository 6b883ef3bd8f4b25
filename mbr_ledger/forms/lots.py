"""The after-tax lots and conversions of a year as a worksheet (`mbr worksheet lots`)."""

from __future__ import annotations

import datetime as dt

from ..core.money import ZERO
from ..rules.history import AfterTaxHistory, refs_text
from .model import Grid, Line, Worksheet


def lots_worksheet(hist: AfterTaxHistory, year: int) -> Worksheet:
    """The after-tax lots and conversions of `year` as a worksheet.

    Grid `lots`: every lot contributed in `year`, or contributed earlier and still open on Jan 1.
    Grid `conversions`: every move out of an after-tax source in `year`, with basis, earnings and
    the taxable part. Lines per plan: contributed, earnings, moved out, and what is left at Dec 31.
    """
    person = hist.person
    ws = Worksheet(id="lots", title=f"After-tax lots and conversions {year} ({person})", year=year, person=person)
    jan1, dec31 = dt.date(year, 1, 1), dt.date(year, 12, 31)
    lots = Grid("After-tax lots", ["plan", "contributed_on", "basis", "converted_on", "days", "earnings",
                                   "destination", "status", "row", "conversion_row"],
                ["text", "date", "money", "date", "count", "money", "text", "text", "text", "text"],
                totals=["basis", "earnings"])
    for lot in hist.lots():
        if lot.contributed_on.year > year:
            continue
        if lot.contributed_on < jan1 and lot.converted_on is not None and lot.converted_on < jan1:
            continue
        status = "converted" if lot.converted_on else ("partly converted" if lot.remaining < lot.amount else "open")
        lots.rows.append([lot.plan, lot.contributed_on, lot.amount, lot.converted_on, lot.days_open(dec31),
                          lot.earnings, lot.destination or "", status, lot.ref, lot.conversion_ref or ""])
    conv = Grid("Conversions, rollovers and distributions of after-tax money",
                ["plan", "date", "kind", "destination", "landing", "amount", "basis", "earnings", "taxable",
                 "split_group", "rows"],
                ["text", "date", "text", "text", "text", "money", "money", "money", "money", "text", "text"],
                totals=["amount", "basis", "earnings", "taxable"])
    for m in hist.moves(year=year):
        conv.rows.append([m.plan, m.date, m.kind, m.destination, m.landing or "", m.amount, m.basis, m.earnings,
                          m.taxable, m.split_group or "", refs_text(m.refs)])
    ws.grids["lots"] = lots
    ws.grids["conversions"] = conv
    shown = 0
    for pid, ph in hist.plans.items():
        ye = ph.unconverted(year)
        moved = [m for m in ph.moves if m.year == year]
        refs = [m.ref for m in moved]
        if year not in ph.contributed and year not in ph.earned and not moved and ye.value == ZERO:
            continue  # no after-tax money in the plan this year: nothing to list, not a line of zeros
        shown += 1
        ws.lines += [
            Line(f"{pid}.contributed", f"{pid}: after-tax contributions in {year}", ph.contributed.get(year, ZERO)),
            Line(f"{pid}.earnings", f"{pid}: earnings booked on the after-tax source in {year}",
                 ph.earned.get(year, ZERO)),
            Line(f"{pid}.moved", f"{pid}: moved out in {year} (IRRs, rollovers, distributions)",
                 sum((m.amount for m in moved), ZERO), refs),
            Line(f"{pid}.moved_basis", f"{pid}: basis in it (1099-R box 5)", sum((m.basis for m in moved), ZERO), refs),
            Line(f"{pid}.moved_taxable", f"{pid}: taxable earnings in it (1099-R box 2a)",
                 sum((m.taxable for m in moved), ZERO), refs),
            Line(f"{pid}.unconverted_basis", f"{pid}: after-tax basis still in the plan at Dec 31", ye.basis),
            Line(f"{pid}.unconverted_earnings", f"{pid}: earnings still in the plan at Dec 31 (taxable when moved)",
                 ye.earnings),
        ]
    if not shown:
        ws.notes.append(f"No after-tax money in any plan of {hist.person} in {year}: no deposit, earnings, move or "
                        f"balance of an after-tax source.")
    ws.notes += hist.all_notes(year)
    ws.notes.append("Lots leave the source first in, first out; the tax split of every move is pro rata over "
                    "the whole after-tax source (sections 72(e)(8) and 72(d)(2)).")
    return ws


