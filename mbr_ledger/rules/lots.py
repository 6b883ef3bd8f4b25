"""After-tax lots, conversions and rollovers, and the IRA side of the ledger.

tax-rules.md section 4. The after-tax source of each plan is its own account: every after-tax
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
changes of the open lots (a deposit, a move, a year end) are added up first and shared once. Earnings booked while no lot
is open wait and go to the lots closed by the next move that empties the source. When a move takes
more than the ledger holds for the source, the difference is counted as earnings not booked.

The IRA side: money rolled out of a plan lands in the person's first IRA of the destination type
in mbr.toml (a warning when there is none; the figures are still computed). `ira_year` collects a
year's traditional and Roth IRA facts (Form 8606 inputs), `RothLayer` and `consume_roth` keep the
Roth IRA basis layers with their 5-year clocks and apply the ordering rules of a distribution.

Rules never read files: every function takes the profile and the ledger store. The history and the
parts of it the commands read (`audit_lots`, `ira_moves`, `year_moves`) are kept between commands by
`ledger.queries.kept` (the book's `.mbr-cache`, keyed by the ledger's event rows, the program and the
profile's plans and IRAs of the person): a command after another reads them instead of walking every
row since the first year again.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from ..core.errors import MbrError
from ..core.money import ZERO, from_cents, round_cents
from ..forms.model import Grid, Line, Worksheet

if TYPE_CHECKING:
    from ..ledger.store import Ledger
    from ..profile import Person, Profile

ROTH_401K = "roth_401k"     # destination of an in-plan Roth rollover (IRR)
ROTH_IRA = "roth_ira"
TRADITIONAL_IRA = "traditional_ira"
CASH = "cash"               # destination of a distribution paid to the person
TRADITIONAL_TYPES = ("traditional", "sep", "simple")
MOVE_KINDS = ("conversion", "rollover", "distribution")


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


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal] | None:
    """Split `total` over `weights` in proportion, cents exact (largest remainder, ties to the first).

    None when there is nothing to weigh by (no weights or all zero)."""
    wc = [int(w * 100) for w in weights]
    denom = sum(wc)
    if not wc or denom <= 0:
        return None
    tc = int(total * 100)
    sign = -1 if tc < 0 else 1
    tc = abs(tc)
    shares = [tc * w // denom for w in wc]
    rema = sorted(range(len(wc)), key=lambda i: (-(tc * wc[i] % denom), i))
    left = tc - sum(shares)
    for i in rema[:left]:
        shares[i] += 1
    return [from_cents(sign * s) for s in shares]


def age_59_half_date(born: dt.date) -> dt.date:
    """The day a person born on `born` reaches age 59 1/2 (six calendar months after the 59th birthday)."""
    y, m = born.year + 59, born.month + 6
    if m > 12:
        y, m = y + 1, m - 12
    for day in (born.day, 30, 29, 28):
        try:
            return dt.date(y, m, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def under_59_half(person: Person, day: dt.date) -> bool:
    return day < age_59_half_date(person.born)


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


@dataclass
class _Row:
    date: dt.date
    account: str
    kind: str
    source: str | None
    amount: Decimal            # signed money into the account
    basis: Decimal | None
    taxable: Decimal | None
    destination: str | None
    for_year: int | None
    memo: str | None
    ref: str

    @property
    def magnitude(self) -> Decimal:
        return abs(self.amount)


def _money(v: int | None) -> Decimal | None:
    return None if v is None else from_cents(int(v))


# The columns of the raw event tuples the rules read, in this order: the date as ISO text, these, and
# the row's place `file:line`.
_COLUMNS = ("account", "kind", "source", "amount", "basis", "taxable", "destination", "for_year", "memo")


def _tuples(df: Any, *extra: str) -> list[tuple[Any, ...]]:
    """Raw event tuples of a frame of events (already in the ledger's sort order), then the `extra` columns."""
    import polars as pl

    ref = pl.format("{}:{}", "source_file", "source_line")
    return df.select(pl.col("date").dt.to_string("%Y-%m-%d"), *_COLUMNS, ref, *extra).rows()  # type: ignore[no-any-return]


def _row(t: tuple[Any, ...]) -> _Row:
    return _Row(dt.date.fromisoformat(t[0]), t[1], t[2], t[3], from_cents(int(t[4])), _money(t[5]), _money(t[6]),
                t[7], t[8], t[9], t[10])


def event_rows(ledger: Ledger, person: str, through: dt.date, accounts: list[str] | None = None) -> list[_Row]:
    """The person's event rows up to `through` (only `accounts` when given), in the ledger's sort order."""
    import polars as pl

    df = ledger.events_for(person, through, accounts, pl.col("account").is_not_null())
    return [_row(t) for t in _tuples(df)]


_ROTH_CACHE: dict[tuple[Any, ...], tuple[list[str], list[int]]] = {}


def _version(ledger: Ledger) -> tuple[Any, ...]:
    """What identifies the ledger's content for the caches (see `Ledger.data_version`)."""
    return ledger.data_version()


def _person_rows(profile: Profile, ledger: Ledger, person: str, through: dt.date
                 ) -> tuple[dict[str, list[tuple[Any, ...]]], list[_Row]]:
    """The rows the rules read up to `through` (a Dec 31): the plans' after-tax rows, their moves and
    Roth contributions (raw tuples by plan), and every row of the person's IRAs. Other sources'
    earnings are not read (they change no basis); a Roth move sums its source's earnings on demand.
    Each run of after-tax earnings and fee rows of a plan (consecutive in the ledger's order, within
    one year) comes as one row with the run's amount (`_plan_rows`)."""
    assert (through.month, through.day) == (12, 31), through
    everyone = _all_rows(profile, ledger, person)
    plans = [p.id for p in profile.plans_of(person)]
    by_plan_all, ira_all = everyone.get(person, ({}, []))
    last = through.isoformat()
    by_plan: dict[str, list[tuple[Any, ...]]] = {}
    for p in plans:
        rows = by_plan_all.get(p, [])
        by_plan[p] = rows[:bisect.bisect_right(rows, last, key=_day)]
    ira = [_row(t) for t in ira_all[:bisect.bisect_right(ira_all, last, key=_day)]]
    return by_plan, ira


def _day(t: tuple[Any, ...]) -> str:
    return t[0]  # type: ignore[no-any-return]


def _all_rows(profile: Profile, ledger: Ledger, person: str
              ) -> dict[str, tuple[dict[str, list[tuple[Any, ...]]], list[tuple[Any, ...]]]]:
    """`_person_rows` for every date of `person` and of every other person whose rows were read with theirs
    (`ledger.queries.rules_rows`): person -> (raw tuples by plan, raw tuples of the IRAs)."""
    import polars as pl

    from ..ledger.queries import rules_rows

    src = rules_rows(ledger, [i.id for i in profile.iras], person)
    key = (repr(profile.plans), repr(profile.iras))
    got = src.derived.get(key)
    if got is None:
        out: dict[str, tuple[dict[str, list[tuple[Any, ...]]], list[tuple[Any, ...]]]] = {
            pid: ({p.id: [] for p in profile.plans_of(pid)}, []) for pid in profile.person_ids()}

        def owned(accounts: dict[str, str]) -> pl.Expr:
            """Rows on one of `accounts` (id -> person) of the account's person."""
            return pl.col("account").replace_strict(accounts, default=None, return_dtype=pl.String) == pl.col("person")

        plans = owned({p.id: p.person for p in profile.plans})
        ira = src.main.filter(owned({i.id: i.person for i in profile.iras}))
        for pid, t in zip(ira["person"].to_list(), _tuples(ira), strict=True):
            out[pid][1].append(t)
        rows = _plan_rows(src.main.filter(plans), src.earnings.filter(plans))
        for pid, t in zip(rows["person"].to_list(), _tuples(rows), strict=True):
            out[pid][0][t[1]].append(t)
        got = src.derived[key] = out
    return got  # type: ignore[no-any-return]


def _plan_rows(df: Any, earnings: Any) -> Any:
    """The plan rows the lots engine reads, in the ledger's order: the after-tax rows, every move and
    the Roth contributions of `df` (rows of the persons' plans, in the ledger's order; other rows are
    left out), with every run of after-tax earnings and fee rows (those of `df` and the after-tax
    earnings rows `earnings`, unsorted) that are consecutive in the ledger's order within one account
    and one year replaced by one row: the run's first date, kind `earnings`, the run's amount.

    `_plan_history` only adds such rows up (in cents) until the next other row or year end, so the
    figures are the same; there are far fewer rows to walk. In the ledger's order (date, then kind)
    a day's contributions come before its earnings and fees, every other kind after them: a run's
    place among the other rows follows from the day and whether the other row is a contribution."""
    import polars as pl

    src, kind = pl.col("source"), pl.col("kind")
    df = df.filter((src == "after_tax") | kind.is_in(MOVE_KINDS) | ((src == "roth") & (kind == "contribution")))
    ef = kind.is_in(["earnings", "fee"])
    acct = ["person", "account"]
    day = pl.col("date").cast(pl.Int64) * 4
    other = (df.filter(~ef)
             .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over(acct).alias("_slot"),
                           (day + pl.when(kind == "contribution").then(0).otherwise(2)).alias("_pos")))
    flows = pl.concat([df.filter(ef).select(*acct, "date", "amount"), earnings.select(*acct, "date", "amount")])
    if not flows.height:
        return other.drop("_slot", "_pos")
    daily = (flows.group_by(*acct, "date").agg(pl.col("amount").sum())
             .with_columns((day + 1).alias("_pos")).sort("_pos"))
    # Each day of earnings belongs before the first other row of its account that comes after it.
    placed = daily.join_asof(other.select(*acct, "_pos", "_slot").sort("_pos"), on="_pos", by=acct,
                             strategy="backward", check_sortedness=False)
    runs = (placed.with_columns((pl.col("_slot").fill_null(-1) + 1).alias("_slot"),
                                pl.col("date").dt.year().alias("_year"))
            .group_by(*acct, "_slot", "_year")
            .agg(pl.col("date").min(), pl.col("amount").sum())
            .with_columns(pl.lit("earnings").alias("kind"), pl.lit("after_tax").alias("source"),
                          pl.lit(0, dtype=pl.Int64).alias("_sub")))
    other = other.with_columns(pl.col("date").dt.year().alias("_year"), pl.lit(1, dtype=pl.Int64).alias("_sub"))
    return (pl.concat([other, runs], how="diagonal_relaxed")
            .sort(*acct, "_slot", "_sub", "_year")
            .drop("_slot", "_sub", "_year", "_pos"))


