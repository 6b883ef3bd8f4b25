"""Form 8606 (nondeductible IRAs), Parts I-III, line by line from the ledger (tax-rules.md section 6).

One form per person and year. The basis carries forward without retyping: the program computes
every year from the person's first year (`first_year` in mbr.toml, else the first year the ledger
holds) to the year asked for, so last year's line 14 becomes this year's line 2, and the Roth IRA
contribution basis (line 22) and conversion/rollover basis (line 24, one layer per conversion or
rollover with its 5-year clock) accumulate. A first year with earlier basis takes it from
`prior_ira_basis`, `prior_roth_contribution_basis` and `prior_roth_conversion_basis`.

Line 10 is rounded half-up to 5 decimal places (the form asks for at least 3) and written as a
string ("0.99649"); 1.000 or more is entered as "1.000". Lines 11 and 12 are rounded half-up to
the cent and kept within line 5 together, so line 14 can never go below zero however the ratio
rounds. Blank lines (not reached, or not tracked by the ledger: 15b, 20, 25b) are None.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core.errors import MbrError
from ..core.money import ZERO, fmt, round_cents
from ..rules.lots import (
    ROTH_IRA,
    TRADITIONAL_IRA,
    IraMoves,
    IraYear,
    Move,
    RothLayer,
    allocate,
    consume_roth,
    first_year_in_ledger,
    fmt_m,
    ira_moves,
    ira_rows,
    ira_year,
    ratio_places,
    refs_text,
    under_59_half,
)
from .model import Grid, Line, Worksheet

if TYPE_CHECKING:
    from ..ledger.store import Ledger
    from ..profile import Profile

RATIO_PLACES = 5
ONE = Decimal("1")

LINE_IDS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15a", "15b", "15c",
            "16", "17", "18", "19", "20", "21", "22", "23", "24", "25a", "25b", "25c"]

LABELS = {
    "1": "Nondeductible contributions to traditional IRAs for the year (incl. Jan 1-Apr 15 of the next year)",
    "2": "Total basis in traditional IRAs (last year's line 14)",
    "3": "Add lines 1 and 2",
    "4": "Contributions on line 1 made Jan 1-Apr 15 of the next year",
    "5": "Line 3 minus line 4",
    "6": "Value of all traditional, SEP and SIMPLE IRAs on Dec 31 (plus outstanding rollovers)",
    "7": "Distributions from traditional, SEP and SIMPLE IRAs (not rollovers or conversions)",
    "8": "Net amount converted to Roth IRAs",
    "9": "Add lines 6, 7 and 8",
    "10": "Divide line 5 by line 9 (at least 3 places; 1.000 at most)",
    "11": "Line 8 x line 10: nontaxable part of the conversions",
    "12": "Line 7 x line 10: nontaxable part of the distributions",
    "13": "Add lines 11 and 12",
    "14": "Total basis in traditional IRAs (line 3 minus line 13; next year's line 2)",
    "15a": "Line 7 minus line 12",
    "15b": "Part of line 15a from qualified disaster distributions (not tracked)",
    "15c": "Taxable amount of the distributions (Form 1040 line 4b)",
    "16": "Amount converted from traditional, SEP and SIMPLE IRAs to Roth IRAs",
    "17": "Basis in the amount converted (line 11)",
    "18": "Taxable amount of the conversions (Form 1040 line 4b)",
    "19": "Nonqualified distributions from Roth IRAs",
    "20": "Qualified first-time homebuyer expenses (not tracked)",
    "21": "Line 19 minus line 20",
    "22": "Basis in Roth IRA contributions",
    "23": "Line 21 minus line 22",
    "24": "Basis in conversions and in rollovers from qualified plans to Roth IRAs",
    "25a": "Line 23 minus line 24",
    "25b": "Part of line 25a from qualified disaster distributions (not tracked)",
    "25c": "Taxable amount of the Roth IRA distributions (Form 1040 line 4b)",
}

FORMULAS = {
    "3": "line 1 + line 2", "5": "line 3 - line 4", "9": "line 6 + line 7 + line 8",
    "10": "line 5 / line 9", "11": "line 8 x line 10", "12": "line 7 x line 10", "13": "line 11 + line 12",
    "14": "line 3 - line 13", "15a": "line 7 - line 12", "15c": "line 15a - line 15b", "16": "line 8",
    "17": "line 11", "18": "line 16 - line 17", "21": "line 19 - line 20", "23": "line 21 - line 22",
    "25a": "line 23 - line 24", "25c": "line 25a - line 25b",
}

LINE_INPUTS = {
    "3": ["1", "2"], "5": ["3", "4"], "9": ["6", "7", "8"], "10": ["5", "9"], "11": ["8", "10"],
    "12": ["7", "10"], "13": ["11", "12"], "14": ["3", "13"], "15a": ["7", "12"], "15c": ["15a", "15b"],
    "16": ["8"], "17": ["11"], "18": ["16", "17"], "21": ["19", "20"], "23": ["21", "22"], "25a": ["23", "24"],
    "25c": ["25a", "25b"],
}


@dataclass
class Carry:
    """The basis carried from one year to the next."""

    traditional_ira_basis: Decimal = ZERO        # line 14 -> next year's line 2
    roth_contribution_basis: Decimal = ZERO      # line 22 before next year's contributions
    layers: list[RothLayer] = field(default_factory=list)   # line 24, one layer per conversion/rollover

    @property
    def roth_conversion_basis(self) -> Decimal:
        return sum((layer.remaining for layer in self.layers), ZERO)


@dataclass
class Year8606:
    """One year's Form 8606 figures for one person, with the carry-forward after it."""

    year: int
    person: str
    lines: dict[str, Decimal | str | None]
    inputs: dict[str, list[str]]
    notes: list[str]
    carry: Carry
    ira: IraYear
    responsible: list[str]            # traditional IRAs holding money on Dec 31 (line 6 > 0)
    pro_rata_taxable: Decimal = ZERO  # the part of line 18 caused by line 6 (the IRA pro-rata rule)
    trad_inflows: list[Move] = field(default_factory=list)  # plan money rolled into traditional IRAs so far

    def money(self, line_id: str) -> Decimal:
        v = self.lines.get(line_id)
        return v if isinstance(v, Decimal) else ZERO


