"""After-tax lots, conversions and rollovers: the history of each plan's after-tax source.

docs/rules.md section 4. The after-tax source of each plan is its own account: every after-tax
contribution is *basis*, everything the source earns is pre-tax money. Every in-plan Roth rollover
(IRR, ledger kind `conversion`), rollover or distribution out of the source takes a pro-rata share
of basis and earnings (sections 72(e)(8) and 72(d)(2)): ``basis = amount x basis / value`` rounded
half-up to the cent, and all of the remaining basis when the move empties the source. A row that
states `basis` / `taxable` is taken at its word; the pro-rata figure is still computed and a
difference is reported in the notes.

Several rollover (and distribution) rows of one plan, source and date are one distribution
(Notice 2014-54): its earnings go first to the traditional-IRA legs, then to the Roth-IRA legs
(taxable there), then to cash; the basis fills the rest of each leg. A split whose traditional legs
are smaller than the earnings cannot be honoured and says so; a traditional leg larger than the
earnings carries after-tax basis into the traditional IRA, which becomes IRA basis (Form 8606).

Lots: each after-tax contribution is a lot. Basis leaves the source first in, first out (the tax
split of each move is pro rata over the whole source; FIFO only decides which lot a move closes).
A lot's earnings are the earnings rows booked while it was open, shared among the open lots in
proportion to their remaining basis, cents exact (largest remainder); rows booked between two
changes of the open lots (a deposit, a move, a year end) are added up first and shared once.
Earnings booked while no lot is open wait and go to the lots closed by the next move that empties
the source. When a move takes more than the ledger holds for the source, the difference is counted
as earnings not booked.

The engine walks only the rows that move basis (`rows.plan_rows`: contributions, moves, and each run
of earnings between them summed by Polars). It reads the person's frames (`rows.PersonRows`), never
the store, and keeps nothing between calls.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core.errors import MbrError
from ..core.money import ZERO, allocate, from_cents, round_cents
from .history import (
    CASH,
    ROTH_401K,
    ROTH_IRA,
    TRADITIONAL_IRA,
    AfterTaxHistory,
    Lot,
    Move,
    Note,
    PlanHistory,
    YearEnd,
    fmt_m,
    refs_text,
)
from .rows import PersonRows, Row, roth_earnings_through, row_of

if TYPE_CHECKING:
    from ..profile import Profile

# ------------------------------------------------------------------ after-tax history: the engine

ROLLOVER_DAYS = 60  # an indirect rollover completed on day 61 or later is a distribution (Pub. 590-A)


@dataclass
class _Pool:
    source: str
    basis: Decimal = ZERO
    value: Decimal = ZERO
    open: list[Lot] = field(default_factory=list)
    orphan: Decimal = ZERO   # earnings booked while no lot was open
    lots: bool = False       # whether the source's lots are kept (only the after-tax source has lots)


def _landing(profile: Profile, person: str, destination: str, notes: list[str], ref: str) -> str | None:
    if destination == ROTH_IRA:
        iras = profile.iras_of(person, "roth")
    elif destination == TRADITIONAL_IRA:
        iras = profile.iras_of(person, "traditional")
    else:
        return None
    if not iras:
        kind = "Roth" if destination == ROTH_IRA else "traditional"
        notes.append(f"{ref}: {person} has no {kind} IRA in mbr.toml; the rollover is counted as if it "
                     f"landed in one (add an [[ira]] of type {'roth' if destination == ROTH_IRA else 'traditional'})")
        return None
    return iras[0].id


def _earn(pool: _Pool, amount: Decimal) -> None:
    """Book earnings (a fee is negative) on the pool and share them among the open lots."""
    pool.value += amount
    if not pool.lots:
        return
    if len(pool.open) == 1 and int(pool.open[0].remaining * 100) > 0:
        # `allocate` over one weight gives it all: the same cents, as `from_cents` makes them.
        pool.open[0].earnings += from_cents(int(amount * 100))
        return
    shares = allocate(amount, [lot.remaining for lot in pool.open])
    if shares is None:
        pool.orphan += amount
        return
    for lot, s in zip(pool.open, shares, strict=True):
        lot.earnings += s


def _box_legs(legs: list[Row]) -> list[Row]:
    """Allocation order of a distribution's legs: traditional IRA, then Roth IRA, then cash."""
    order = {TRADITIONAL_IRA: 0, ROTH_IRA: 1}
    return sorted(legs, key=lambda r: order.get(r.destination or "", 2))


