"""The audit's reading of the book: one person-year's frames (and the after-tax lots and Form 8606
figures other rules compute) loaded from the ledger into an `AuditData`, then every check run over it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from ..core.errors import MbrError
from ..limits import limits_for
from ..profile import Profile
from ..rules.audit import AuditData, run_checks
from ..rules.findings import Finding

if TYPE_CHECKING:
    from ..ledger.store import Ledger


def load_audit_data(profile: Profile, ledger: Ledger, year: int, person: str, *,
                    with_lots: bool = True) -> AuditData:
    """The frames and limits one person's audit reads (the only ledger access of the audit), and the
    after-tax lots of `rules.lots` (`with_lots`)."""
    from ..ledger.queries import year_events

    limits = limits_for(year)
    try:
        prior = limits_for(year - 1)
    except MbrError:
        prior = None
    pay = ledger.frame("payroll", person=person,
                       filter=pl.col("pay_date").is_between(dt.date(year - 1, 1, 1), dt.date(year, 12, 31)))
    w2 = ledger.frame("w2", person=person, filter=pl.col("tax_year").is_between(year - 1, year))
    lots = None
    backdoor: Any = None
    if with_lots:
        from ..forms.f8606 import backdoor_details
        from ..rules.lots import audit_lots

        lots = audit_lots(profile, ledger, person, year)
        if profile.iras_of(person):
            try:
                backdoor = backdoor_details(profile, ledger, year, person)
            except MbrError as exc:
                backdoor = str(exc)
    # Every check reads contributions, and which accounts had rows in a year; the daily earnings rows
    # (the bulk of a ledger) are left out. Read after the lots: the rows the lots engine read (when it
    # computed anything) hold these too.
    events = year_events(ledger, person, year - 1, year + 1)
    return AuditData(profile, profile.person(person), year, limits, pay, events, w2, prior_limits=prior,
                     lots=lots, backdoor=backdoor)


def run_audit(profile: Profile, ledger: Ledger, year: int, person: str | None) -> list[Finding]:
    """The year-end audit of one person (or of everyone in the book): every check, as values."""
    from ..ledger.queries import reading_many

    persons = [person] if person else profile.person_ids()
    reading_many(ledger, persons)
    found: list[Finding] = []
    for pid in persons:
        data = load_audit_data(profile, ledger, year, pid)
        found += run_checks(data)
    return found
