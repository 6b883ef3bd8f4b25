"""The after-tax history as data: lots, moves out of the plans, Dec 31 figures, and the views of it
the audit, the IRA side and Form 1099-R read (`rules.lots` makes it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..core.money import ZERO

ROTH_401K = "roth_401k"     # destination of an in-plan Roth rollover (IRR)
ROTH_IRA = "roth_ira"
TRADITIONAL_IRA = "traditional_ira"
CASH = "cash"               # destination of a distribution paid to the person
TRADITIONAL_TYPES = ("traditional", "sep", "simple")
IRA_DESTINATIONS = (ROTH_IRA, TRADITIONAL_IRA)


# ------------------------------------------------------------------ small helpers


def ref_of(row: dict[str, Any]) -> str:
    """A ledger row's place, `file:line`."""
    return f"{row['source_file']}:{row['source_line']}"


def refs_text(refs: list[str]) -> str:
    """`a.csv:3,8,13; b.csv:2`: refs grouped by file, for tables."""
    by_file: dict[str, list[str]] = {}
    for r in refs:
        path, _, line = r.rpartition(":")
        by_file.setdefault(path, []).append(line)
    return "; ".join(f"{p}:{','.join(lines)}" for p, lines in by_file.items())


class Note(str):
    """A warning text that knows the tax year it is about (`year`, None when it is about no one year)."""

    year: int | None

    def __new__(cls, text: str, year: int | None = None) -> Note:
        obj = super().__new__(cls, text)
        obj.year = year
        return obj


def notes_of(notes: list[str], year: int | None) -> list[str]:
    """The notes about `year` (all of them when year is None; notes without a year always)."""
    return [n for n in notes if year is None or getattr(n, "year", None) in (None, year)]


# ------------------------------------------------------------------ after-tax history: the data


@dataclass
class Lot:
    """One after-tax contribution to a plan.

    - `plan`, `contributed_on`, `amount` (the basis contributed), `ref` (`file:line` of the deposit row).
    - `converted_on`: the date of the move (IRR, rollover or distribution) that took the lot's last
      cent of basis; None while some of it is still in the source at the end of `through_year`.
    - `earnings`: the earnings booked while the lot was open (to its conversion, or to the end of
      `through_year` when still open), its share by remaining basis among the open lots.
    - `conversion_ref`: `file:line` of the move row that closed it; `destination` where that move went
      (`roth_401k` for an IRR, `roth_ira`, `traditional_ira`, `cash`).
    - `remaining`: basis still in the source at the end of `through_year` (0 once converted).
    """

    plan: str
    contributed_on: dt.date
    amount: Decimal
    ref: str
    converted_on: dt.date | None = None
    earnings: Decimal = ZERO
    conversion_ref: str | None = None
    destination: str | None = None
    remaining: Decimal = ZERO

    @property
    def days(self) -> int | None:
        """Calendar days from the deposit to the conversion (None while open)."""
        return (self.converted_on - self.contributed_on).days if self.converted_on else None

    def days_open(self, as_of: dt.date) -> int:
        end = self.converted_on or as_of
        return (end - self.contributed_on).days