def _start_year(profile: Profile, ledger: Ledger, person: str, year: int, notes: list[str]) -> int:
    p = profile.person(person)
    if p.first_year:
        if year < p.first_year:
            raise MbrError(f"{year} is before {person}'s first year {p.first_year} in mbr.toml "
                           f"(person.first_year); the book holds no basis for it")
        return p.first_year
    first = first_year_in_ledger(ledger, person, dt.date(year, 12, 31))
    start = first if first is not None else year
    if p.prior_ira_basis or p.prior_roth_contribution_basis or p.prior_roth_conversion_basis:
        notes.append(f"mbr.toml gives prior basis for {person} but no first_year; it is applied to {start}, "
                     f"the first year the ledger holds")
    return min(start, year)


def _ratio(line5: Decimal, line9: Decimal) -> tuple[Decimal, str]:
    """Line 10: the ratio used and its text."""
    if line9 <= 0 or line5 >= line9:
        return ONE, "1.000"
    r = ratio_places(line5 / line9, RATIO_PLACES)
    if r >= ONE:
        return ONE, "1.000"
    return r, str(r)


def _part1_taxable(line5: Decimal, line6: Decimal, line7: Decimal, line8: Decimal) -> tuple[
        Decimal, str, Decimal, Decimal]:
    """Lines 10, 11 and 12 for the given inputs: (ratio, ratio text, line 11, line 12)."""
    ratio, text = _ratio(line5, line6 + line7 + line8)
    l11 = min(round_cents(line8 * ratio), line5)
    l12 = min(round_cents(line7 * ratio), line5 - l11)
    return ratio, text, l11, l12


