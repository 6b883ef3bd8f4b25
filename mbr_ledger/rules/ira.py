"""The IRA side of the ledger: a year's traditional and Roth IRA facts, the inputs of Form 8606.

Money rolled out of a plan lands in the person's first IRA of the destination type in mbr.toml (a
warning when there is none; the figures are still computed). `ira_year` collects a year's
contributions by the tax year they are for, distributions, conversions, plan money landing in the
IRAs and each traditional IRA's Dec 31 value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core.money import ZERO
from .corrective import extended_due_date
from .history import ROTH_IRA, TRADITIONAL_IRA, TRADITIONAL_TYPES, IraMoves, Move, fmt_m
from .rows import PersonRows, Row, row_of, tuples

ROLLOVER_DAYS = 60  # Pub. 590-A: a rollover between IRAs must be completed within 60 days of the distribution

if TYPE_CHECKING:
    from ..profile import Profile


def ira_rows(profile: Profile, rows: PersonRows, through: dt.date) -> list[Row]:
    """The rows of the person's IRAs up to `through`, in the ledger's order."""
    import polars as pl

    df = rows.accounts([i.id for i in profile.iras_of(rows.person)]).filter(pl.col("date") <= through)
    return [row_of(t) for t in tuples(df)]


@dataclass
class IraEvent:
    """A row on an IRA, or a plan move landing in one, as the IRA side sees it."""

    date: dt.date
    account: str
    kind: str
    amount: Decimal         # positive magnitude
    ref: str
    for_year: int | None = None
    source: str | None = None
    destination: str | None = None


@dataclass
class Dec31Value:
    """A traditional IRA's value at Dec 31: from a `balance` row, or estimated from the ledger's rows."""

    account: str
    value: Decimal
    ref: str | None
    estimated: bool


@dataclass
class IraYear:
    """One person's IRA facts for one tax year (the inputs of Form 8606)."""

    year: int
    nondeductible: list[IraEvent] = field(default_factory=list)     # for the year, incl. made next year by the due date
    deductible: list[IraEvent] = field(default_factory=list)
    roth_contributions: list[IraEvent] = field(default_factory=list)  # regular Roth IRA contributions for the year
    trad_distributions: list[IraEvent] = field(default_factory=list)  # Form 8606 line 7
    conversions: list[IraEvent] = field(default_factory=list)         # Form 8606 line 8
    roth_distributions: list[IraEvent] = field(default_factory=list)  # Form 8606 line 19 candidates
    sixty_day: list[IraEvent] = field(default_factory=list)           # rollovers between IRAs within 60 days
    outstanding: list[IraEvent] = field(default_factory=list)         # those completed next year (line 6)
    rollovers_in: list[Move] = field(default_factory=list)            # plan moves landing in IRAs this year
    dec31: list[Dec31Value] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def trad_rollover_basis(self) -> Decimal:
        """After-tax basis rolled from plans into traditional IRAs this year (traditional IRA basis)."""
        return sum((m.basis for m in self.rollovers_in if m.destination == TRADITIONAL_IRA), ZERO)


def _sum(items: list[IraEvent]) -> Decimal:
    return sum((e.amount for e in items), ZERO)