@dataclass
class Move:
    """Money leaving a plan source: an IRR (`conversion`), a `rollover` leg or a `distribution`.

    - `amount`: the positive amount moved; `basis`: its after-tax part (1099-R box 5);
      `earnings`: its pre-tax part (= amount - basis); `taxable`: what is taxable now (1099-R box 2a):
      the earnings, except on a traditional-IRA leg where they stay pre-tax (0).
    - `destination`: `roth_401k` (IRR), `roth_ira`, `traditional_ira` or `cash`; `landing`: the IRA id
      in mbr.toml the money reached (None for `roth_401k`/`cash`, or when the person has no such IRA).
    - `split_group`: `"<plan>:<date>:<source>"` when several legs make one distribution, else None.
    - `computed_basis` / `computed_taxable`: the pro-rata figures; `stated_basis` / `stated_taxable`:
      what the row said, if anything (the move uses them when given).
    - `source`: the plan money source (`after_tax` for the after-tax history).
    """

    plan: str
    person: str
    date: dt.date
    kind: str
    source: str
    destination: str
    amount: Decimal
    basis: Decimal
    earnings: Decimal
    taxable: Decimal
    refs: list[str]
    landing: str | None = None
    split_group: str | None = None
    computed_basis: Decimal = ZERO
    computed_taxable: Decimal = ZERO
    stated_basis: Decimal | None = None
    stated_taxable: Decimal | None = None
    notes: list[str] = field(default_factory=list)
    completed: dt.date | None = None  # an indirect (60-day) rollover: the day it reached the IRA

    @property
    def year(self) -> int:
        return self.date.year

    @property
    def ref(self) -> str:
        return self.refs[0] if self.refs else ""


@dataclass
class YearEnd:
    """The source at Dec 31 of `year`: basis and earnings still in the plan, and open lots."""

    year: int
    basis: Decimal
    earnings: Decimal
    open_lots: int

    @property
    def value(self) -> Decimal:
        return self.basis + self.earnings


@dataclass
class PlanHistory:
    """One plan's after-tax source: `lots`, `moves` (out of the source), `year_end` by year, `notes`."""

    plan: str
    lots: list[Lot] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    year_end: dict[int, YearEnd] = field(default_factory=dict)
    contributed: dict[int, Decimal] = field(default_factory=dict)   # after-tax deposits by year
    earned: dict[int, Decimal] = field(default_factory=dict)        # earnings rows (fees negative) by year
    notes: list[str] = field(default_factory=list)

    def unconverted(self, year: int) -> YearEnd:
        """Basis and earnings left at Dec 31 of `year` (zero before the first row)."""
        if year in self.year_end:
            return self.year_end[year]
        before = [y for y in self.year_end if y < year]
        if before:
            last = self.year_end[max(before)]
            return YearEnd(year, last.basis, last.earnings, last.open_lots)
        return YearEnd(year, ZERO, ZERO, 0)


