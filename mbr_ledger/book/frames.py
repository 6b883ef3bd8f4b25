"""Loading the frames the rules read: one read of the ledger for every person a command is about."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from ..rules.facts import PersonYear
from ..rules.rows import PersonRows, bulk_earnings, split_persons

if TYPE_CHECKING:
    from ..ledger.store import Ledger
    from ..profile import Profile


def person_rows(ledger: Ledger, profile: Profile, persons: list[str]) -> dict[str, PersonRows]:
    """The `PersonRows` of each of `persons`, read in one pass over the ledger's event segments
    (with one person, the other persons' segments are not opened)."""
    one = persons[0] if len(persons) == 1 else None
    who = (pl.col("person") == one) if one is not None else pl.col("person").is_in(persons)
    iras = [i.id for i in profile.iras]
    df = ledger.read("events", who & ~bulk_earnings(iras), person=one)
    by_person = {str(k[0]): v for k, v in df.partition_by("person", as_dict=True).items()} if df.height else {}
    firsts = _first_days(ledger, persons, by_person, who)
    roth = _roth_earnings(ledger, persons, by_person, iras)
    return split_persons(profile, persons, df, firsts, roth, iras)


def _first_days(ledger: Ledger, persons: list[str], by_person: dict[str, pl.DataFrame], who: pl.Expr
                ) -> dict[str, dt.date]:
    """The earliest date of each person's event rows. The rows already read hold it unless a left-out
    earnings row is earlier: those are read from the segments dated before the latest such first day."""
    firsts: dict[str, dt.date] = {}
    for p, df in by_person.items():
        d = df["date"].min()
        if isinstance(d, dt.date):
            firsts[p] = d
    missing = [p for p in persons if p not in firsts]
    parts = []
    if firsts:
        before = max(firsts.values())
        parts.append(ledger.read("events", who & (pl.col("date") < before),
                                  person=persons[0] if len(persons) == 1 else None,
                                  dates=(None, before - dt.timedelta(days=1))))
    if missing:
        parts.append(ledger.read("events", pl.col("person").is_in(missing),
                                  person=missing[0] if len(missing) == 1 else None))
    out = dict(firsts)
    for part in parts:
        for p, d in part.group_by("person").agg(pl.col("date").min()).iter_rows():
            if d is not None and (p not in out or d < out[p]):
                out[p] = d
    return out


def _roth_earnings(ledger: Ledger, persons: list[str], by_person: dict[str, pl.DataFrame], iras: list[str]
                   ) -> dict[str, pl.DataFrame]:
    """Per person with a rollover or distribution out of a plan's Roth source: that source's earnings
    and fees summed per plan and day (the rest of the persons need none)."""
    kind, src = pl.col("kind"), pl.col("source")
    plan_roth = (src == "roth") & ~pl.col("account").is_in(iras)
    need = [p for p, df in by_person.items()
            if df.filter(plan_roth & kind.is_in(["rollover", "distribution"])).height]
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