def _move_group(profile: Profile, person: str, plan: str, pool: _Pool, legs: list[Row],
                hist: PlanHistory | None, sink: list[str], keep: bool = True) -> list[Move]:
    """Take one distribution (one or more legs) out of `pool`; returns its moves in leg order (none,
    and no notes, without `keep`: the pool changes all the same)."""
    date = legs[0].date
    notes: list[str] = []
    single = len(legs) == 1
    total = ZERO + legs[0].magnitude if single else sum((r.magnitude for r in legs), ZERO)
    refs = [r.ref for r in legs]

    def where() -> str:
        return refs_text(refs)

    if total > pool.value:
        missing = total - pool.value
        if keep and pool.source == "after_tax" and (pool.value > 0 or pool.basis > 0):
            notes.append(f"{where()}: {fmt_m(total)} leaves the {plan} {pool.source} source, which holds "
                         f"{fmt_m(pool.value)} by the ledger; {fmt_m(missing)} is counted as earnings not "
                         f"booked (add the earnings rows)")
        _earn(pool, missing)
    whole = total >= pool.value
    if whole:
        basis_total = pool.basis
    elif pool.value > 0:
        basis_total = round_cents(total * pool.basis / pool.value)
    else:  # pragma: no cover - total > value is handled above
        basis_total = min(total, pool.basis)
    basis_total = max(ZERO, min(basis_total, total, pool.basis))
    earnings_total = total - basis_total

    # Notice 2014-54: earnings to the traditional legs first, then Roth, then cash.
    ordered = legs if single else _box_legs(legs)
    group = None if single else f"{plan}:{date.isoformat()}:{pool.source}"
    left = earnings_total
    computed: dict[int, tuple[Decimal, Decimal]] = {}  # id(row) -> (basis, earnings)
    for r in ordered:
        mag = r.magnitude
        e = min(mag, left)
        left -= e
        computed[id(r)] = (mag - e, e)
    trad_total = sum((r.magnitude for r in legs if r.destination == TRADITIONAL_IRA), ZERO) if keep else ZERO
    if group and trad_total and earnings_total > trad_total:
        notes.append(f"{where()}: split rollover cannot be honoured: the distribution carries "
                     f"{fmt_m(earnings_total)} of earnings but the traditional IRA leg is only {fmt_m(trad_total)}; "
                     f"{fmt_m(earnings_total - trad_total)} of earnings go with the other legs and are taxable")
    if trad_total > earnings_total and pool.source == "after_tax":
        notes.append(f"{where()}: {fmt_m(trad_total - earnings_total)} of after-tax basis went to a traditional "
                     f"IRA: it becomes traditional IRA basis (Form 8606 line 2) and falls under the IRA "
                     f"pro-rata rule")

    moves: list[Move] = []
    taking: list[tuple[Decimal, str, str]] = []  # each leg's basis, row and destination, for the lots
    used_basis = ZERO
    for r in legs:
        b, e = computed[id(r)]
        dest = r.destination if r.kind == "rollover" else (ROTH_401K if r.kind == "conversion" else CASH)
        assert dest is not None
        if r.completed is not None and (r.completed - r.date).days > ROLLOVER_DAYS:
            # Pub. 590-A: an indirect rollover must reach the IRA within 60 days of the day it was received.
            notes.append(f"{r.ref}: completed {r.completed.isoformat()}, day {(r.completed - r.date).days} after "
                         f"the distribution: past the 60-day limit, so not a rollover but a distribution (its "
                         f"earnings are taxable, and the deposit into the IRA is a regular contribution if "
                         f"anything)")
            dest = CASH
        tax = ZERO if dest == TRADITIONAL_IRA else e
        if pool.source == "roth":
            tax = ZERO  # designated Roth money: basis is investment in the contract, earnings not taxed on rollover
        sb = r.basis  # the basis the row states (or its amount less the taxable part it states): taken at its word
        if sb is None and r.taxable is not None and dest != TRADITIONAL_IRA:
            sb = r.magnitude - r.taxable
        if sb is not None:
            sb = max(ZERO, min(sb, r.magnitude))
        if not keep:
            used_basis += b if sb is None else sb
            taking.append((b if sb is None else sb, r.ref, dest))
            continue
        m = Move(plan, person, date, r.kind, pool.source, dest, r.magnitude, b, e, tax, [r.ref], None, group,
                 b, tax, r.basis, r.taxable, completed=r.completed)
        if r.basis is not None or r.taxable is not None:
            diffs = []
            if r.basis is not None and r.basis != b:
                diffs.append(f"basis {fmt_m(r.basis)} (pro rata: {fmt_m(b)})")
            if r.taxable is not None and r.taxable != tax:
                diffs.append(f"taxable {fmt_m(r.taxable)} (pro rata: {fmt_m(tax)})")
            if sb is not None:
                m.basis, m.earnings = sb, r.magnitude - sb
                m.taxable = ZERO if dest == TRADITIONAL_IRA or pool.source == "roth" else m.earnings
                if r.taxable is not None and dest != TRADITIONAL_IRA and r.basis is not None \
                        and r.basis + r.taxable != r.magnitude:
                    diffs.append(f"basis + taxable = {fmt_m(r.basis + r.taxable)} is not the amount "
                                 f"{fmt_m(r.magnitude)}")
            if diffs:
                msg = f"{r.ref}: the row states " + "; ".join(diffs) + "; the row's figures are used"
                m.notes.append(msg)
                notes.append(msg)
        m.landing = _landing(profile, person, dest, notes, r.ref)
        used_basis += m.basis
        taking.append((m.basis, r.ref, dest))
        moves.append(m)

    if used_basis > pool.basis:
        if keep:
            notes.append(f"{where()}: the rows state {fmt_m(used_basis)} of basis but the source holds only "
                         f"{fmt_m(pool.basis)}")
        used_basis = pool.basis
    pool.value -= total
    pool.basis -= used_basis
    if keep and pool.value <= 0 and pool.basis > 0 and whole:
        notes.append(f"{where()}: the {plan} {pool.source} source is empty but {fmt_m(pool.basis)} of basis is "
                     f"left by the stated figures")

    if pool.source == "after_tax" and hist is not None:
        hist.moves.extend(moves)
    if pool.lots:
        # Close lots first in, first out with the basis of each leg (in row order).
        closed: list[tuple[Lot, Decimal]] = []
        for basis, ref, dest in taking:
            need = basis
            while need > 0 and pool.open:
                lot = pool.open[0]
                t = min(lot.remaining, need)
                lot.remaining -= t
                need -= t
                closed.append((lot, t))
                if lot.remaining == 0:
                    lot.converted_on, lot.conversion_ref, lot.destination = date, ref, dest
                    pool.open.pop(0)
        if pool.value <= 0:
            # The source is empty: the lots still open (a stated basis below the ledger's) close here too,
            # and earnings booked while no lot was open go to the lots this move closed.
            for lot in list(pool.open):
                lot.converted_on, lot.conversion_ref, lot.destination = date, taking[-1][1], taking[-1][2]
                closed.append((lot, lot.remaining))
            pool.open.clear()
            if pool.orphan:
                shares = allocate(pool.orphan, [t for _, t in closed])
                if shares is not None:
                    for (lot, _), s in zip(closed, shares, strict=True):
                        lot.earnings += s
                    pool.orphan = ZERO
    year = date.year
    if notes:
        sink.extend(Note(n, year) for n in notes)
    for m in moves:
        m.notes = [Note(n, year) for n in m.notes] if m.notes else []
    return moves


