"""The ledger rows the rules read, as the orchestration layer hands them down: one person's frames.

The rules never see the store. `PersonRows` holds what they read of one person: the event rows
in the ledger's order except the bulk of a ledger (the daily earnings rows of the pre-tax, Roth,
match and nonelective sources of plans, which change no basis), the Roth sources' earnings
summed per day (a Roth rollover takes its share of them), and the first day of any of the
person's rows (Form 8606 starts there).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from ..core.money import from_cents
from ..core.schema import EVENTS, PROVENANCE, sort_rows

if TYPE_CHECKING:
    from ..profile import Profile

# Earnings rows of these plan sources are left out of `PersonRows.events` (see the module's text).
BULK_EARNINGS = ("pretax", "roth", "match", "nonelective")
MOVE_KINDS = ("conversion", "rollover", "distribution")


def bulk_earnings(ira_accounts: list[str]) -> pl.Expr:
    """The rows `PersonRows` leaves out: plan earnings of the `BULK_EARNINGS` sources without a
    `for_year` (rows on an IRA are always kept)."""
    kind, src = pl.col("kind"), pl.col("source")
    bulk = (kind == "earnings") & src.is_in(BULK_EARNINGS) & ~pl.col("account").is_in(ira_accounts)
    return bulk.fill_null(False) & pl.col("for_year").is_null()


def after_tax_earnings(ira_accounts: list[str]) -> pl.Expr:
    """The plans' after-tax earnings rows, which `PersonRows` keeps apart from the other rows (unsorted:
    they are only ever added up)."""
    kind, src = pl.col("kind"), pl.col("source")
    return ((kind == "earnings") & (src == "after_tax") & ~pl.col("account").is_in(ira_accounts)).fill_null(False)


EARNINGS_COLUMNS = {"person": pl.String, "account": pl.String, "date": pl.Date, "amount": pl.Int64,
                    "for_year": pl.Int64}


def empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema={**EVENTS.columns, **PROVENANCE})


@dataclass(frozen=True)
class PersonRows:
    """One person's rows as the rules read them.

    - `events`: every event row of the person but `bulk_earnings` and the plans' after-tax earnings,
      in the ledger's sort order.
    - `earnings`: the plans' after-tax earnings summed per account and day, in no order
      (`EARNINGS_COLUMNS`; `for_year` the smallest of the day's rows).
    - `roth_earnings`: columns `account`, `date`, `cents`: the earnings and fees of each plan's Roth
      source summed per day, in date order (only for plans with a Roth rollover or distribution).
    - `first_row_year`: the year of the earliest event row of the person (None without rows).
    - `walk`: the rows of the person's plans the lots engine walks (`plan_rows`), as raw tuples
      (`tuples`) in its order, of every date; made when first asked, for every person read with
      this one at once (`Walks`).
    """

    person: str
    events: pl.DataFrame
    earnings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=EARNINGS_COLUMNS))
    roth_earnings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(
        schema={"account": pl.String, "date": pl.Date, "cents": pl.Int64}))
    first_row_year: int | None = None
    walks: Walks | None = field(default=None, repr=False, compare=False)

    @property
    def walk(self) -> list[tuple[Any, ...]]:
        return self.walks.of(self.person) if self.walks is not None else []

    def has_rollovers(self, through: dt.date) -> set[str]:
        """The plans with a rollover row up to `through` (no other move reaches an IRA)."""
        df = self.events.filter((pl.col("kind") == "rollover") & (pl.col("date") <= through))
        return set(df["account"].to_list())

    def accounts(self, ids: list[str]) -> pl.DataFrame:
        """The events on the accounts `ids`, in the ledger's order (no plan's after-tax earnings)."""
        return self.events.filter(pl.col("account").is_in(ids))

    def roth_earned(self, plan: str) -> tuple[list[str], list[int]]:
        """A plan's Roth earnings: the days (ISO text) and the running total (cents) through each."""
        df = self.roth_earnings.filter(pl.col("account") == plan)
        return df["date"].dt.to_string("%Y-%m-%d").to_list(), df["cents"].cum_sum().to_list()

    def first_year(self, through: dt.date) -> int | None:
        """The first tax year the rows up to `through` (a Dec 31) hold: the first row's year or an
        earlier `for_year` of a row dated by then."""
        years = []
        if self.first_row_year is not None and self.first_row_year <= through.year:
            years.append(self.first_row_year)
        dated = (pl.col("for_year").is_not_null() & (pl.col("date") <= through))
        for df in (self.events, self.earnings):
            fy = df.filter(dated)["for_year"].min()
            if fy is not None:
                years.append(int(fy))  # type: ignore[arg-type]
        return min(years) if years else None

    def after_tax_before(self, day: dt.date) -> dict[str, int]:
        """Each account's after-tax rows dated before `day` added up (cents): contributions, earnings,
        fees and moves, not balances."""
        rows = self.events.filter((pl.col("date") < day) & (pl.col("source") == "after_tax")
                                  & ~pl.col("kind").fill_null("").is_in(["payroll", "balance"]))
        both = pl.concat([rows.select("account", "amount"),
                          self.earnings.filter(pl.col("date") < day).select("account", "amount")])
        sums = both.group_by(pl.col("account").fill_null("")).agg(pl.col("amount").fill_null(0).sum())
        return {str(a): int(c) for a, c in sums.iter_rows()}


def queries(scan: pl.LazyFrame, ira_accounts: list[str]) -> list[pl.LazyFrame]:
    """What the rules read of the event rows `scan` holds, as two queries to collect together: the
    rows but `bulk_earnings` and the plans' after-tax earnings, and those earnings summed per person,
    account and day (`EARNINGS_COLUMNS`)."""
    earn = after_tax_earnings(ira_accounts)
    daily = (scan.filter(earn).group_by("person", "account", "date")
             .agg(pl.col("amount").sum(), pl.col("for_year").min()).select(list(EARNINGS_COLUMNS)))
    return [scan.filter(~bulk_earnings(ira_accounts) & ~earn), daily]


