"""Loading the frames the rules read: one read of the ledger for every person a command is about."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from ..rules.facts import PersonYear
from ..rules.rows import PersonRows, bulk_earnings, split_persons

if TYPE_CHECKING:
    from ..ledger.store import Ledger
    from ..profile import Profile


def person_rows(ledger: Ledger, profile: Profile, persons: list[str]) -> dict[str, PersonRows]:
    """The `PersonRows` of each of `persons`, from one query over the ledger's event segments (with one
    person, the other persons' segments are left out): the rows the rules read, and each person's
    first day over all of their rows."""
    one = persons[0] if len(persons) == 1 else None
    who = (pl.col("person") == one) if one is not None else pl.col("person").is_in(persons)
    iras = [i.id for i in profile.iras]
    scan = ledger.scan("events", person=one).filter(who)
    df, firsts = pl.collect_all([scan.filter(~bulk_earnings(iras)),
                                 scan.group_by("person").agg(pl.col("date").min())])
    first_days = {str(p): d for p, d in firsts.iter_rows() if d is not None}
    roth = _roth_earnings(ledger, df, iras)
    return split_persons(profile, persons, df, first_days, roth, iras)


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
