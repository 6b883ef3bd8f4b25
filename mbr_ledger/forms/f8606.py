"""Form 8606 (nondeductible IRAs), Parts I-III, as a worksheet (docs/rules.md section 6).

One form per person and year, from the basis engine's result (`rules.basis`) and the line
definitions (`rules.form8606`): each line with its label, value, the ledger rows or lines it comes
from, and the expression it is computed by (the workbook writes it as a live formula). Line 10 is
written as a string ("0.99649", "1.000"); blank lines (not reached, or not tracked: 15b, 20, 25b)
are None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.money import fmt
from ..rules.basis import Year8606
from ..rules.form8606 import LINES
from ..rules.history import refs_text
from .model import Grid, Line, Worksheet

if TYPE_CHECKING:
    from ..rules.facts import PersonYear


def worksheet_of(r: Year8606) -> Worksheet:
    """Form 8606 Parts I-III of one engine year as a worksheet: lines "1".."25c" (None = blank),
    grids `carry_forward`, `roth_layers` and `line6` (the Dec 31 value of each traditional IRA), notes."""
    ws = Worksheet(id="8606", title=f"Form 8606 {r.year} ({r.person})", year=r.year, person=r.person)
    for d in LINES:
        v = r.lines[d.id]
        how = r.overrides.get(d.id)  # a value from Pub. 590-B Worksheet 1-1: written as a value, not a formula
        ws.lines.append(Line(d.id, d.label, v, r.inputs.get(d.id, []) if v is not None else [], how or d.formula,
                             d.kind, "" if how else d.expr))
    cf = Grid("Carried to next year", ["key", "label", "value"], ["text", "text", "money"])
    cf.rows = [
        ["traditional_ira_basis", f"Traditional IRA basis (line 14 -> {r.year + 1} line 2)",
         r.carry.traditional_ira_basis],
        ["roth_contribution_basis", "Roth IRA contribution basis (line 22)", r.carry.roth_contribution_basis],
        ["roth_conversion_basis", "Roth IRA conversion and rollover basis (line 24)", r.carry.roth_conversion_basis],
    ]
    ws.grids["carry_forward"] = cf
    layers = Grid("Roth IRA conversion and rollover layers (5-year clocks)",
                  ["year", "date", "kind", "origin", "amount", "taxable", "nontaxable", "remaining", "clock_start",
                   "clock_end", "row"],
                  ["count", "date", "text", "text", "money", "money", "money", "money", "date", "date", "text"],
                  totals=["amount", "taxable", "nontaxable", "remaining"])
    for x in r.carry.layers:
        layers.rows.append([x.year, x.date, x.kind, x.origin, x.amount, x.taxable, x.nontaxable, x.remaining,
                            x.clock_start, x.clock_end, x.ref])
    ws.grids["roth_layers"] = layers
    l6 = Grid("Line 6: traditional, SEP and SIMPLE IRAs on Dec 31", ["account", "value", "from", "row"],
              ["text", "money", "text", "text"], totals=["value"])
    for d31 in r.ira.dec31:
        l6.rows.append([d31.account, d31.value, "estimated from the ledger" if d31.estimated else "balance row",
                        d31.ref or ""])
    ws.grids["line6"] = l6
    ws.notes = list(r.notes)
    if r.ira.rollovers_in:
        refs = refs_text([m.ref for m in r.ira.rollovers_in])
        ws.notes.append(f"Plan money that reached the IRAs in {r.year}: {refs}")
    return ws


def worksheet_8606(facts: PersonYear) -> Worksheet:
    """Form 8606 of the person and year of `facts`."""
    return worksheet_of(facts.f8606)


def as_json(ws: Worksheet) -> dict[str, Any]:
    """The contract JSON: {"year", "person", "lines": {...}, "carry_forward": {...}} plus layers and notes."""
    cf: dict[str, Any] = {row[0]: fmt(row[2]) for row in ws.grids["carry_forward"].rows}
    cf["roth_layers"] = ws.grids["roth_layers"].as_json()
    return {
        "year": ws.year,
        "person": ws.person,
        "lines": {ln.id: ln.json_value() for ln in ws.lines},
        "carry_forward": cf,
        "line6": ws.grids["line6"].as_json(),
        "notes": ws.notes,
    }
