"""The Form 8606 basis engine: every year from the person's first year to the year asked for.

The basis carries forward without retyping: last year's line 14 becomes this year's line 2, and
the Roth IRA contribution basis (line 22) and conversion/rollover basis (line 24, one layer per
conversion or rollover with its 5-year clock) accumulate. A first year with earlier basis takes it
from `prior_ira_basis`, `prior_roth_contribution_basis` and `prior_roth_conversion_basis`.

The computed lines are evaluated from their definitions (`rules.form8606`); this module supplies
the inputs and decides which lines the form's instructions leave blank (None).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core.errors import MbrError
from ..core.formula import line_values
from ..core.money import ZERO, allocate, round_cents
from .form8606 import BY_ID, LINE_IDS, RATIO_PLACES, WORKSHEET_1_1, WORKSHEET_1_1_BY_ID, ratio_text
from .history import ROTH_IRA, TRADITIONAL_IRA, IraMoves, Move, fmt_m
from .ira import IraYear, ira_year
from .roth import RothLayer, consume_roth, under_59_half

if TYPE_CHECKING:
    from ..profile import Profile

Lines = dict[str, Decimal | str | None]


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
    lines: Lines
    inputs: dict[str, list[str]]
    notes: list[str]
    carry: Carry
    ira: IraYear
    responsible: list[str]            # traditional IRAs holding money on Dec 31 (line 6 > 0)
    pro_rata_taxable: Decimal = ZERO  # the part of line 18 caused by line 6 (the IRA pro-rata rule)
    trad_inflows: list[Move] = field(default_factory=list)  # plan money rolled into traditional IRAs so far
    overrides: dict[str, str] = field(default_factory=dict)  # line -> where its value comes from instead of its formula
    worksheet_1_1: Lines | None = None  # Pub. 590-B Worksheet 1-1, when the form follows it

    def money(self, line_id: str) -> Decimal:
        v = self.lines.get(line_id)
        return v if isinstance(v, Decimal) else ZERO


def _fill(lines: Lines, inputs: dict[str, list[str]], *ids: str) -> None:
    """Compute `ids` in order from their definitions over the lines filled so far."""
    for lid in ids:
        d = BY_ID[lid]
        v = d.evaluate(line_values(lines))
        lines[lid] = ratio_text(v) if d.kind == "ratio" else v
        inputs[lid] = d.lines


def _part1_taxable(line5: Decimal, line6: Decimal, line7: Decimal, line8: Decimal) -> tuple[
        Decimal, str, Decimal, Decimal]:
    """Lines 10, 11 and 12 for the given inputs: (ratio, ratio text, line 11, line 12)."""
    lines: Lines = {k: None for k in LINE_IDS}
    lines.update({"5": line5, "6": line6, "7": line7, "8": line8})
    _fill(lines, {}, "9", "10", "11", "12")
    text = str(lines["10"])
    return Decimal(text), text, lines["11"], lines["12"]  # type: ignore[return-value]


def worksheet_1_1(basis: Decimal, contributions: Decimal, dec31: Decimal, distributed: Decimal,
                  converted: Decimal) -> Lines:
    """Pub. 590-B Worksheet 1-1 lines 1-11: last year's basis, all of the year's contributions (deductible
    or not), the Dec 31 value, the distributions and the conversions (line 10: line 9 x converted / line 5)."""
    w: Lines = {d.id: None for d in WORKSHEET_1_1}
    w.update({"1": basis, "2": contributions, "4": dec31, "5": distributed + converted})
    for lid in ("3", "6", "7", "8", "9"):
        d = WORKSHEET_1_1_BY_ID[lid]
        v = d.evaluate(line_values(w))
        w[lid] = ratio_text(v) if d.kind == "ratio" else v
    w9, w5 = w["9"], w["5"]
    assert isinstance(w9, Decimal) and isinstance(w5, Decimal)
    w["10"] = round_cents(w9 * converted / w5) if converted and w5 else ZERO
    w["11"] = WORKSHEET_1_1_BY_ID["11"].evaluate(line_values(w))
    return w


def _follow_worksheet_1_1(L: Lines, inputs: dict[str, list[str]], w: Lines, ira: IraYear) -> dict[str, str]:
    """Form 8606 as Pub. 590-B says after Worksheet 1-1: lines 6-12 not completed, line 13 = worksheet
    line 8, line 15a = worksheet line 11, line 16 = the amount converted, line 17 = line 16 minus worksheet
    line 10. Returns the lines whose value comes from the worksheet instead of their formula."""
    for k in ("6", "7", "8", "9", "10", "11", "12"):
        L[k] = None
        inputs.pop(k, None)
    L["13"], inputs["13"] = w["8"], ["Worksheet 1-1 line 8"]
    _fill(L, inputs, "14")
    L["15a"], inputs["15a"] = w["11"], ["Worksheet 1-1 line 11"]
    _fill(L, inputs, "15c")
    over = {"13": "Worksheet 1-1 line 8 (Pub. 590-B)", "15a": "Worksheet 1-1 line 11 (Pub. 590-B)"}
    converted = sum((e.amount for e in ira.conversions), ZERO)
    if converted:
        w10 = w["10"]
        assert isinstance(w10, Decimal)
        L["16"], inputs["16"] = converted, [e.ref for e in ira.conversions]
        L["17"], inputs["17"] = converted - w10, ["16", "Worksheet 1-1 line 10"]
        _fill(L, inputs, "18")
        over |= {"16": "the amount converted (lines 6-12 not completed)",
                 "17": "line 16 - Worksheet 1-1 line 10 (Pub. 590-B)"}
    else:
        L["16"] = L["17"] = L["18"] = None
    return over


def start_year(profile: Profile, person: str, year: int, first_in_ledger: int | None, notes: list[str]) -> int:
    """The first year to compute: `first_year` in mbr.toml, else the first year the ledger holds."""
    p = profile.person(person)
    if p.first_year:
        if year < p.first_year:
            raise MbrError(f"{year} is before {person}'s first year {p.first_year} in mbr.toml "
                           f"(person.first_year); the book holds no basis for it")
        return p.first_year
    start = first_in_ledger if first_in_ledger is not None else year
    if p.prior_ira_basis or p.prior_roth_contribution_basis or p.prior_roth_conversion_basis:
        notes.append(f"mbr.toml gives prior basis for {person} but no first_year; it is applied to {start}, "
                     f"the first year the ledger holds")
    return min(start, year)


def compute_years(profile: Profile, person: str, year: int, moves: IraMoves, rows: list[Any],
                  first_in_ledger: int | None) -> list[Year8606]:
    """Form 8606 for every year from the person's first year through `year` (the last item is `year`).
    `moves`: the plan moves into IRAs through `year`; `rows`: the person's IRA rows through the end
    of the next year; `first_in_ledger`: the first tax year the ledger holds for the person."""
    p = profile.person(person)
    head_notes: list[str] = []
    start = start_year(profile, person, year, first_in_ledger, head_notes)
    carry = Carry(traditional_ira_basis=p.prior_ira_basis, roth_contribution_basis=p.prior_roth_contribution_basis)
    if p.prior_roth_conversion_basis:
        carry.layers.append(RothLayer(None, None, "prior", "mbr.toml prior_roth_conversion_basis",
                                      p.prior_roth_conversion_basis, ZERO, ref="mbr.toml"))
    first_roth = first_roth_year(profile, person, rows, moves, start, p.prior_roth_contribution_basis
                                 + p.prior_roth_conversion_basis)
    out: list[Year8606] = []
    for y in range(start, year + 1):
        res = one_year(profile, person, y, ira_year(profile, person, y, moves, rows), carry, first_roth)
        res.trad_inflows = [m for m in moves.moves_to(TRADITIONAL_IRA) if m.year <= y]
        if y == start:
            res.notes[:0] = head_notes
        carry = res.carry
        out.append(res)
    return out


def first_roth_year(profile: Profile, person: str, rows: list[Any], moves: IraMoves, start: int,
                    prior: Decimal) -> int | None:
    """The first tax year with money going into a Roth IRA (the qualified-distribution 5-year clock starts
    Jan 1 of it): the earliest of `first_roth_ira_year` in mbr.toml and the book's first Roth IRA year
    (with prior Roth basis and no `first_roth_ira_year`, the year before the book's first year)."""
    roth_ids = {i.id for i in profile.iras_of(person, "roth")}
    trad_ids = {i.id for i in profile.iras_of(person, "traditional", "sep", "simple")}
    given = profile.person(person).first_roth_ira_year
    years = [given] if given else [start - 1] if prior else []
    for r in rows:
        if r.account in roth_ids and r.kind == "contribution":
            years.append(r.for_year or r.date.year)
        if r.account in trad_ids and (r.kind == "conversion" or (r.kind == "rollover" and r.destination == ROTH_IRA)):
            years.append(r.date.year)
    years += [m.year for m in moves.moves_to(ROTH_IRA)]
    return min(years) if years else None


def one_year(profile: Profile, person: str, y: int, ira: IraYear, prev: Carry, first_roth: int | None) -> Year8606:
    """One year's form from its IRA facts and the basis carried in."""
    p = profile.person(person)
    notes = list(ira.notes)
    L: Lines = {k: None for k in LINE_IDS}
    inputs: dict[str, list[str]] = {}

    # ---------------- Part I
    rollover_basis = ira.trad_rollover_basis
    L["1"] = sum((e.amount for e in ira.nondeductible), ZERO)
    L["2"] = prev.traditional_ira_basis + rollover_basis
    inputs["1"] = [e.ref for e in ira.nondeductible]
    inputs["2"] = [f"{y - 1} line 14"] + [m.ref for m in ira.rollovers_in
                                         if m.destination == TRADITIONAL_IRA and m.basis]
    _fill(L, inputs, "3")
    l3 = L["3"]
    assert isinstance(l3, Decimal)
    if rollover_basis:
        notes.append(f"Line 2 adds {fmt_m(rollover_basis)} of after-tax basis rolled from a plan into a traditional "
                     f"IRA in {y} (nontaxable amounts included in rollovers are basis; best knowledge)")
    l7 = sum((e.amount for e in ira.trad_distributions), ZERO)
    l8 = sum((e.amount for e in ira.conversions), ZERO)
    l6 = sum((v.value for v in ira.dec31), ZERO)
    responsible = [v.account for v in ira.dec31 if v.value > 0]
    pro_rata = ZERO
    overrides: dict[str, str] = {}
    ws11: Lines | None = None
    if l7 or l8:  # lines 4-13 only with a distribution or a conversion
        next_year = [e for e in ira.nondeductible if e.date.year == y + 1]
        L.update({"4": sum((e.amount for e in next_year), ZERO), "6": l6, "7": l7, "8": l8})
        inputs["4"] = [e.ref for e in next_year]
        inputs["6"] = [v.ref or f"{v.account}: estimated" for v in ira.dec31]
        inputs["7"] = [e.ref for e in ira.trad_distributions]
        inputs["8"] = [e.ref for e in ira.conversions]
        _fill(L, inputs, "5", "9", "10", "11", "12", "13", "14")
        if l7:
            _fill(L, inputs, "15a", "15c")
        if l8:
            _fill(L, inputs, "16", "17", "18")
        l5, l9, l11, text = L["5"], L["9"], L["11"], str(L["10"])
        assert isinstance(l5, Decimal) and isinstance(l9, Decimal) and isinstance(l11, Decimal)
        ratio = Decimal(text)
        deductible = sum((e.amount for e in ira.deductible), ZERO)
        if deductible:
            l2 = L["2"]
            assert isinstance(l2, Decimal)
            w = worksheet_1_1(l2, deductible + sum((e.amount for e in ira.nondeductible), ZERO), l6, l7, l8)
            w8 = w["8"]
            assert isinstance(w8, Decimal)
            notes.append(_worksheet_note(y, deductible, w))
            if l5 >= w8:
                ws11, overrides = w, _follow_worksheet_1_1(L, inputs, w, ira)
                notes.append("Form 8606 follows Worksheet 1-1 (Pub. 590-B): lines 6-12 are not completed; line 13 "
                             "= worksheet line 8, line 15a = worksheet line 11"
                             + (", line 17 = line 16 minus worksheet line 10" if l8 else ""))
            else:
                notes.append(f"Worksheet 1-1 line 8 ({fmt_m(w8)}) is more than Form 8606 line 5 ({fmt_m(l5)}), so "
                             f"lines 6-15c of Form 8606 are completed as usual (Pub. 590-B)")
        if l8:
            # Without line 6 the conversion would recover basis l8 x l5 / (l7 + l8), at most line 5.
            z11 = min(l5, l8, round_cents(l8 * l5 / (l7 + l8)))
            l17 = L["17"]
            pro_rata = max(ZERO, z11 - (l17 if isinstance(l17, Decimal) else l11))
        exact = (l5 / l9) if l9 > 0 else Decimal(1)
        if ws11 is None and (text != "1.000" or exact < 1):
            notes.append(f"Line 10 = {fmt_m(l5)} / {fmt_m(l9)} = {exact:.9f}..., rounded half-up to "
                         f"{RATIO_PLACES} places: {text} (the form asks for at least 3 places)")
        if ws11 is None and round_cents(l8 * ratio) + round_cents(l7 * ratio) > l5:
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
        _fill(L, inputs, "14")
        if l3:
            notes.append(f"No distribution or conversion in {y}: line 14 = line 3 and lines 4-13 are blank")

    # ---------------- Part III inputs: Roth IRA basis before this year's distributions
    l14 = L["14"]
    assert isinstance(l14, Decimal)
    carry = Carry(traditional_ira_basis=l14, roth_contribution_basis=prev.roth_contribution_basis,
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
            since = (" (first_roth_ira_year in mbr.toml)" if first_roth == p.first_roth_ira_year else "")
            notes.append(f"{e.ref}: qualified Roth IRA distribution (age 59 1/2 and 5 years since Jan 1, "
                         f"{first_roth}{since}); not on line 19 (best knowledge: disability and death are not "
                         f"known to the ledger)")
            continue
        if not under_59_half(p, e.date) and first_roth is not None:
            notes.append(f"{e.ref}: not qualified: the Roth IRA 5-year period from Jan 1, {first_roth} ends "
                         f"Dec 31, {first_roth + 4}; if an earlier Roth IRA existed, give first_roth_ira_year in "
                         f"mbr.toml")
        nonqualified += e.amount
        nq_refs.append(e.ref)
        rec = take.recapture(y)
        if rec and under_59_half(p, e.date):
            notes.append(f"{e.ref}: {fmt_m(rec)} of this distribution is conversion or rollover money included in "
                         f"income less than 5 years ago: 10% additional tax on Form 5329 unless an exception "
                         f"applies (best knowledge)")
    if nonqualified:  # lines 19-23 only with a nonqualified distribution, 24-25c only when line 23 is more than 0
        L["19"], L["22"] = nonqualified, contrib_before
        inputs["19"] = nq_refs
        _fill(L, inputs, "21", "23")
        if L["23"] != 0:
            L["24"] = conv_before
            _fill(L, inputs, "25a", "25c")
        notes.append("Roth IRA ordering: regular contributions first, then conversions and rollovers oldest year "
                     "first (taxable part, then nontaxable), then earnings")
    return Year8606(y, person, L, inputs, notes, carry, ira, responsible if (l8 and l6 > 0) else [], pro_rata,
                    overrides=overrides, worksheet_1_1=ws11)


def _worksheet_note(y: int, deductible: Decimal, w: Lines) -> str:
    """Worksheet 1-1's lines in one note, with why it is used."""
    def v(k: str) -> str:
        x = w[k]
        return fmt_m(x) if isinstance(x, Decimal) else str(x)

    return (f"Worksheet 1-1 (Pub. 590-B): {y} has deductible contributions ({fmt_m(deductible)}) and a distribution "
            f"or conversion, so all of the year's contributions, deductible or not, go into the ratio: line 1 basis "
            f"{v('1')} + line 2 contributions {v('2')} = line 3 {v('3')}; line 4 Dec 31 value {v('4')} + line 5 "
            f"distributions and conversions {v('5')} = line 6 {v('6')}; line 7 = line 3 / line 6 = {v('7')}; line 8 "
            f"nontaxable {v('8')}; line 9 taxable {v('9')}; line 10 from the conversions {v('10')}; line 11 the rest "
            f"{v('11')} (best knowledge: line 2 counts the contributions for {y} by their for_year)")


# ------------------------------------------------------------------ what the audit reads


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


def backdoor_details(r: Year8606) -> BackdoorDetails:
    """What the audit's backdoor_pro_rata check reports: the conversion, its taxable part, the part due to
    the pro-rata rule, and where the traditional IRA money came from."""
    src = [f"{m.plan} {m.date.isoformat()} {m.ref}" for m in r.trad_inflows if m.earnings > 0]
    rows = [e.ref for e in r.ira.conversions] + [v.ref for v in r.ira.dec31 if v.ref]
    # Lines 16 and the Dec 31 values rather than lines 8 and 6, which Worksheet 1-1 leaves blank.
    dec31 = sum((v.value for v in r.ira.dec31), ZERO) if r.money("16") else ZERO
    return BackdoorDetails(r.year, r.person, r.money("16"), r.money("18"), r.pro_rata_taxable, dec31,
                           list(r.responsible), src, rows)
