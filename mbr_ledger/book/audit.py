"""The audit's frames of one person-year: the payroll and W-2 rows (a joint filer's spouse's W-2s too) from
the ledger, the events and the after-tax lots and Form 8606 figures from the person's rule results, in one
`AuditData`."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import polars as pl

from ..core.errors import MbrError
from ..limits import limits_for
from ..profile import joint_filers
from ..rules.audit import AuditData
from ..rules.audit.rows import year_has_rows

if TYPE_CHECKING:
    from ..ledger.store import Ledger
    from ..profile import Profile
    from ..rules.facts import PersonYear


def audit_data(ledger: Ledger, profile: Profile, facts: PersonYear, *, with_lots: bool = True) -> AuditData:
    """What one person's audit of `facts.year` reads; the lots and Form 8606 figures with `with_lots`."""
    from ..rules.basis import backdoor_details

    year, person = facts.year, facts.person
    limits = limits_for(year)
    try:
        prior = limits_for(year - 1)
    except MbrError:
        prior = None
    pay = ledger.frame("payroll", person=person,
                       filter=pl.col("pay_date").is_between(dt.date(year - 1, 1, 1), dt.date(year, 12, 31)))
    w2 = ledger.frame("w2", person=person, filter=pl.col("tax_year").is_between(year - 1, year))
    spouse_w2 = None
    for other in joint_filers(profile, person):  # filing jointly: the MAGI estimate adds the spouse's pay
        if other != person:
            spouse_w2 = ledger.frame("w2", person=other, filter=pl.col("tax_year").is_between(year - 1, year))
    lots = None
    backdoor: Any = None
    if with_lots:
        lots = facts.audit_lots
        if profile.iras_of(person):
            try:
                backdoor = backdoor_details(facts.f8606)
            except MbrError as exc:
                backdoor = str(exc)
    # Every check reads contributions, and which accounts had rows in a year; earnings rows are left out.
    when = pl.col("date").is_between(dt.date(year - 1, 1, 1), dt.date(year + 1, 12, 31)) & (pl.col("kind") != "earnings")
    events = facts.rows.events.filter(when)
    data = AuditData(profile, profile.person(person), year, limits, pay, events, w2, prior_limits=prior,
                     lots=lots, backdoor=backdoor, spouse_w2=spouse_w2)
    if not year_has_rows(data):  # rare: only then are the rows the frames leave out counted
        data = replace(data, rows_elsewhere=_rows_elsewhere(ledger, person, year), _cache={})
    return data


def _rows_elsewhere(ledger: Ledger, person: str, year: int) -> int:
    """The person's event rows dated in `year` (earnings rows among them) and Forms 1099-R for it."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    events = (ledger.scan("events", person=person, dates=(first, last))
              .filter((pl.col("person") == person) & pl.col("date").is_between(first, last))
              .select(pl.len()).collect().item())
    return int(events) + ledger.frame("form_1099r", year=year, person=person).height