def compute_years(profile: Profile, ledger: Ledger, person: str, year: int) -> list[Year8606]:
    """Form 8606 for every year from the person's first year through `year` (the last item is `year`)."""
    p = profile.person(person)
    head_notes: list[str] = []
    hist: IraMoves = ira_moves(profile, ledger, person, year)
    rows = ira_rows(profile, ledger, person, dt.date(year + 1, 12, 31))
    start = _start_year(profile, ledger, person, year, head_notes)
    carry = Carry(traditional_ira_basis=p.prior_ira_basis, roth_contribution_basis=p.prior_roth_contribution_basis)
    if p.prior_roth_conversion_basis:
        carry.layers.append(RothLayer(None, None, "prior", "mbr.toml prior_roth_conversion_basis",
                                      p.prior_roth_conversion_basis, ZERO, ref="mbr.toml"))
    first_roth = _first_roth_year(profile, person, rows, hist, start, p.prior_roth_contribution_basis
                                  + p.prior_roth_conversion_basis)
    out: list[Year8606] = []
    for y in range(start, year + 1):
        ira = ira_year(profile, ledger, person, y, hist, rows)
        res = _one_year(profile, person, y, ira, carry, first_roth)
        res.trad_inflows = [m for m in hist.moves_to(TRADITIONAL_IRA) if m.year <= y]
        if y == start:
            res.notes[:0] = head_notes
        carry = res.carry
        out.append(res)
    return out


def _first_roth_year(profile: Profile, person: str, rows: list[Any], hist: IraMoves, start: int,
                     prior: Decimal) -> int | None:
    """The first tax year with money going into a Roth IRA (the qualified-distribution 5-year clock)."""
    roth_ids = {i.id for i in profile.iras_of(person, "roth")}
    trad_ids = {i.id for i in profile.iras_of(person, "traditional", "sep", "simple")}
    years = [start - 1] if prior else []
    for r in rows:
        if r.account in roth_ids and r.kind == "contribution":
            years.append(r.for_year or r.date.year)
        if r.account in trad_ids and (r.kind == "conversion" or (r.kind == "rollover" and r.destination == ROTH_IRA)):
            years.append(r.date.year)
    years += [m.year for m in hist.moves_to(ROTH_IRA)]
    return min(years) if years else None