def _known(profile: Profile, person: str) -> None:
    try:
        profile.person(person)
    except KeyError:
        raise MbrError(f"unknown person {person!r} (persons in mbr.toml: {', '.join(profile.person_ids())})") from None


def _plan_history(profile: Profile, person: str, plan_id: str, rows: list[tuple[Any, ...]], through_year: int,
                  out: AfterTaxHistory, roth_earnings: Callable[[str], int], lots: bool,
                  all_moves: bool) -> PlanHistory:
    """One plan: stream its rows (earnings and fees are summed in cents until the open lots change);
    the after-tax lots are kept with `lots`, the moves of every year with `all_moves` (else those of
    `through_year` and the rollovers)."""
    hist = PlanHistory(plan=plan_id)
    pools: dict[str, _Pool] = {}
    pending: dict[str, int] = {}          # source -> money (cents) not yet booked on the pool: earnings and
    pending_basis: dict[str, int] = {}    # fees, and without `lots` deposits too (with their basis here)
    roth_booked = 0                       # Roth-source earnings (cents) already in the Roth pool
    earned: dict[int, int] = {}
    deposited: dict[int, int] = {}        # after-tax deposits by year (cents), without `lots`

    def pool_of(source: str) -> _Pool:
        if source not in pools:
            pools[source] = _Pool(source, lots=lots and source == "after_tax")
        return pools[source]

    def flush(pool: _Pool) -> None:
        basis = pending_basis.pop(pool.source, 0)
        if basis:
            pool.basis += from_cents(basis)
        cents = pending.pop(pool.source, 0)
        if cents:
            _earn(pool, from_cents(cents))

    groups: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for t in rows:
        if t[2] in ("rollover", "distribution") and t[3]:
            groups[(t[0], t[3])].append(t)
    done: set[tuple[str, str]] = set()
    at = pool_of("after_tax")
    cur_year = int(rows[0][0][:4]) if rows else through_year

    def close_years(upto: int) -> None:
        nonlocal cur_year
        if cur_year < upto:
            flush(at)
        while cur_year < upto:
            hist.year_end[cur_year] = YearEnd(cur_year, at.basis, at.value - at.basis, len(at.open))
            cur_year += 1

    for t in rows:
        year = int(t[0][:4])
        close_years(year)
        kind, src = t[2], t[3] or ""
        if kind in ("earnings", "fee"):
            if src:
                pending[src] = pending.get(src, 0) + int(t[4])
            if src == "after_tax":
                earned[year] = earned.get(year, 0) + int(t[4])
            continue
        if kind == "contribution" and src and not lots:
            # No lots to open: a deposit only adds to its source, like the earnings beside it.
            pending[src] = pending.get(src, 0) + int(t[4])
            if src in ("after_tax", "roth"):
                pending_basis[src] = pending_basis.get(src, 0) + int(t[4])
            if src == "after_tax":
                deposited[year] = deposited.get(year, 0) + int(t[4])
            continue
        if kind == "contribution" and src:
            pool = pool_of(src)
            flush(pool)
            amount = from_cents(int(t[4]))
            pool.value += amount
            pool.basis += amount if src in ("after_tax", "roth") else ZERO
            if src == "after_tax":
                if lots:
                    lot = Lot(plan=plan_id, contributed_on=dt.date.fromisoformat(t[0]), amount=amount, ref=t[10],
                              remaining=amount)
                    hist.lots.append(lot)
                    pool.open.append(lot)
                hist.contributed[year] = hist.contributed.get(year, ZERO) + amount
            continue
        r = row_of(t)
        if kind == "balance":
            if src == "after_tax":
                flush(at)
                if r.amount != at.value:
                    hist.notes.append(Note(f"{r.ref}: the statement shows {fmt_m(r.amount)} in the after-tax source on "
                                      f"{r.date.isoformat()}; the ledger's rows add up to {fmt_m(at.value)}", year))
            continue
        if not src:
            continue
        pool = pool_of(src)
        flush(pool)
        if kind == "conversion":
            if src == "roth":
                hist.notes.append(Note(f"{r.ref}: an in-plan Roth rollover of Roth money does nothing; row left out", year))
                continue
            moves = _move_group(profile, person, plan_id, pool, [r], hist if src == "after_tax" else None, hist.notes,
                                all_moves or year == through_year)
            roth = pool_of("roth")
            roth.value += r.magnitude
            roth.basis += r.magnitude   # IRR money is investment in the Roth 401(k) contract
            if src != "after_tax":
                out.other_moves.extend(moves)
        elif kind == "corrective":
            # A corrective refund takes the contributions it returns (its basis) and its earnings out of
            # the source; it is no move of this history (rules.corrective gives its Forms 1099-R).
            _move_group(profile, person, plan_id, pool, [r], None, hist.notes, False)
        elif kind in ("rollover", "distribution"):
            key = (t[0], src)
            if key in done:
                continue
            done.add(key)
            legs = [row_of(x) for x in groups[key]]
            if src == "roth":
                total = roth_earnings(t[0])
                if total != roth_booked:
                    _earn(pool, from_cents(total - roth_booked))
                    roth_booked = total
            if src == "roth" and any(leg.destination == TRADITIONAL_IRA for leg in legs):
                hist.notes.append(Note(f"{refs_text([leg.ref for leg in legs])}: Roth 401(k) money cannot be rolled "
                                  f"to a traditional IRA", year))
            moves = _move_group(profile, person, plan_id, pool, legs, hist if src == "after_tax" else None,
                                hist.notes, all_moves or year == through_year or kind == "rollover")
            if src != "after_tax":
                out.other_moves.extend(moves)
    close_years(through_year + 1)
    flush(at)
    hist.earned = {y: from_cents(c) for y, c in earned.items()}
    if not lots:
        hist.contributed = {y: from_cents(c) for y, c in deposited.items()}
    for lot in at.open:
        lot.converted_on = None
    return hist


