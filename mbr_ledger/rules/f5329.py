"""Form 5329 (additional taxes on qualified plans and IRAs), Parts I, III and IV, line by line as data.

Each line once: its official id and label, and the expression the form computes it by or where its
value comes from (`core.formula`). Part I: the 10% additional tax on early distributions (before age
59 1/2), including the recapture of a conversion's or a plan rollover's taxable part distributed from
a Roth IRA within its own 5-year clock (Form 5329 instructions, "Distributions from Roth IRAs";
Pub. 590-B, ordering rules). Parts III and IV: the 6% tax on excess traditional and Roth IRA
contributions, this year's excess from the audit's `ira_limit` finding, last year's carried and
absorbed (instructions, lines 9-25). Rollovers and conversions are not distributions; corrective
distributions are not early distributions (instructions, Part I).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from ..core.errors import MbrError
from ..core.formula import LineDef, Resolved
from ..core.money import ZERO, allocate
from .history import CASH, ROTH_IRA, fmt_m
from .roth import RothLayer, age_59_half_date, consume_roth

if TYPE_CHECKING:
    from .audit.data import AuditData
    from .facts import PersonYear
    from .findings import Finding
    from .ira import IraEvent

LEDGER = "the ledger"
AUDIT = "the audit's ira_limit finding"
PRIOR = "last year's Form 5329"
EARLY_RATE = Decimal("0.10")
EXCESS_RATE = Decimal("0.06")
# SECURE 2.0 Act sec. 333: from this day an IRA contribution returned with its earnings by the due date
# (section 408(d)(4)) is not subject to the 10% tax (Form 5329 instructions, "Reminders"); before it, the
# earnings of one made before age 59 1/2 were.
IRA_RETURN_EXEMPT_FROM = dt.date(2022, 12, 29)
# Names of the values a line reads that are not lines of the form (the Dec 31 values of lines 17 and 25).
TRAD_VALUE, ROTH_VALUE = "VALUE.traditional", "VALUE.roth"

LINES: tuple[LineDef, ...] = (
    # ---------------- Part I: additional tax on early distributions
    LineDef("1", "Early distributions included in income (before age 59 1/2; Roth IRA: taxable part plus recapture)",
            source=f"{LEDGER}: each distribution before age 59 1/2, its taxable part (Form 8606 lines 15c, 25c; plan "
                   f"box 2a) plus the conversion and rollover money recaptured within its 5-year clock"),
    LineDef("2", "Early distributions on line 1 not subject to the additional tax (exception number)",
            source=f"{LEDGER}: exceptions the ledger knows (none recorded)"),
    LineDef("3", "Amount subject to additional tax (line 1 minus line 2)", "L1 - L2"),
    LineDef("4", "Additional tax: 10% of line 3 (Schedule 2, line 8)", "ROUND(L3 * 0.10, 2)", how="10% of line 3"),
    # ---------------- Part III: additional tax on excess contributions to traditional IRAs
    LineDef("9", "Excess contributions from line 16 of last year's Form 5329",
            source=f"{PRIOR}: line 16, when its line 17 was more than 0"),
    LineDef("10", "Traditional IRA contributions below the maximum allowable: the difference",
            source=f"{AUDIT}: the limit minus the year's IRA contributions"),
    LineDef("11", "Traditional IRA distributions included in income (Form 8606 line 15c)",
            source="Form 8606 line 15c"),
    LineDef("12", "Distributions of prior-year excess contributions",
            source=f"{LEDGER}: corrective rows (ira_excess) for an earlier year from traditional IRAs"),
    LineDef("13", "Add lines 10, 11 and 12", "L10 + L11 + L12"),
    LineDef("14", "Prior-year excess contributions (line 9 minus line 13, not below 0)", "MAX(0, L9 - L13)",
            how="line 9 - line 13"),
    LineDef("15", "Excess contributions for the year", source=f"{AUDIT}: the excess on traditional IRAs"),
    LineDef("16", "Total excess contributions (lines 14 + 15)", "L14 + L15"),
    LineDef("17", "Additional tax: 6% of the smaller of line 16 or the traditional IRAs' value on Dec 31",
            f"ROUND(0.06 * MIN(L16, {TRAD_VALUE}), 2)", how="6% of the smaller of line 16 or the Dec 31 value"),
    # ---------------- Part IV: additional tax on excess contributions to Roth IRAs
    LineDef("18", "Excess contributions from line 24 of last year's Form 5329",
            source=f"{PRIOR}: line 24, when its line 25 was more than 0"),
    LineDef("19", "Roth IRA contributions below the Roth IRA limit: the difference",
            source=f"{AUDIT}: the limit left after line 10's share"),
    LineDef("20", "Distributions from Roth IRAs (Form 8606 line 19 plus qualified distributions)",
            source=f"{LEDGER}: the year's Roth IRA distribution rows"),
    LineDef("21", "Add lines 19 and 20", "L19 + L20"),
    LineDef("22", "Prior-year excess contributions (line 18 minus line 21, not below 0)", "MAX(0, L18 - L21)",
            how="line 18 - line 21"),
    LineDef("23", "Excess contributions for the year", source=f"{AUDIT}: the excess on Roth IRAs"),
    LineDef("24", "Total excess contributions (lines 22 + 23)", "L22 + L23"),
    LineDef("25", "Additional tax: 6% of the smaller of line 24 or the Roth IRAs' value on Dec 31",
            f"ROUND(0.06 * MIN(L24, {ROTH_VALUE}), 2)", how="6% of the smaller of line 24 or the Dec 31 value"),
)
BY_ID = {d.id: d for d in LINES}
LINE_IDS = [d.id for d in LINES]
PARTS = {"I": ("1", "2", "3", "4"), "III": tuple(str(i) for i in range(9, 18)),
         "IV": tuple(str(i) for i in range(18, 26))}


@dataclass
class EarlyItem:
    """One distribution as Part I sees it: what it put in income, the recapture, and whether it was early."""

    date: dt.date
    account: str
    kind: str            # traditional_ira | roth_ira | plan
    amount: Decimal
    taxable: Decimal     # included in income
    recapture: Decimal   # Roth IRA: conversion/rollover money taxed less than 5 years ago
    early: bool          # before age 59 1/2
    ref: str
    why: str
    subject: bool = True  # False: not subject to the additional tax whatever the age (a corrective distribution)

    @property
    def line1(self) -> Decimal:
        return self.taxable + self.recapture if self.early and self.subject else ZERO


@dataclass
class Year5329:
    """One person's Form 5329 figures for one year."""

    year: int
    person: str
    lines: dict[str, Decimal | None]
    inputs: dict[str, list[str]]
    values: dict[str, Decimal]          # the Dec 31 values lines 17 and 25 read
    early: list[EarlyItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    computed_excess: bool = True        # Parts III and IV computed (limits data for the year)

    def money(self, line_id: str) -> Decimal:
        v = self.lines.get(line_id)
        return v if isinstance(v, Decimal) else ZERO

    @property
    def tax(self) -> Decimal:
        return self.money("4") + self.money("17") + self.money("25")

    def has_something(self) -> bool:
        """Whether the form has anything to say (a line other than 0 or blank)."""
        return any(v for v in self.lines.values())


# ------------------------------------------------------------------ Part I


def _roth_takes(facts: PersonYear) -> list[tuple[IraEvent, Decimal, Decimal, Decimal]]:
    """Each of the year's Roth IRA distributions with (event, earnings, recaptured, basis used), by the
    ordering rules replayed over the basis carried into the year (as Form 8606 Part III takes them)."""
    years = facts.f8606_years
    cur = years[-1]
    ira = cur.ira
    if len(years) > 1:
        prev = years[-2].carry
        contrib, layers = prev.roth_contribution_basis, prev.layers
    else:
        p = facts.profile.person(facts.person)
        contrib = p.prior_roth_contribution_basis
        layers = [x for x in cur.carry.layers if x.kind == "prior"]
        layers = [RothLayer(x.year, x.date, x.kind, x.origin, x.amount, x.taxable, x.ref) for x in layers]
    work = [RothLayer(x.year, x.date, x.kind, x.origin, x.amount, x.taxable, x.ref, x.used_taxable,
                      x.used_nontaxable) for x in layers]
    # This year's layers and contribution basis, as they stand before the year's distributions.
    known = {(x.kind, x.ref, x.date) for x in work}
    for x in cur.carry.layers:
        if x.year == cur.year and (x.kind, x.ref, x.date) not in known:
            work.append(RothLayer(x.year, x.date, x.kind, x.origin, x.amount, x.taxable, x.ref))
    contrib += sum((e.amount for e in ira.roth_contributions), ZERO)
    contrib += sum((m.basis for m in ira.rollovers_in if m.destination == ROTH_IRA and m.source == "roth"), ZERO)
    out: list[tuple[IraEvent, Decimal, Decimal, Decimal]] = []
    for e in sorted(ira.roth_distributions, key=lambda x: x.date):
        take = consume_roth(e.amount, contrib, work)
        contrib -= take.contributions
        out.append((e, take.earnings, take.recapture(cur.year), take.contributions + take.conversion_basis))
    if out and contrib != cur.carry.roth_contribution_basis:
        raise MbrError(f"Form 5329 {cur.year} ({facts.person}): the Roth IRA ordering rules left "
                       f"{contrib} of contribution basis, Form 8606 {cur.carry.roth_contribution_basis}; report "
                       f"this with the book's rows")
    return out


def early_distributions(facts: PersonYear) -> tuple[list[EarlyItem], list[str]]:
    """The year's distributions for Part I (IRAs and plans), each marked early or not, and notes."""
    p = facts.profile.person(facts.person)
    half = age_59_half_date(p.born)
    year = facts.year
    f8606 = facts.f8606
    ira = f8606.ira
    items: list[EarlyItem] = []
    notes: list[str] = []
    trad = sorted(ira.trad_distributions, key=lambda e: e.date)
    if trad:
        shares = allocate(f8606.money("15c"), [e.amount for e in trad]) or [ZERO] * len(trad)
        for e, t in zip(trad, shares, strict=True):
            items.append(EarlyItem(e.date, e.account, "traditional_ira", e.amount, t, ZERO, e.date < half, e.ref,
                                   "traditional IRA distribution: its share of Form 8606 line 15c"))
    for e, earnings, rec, _ in _roth_takes(facts):
        date, account, amount, ref = e.date, e.account, e.amount, e.ref
        early = date < half
        why = "Roth IRA distribution: earnings (Form 8606 line 25c)"
        if rec:
            why += f" plus {fmt_m(rec)} of conversion or rollover money taxed less than 5 years before"
        items.append(EarlyItem(date, account, "roth_ira", amount, earnings if early else ZERO, rec if early else ZERO,
                               early, ref, why if early else "Roth IRA distribution at age 59 1/2 or later"))
    irr_plans = {m.plan for m in facts.history.moves(all_sources=True) if m.kind == "conversion"
                 and m.year > year - 5 and m.taxable > 0} if any(
        m.kind == "distribution" and m.source == "roth" for m in facts.year_moves.items) else set()
    for m in facts.year_moves.items:
        if m.kind != "distribution" or m.destination != CASH:
            continue
        early = m.date < half
        items.append(EarlyItem(m.date, m.plan, "plan", m.amount, m.taxable, ZERO, early, m.ref,
                               "plan distribution paid out: its taxable part (Form 1099-R box 2a)"))
        if early and m.source == "roth" and m.plan in irr_plans:
            notes.append(f"{m.ref}: a Roth 401(k) distribution from {m.plan}, which made in-plan Roth rollovers "
                         f"less than 5 years ago: the part allocable to their taxable amount is also subject to "
                         f"the 10% tax (best knowledge: the ledger does not hold the plan's allocation; it is not "
                         f"on line 1, ask the plan)")
        if early:
            notes.append(f"{m.ref}: best knowledge: a plan distribution after separation from service in or after "
                         f"the year you turn 55 is exception 01 (the ledger does not know the separation date)")
    items += _correctives(facts, half)
    if any(i.early for i in items):
        notes.append(f"Age 59 1/2 on {half.isoformat()}: distributions before that day are early (Form 5329 "
                     f"instructions, Part I)")
    return items, notes


def _correctives(facts: PersonYear, half: dt.date) -> list[EarlyItem]:
    """The year's corrective distributions: not early distributions (Form 5329 instructions, Part I: excess
    deferrals, excess contributions and excess aggregate contributions; IRA contributions returned by
    the due date from Dec 29, 2022), listed with what they put in income."""
    import polars as pl

    from .rows import row_of, tuples

    df = facts.rows.events.filter((pl.col("kind") == "corrective") & (pl.col("date").dt.year() == facts.year))
    ira_ids = {i.id for i in facts.profile.iras_of(facts.person)}
    out = []
    for r in (row_of(t) for t in tuples(df)):
        taxable = r.taxable if r.taxable is not None else r.magnitude - (r.basis or ZERO)
        reason = r.reason or ""
        subject = r.account in ira_ids and reason == "ira_return" and r.date < IRA_RETURN_EXEMPT_FROM
        if subject:
            why = (f"IRA contribution returned with its earnings before {IRA_RETURN_EXEMPT_FROM.isoformat()}: the "
                   f"earnings are an early distribution before age 59 1/2")
        elif reason == "ira_excess":
            why = ("excess IRA contribution removed after the due date: not an early distribution when no deduction "
                   "was taken for it (best knowledge; Parts III and IV count it)")
        else:
            why = f"corrective distribution ({reason or 'no reason given'}): not subject to the additional tax"
        kind = "traditional_ira" if r.account in ira_ids else "plan"
        if r.account in {i.id for i in facts.profile.iras_of(facts.person, "roth")}:
            kind = "roth_ira"
        out.append(EarlyItem(r.date, r.account, kind, r.magnitude, taxable, ZERO, r.date < half, r.ref, why,
                             subject=subject))
    return out


# ------------------------------------------------------------------ Parts III and IV


@dataclass
class ExcessFacts:
    """What Parts III and IV read for one year: the audit's ira_limit finding and the IRA rows."""

    limit: Decimal | None          # the maximum allowable contribution (the finding's limit)
    trad: Decimal                  # the year's traditional IRA contributions
    roth: Decimal                  # the year's Roth IRA contributions
    excess: Decimal                # the finding's excess (0 unless it fails)
    roth_limit: Decimal | None     # the Roth IRA limit, when the finding gives one (income limit)
    refs: list[str]


def excess_facts(facts: PersonYear, data: AuditData) -> ExcessFacts:
    """The year's IRA contributions and the audit's verdict on them (`check_ira_limit`)."""
    from .audit import check_ira_limit

    ira = facts.f8606.ira
    trad = sum((e.amount for e in ira.nondeductible + ira.deductible), ZERO)
    roth = sum((e.amount for e in ira.roth_contributions), ZERO)
    found: list[Finding] = [f for f in check_ira_limit(data) if f.id == "ira_limit"]
    if not found:
        limit = data.limits.ira_limit(data.age)
        return ExcessFacts(limit, trad, roth, ZERO, None, [])
    f = found[0]
    excess = f.excess if (f.status == "fail" and f.excess is not None) else ZERO
    rl = f.details.get("roth_limit")
    roth_limit = Decimal(str(rl)) if rl is not None else None
    return ExcessFacts(f.limit, trad, roth, excess, roth_limit, list(f.rows))


def _split_excess(x: ExcessFacts) -> tuple[Decimal, Decimal]:
    """The finding's excess as (traditional, Roth): Roth money first, up to the year's Roth contributions.
    The Roth IRA limit is what the traditional contributions leave of the limit, less any income-limit
    reduction (instructions, line 19), so whatever exceeds the limit exceeds it on the Roth side first."""
    if x.excess <= 0:
        return ZERO, ZERO
    roth = min(x.excess, max(ZERO, x.roth))
    return x.excess - roth, roth


def _dec31_roth(facts: PersonYear) -> tuple[Decimal | None, list[str]]:
    """The Roth IRAs' value on Dec 31 from their balance rows (None when an account has none)."""
    roth_ids = [i.id for i in facts.profile.iras_of(facts.person, "roth")]
    end = dt.date(facts.year, 12, 31)
    total, refs = ZERO, []
    for acct in roth_ids:
        rows = [r for r in facts.ira_rows if r.account == acct and r.kind == "balance" and r.date == end]
        if not rows:
            return None, []
        total += rows[-1].amount
        refs.append(rows[-1].ref)
    return total, refs


def _prior_excess_out(facts: PersonYear, types: Sequence[str]) -> tuple[Decimal, list[str]]:
    """Corrective `ira_excess` payments of the year for an earlier year out of these IRAs (lines 12, 20)."""
    ids = {i.id for i in facts.profile.iras_of(facts.person, *types)}
    total, refs = ZERO, []
    for r in facts.ira_rows:
        if (r.account in ids and r.kind == "corrective" and r.reason == "ira_excess"
                and r.date.year == facts.year and r.for_year is not None and r.for_year < facts.year):
            total += r.basis if r.basis is not None else r.magnitude - (r.taxable or ZERO)
            refs.append(r.ref)
    return total, refs


def compute_5329(facts: PersonYear, data: AuditData | None, prev: Year5329 | None, *,
                 part1: bool = True) -> Year5329:
    """Form 5329 of `facts.year` from the rules' results, the year's audit data (None: no limits data,
    Parts III and IV not computed) and last year's form (its carried excess). Without `part1` Part I is
    left blank (an earlier year's form, read only for the excess it carries)."""
    L: dict[str, Decimal | None] = {k: None for k in LINE_IDS}
    inputs: dict[str, list[str]] = {}
    items, notes = early_distributions(facts) if part1 else ([], [])
    L["1"] = sum((i.line1 for i in items), ZERO)
    L["2"] = ZERO
    inputs["1"] = [i.ref for i in items if i.line1]
    values: dict[str, Decimal] = {}
    out = Year5329(facts.year, facts.person, L, inputs, values, items, notes)
    if data is None:
        out.computed_excess = False
        notes.append(f"Parts III and IV are not computed for {facts.year}: no IRA limit for that year in the "
                     f"limits data (mbr limits)")
    else:
        x = excess_facts(facts, data)
        trad_excess, roth_excess = _split_excess(x)
        limit = x.limit if x.limit is not None else ZERO
        room = max(ZERO, limit - x.trad - x.roth)
        l9 = prev.money("16") if prev is not None and prev.money("17") > 0 else ZERO
        l10 = room if x.trad < limit else ZERO
        L["9"], L["10"] = l9, l10
        L["11"] = facts.f8606.money("15c")
        L["12"], inputs["12"] = _prior_excess_out(facts, ("traditional", "sep", "simple"))
        L["15"], inputs["15"] = trad_excess, list(x.refs) if trad_excess else []
        L["18"] = prev.money("24") if prev is not None and prev.money("25") > 0 else ZERO
        # Room the carried traditional excess takes (line 10) is not room for the Roth excess too.
        used = min(l10, l9)
        roth_room = max(ZERO, room - used)
        if x.roth_limit is not None:
            roth_room = min(roth_room, max(ZERO, x.roth_limit - x.roth))
        L["19"] = roth_room
        out20, refs20 = _prior_excess_out(facts, ("roth",))
        L["20"] = sum((e.amount for e in facts.f8606.ira.roth_distributions), ZERO) + out20
        inputs["20"] = [e.ref for e in facts.f8606.ira.roth_distributions] + refs20
        L["23"], inputs["23"] = roth_excess, list(x.refs) if roth_excess else []
        inputs["9"] = [f"{facts.year - 1} line 16"] if L["9"] else []
        inputs["18"] = [f"{facts.year - 1} line 24"] if L["18"] else []
        nxt = [e for e in facts.f8606.ira.nondeductible + facts.f8606.ira.deductible if e.date.year > facts.year]
        trad_value = sum((v.value for v in facts.f8606.ira.dec31), ZERO) + sum((e.amount for e in nxt), ZERO)
        values[TRAD_VALUE] = trad_value
        inputs["17"] = [v.ref or f"{v.account}: estimated" for v in facts.f8606.ira.dec31]
        roth_value, roth_refs = _dec31_roth(facts)
        nxt_roth = sum((e.amount for e in facts.f8606.ira.roth_contributions if e.date.year > facts.year), ZERO)
        inputs["25"] = roth_refs
        _fill(L, values, ("13", "14", "16", "17", "21", "22", "24"))
        if roth_value is None:
            # Without the value the smaller amount is not known: line 24 itself.
            values[ROTH_VALUE] = L["24"] or ZERO
            if L["24"]:
                notes.append(f"No Dec 31, {facts.year} balance row for every Roth IRA: line 25 takes line 24 "
                             f"(best knowledge; the tax is 6% of the smaller of line 24 and the value: add the "
                             f"balance rows)")
        else:
            values[ROTH_VALUE] = roth_value + nxt_roth
        _fill(L, values, ("25",))
        if trad_excess or roth_excess:
            notes.append("The year's excess is split by the IRA limit rule: the Roth IRA limit is what the "
                         "traditional IRA contributions leave of the limit, so Roth money is the excess first "
                         "(best knowledge)")
        if L["9"] or L["18"]:
            notes.append("Last year's excess is absorbed by this year's unused limit (lines 10 and 19), then by "
                         "distributions (lines 11, 12 and 20); what is left is taxed again")
    _fill(L, values, ("3", "4"))
    # A part is filled only when it has something to tax (the form is filed for that part only then).
    for part, keys in (("I", ("1",)), ("III", ("9", "15")), ("IV", ("18", "23"))):
        if not any(L[k] for k in keys):
            for k in PARTS[part]:
                L[k] = None
    return out


def _fill(L: dict[str, Decimal | None], values: dict[str, Decimal], ids: Sequence[str]) -> None:
    def resolve(name: str) -> Resolved:
        if name in values:
            return values[name]
        v = L.get(name[1:]) if name.startswith("L") else None
        if name.startswith("L") and name[1:] in L:
            return v
        raise MbrError(f"Form 5329: no {name}")

    for i in ids:
        L[i] = BY_ID[i].evaluate(resolve)


def compute_years(years: Sequence[tuple[PersonYear, AuditData | None]]) -> list[Year5329]:
    """Form 5329 for each year in order (the first year carries nothing in), the last item the year asked."""
    out: list[Year5329] = []
    prev: Year5329 | None = None
    for i, (facts, data) in enumerate(years):
        prev = compute_5329(facts, data, prev, part1=i == len(years) - 1)
        out.append(prev)
    return out