def _one_year(profile: Profile, person: str, y: int, ira: IraYear, prev: Carry, first_roth: int | None) -> Year8606:
    p = profile.person(person)
    notes = list(ira.notes)
    L: dict[str, Decimal | str | None] = {k: None for k in LINE_IDS}
    inputs: dict[str, list[str]] = {k: list(v) for k, v in LINE_INPUTS.items()}

    # ---------------- Part I
    l1 = sum((e.amount for e in ira.nondeductible), ZERO)
    rollover_basis = ira.trad_rollover_basis
    l2 = prev.traditional_ira_basis + rollover_basis
    l3 = l1 + l2
    L["1"], L["2"], L["3"] = l1, l2, l3
    inputs["1"] = [e.ref for e in ira.nondeductible]
    inputs["2"] = [f"{y - 1} line 14"] + [m.ref for m in ira.rollovers_in
                                         if m.destination == TRADITIONAL_IRA and m.basis]
    if rollover_basis:
        notes.append(f"Line 2 adds {fmt_m(rollover_basis)} of after-tax basis rolled from a plan into a traditional "
                     f"IRA in {y} (nontaxable amounts included in rollovers are basis; best knowledge)")
    l7 = sum((e.amount for e in ira.trad_distributions), ZERO)
    l8 = sum((e.amount for e in ira.conversions), ZERO)
    l6 = sum((v.value for v in ira.dec31), ZERO)
    responsible = [v.account for v in ira.dec31 if v.value > 0]
    pro_rata = ZERO
    if l7 or l8:
        l4 = sum((e.amount for e in ira.nondeductible if e.date.year == y + 1), ZERO)
        l5 = l3 - l4
        ratio, text, l11, l12 = _part1_taxable(l5, l6, l7, l8)
        l13 = l11 + l12
        L.update({"4": l4, "5": l5, "6": l6, "7": l7, "8": l8, "9": l6 + l7 + l8, "10": text, "11": l11,
                  "12": l12, "13": l13, "14": l3 - l13})
        inputs["4"] = [e.ref for e in ira.nondeductible if e.date.year == y + 1]
        inputs["6"] = [v.ref or f"{v.account}: estimated" for v in ira.dec31]
        inputs["7"] = [e.ref for e in ira.trad_distributions]
        inputs["8"] = [e.ref for e in ira.conversions]
        if l7:
            L["15a"] = l7 - l12
            L["15c"] = l7 - l12
        if l8:
            L["16"], L["17"], L["18"] = l8, l11, l8 - l11
            # Without line 6 the conversion would recover basis l8 x l5 / (l7 + l8), at most line 5.
            z11 = min(l5, l8, round_cents(l8 * l5 / (l7 + l8)))
            pro_rata = max(ZERO, z11 - l11)
        exact = (l5 / (l6 + l7 + l8)) if (l6 + l7 + l8) > 0 else ONE
        if text != "1.000" or exact < ONE:
            notes.append(f"Line 10 = {fmt_m(l5)} / {fmt_m(l6 + l7 + l8)} = {exact:.9f}..., rounded half-up to "
                         f"{RATIO_PLACES} places: {text} (the form asks for at least 3 places)")
        if round_cents(l8 * ratio) + round_cents(l7 * ratio) > l5:
            notes.append("Lines 11 and 12 are kept within line 5 so that line 14 does not go below zero")
        missing = [v.account for v in ira.dec31 if v.estimated]
        if missing and l5 > 0:
            notes.append(f"Line 6 is incomplete: no Dec 31 balance row for {', '.join(missing)}; the ratio on "
                         f"line 10 depends on it")
        if l6 > 0 and l8 > 0 and l5 > 0:
            notes.append(f"Backdoor Roth pro-rata: {', '.join(responsible)} held {fmt_m(l6)} on Dec 31, {y}, so "
                         f"{fmt_m(pro_rata)} of the conversion is taxable only because of the IRA pro-rata rule")
        if l3 == 0:
            notes.append("No basis: Part I is not required; it is shown so lines 15c and 18 follow from it")
    else:
        L["14"] = l3
        inputs["14"] = ["3"]
        if l3:
            notes.append(f"No distribution or conversion in {y}: line 14 = line 3 and lines 4-13 are blank")

    # ---------------- Part III inputs: Roth IRA basis before this year's distributions
    carry = Carry(traditional_ira_basis=L["14"] if isinstance(L["14"], Decimal) else l3,
                  roth_contribution_basis=prev.roth_contribution_basis,
                  layers=[RothLayer(x.year, x.date, x.kind, x.origin, x.amount, x.taxable, x.ref, x.used_taxable,
                                    x.used_nontaxable) for x in prev.layers])
    carry.roth_contribution_basis += sum((e.amount for e in ira.roth_contributions), ZERO)
    designated = [m for m in ira.rollovers_in if m.destination == ROTH_IRA and m.source == "roth"]
    if designated:
        carry.roth_contribution_basis += sum((m.basis for m in designated), ZERO)
        notes.append("Roth 401(k) money rolled into the Roth IRA adds its investment in the contract to the "
                     "contribution basis (line 22), not to line 24")
    taxable18 = L["18"] if isinstance(L["18"], Decimal) else ZERO
    if ira.conversions:
        shares = allocate(taxable18, [e.amount for e in ira.conversions]) or [ZERO] * len(ira.conversions)
        for e, t in zip(ira.conversions, shares, strict=True):
            carry.layers.append(RothLayer(y, e.date, "conversion", e.account, e.amount, t, e.ref))
    for m in ira.rollovers_in:
        if m.destination == ROTH_IRA and m.source != "roth":
            carry.layers.append(RothLayer(y, m.date, "rollover", m.plan, m.amount, m.taxable, m.ref))
    if any(m.destination == ROTH_IRA and m.source != "roth" for m in ira.rollovers_in):
        notes.append("Plan-to-Roth-IRA rollovers and IRRs are not on this form in the year they happen (Form 1040 "
                     "lines 5a/5b); a rollover to a Roth IRA adds its taxable and nontaxable parts to the line 24 "
                     "basis (best knowledge)")

    # ---------------- Part III: Roth IRA distributions
    contrib_before = carry.roth_contribution_basis
    conv_before = carry.roth_conversion_basis
    nonqualified = ZERO
    nq_refs: list[str] = []
    for e in sorted(ira.roth_distributions, key=lambda x: x.date):
        qualified = (not under_59_half(p, e.date)) and first_roth is not None and y >= first_roth + 5
        take = consume_roth(e.amount, carry.roth_contribution_basis, carry.layers)
        carry.roth_contribution_basis -= take.contributions
        if qualified:
            notes.append(f"{e.ref}: qualified Roth IRA distribution (age 59 1/2 and 5 years since {first_roth}); "
                         f"not on line 19 (best knowledge: disability and death are not known to the ledger)")
            continue
        nonqualified += e.amount
        nq_refs.append(e.ref)
        rec = take.recapture(y)
        if rec and under_59_half(p, e.date):
            notes.append(f"{e.ref}: {fmt_m(rec)} of this distribution is conversion or rollover money included in "
                         f"income less than 5 years ago: 10% additional tax on Form 5329 unless an exception "
                         f"applies (best knowledge)")
    if nonqualified:
        L["19"] = nonqualified
        inputs["19"] = nq_refs
        L["21"] = nonqualified
        L["22"] = contrib_before
        l23 = max(ZERO, nonqualified - contrib_before)
        L["23"] = l23
        if l23 > 0:
            L["24"] = conv_before
            L["25a"] = max(ZERO, l23 - conv_before)
            L["25c"] = L["25a"]
        notes.append("Roth IRA ordering: regular contributions first, then conversions and rollovers oldest year "
                     "first (taxable part, then nontaxable), then earnings")
    return Year8606(y, person, L, inputs, notes, carry, ira, responsible if (l8 and l6 > 0) else [], pro_rata)