def _roth_earnings(rows: PersonRows, plan: str) -> Callable[[str], int]:
    """Cents of the plan's Roth earnings booked up to a day (ISO text), read from the rows when first asked."""
    got: list[tuple[list[str], list[int]]] = []

    def through(day: str) -> int:
        if not got:
            got.append(rows.roth_earned(plan))
        return roth_earnings_through(*got[0], day)

    return through


def after_tax_history(profile: Profile, rows: PersonRows, through_year: int, *, lots: bool = True,
                      all_moves: bool | None = None, plans: set[str] | None = None) -> AfterTaxHistory:
    """The after-tax lots and every move out of the person's plans, through Dec 31 of `through_year`.

    For readers of one year: without `lots`, no lots and no open-lot counts; without `all_moves`
    (the default without `lots`), of the years before `through_year` only the rollovers (the moves
    into IRAs), and not their notes. The figures are the same either way: the lots only follow the
    source, and every move still takes its part of it. With `plans`, only those of the person's
    plans (each plan's source is walked on its own)."""
    every = lots if all_moves is None else all_moves
    person = rows.person
    _known(profile, person)
    walked = [p for p in profile.plans_of(person) if plans is None or p.id in plans]
    last = f"{through_year:04d}-12-31"
    by_plan: dict[str, list[tuple[Any, ...]]] = {p.id: [] for p in walked}
    for t in rows.walk:
        if t[0] <= last and t[1] in by_plan:
            by_plan[t[1]].append(t)
    out = AfterTaxHistory(person=person, through_year=through_year)
    for plan in walked:
        out.plans[plan.id] = _plan_history(profile, person, plan.id, by_plan[plan.id], through_year, out,
                                           _roth_earnings(rows, plan.id), lots, every)
    return out
