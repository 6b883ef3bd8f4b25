"""Form 5329 Parts I, III and IV as a worksheet: one form per person and year, from `rules.f5329`.

Each line with its label, value, the rows or lines it comes from and its expression; Part II and
Parts V-IX (plans' RMDs, education and health accounts) are not the ledger's business and are not
shown. The grid `early` lists each distribution Part I looked at, early or not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.money import ZERO, fmt
from ..rules.f5329 import LINES, PARTS, ROTH_VALUE, TRAD_VALUE
from .model import Grid, Line, Worksheet

if TYPE_CHECKING:
    from ..rules.f5329 import Year5329

VALUE_LABELS = {TRAD_VALUE: "Traditional IRAs on Dec 31, with contributions for the year made after it (line 17)",
                ROTH_VALUE: "Roth IRAs on Dec 31, with contributions for the year made after it (line 25)"}
PART_TITLES = {"I": "Part I: additional tax on early distributions",
               "III": "Part III: additional tax on excess contributions to traditional IRAs",
               "IV": "Part IV: additional tax on excess contributions to Roth IRAs"}


def worksheet_5329(years: list[Year5329]) -> Worksheet:
    """The last of `years` (Form 5329 of each year through the one asked, oldest first) as a worksheet."""
    r = years[-1]
    ws = Worksheet(id="5329", title=f"Form 5329 {r.year} ({r.person})", year=r.year, person=r.person)
    for d in LINES:
        v = r.lines[d.id]
        ws.lines.append(Line(d.id, d.label, v, list(r.inputs.get(d.id, [])) if v else [], d.formula, d.kind, d.expr))
    early = Grid("Distributions Part I looked at", ["date", "account", "kind", "amount", "taxable", "recapture",
                                                     "early", "subject", "line1", "why", "row"],
                 ["date", "text", "text", "money", "money", "money", "bool", "bool", "money", "text", "text"],
                 totals=["line1"])
    for i in r.early:
        early.rows.append([i.date, i.account, i.kind, i.amount, i.taxable, i.recapture, i.early, i.subject, i.line1,
                           i.why, i.ref])
    ws.grids["early"] = early
    values = Grid("Dec 31 values lines 17 and 25 read", ["name", "value_of", "amount"], ["text", "text", "money"])
    reads = {TRAD_VALUE: "17", ROTH_VALUE: "25"}
    values.rows = [[k, VALUE_LABELS.get(k, k), v] for k, v in r.values.items() if r.lines.get(reads.get(k, "")) is not None]
    if values.rows:
        ws.grids["values"] = values
    ws.notes = list(r.notes)
    if not r.has_something():
        ws.notes.insert(0, f"No additional tax for {r.year}: nothing taxable from an early distribution and no excess "
                           f"IRA contribution in the ledger, so Form 5329 is not needed for these parts")
    elif total_tax(ws) == 0:
        ws.notes.insert(0, f"No additional tax for {r.year} (lines 4, 17 and 25 are 0)")
    return ws


def total_tax(ws: Worksheet) -> Any:
    """Lines 4 + 17 + 25: the year's additional taxes of these parts."""
    return sum((v for v in (ws.value("4"), ws.value("17"), ws.value("25")) if v is not None and not isinstance(v, str)),
               ZERO)


def part_lines(ws: Worksheet, part: str) -> list[Line]:
    """The worksheet's lines of one part ("I", "III", "IV")."""
    return [ln for ln in ws.lines if ln.id in PARTS[part]]


def has_something(ws: Worksheet) -> bool:
    """Whether the form has something to say: a line neither blank nor 0."""
    return any(ln.value for ln in ws.lines)


def as_json(ws: Worksheet) -> dict[str, Any]:
    """The contract JSON: {"year", "person", "lines": {"1": ..., "25": ...}} plus the additional tax, the
    distributions Part I looked at and the notes."""
    return {
        "year": ws.year,
        "person": ws.person,
        "lines": {ln.id: ln.json_value() for ln in ws.lines},
        "additional_tax": fmt(total_tax(ws)),
        "early_distributions": ws.grids["early"].as_json(),
        "notes": ws.notes,
    }
