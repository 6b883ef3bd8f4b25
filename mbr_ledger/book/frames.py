"""Loading the frames the rules read: one read of the ledger for every person a command is about."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from ..rules.facts import PersonYear
from ..rules.rows import PersonRows, first_years, queries, split_persons

if TYPE_CHECKING:
    from ..ledger.store import Ledger
    from ..profile import Profile


def person_rows(ledger: Ledger, profile: Profile, persons: list[str]) -> dict[str, PersonRows]:
    """The `PersonRows` of each of `persons`, from one query over the ledger's event segments (with one
    person, the other persons' segments are left out)."""
    one = persons[0] if len(persons) == 1 else None
    who = (pl.col("person") == one) if one is not None else pl.col("person").is_in(persons)
    iras = [i.id for i in profile.iras]
    events, earnings = pl.collect_all(queries(ledger.scan("events", person=one).filter(who), iras))
    years = _first_years(ledger, persons, first_years(events, earnings))
    return split_persons(profile, persons, events, earnings, years, _roth_earnings(ledger, events, iras))


def _first_years(ledger: Ledger, persons: list[str], seen: dict[str, int]) -> dict[str, int]:
    """Each person's first year of event rows. The rows read hold it unless a left-out earnings row
    is of an earlier year: only segments that start before Jan 1 of that year can hold one, and they
    are read for the persons and dates alone (most often there is none)."""
    start = {p: dt.date(seen[p], 1, 1) for p in persons if p in seen}
    missing = [p for p in persons if p not in seen]
    parts = []
    if start:
        before = pl.col("person").replace_strict(start, default=None, return_dtype=pl.Date)
        last = max(start.values()) - dt.timedelta(days=1)
        parts.append(ledger.scan("events", person=persons[0] if len(persons) == 1 else None, dates=(None, last))
                     .filter(pl.col("date") < before).select("person", "date"))
    if missing:
        parts.append(ledger.scan("events", person=missing[0] if len(missing) == 1 else None)
                     .filter(pl.col("person").is_in(missing)).select("person", "date"))
    out = dict(seen)
    if parts:
        early = pl.concat(parts).group_by("person").agg(pl.col("date").min()).collect()
        for p, d in early.iter_rows():
            if d is not None and (p not in out or d.year < out[p]):
                out[p] = d.year
    return out


def _roth_earnings(ledger: Ledger, df: pl.DataFrame, iras: list[str]) -> dict[str, pl.DataFrame]:
    """Per person with a rollover or distribution out of a plan's Roth source: that source's earnings
    and fees summed per plan and day (the rest of the persons need none)."""
    kind, src = pl.col("kind"), pl.col("source")
    plan_roth = (src == "roth") & ~pl.col("account").is_in(iras)
    need = sorted(set(df.filter(plan_roth & kind.is_in(["rollover", "distribution"]))["person"].to_list()))
    if not need:
        return {}
    df = ledger.read("events", pl.col("person").is_in(need) & plan_roth & kind.is_in(["earnings", "fee"]),
                     person=need[0] if len(need) == 1 else None)
    daily = (df.group_by("person", "account", "date").agg(pl.col("amount").sum().alias("cents"))
             .sort("person", "account", "date"))
    return {p: daily.filter(pl.col("person") == p).drop("person") for p in need}


def person_years(ledger: Ledger, profile: Profile, persons: list[str], year: int) -> dict[str, PersonYear]:
    """A `PersonYear` (the rules' results through `year`) for each of `persons`, from one read."""
    rows = person_rows(ledger, profile, persons)
    return {p: PersonYear(profile, rows[p], year) for p in persons}
