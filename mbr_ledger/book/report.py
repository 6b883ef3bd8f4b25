"""The year-end packet of one person: the audit, the worksheets, the capacity plans and the year's
rows, each made once from the person's frames, put together by `forms.packet.assemble_packet`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import polars as pl

from ..core.money import from_cents
from ..forms.packet import Packet, assemble_packet
from ..ledger.queries import ledger_rows
from ..rules.audit import run_checks
from ..rules.capacity import capacity_for_person

if TYPE_CHECKING:
    from ..rules.facts import PersonYear
    from .book import Book


def build_packet(book: Book, facts: PersonYear) -> Packet:
    year, person = facts.year, facts.person
    findings = run_checks(book.audit_data(facts))
    worksheets = {kind: book.worksheet_of(kind, [facts], person) for kind in ("1099r", "8606", "lots")}
    capacity = capacity_for_person(book.audit_data(facts, with_lots=False))
    rows = ledger_rows(book.ledger, year=year, person=person)
    return assemble_packet(book.profile, year, person, findings, worksheets, capacity, rows, openings(facts))


def openings(facts: PersonYear) -> dict[str, Decimal]:
    """Each plan's after-tax balance at Jan 1 of the year: the sum of its after-tax rows before then."""
    before = ((pl.col("date") < dt.date(facts.year, 1, 1)) & (pl.col("source") == "after_tax")
              & ~pl.col("kind").fill_null("").is_in(["payroll", "balance"]))
    early = facts.rows.events.filter(before)
    sums = early.group_by(pl.col("account").fill_null("")).agg(pl.col("amount").fill_null(0).sum())
    return {a: from_cents(int(c)) for a, c in sums.iter_rows()}