def _roth_earnings(ledger: Ledger, person: str, plan: str, day: str) -> int:
    """Earnings and fees (cents) booked on a plan's Roth source up to `day` (ISO text)."""
    key = (_version(ledger), person, plan)
    got = _ROTH_CACHE.get(key)
    if got is None:
        import polars as pl

        df = ledger.frame("events", person=person, filter=(pl.col("account") == plan) & (pl.col("source") == "roth")
                          & pl.col("kind").is_in(["earnings", "fee"]))
        per_day = df.group_by("date").agg(pl.col("amount").sum()).sort("date")
        days = per_day["date"].dt.to_string("%Y-%m-%d").to_list()
        totals = per_day["amount"].cum_sum().to_list()
        if len(_ROTH_CACHE) > 64:
            _ROTH_CACHE.clear()
        got = _ROTH_CACHE[key] = (days, totals)
    days, totals = got
    i = bisect.bisect_right(days, day)
    return int(totals[i - 1]) if i else 0


def ira_rows(profile: Profile, ledger: Ledger, person: str, through: dt.date) -> list[_Row]:
    """The rows of the person's IRAs up to `through` (the end of a year)."""
    from ..ledger.queries import kept

    dec31 = dt.date(through.year, 12, 31)
    key = (_version(ledger), person, dec31, repr(profile.iras_of(person)))
    got = _IRA_CACHE.get(key)
    if got is None:
        got = kept(ledger, "ira", key[1:], lambda: _ira_tuples(profile, ledger, person, dec31),
                   lambda rows: rows, lambda data: [tuple(t) for t in data])
        if len(_IRA_CACHE) > 64:
            _IRA_CACHE.clear()
        _IRA_CACHE[key] = got
    return [_row(t) for t in got]