# ------------------------------------------------------------------ public API


def form_8606_year(profile: Profile, ledger: Ledger, year: int, person: str) -> Year8606:
    """Form 8606 figures of `person` for `year`, with the carry-forward from earlier years applied."""
    return compute_years(profile, ledger, person, year)[-1]


def backdoor_taxable(profile: Profile, ledger: Ledger, year: int, person: str) -> tuple[Decimal, list[str]]:
    """The taxable part of the year's traditional-to-Roth IRA conversions (Form 8606 line 18; 0 when there
    is none) and the traditional IRAs that held money on Dec 31 and so made part of it taxable through the
    IRA pro-rata rule (empty when line 6 is 0). `backdoor_details` gives the pro-rata part separately."""
    r = form_8606_year(profile, ledger, year, person)
    return r.money("18"), list(r.responsible)


@dataclass
class BackdoorDetails:
    year: int
    person: str
    converted: Decimal          # line 8
    taxable: Decimal            # line 18
    pro_rata_taxable: Decimal   # the part of line 18 that line 6 causes
    dec31_value: Decimal        # line 6
    responsible: list[str]      # traditional IRAs holding money on Dec 31
    sources: list[str]          # plan moves that put pre-tax money into a traditional IRA (this year or before),
                                # `plan date ref`
    rows: list[str]


def backdoor_details(profile: Profile, ledger: Ledger, year: int, person: str) -> BackdoorDetails:
    """What the audit's backdoor_pro_rata check reports: the conversion, its taxable part, the part due to
    the pro-rata rule, and where the traditional IRA money came from."""
    r = form_8606_year(profile, ledger, year, person)
    src = [f"{m.plan} {m.date.isoformat()} {m.ref}" for m in r.trad_inflows if m.earnings > 0]
    rows = [e.ref for e in r.ira.conversions] + [v.ref for v in r.ira.dec31 if v.ref]
    return BackdoorDetails(year, person, r.money("8"), r.money("18"), r.pro_rata_taxable, r.money("6"),
                           list(r.responsible), src, rows)


def worksheet_8606(profile: Profile, ledger: Ledger, year: int, person: str) -> Worksheet:
    """Form 8606 Parts I-III for `person` and `year` as a worksheet: lines "1".."25c" (None = blank),
    grids `carry_forward`, `roth_layers` and `line6` (the Dec 31 value of each traditional IRA), notes."""
    r = form_8606_year(profile, ledger, year, person)
    ws = Worksheet(id="8606", title=f"Form 8606 {year} ({person})", year=year, person=person)
    for lid in LINE_IDS:
        v = r.lines[lid]
        kind = "ratio" if lid == "10" else "money"
        ins = r.inputs.get(lid, [])
        ws.lines.append(Line(lid, LABELS[lid], v, ins if v is not None else [], FORMULAS.get(lid, ""), kind))
    cf = Grid("Carried to next year", ["key", "label", "value"], ["text", "text", "money"])
    cf.rows = [
        ["traditional_ira_basis", f"Traditional IRA basis (line 14 -> {year + 1} line 2)", r.carry.traditional_ira_basis],
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
        ws.notes.append(f"Plan money that reached the IRAs in {year}: {refs}")
    return ws


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