def ira_year(profile: Profile, person: str, year: int, hist: IraMoves, rows: list[Row]) -> IraYear:
    """Collect `year`'s IRA facts of `person`: contributions by the tax year they are for (so rows of
    the next year's, up to the filing due date, count), distributions, conversions, plan money landing in IRAs,
    and each traditional IRA's Dec 31 value (from its `balance` row, else estimated, with a warning
    naming the account). `hist`: the plan moves into IRAs through `year`; `rows`: the person's IRA
    rows (`ira_rows`) through at least the end of the next year."""
    trad_ids = {i.id for i in profile.iras_of(person, *TRADITIONAL_TYPES)}
    roth_ids = {i.id for i in profile.iras_of(person, "roth")}
    out = IraYear(year)
    first_trad = next(iter(profile.iras_of(person, "traditional")), None)
    first_roth = next(iter(profile.iras_of(person, "roth")), None)
    for r in rows:
        if r.account not in trad_ids and r.account not in roth_ids:
            continue
        ev = IraEvent(r.date, r.account, r.kind, r.magnitude, r.ref, r.for_year, r.source, r.destination)
        if r.kind in ("corrective", "recharacterization"):
            _moved_contribution(r, year, r.account in roth_ids, first_trad, first_roth, out)
            continue
        if r.kind == "contribution":
            tax_year = r.for_year if r.for_year is not None else r.date.year
            if tax_year != year:
                continue
            ev.for_year = tax_year
            if r.account in roth_ids:
                out.roth_contributions.append(ev)
            elif r.source == "nondeductible":
                out.nondeductible.append(ev)
            else:
                out.deductible.append(ev)
            continue
        if r.date.year != year:
            continue
        if r.account in trad_ids:
            if r.kind == "conversion" or (r.kind == "rollover" and r.destination == ROTH_IRA):
                out.conversions.append(ev)
            elif r.kind == "distribution":
                out.trad_distributions.append(ev)
            elif r.kind == "rollover" and r.completed is None:
                out.notes.append(f"{r.ref}: a rollover between traditional IRAs is neither a distribution nor a "
                                 f"conversion on Form 8606; make sure it reached the other IRA within 60 days "
                                 f"(give the day it did in column `completed`)")
            elif r.kind == "rollover":
                _sixty_day(r, ev, out)
        elif r.account in roth_ids and r.kind == "distribution":
            out.roth_distributions.append(ev)
    out.rollovers_in = hist.moves(year)
    out.dec31 = _dec31_values(profile, person, year, rows, hist, out.notes)
    out.dec31 += [Dec31Value(f"outstanding rollover from {e.account}", e.amount, e.ref, False) for e in out.outstanding]
    return out


def _sixty_day(r: Row, ev: IraEvent, out: IraYear) -> None:
    """A traditional-to-traditional IRA rollover with its `completed` day (Form 8606 instructions,
    line 6: an outstanding rollover is a distribution received late in the year and rolled over in
    the next, within the 60-day rollover period; it is added to the Dec 31 value)."""
    assert r.completed is not None
    days = (r.completed - r.date).days
    if days > ROLLOVER_DAYS:
        out.trad_distributions.append(ev)
        out.notes.append(f"{r.ref}: completed {r.completed.isoformat()}, day {days} after the distribution: past the "
                         f"60-day limit, so it is not a rollover but a distribution (Form 8606 line 7) and the deposit "
                         f"is a regular contribution (count it in `ira_limit`; best knowledge on waivers)")
        return
    out.sixty_day.append(ev)
    if r.completed.year > r.date.year:
        out.outstanding.append(ev)
        out.notes.append(f"{r.ref}: rolled over {r.completed.isoformat()}, day {days}, within 60 days but in "
                         f"{r.completed.year}: an outstanding rollover on Dec 31, {r.date.year}, added to line 6 "
                         f"({fmt_m(r.magnitude)})")
    else:
        out.notes.append(f"{r.ref}: rolled over {r.completed.isoformat()}, day {days}: within 60 days, neither a "
                         f"distribution nor a conversion on Form 8606")


def _moved_contribution(r: Row, year: int, from_roth: bool, first_trad: Any, first_roth: Any, out: IraYear) -> None:
    """A contribution for `year` returned with its earnings by the due date (section 408(d)(4)): as
    if never made. A recharacterized one: counted as made to the other kind of IRA (Pub. 590-A), when
    made by the due date with extensions."""
    if r.for_year != year:
        return
    part = r.magnitude if r.basis is None else r.basis
    if r.kind == "corrective":
        # The contract: `basis` the contributions returned, `taxable` the earnings; either is the rest.
        part = r.basis if r.basis is not None else r.magnitude - (r.taxable or ZERO)
        if r.reason != "ira_return" or r.date > extended_due_date(year):
            return
        base = out.roth_contributions if from_roth else out.nondeductible
        base.append(IraEvent(_dated(base, r), r.account, "corrective", -part, r.ref, year))
        out.notes.append(f"{r.ref}: {fmt_m(part)} of the {year} contributions returned with its earnings "
                         f"(section 408(d)(4)): treated as never contributed")
        return
    if r.date > extended_due_date(year):
        return  # too late: the contribution stays where it was (rules.corrective says so)
    to_roth = r.destination == ROTH_IRA
    src, dst = (out.nondeductible, out.roth_contributions) if to_roth else (out.roth_contributions, out.nondeductible)
    other = first_roth if to_roth else first_trad
    src.append(IraEvent(_dated(src, r), r.account, "recharacterization", -part, r.ref, year))
    dst.append(IraEvent(_dated(src, r), other.id if other is not None else "(none in mbr.toml)", "recharacterization",
                        part, r.ref, year, "roth" if to_roth else "nondeductible"))
    out.notes.append(f"{r.ref}: the {year} contribution {fmt_m(part)} recharacterized to the "
                     f"{'Roth' if to_roth else 'traditional'} IRA counts as made there"
                     + ("" if to_roth else " (Form 8606 line 1, as a nondeductible contribution; best knowledge: "
                                           "deduct it instead if you may)"))