def first_years(events: pl.DataFrame, earnings: pl.DataFrame) -> dict[str, int]:
    """Each person's first year among the rows `queries` gave (a left-out earnings row may be earlier:
    see `book.frames`)."""
    both = pl.concat([events.select("person", "date"), earnings.select("person", "date")])
    return {str(p): d.year for p, d in both.group_by("person").agg(pl.col("date").min()).iter_rows() if d is not None}


def split_persons(profile: Profile, persons: list[str], events: pl.DataFrame, earnings: pl.DataFrame,
                  first_years: dict[str, int], roth: dict[str, pl.DataFrame]) -> dict[str, PersonRows]:
    """The `PersonRows` of each of `persons` from the two frames of `queries` (in any order), each
    person's first year of rows and Roth earnings: one sort of the rows and one walk of the plan rows
    for all of them."""
    events = sort_rows("events", events)

    def by_person(df: pl.DataFrame) -> dict[str, pl.DataFrame]:
        return {str(k[0]): v for k, v in df.partition_by("person", as_dict=True).items()} if df.height else {}

    walks = Walks(profile, persons, events, earnings)
    ev, ea = by_person(events), by_person(earnings)
    out = {}
    for p in persons:
        extra: dict[str, Any] = {"roth_earnings": roth[p]} if p in roth else {}
        if p in ea:
            extra["earnings"] = ea[p]
        out[p] = PersonRows(p, ev.get(p, empty_events()), first_row_year=first_years.get(p), walks=walks, **extra)
    return out


class Walks:
    """The plan rows the lots engine walks (`plan_rows`) of several persons, made for all of them at
    once when one of them is first asked for (a command that reads no history makes none)."""

    def __init__(self, profile: Profile, persons: list[str], events: pl.DataFrame, earnings: pl.DataFrame):
        self.profile, self.persons, self.events, self.earnings = profile, persons, events, earnings
        self.made: dict[str, list[tuple[Any, ...]]] | None = None

    def of(self, person: str) -> list[tuple[Any, ...]]:
        if self.made is None:
            owner = {p.id: p.person for p in self.profile.plans}
            mine = (pl.col("account").replace_strict(owner, default=None, return_dtype=pl.String)
                    == pl.col("person")).fill_null(False)
            made: dict[str, list[tuple[Any, ...]]] = {p: [] for p in self.persons}
            walked = plan_rows(self.events.filter(mine), self.earnings.filter(mine))
            for p, t in zip(walked["person"].to_list(), tuples(walked), strict=True):
                made.setdefault(p, []).append(t)
            self.made = made
        return self.made.get(person, [])


def roth_earnings_through(days: list[str], totals: list[int], day: str) -> int:
    """Cents of Roth earnings booked up to `day` (ISO text), from `PersonRows.roth_earned`."""
    i = bisect.bisect_right(days, day)
    return int(totals[i - 1]) if i else 0


@dataclass
class Row:
    """One event row as the rules read it, amounts as Decimal, `ref` its place `file:line`."""

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
    reason: str | None = None           # corrective rows
    completed: dt.date | None = None    # 60-day rollovers: the day the money reached its destination

    @property
    def magnitude(self) -> Decimal:
        return abs(self.amount)


# The columns of the raw event tuples the rules read, in this order: the date as ISO text, these, the
# row's place `file:line`, then `LATER`.
COLUMNS = ("account", "kind", "source", "amount", "basis", "taxable", "destination", "for_year", "memo")
LATER = ("reason", "completed")


def tuples(df: pl.DataFrame, *extra: str) -> list[tuple[Any, ...]]:
    """Raw event tuples of a frame of events (already in the ledger's sort order), then the `extra` columns."""
    ref = pl.format("{}:{}", "source_file", "source_line")
    later = [pl.col(c) if c in df.columns else pl.lit(None).alias(c) for c in LATER]
    return df.select(pl.col("date").dt.to_string("%Y-%m-%d"), *COLUMNS, ref, *later, *extra).rows()


def _money(v: int | None) -> Decimal | None:
    return None if v is None else from_cents(int(v))


def row_of(t: tuple[Any, ...]) -> Row:
    return Row(dt.date.fromisoformat(t[0]), t[1], t[2], t[3], from_cents(int(t[4])), _money(t[5]), _money(t[6]),
               t[7], t[8], t[9], t[10], t[11], t[12])


def plan_rows(df: pl.DataFrame, earnings: pl.DataFrame) -> pl.DataFrame:
    """The plan rows the lots engine reads, in the ledger's order: the after-tax rows, every move, every
    corrective refund and the Roth contributions of `df` (rows of persons' plans in the ledger's order), with every run of
    after-tax earnings and fee rows (of `df`, and the after-tax earnings rows `earnings`, in any order)
    that are consecutive in the ledger's order within one account and one year replaced by one row:
    the run's first date, kind `earnings`, the run's amount.

    The engine only adds such rows up (in cents) until the next other row or year end, so the figures
    are the same with far fewer rows to walk. In the ledger's order (date, then kind) a day's
    contributions come before its earnings and fees, every other kind after them: a run's place among
    the other rows follows from the day and whether the other row is a contribution."""
    src, kind = pl.col("source"), pl.col("kind")
    df = df.filter((src == "after_tax") | kind.is_in([*MOVE_KINDS, "corrective"])
                   | ((src == "roth") & (kind == "contribution")))
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