_IRA_CACHE: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}


def _ira_tuples(profile: Profile, ledger: Ledger, person: str, through: dt.date) -> list[tuple[Any, ...]]:
    everyone = _all_rows(profile, ledger, person)
    rows = everyone.get(person, ({}, []))[1]
    return rows[:bisect.bisect_right(rows, through.isoformat(), key=_day)]


def first_year_in_ledger(ledger: Ledger, person: str, through: dt.date) -> int | None:
    """The first tax year the ledger holds for `person` (a contribution's `for_year` counts)."""
    from ..ledger.queries import kept

    def make() -> int | None:
        from ..ledger.queries import first_dates

        first, for_year = first_dates(ledger, person, through)
        years = [y for y in (first.year if first is not None else None, for_year) if y is not None]
        return min(years) if years else None

    got = kept(ledger, "first", (person, through), lambda: (make(),), lambda t: t[0],
               lambda y: (None if y is None else int(y),))
    return got[0]


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
    - `taken`: (move index in the plan's `moves`, basis taken) for every move that took part of it.
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
    taken: list[tuple[int, Decimal]] = field(default_factory=list)

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


IRA_DESTINATIONS = (ROTH_IRA, TRADITIONAL_IRA)


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


# ------------------------------------------------------------------ after-tax history: the engine


@dataclass
class _Pool:
    source: str
    basis: Decimal = ZERO
    value: Decimal = ZERO
    open: list[Lot] = field(default_factory=list)
    orphan: Decimal = ZERO   # earnings booked while no lot was open


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
    if pool.source != "after_tax":
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


def _box_legs(legs: list[_Row]) -> list[_Row]:
    """Allocation order of a distribution's legs: traditional IRA, then Roth IRA, then cash."""
    order = {TRADITIONAL_IRA: 0, ROTH_IRA: 1}
    return sorted(legs, key=lambda r: order.get(r.destination or "", 2))


def _move_group(profile: Profile, person: str, plan: str, pool: _Pool, legs: list[_Row],
                hist: PlanHistory | None, sink: list[str]) -> list[Move]:
    """Take one distribution (one or more legs) out of `pool`; returns its moves in leg order."""
    date = legs[0].date
    notes: list[str] = []
    single = len(legs) == 1
    total = ZERO + legs[0].magnitude if single else sum((r.magnitude for r in legs), ZERO)
    refs = [r.ref for r in legs]

    def where() -> str:
        return refs_text(refs)

    if total > pool.value:
        missing = total - pool.value
        if pool.source == "after_tax" and (pool.value > 0 or pool.basis > 0):
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
    trad_total = sum((r.magnitude for r in legs if r.destination == TRADITIONAL_IRA), ZERO)
    if group and trad_total and earnings_total > trad_total:
        notes.append(f"{where()}: split rollover cannot be honoured: the distribution carries "
                     f"{fmt_m(earnings_total)} of earnings but the traditional IRA leg is only {fmt_m(trad_total)}; "
                     f"{fmt_m(earnings_total - trad_total)} of earnings go with the other legs and are taxable")
    if trad_total > earnings_total and pool.source == "after_tax":
        notes.append(f"{where()}: {fmt_m(trad_total - earnings_total)} of after-tax basis went to a traditional "
                     f"IRA: it becomes traditional IRA basis (Form 8606 line 2) and falls under the IRA "
                     f"pro-rata rule")

    moves: list[Move] = []
    used_basis = ZERO
    for r in legs:
        b, e = computed[id(r)]
        dest = r.destination if r.kind == "rollover" else (ROTH_401K if r.kind == "conversion" else CASH)
        assert dest is not None
        tax = ZERO if dest == TRADITIONAL_IRA else e
        if pool.source == "roth":
            tax = ZERO  # designated Roth money: basis is investment in the contract, earnings not taxed on rollover
        m = Move(plan, person, date, r.kind, pool.source, dest, r.magnitude, b, e, tax, [r.ref], None, group,
                 b, tax, r.basis, r.taxable)
        if r.basis is not None or r.taxable is not None:
            sb = r.basis
            if sb is None and r.taxable is not None and dest != TRADITIONAL_IRA:
                sb = r.magnitude - r.taxable
            diffs = []
            if r.basis is not None and r.basis != b:
                diffs.append(f"basis {fmt_m(r.basis)} (pro rata: {fmt_m(b)})")
            if r.taxable is not None and r.taxable != tax:
                diffs.append(f"taxable {fmt_m(r.taxable)} (pro rata: {fmt_m(tax)})")
            if sb is not None:
                sb = max(ZERO, min(sb, r.magnitude))
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
        moves.append(m)

    if used_basis > pool.basis:
        notes.append(f"{where()}: the rows state {fmt_m(used_basis)} of basis but the source holds only "
                     f"{fmt_m(pool.basis)}")
        used_basis = pool.basis
    pool.value -= total
    pool.basis -= used_basis
    if pool.value <= 0 and pool.basis > 0 and whole:
        notes.append(f"{where()}: the {plan} {pool.source} source is empty but {fmt_m(pool.basis)} of basis is "
                     f"left by the stated figures")

    if pool.source == "after_tax" and hist is not None:
        # Close lots first in, first out with the basis of each leg (in row order).
        closed: list[tuple[Lot, Decimal]] = []
        for m in moves:
            idx = len(hist.moves)
            hist.moves.append(m)
            need = m.basis
            while need > 0 and pool.open:
                lot = pool.open[0]
                t = min(lot.remaining, need)
                lot.remaining -= t
                need -= t
                lot.taken.append((idx, t))
                closed.append((lot, t))
                if lot.remaining == 0:
                    lot.converted_on, lot.conversion_ref, lot.destination = m.date, m.ref, m.destination
                    pool.open.pop(0)
        if pool.value <= 0:
            # The source is empty: the lots still open (a stated basis below the ledger's) close here too,
            # and earnings booked while no lot was open go to the lots this move closed.
            for lot in list(pool.open):
                lot.converted_on, lot.conversion_ref, lot.destination = date, moves[-1].ref, moves[-1].destination
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


def fmt_m(v: Decimal) -> str:
    return f"{v.quantize(_CENT):,}"


_CENT = Decimal("0.01")


_CACHE: dict[tuple[Any, ...], AfterTaxHistory] = {}


def _known(profile: Profile, person: str) -> None:
    try:
        profile.person(person)
    except KeyError:
        raise MbrError(f"unknown person {person!r} (persons in mbr.toml: {', '.join(profile.person_ids())})") from None


def after_tax_history(profile: Profile, ledger: Ledger, person: str, through_year: int) -> AfterTaxHistory:
    """The after-tax lots and every move out of the person's plans, through Dec 31 of `through_year`.

    The result is shared (cached per ledger state, profile, person and year, and kept between
    commands): read it, do not change it."""
    return _history(profile, ledger, person, through_year, keep=True)


def _inputs(profile: Profile, person: str, through_year: int) -> tuple[Any, ...]:
    """What a person's after-tax history depends on besides the ledger's event rows."""
    return (person, through_year, repr(profile.plans_of(person)), repr(profile.iras_of(person)),
            repr(profile.person(person)) if person in profile.person_ids() else None)


def _history(profile: Profile, ledger: Ledger, person: str, through_year: int, *, keep: bool) -> AfterTaxHistory:
    """`after_tax_history`; with `keep`, kept between commands (it is large: the parts the commands read,
    `_view`, are kept on their own)."""
    _known(profile, person)
    inputs = _inputs(profile, person, through_year)
    key = (_version(ledger), *inputs)
    if key in _CACHE:
        return _CACHE[key]
    from ..ledger.queries import kept, kept_get

    def make() -> AfterTaxHistory:
        return _after_tax_history(profile, ledger, person, through_year)

    if keep:
        out = kept(ledger, "lots", inputs, make, history_to_data, history_from_data)
    else:
        out = kept_get(ledger, "lots", inputs, history_from_data) or make()
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = out
    return out


_VIEWS: dict[tuple[Any, ...], Any] = {}


def ira_moves(profile: Profile, ledger: Ledger, person: str, through_year: int) -> IraMoves:
    """`IraMoves.of(after_tax_history(...))`, kept between commands on its own (it is small)."""
    return _view(profile, ledger, person, through_year, "iramoves")  # type: ignore[no-any-return]


def year_moves(profile: Profile, ledger: Ledger, person: str, year: int) -> YearMoves:
    """`YearMoves.of(after_tax_history(..., year))`, kept between commands on its own (it is small)."""
    return _view(profile, ledger, person, year, "yearmoves")  # type: ignore[no-any-return]


def audit_lots(profile: Profile, ledger: Ledger, person: str, year: int) -> dict[str, PlanYearLots]:
    """`PlanYearLots` of each plan of the person for `year`, kept between commands on its own (it is small)."""
    return _view(profile, ledger, person, year, "auditlots")  # type: ignore[no-any-return]


def _view(profile: Profile, ledger: Ledger, person: str, through_year: int, name: str) -> Any:
    """A part of `after_tax_history(...)` (`_VIEW_KINDS[name]`), kept between commands on its own. When the
    history has to be computed, every part of it is kept at once (they are small; the history is not)."""
    inputs = _inputs(profile, person, through_year)
    key = (_version(ledger), name, *inputs)
    got = _VIEWS.get(key)
    if got is None:
        from ..ledger.queries import kept, kept_put

        _known(profile, person)
        derive, to_data, from_data = _VIEW_KINDS[name]

        def make() -> Any:
            full = _history(profile, ledger, person, through_year, keep=False)
            for other, (d, t, _) in _VIEW_KINDS.items():
                if other != name:
                    kept_put(ledger, other, inputs, d(full), t)
            return derive(full)

        got = kept(ledger, name, inputs, make, to_data, from_data)
        if len(_VIEWS) > 64:
            _VIEWS.clear()
        _VIEWS[key] = got
    return got


def _lot_data(lot: Lot) -> list[Any]:
    return [lot.plan, lot.contributed_on.isoformat(), str(lot.amount), lot.ref, _opt_day(lot.converted_on),
            str(lot.earnings), lot.conversion_ref, lot.destination, str(lot.remaining),
            [[i, str(b)] for i, b in lot.taken]]


def _lot_back(x: list[Any], dec: _Memo, day: _Memo) -> Lot:
    return Lot(x[0], day[x[1]], dec[x[2]], x[3], day[x[4]], dec[x[5]], x[6], x[7], dec[x[8]],
               [(i, dec[b]) for i, b in x[9]])


def _audit_lots_data(v: dict[str, PlanYearLots]) -> list[Any]:
    notes = _Notes()
    out = []
    for p in v.values():
        ye = p.unconverted
        out.append([p.plan, [ye.year, str(ye.basis), str(ye.earnings), ye.open_lots], _opt_dec(p.contributed),
                    [_move_data(m, notes) for m in p.moved], [_lot_data(lot) for lot in p.open_lots],
                    [_lot_data(lot) for lot in p.converted], [_lot_data(lot) for lot in p.still_open]])
    return [out, notes.table]


def _audit_lots_back(d: list[Any]) -> dict[str, PlanYearLots]:
    move = _MoveReader(d[1])
    dec, day = move.dec, move.day
    out = {}
    for p in d[0]:
        ye = YearEnd(p[1][0], dec[p[1][1]], dec[p[1][2]], p[1][3])
        out[p[0]] = PlanYearLots(p[0], ye, dec[p[2]], [move(m) for m in p[3]],
                                 *[[_lot_back(x, dec, day) for x in lots] for lots in p[4:7]])
    return out


def _ira_moves_data(v: IraMoves) -> list[Any]:
    notes = _Notes()
    items = [_move_data(m, notes) for m in v.items]
    return [v.person, v.through_year, items, notes.table]


def _ira_moves_back(d: list[Any]) -> IraMoves:
    move = _MoveReader(d[3])
    return IraMoves(d[0], d[1], [move(m) for m in d[2]])


def _year_moves_data(v: YearMoves) -> list[Any]:
    notes = _Notes()
    items = [_move_data(m, notes) for m in v.items]
    return [v.person, v.year, items, notes(v.notes), notes.table]


def _year_moves_back(d: list[Any]) -> YearMoves:
    move = _MoveReader(d[4])
    table = move.table
    return YearMoves(d[0], d[1], [move(m) for m in d[2]], [table[i] for i in d[3]])


def _after_tax_history(profile: Profile, ledger: Ledger, person: str, through_year: int) -> AfterTaxHistory:
    by_plan, _ = _person_rows(profile, ledger, person, dt.date(through_year + 1, 12, 31))
    last = f"{through_year:04d}-12-31"
    out = AfterTaxHistory(person=person, through_year=through_year)
    for plan in profile.plans_of(person):
        rows = [t for t in by_plan[plan.id] if t[0] <= last]

        def roth_earnings(day: str, _plan: str = plan.id) -> int:
            return _roth_earnings(ledger, person, _plan, day)

        out.plans[plan.id] = _plan_history(profile, person, plan.id, rows, through_year, out, roth_earnings)
    return out


def _plan_history(profile: Profile, person: str, plan_id: str, rows: list[tuple[Any, ...]], through_year: int,
                  out: AfterTaxHistory, roth_earnings: Callable[[str], int]) -> PlanHistory:
    """One plan: stream its rows (earnings and fees are summed in cents until the open lots change)."""
    hist = PlanHistory(plan=plan_id)
    pools: dict[str, _Pool] = {}
    pending: dict[str, int] = {}          # source -> earnings and fees (cents) not yet booked on the pool
    roth_booked = 0                       # Roth-source earnings (cents) already in the Roth pool
    earned: dict[int, int] = {}

    def pool_of(source: str) -> _Pool:
        if source not in pools:
            pools[source] = _Pool(source)
        return pools[source]

    def flush(pool: _Pool) -> None:
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
        if kind == "contribution" and src:
            pool = pool_of(src)
            flush(pool)
            amount = from_cents(int(t[4]))
            pool.value += amount
            pool.basis += amount if src in ("after_tax", "roth") else ZERO
            if src == "after_tax":
                lot = Lot(plan=plan_id, contributed_on=dt.date.fromisoformat(t[0]), amount=amount, ref=t[10],
                          remaining=amount)
                hist.lots.append(lot)
                pool.open.append(lot)
                hist.contributed[year] = hist.contributed.get(year, ZERO) + amount
            continue
        r = _row(t)
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
            moves = _move_group(profile, person, plan_id, pool, [r], hist if src == "after_tax" else None, hist.notes)
            roth = pool_of("roth")
            for m in moves:
                roth.value += m.amount
                roth.basis += m.amount   # IRR money is investment in the Roth 401(k) contract
                if src != "after_tax":
                    out.other_moves.append(m)
        elif kind in ("rollover", "distribution"):
            key = (t[0], src)
            if key in done:
                continue
            done.add(key)
            legs = [_row(x) for x in groups[key]]
            if src == "roth":
                total = roth_earnings(t[0])
                if total != roth_booked:
                    _earn(pool, from_cents(total - roth_booked))
                    roth_booked = total
            if src == "roth" and any(leg.destination == TRADITIONAL_IRA for leg in legs):
                hist.notes.append(Note(f"{refs_text([leg.ref for leg in legs])}: Roth 401(k) money cannot be rolled "
                                  f"to a traditional IRA", year))
            moves = _move_group(profile, person, plan_id, pool, legs, hist if src == "after_tax" else None,
                                hist.notes)
            if src != "after_tax":
                out.other_moves.extend(moves)
    close_years(through_year + 1)
    flush(at)
    hist.earned = {y: from_cents(c) for y, c in earned.items()}
    for lot in at.open:
        lot.converted_on = None
    return hist


# ------------------------------------------------------------------ after-tax history as plain data
# `history_to_data` / `history_from_data`: an `AfterTaxHistory` as lists of str, int and None (JSON),
# and back, equal field by field (Decimals keep their exponent, notes their year).


def _opt_dec(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


def _opt_day(v: dt.date | None) -> str | None:
    return None if v is None else v.isoformat()


class _Memo(dict[Any, Any]):
    """`memo[x]` is `make(x)`, made once per distinct `x` (for immutable values: Decimal, date, Note)."""

    def __init__(self, make: Callable[[Any], Any]):
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value


class _Notes:
    """Notes as indexes into one table of distinct notes ([text, year] for a `Note`, text for a str)."""

    def __init__(self) -> None:
        self.table: list[Any] = []
        self.index: dict[tuple[str, bool, int | None], int] = {}

    def __call__(self, notes: list[str]) -> list[int]:
        out = []
        for n in notes:
            k = (str(n), isinstance(n, Note), getattr(n, "year", None))
            i = self.index.get(k)
            if i is None:
                i = self.index[k] = len(self.table)
                self.table.append([k[0], k[2]] if k[1] else k[0])
            out.append(i)
        return out


def _move_data(m: Move, notes: _Notes) -> list[Any]:
    return [m.plan, m.person, m.date.isoformat(), m.kind, m.source, m.destination, str(m.amount), str(m.basis),
            str(m.earnings), str(m.taxable), m.refs, m.landing, m.split_group, str(m.computed_basis),
            str(m.computed_taxable), _opt_dec(m.stated_basis), _opt_dec(m.stated_taxable), notes(m.notes)]


def history_to_data(h: AfterTaxHistory) -> list[Any]:
    notes = _Notes()
    plans = []
    for ph in h.plans.values():
        lots = [_lot_data(lot) for lot in ph.lots]
        plans.append([ph.plan, lots, [_move_data(m, notes) for m in ph.moves],
                      [[y, ye.year, str(ye.basis), str(ye.earnings), ye.open_lots] for y, ye in ph.year_end.items()],
                      [[y, str(v)] for y, v in ph.contributed.items()], [[y, str(v)] for y, v in ph.earned.items()],
                      notes(ph.notes)])
    other = [_move_data(m, notes) for m in h.other_moves]
    return [h.person, h.through_year, plans, other, notes(h.notes), notes.table]


class _MoveReader:
    """Moves back from `_move_data`, with one Decimal, date and Note per distinct text."""

    def __init__(self, table: list[Any]):
        self.dec = _Memo(lambda s: None if s is None else Decimal(s))
        self.day = _Memo(lambda s: None if s is None else dt.date.fromisoformat(s))
        self.table = [Note(n[0], n[1]) if isinstance(n, list) else n for n in table]

    def __call__(self, m: list[Any]) -> Move:
        dec, day, table = self.dec, self.day, self.table
        return Move(m[0], m[1], day[m[2]], m[3], m[4], m[5], dec[m[6]], dec[m[7]], dec[m[8]], dec[m[9]], m[10],
                    m[11], m[12], dec[m[13]], dec[m[14]], dec[m[15]], dec[m[16]], [table[i] for i in m[17]])


def history_from_data(d: list[Any]) -> AfterTaxHistory:
    move = _MoveReader(d[5])
    dec, day, table = move.dec, move.day, move.table
    out = AfterTaxHistory(person=d[0], through_year=d[1])
    for p in d[2]:
        ph = PlanHistory(plan=p[0])
        ph.lots = [_lot_back(x, dec, day) for x in p[1]]
        ph.moves = [move(m) for m in p[2]]
        ph.year_end = {y: YearEnd(a, dec[b], dec[e], n) for y, a, b, e, n in p[3]}
        ph.contributed = {y: dec[v] for y, v in p[4]}
        ph.earned = {y: dec[v] for y, v in p[5]}
        ph.notes = [table[i] for i in p[6]]
        out.plans[ph.plan] = ph
    out.other_moves = [move(m) for m in d[3]]
    out.notes = [table[i] for i in d[4]]
    return out


# The parts of an after-tax history kept on their own: name -> (make from the history, to data, from data).
_VIEW_KINDS: dict[str, tuple[Callable[[AfterTaxHistory], Any], Callable[[Any], Any], Callable[[Any], Any]]] = {
    "auditlots": (_audit_view, _audit_lots_data, _audit_lots_back),
    "iramoves": (IraMoves.of, _ira_moves_data, _ira_moves_back),
    "yearmoves": (YearMoves.of, _year_moves_data, _year_moves_back),
}


# ------------------------------------------------------------------ lots worksheet


def lots_worksheet(profile: Profile, ledger: Ledger, year: int, person: str) -> Worksheet:
    """The after-tax lots and conversions of `year` as a worksheet.

    Grid `lots`: every lot contributed in `year`, or contributed earlier and still open on Jan 1.
    Grid `conversions`: every move out of an after-tax source in `year`, with basis, earnings and
    the taxable part. Lines per plan: contributed, earnings, moved out, and what is left at Dec 31.
    """
    hist = after_tax_history(profile, ledger, person, year)
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
    for pid, ph in hist.plans.items():
        ye = ph.unconverted(year)
        moved = [m for m in ph.moves if m.year == year]
        refs = [m.ref for m in moved]
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
    ws.notes += hist.all_notes(year)
    ws.notes.append("Lots leave the source first in, first out; the tax split of every move is pro rata over "
                    "the whole after-tax source (sections 72(e)(8) and 72(d)(2)).")
    return ws


# ------------------------------------------------------------------ the IRA side


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
    nondeductible: list[IraEvent] = field(default_factory=list)     # for the year, incl. made Jan 1-Apr 15 next
    deductible: list[IraEvent] = field(default_factory=list)
    roth_contributions: list[IraEvent] = field(default_factory=list)  # regular Roth IRA contributions for the year
    trad_distributions: list[IraEvent] = field(default_factory=list)  # Form 8606 line 7
    conversions: list[IraEvent] = field(default_factory=list)         # Form 8606 line 8
    roth_distributions: list[IraEvent] = field(default_factory=list)  # Form 8606 line 19 candidates
    rollovers_in: list[Move] = field(default_factory=list)            # plan moves landing in IRAs this year
    dec31: list[Dec31Value] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def trad_rollover_basis(self) -> Decimal:
        """After-tax basis rolled from plans into traditional IRAs this year (traditional IRA basis)."""
        return sum((m.basis for m in self.rollovers_in if m.destination == TRADITIONAL_IRA), ZERO)


def _sum(items: list[IraEvent]) -> Decimal:
    return sum((e.amount for e in items), ZERO)


def ira_year(profile: Profile, ledger: Ledger, person: str, year: int,
             history: AfterTaxHistory | IraMoves | None = None, rows: list[_Row] | None = None) -> IraYear:
    """Collect `year`'s IRA facts of `person`: contributions by the tax year they are for (so rows of
    Jan 1-Apr 15 of the next year count), distributions, conversions, plan money landing in IRAs,
    and each traditional IRA's Dec 31 value (from its `balance` row, else estimated, with a warning
    naming the account). `history`: the after-tax history (or its `IraMoves`), by default through
    `year`."""
    if history is None:
        hist = ira_moves(profile, ledger, person, year)
    elif isinstance(history, AfterTaxHistory):
        hist = IraMoves.of(history)
    else:
        hist = history
    if rows is None:
        rows = ira_rows(profile, ledger, person, dt.date(year + 1, 12, 31))
    trad_ids = {i.id for i in profile.iras_of(person, *TRADITIONAL_TYPES)}
    roth_ids = {i.id for i in profile.iras_of(person, "roth")}
    out = IraYear(year)
    for r in rows:
        if r.account not in trad_ids and r.account not in roth_ids:
            continue
        ev = IraEvent(r.date, r.account, r.kind, r.magnitude, r.ref, r.for_year, r.source, r.destination)
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
            elif r.kind == "rollover":
                out.notes.append(f"{r.ref}: a rollover between traditional IRAs is neither a distribution nor a "
                                 f"conversion on Form 8606; make sure it reached the other IRA within 60 days")
        elif r.account in roth_ids and r.kind == "distribution":
            out.roth_distributions.append(ev)
    out.rollovers_in = hist.moves(year)
    out.dec31 = _dec31_values(profile, person, year, rows, hist, out.notes)
    return out


def _dec31_values(profile: Profile, person: str, year: int, rows: list[_Row], hist: IraMoves,
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


# ------------------------------------------------------------------ Roth IRA layers and ordering


@dataclass
class RothLayer:
    """A conversion or rollover contribution to a Roth IRA (Form 8606 line 24 basis), with its own
    5-year clock starting Jan 1 of `year`. Only `taxable` (the part included in income) is exposed to
    the 10% recapture; after-tax basis never is. `kind`: conversion | rollover | prior (from the profile)."""

    year: int | None
    date: dt.date | None
    kind: str
    origin: str
    amount: Decimal
    taxable: Decimal
    ref: str = ""
    used_taxable: Decimal = ZERO
    used_nontaxable: Decimal = ZERO

    @property
    def nontaxable(self) -> Decimal:
        return self.amount - self.taxable

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.used_taxable - self.used_nontaxable

    @property
    def clock_start(self) -> dt.date | None:
        return dt.date(self.year, 1, 1) if self.year else None

    @property
    def clock_end(self) -> dt.date | None:
        """The first day the recapture no longer applies (Jan 1 five years on)."""
        return dt.date(self.year + 5, 1, 1) if self.year else None


@dataclass
class RothTake:
    """What one Roth IRA distribution used, by the ordering rules."""

    contributions: Decimal = ZERO
    layers: list[tuple[RothLayer, Decimal, Decimal]] = field(default_factory=list)  # layer, taxable, nontaxable
    earnings: Decimal = ZERO

    @property
    def conversion_basis(self) -> Decimal:
        return sum((t + n for _, t, n in self.layers), ZERO)

    def recapture(self, year: int) -> Decimal:
        """Taxable conversion money taken within its 5-year clock (10% additional tax unless an exception)."""
        return sum((t for layer, t, _ in self.layers if layer.year is not None and year < layer.year + 5), ZERO)


def consume_roth(amount: Decimal, contribution_basis: Decimal, layers: list[RothLayer]) -> RothTake:
    """Apply the Roth IRA ordering rules to a distribution of `amount`: regular contributions first,
    then conversions and rollovers oldest year first (taxable part, then nontaxable), then earnings.
    Layers are used up in place; the caller reduces its contribution basis by `take.contributions`."""
    take = RothTake()
    left = amount
    take.contributions = min(left, contribution_basis)
    left -= take.contributions
    for layer in sorted(layers, key=lambda x: (x.year or 0, x.date or dt.date.min)):
        if left <= 0:
            break
        t = min(left, layer.taxable - layer.used_taxable)
        left -= t
        n = min(left, layer.nontaxable - layer.used_nontaxable)
        left -= n
        if t or n:
            layer.used_taxable += t
            layer.used_nontaxable += n
            take.layers.append((layer, t, n))
    take.earnings = left
    return take


def ratio_places(value: Decimal, places: int = 5) -> Decimal:
    """A ratio rounded half-up to `places` decimals."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