def _dated(events: list[IraEvent], r: Row) -> dt.date:
    """The date a correction of `events` counts on: the row's, when the contributions it corrects were
    made in the next year too (Form 8606 line 4), else Dec 31 of the year."""
    if any(e.date.year == r.date.year for e in events) and r.for_year != r.date.year:
        return r.date
    return dt.date(r.for_year or r.date.year, 12, 31)


def _arrivals(rows: list[Row], through: dt.date) -> list[tuple[dt.date, int, Decimal | None, Decimal, str]]:
    """Money reaching a traditional IRA by `through` that no row of it shows: a recharacterization to
    it, and a 60-day rollover between traditional IRAs when it was completed (within 60 days)."""
    out: list[tuple[dt.date, int, Decimal | None, Decimal, str]] = []
    for r in rows:
        if r.kind == "recharacterization" and r.destination == TRADITIONAL_IRA and r.date <= through:
            out.append((r.date, 0, None, r.magnitude, r.ref))
        elif (r.kind == "rollover" and r.destination == TRADITIONAL_IRA and r.completed is not None
              and r.completed <= through and (r.completed - r.date).days <= ROLLOVER_DAYS):
            out.append((r.completed, 0, None, r.magnitude, r.ref))
    return out


def _dec31_values(profile: Profile, person: str, year: int, rows: list[Row], hist: IraMoves,
                  notes: list[str]) -> list[Dec31Value]:
    dec31 = dt.date(year, 12, 31)
    trad = profile.iras_of(person, *TRADITIONAL_TYPES)
    values = []
    landed = [m for m in hist.moves_to(TRADITIONAL_IRA) if m.date <= dec31]
    first_trad = profile.iras_of(person, "traditional")
    unplaced = [m for m in landed if m.landing is None]
    for ira in trad:
        running = ZERO
        ref: str | None = None
        events: list[tuple[dt.date, int, Decimal | None, Decimal, str]] = []  # date, order, balance, flow, ref
        for r in rows:
            if r.account != ira.id or r.date > dec31:
                continue
            if r.kind == "balance":
                events.append((r.date, 1, r.amount, ZERO, r.ref))
            else:
                events.append((r.date, 0, None, r.amount, r.ref))
        for m in landed:
            if m.landing == ira.id or (m.landing is None and first_trad and ira.id == first_trad[0].id):
                events.append((m.date, 0, None, m.amount, m.ref))
        if first_trad and ira.id == first_trad[0].id:
            events += _arrivals(rows, dec31)
        events.sort(key=lambda e: (e[0], e[1]))
        found: str | None = None
        for d, _, bal, flow, rref in events:
            if bal is not None:
                running = bal
                if d == dec31:
                    found = rref
            else:
                running += flow
                if d == dec31 and found is not None:
                    found = None  # a flow after the Dec 31 balance row: the row is not the year-end value
        ref = found
        if ref is None:
            notes.append(f"{ira.id}: no balance row dated {dec31.isoformat()}; Form 8606 line 6 uses "
                         f"{fmt_m(running)} estimated from the ledger's rows (add the Dec 31 value from the "
                         f"statement as a `balance` row)")
        values.append(Dec31Value(ira.id, running, ref, ref is None))
    if not trad and unplaced:
        v = sum((m.amount for m in unplaced), ZERO)
        values.append(Dec31Value("(no traditional IRA in mbr.toml)", v, None, True))
        notes.append(f"{person} has no traditional IRA in mbr.toml; line 6 counts the {fmt_m(v)} rolled into one")
    return values