@dataclass
class AfterTaxHistory:
    """`after_tax_history(...)`: per plan of the person (`plans[plan_id]`), the lots, the moves and the
    Dec 31 figures of the after-tax source through `through_year`.

    `other_moves` are moves out of the plans' other sources (pre-tax, Roth, match, nonelective): they
    are needed for the 1099-R worksheet and the IRA side. `notes` are warnings (row refs included).
    """

    person: str
    through_year: int
    plans: dict[str, PlanHistory] = field(default_factory=dict)
    other_moves: list[Move] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _moves: dict[tuple[Any, ...], tuple[tuple[int, int], list[Move], dict[int, list[Move]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)  # `moves` sorted once per plan

    def lots(self, plan: str | None = None) -> list[Lot]:
        return [lot for p in self.plans.values() if plan in (None, p.plan) for lot in p.lots]

    def moves(self, plan: str | None = None, year: int | None = None, *, all_sources: bool = False) -> list[Move]:
        ordered, by_year = self._sorted(plan, all_sources)
        return list(ordered) if year is None else list(by_year.get(year, ()))

    def moves_to(self, destination: str) -> list[Move]:
        """`moves(all_sources=True)` that went to `destination`, in that order."""
        return list(self._sorted(None, True, destination)[0])

    def moves_to_any(self, destinations: tuple[str, ...]) -> list[Move]:
        """`moves(all_sources=True)` that went to one of `destinations`, in that order."""
        return [m for m in self._sorted(None, True)[0] if m.destination in destinations]

    def _sorted(self, plan: str | None, all_sources: bool, destination: str | None = None
                ) -> tuple[list[Move], dict[int, list[Move]]]:
        """The moves (sorted once per plan and sources, kept while no move is added) and by year."""
        size = (sum(len(p.moves) for p in self.plans.values()), len(self.other_moves))
        key = (plan, all_sources, destination)
        got = self._moves.get(key)
        if got is None or got[0] != size:
            if destination is not None:
                out = [m for m in self._sorted(plan, all_sources)[0] if m.destination == destination]
            else:
                out = [m for p in self.plans.values() if plan in (None, p.plan) for m in p.moves]
                if all_sources:
                    out += [m for m in self.other_moves if plan in (None, m.plan)]
                    out.sort(key=lambda m: (m.date, m.plan, m.source, m.destination))
            by_year: dict[int, list[Move]] = {}
            for m in out:
                by_year.setdefault(m.date.year, []).append(m)
            got = self._moves[key] = (size, out, by_year)
        return got[1], got[2]

    def all_notes(self, year: int | None = None) -> list[str]:
        """Every warning, or only those about `year` (each note is a `Note`, a str with a `year`)."""
        return notes_of(self.notes + [n for p in self.plans.values() for n in p.notes], year)


@dataclass
class IraMoves:
    """The moves out of the person's plans (every source) that reached an IRA, in the order of
    `AfterTaxHistory.moves(all_sources=True)`, through Dec 31 of `through_year`: all the IRA side
    (`ira_year`, Form 8606) reads of the after-tax history. `ira_moves(...)` gives it."""

    person: str
    through_year: int
    items: list[Move] = field(default_factory=list)

    @classmethod
    def of(cls, hist: AfterTaxHistory) -> IraMoves:
        return cls(hist.person, hist.through_year, hist.moves_to_any(IRA_DESTINATIONS))

    def moves(self, year: int | None = None) -> list[Move]:
        return [m for m in self.items if year is None or m.year == year]

    def moves_to(self, destination: str) -> list[Move]:
        return [m for m in self.items if m.destination == destination]


@dataclass
class YearMoves:
    """One year of the after-tax history as Form 1099-R reads it: the year's moves out of the plans
    (every source, in the order of `AfterTaxHistory.moves(all_sources=True)`) and the notes about
    the year (`all_notes(year)`). `year_moves(...)` gives it."""

    person: str
    year: int
    items: list[Move] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, hist: AfterTaxHistory) -> YearMoves:
        return cls(hist.person, hist.through_year, hist.moves(year=hist.through_year, all_sources=True),
                   hist.all_notes(hist.through_year))


@dataclass
class PlanYearLots:
    """One plan's after-tax source as the year-end audit reads it (`audit_lots(...)`), from
    `after_tax_history(..., year).plans[plan]`:

    - `unconverted`: `unconverted(year)`; `contributed`: `contributed.get(year)`; `moved`: the moves of
      `year`; `open_lots`: lots contributed by `year` with basis left and not converted;
      `converted`: lots converted in `year`; `still_open`: lots contributed by `year`, not converted.
    """

    plan: str
    unconverted: YearEnd
    contributed: Decimal | None
    moved: list[Move]
    open_lots: list[Lot]
    converted: list[Lot]
    still_open: list[Lot]

    @classmethod
    def of(cls, ph: PlanHistory, year: int) -> PlanYearLots:
        return cls(ph.plan, ph.unconverted(year), ph.contributed.get(year), [m for m in ph.moves if m.year == year],
                   [lot for lot in ph.lots if lot.contributed_on.year <= year and lot.remaining > 0
                    and lot.converted_on is None],
                   [lot for lot in ph.lots if lot.converted_on is not None and lot.converted_on.year == year],
                   [lot for lot in ph.lots if lot.contributed_on.year <= year and lot.converted_on is None])


def _audit_view(hist: AfterTaxHistory) -> dict[str, PlanYearLots]:
    return {pid: PlanYearLots.of(ph, hist.through_year) for pid, ph in hist.plans.items()}


def fmt_m(v: Decimal) -> str:
    return f"{v.quantize(_CENT):,}"


_CENT = Decimal("0.01")
