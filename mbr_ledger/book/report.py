"""The year-end packet of one person: the audit, the worksheets, the capacity plans and the year's
rows, each made once from the person's frames, put together by `forms.packet.assemble_packet`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

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
    data = book.audit_data(facts)  # the audit and the capacity plan count the same money, once
    findings = run_checks(data)
    worksheets = {kind: book.worksheet_of(kind, [facts], person) for kind in ("1099r", "8606", "lots", "5329")}
    household = [r for r in book.returns(person) if len(r) > 1]
    if household:  # a joint return: its Form 1040 lines with the spouse's amounts
        worksheets["1040"] = book.worksheets("1040", year, person)[0]
    capacity = capacity_for_person(data)
    rows = ledger_rows(book.store, year=year, person=person)
    return assemble_packet(book.profile, year, person, findings, worksheets, capacity, rows, openings(facts))


def openings(facts: PersonYear) -> dict[str, Decimal]:
    """Each plan's after-tax balance at Jan 1 of the year: the sum of its after-tax rows before then."""
    return {a: from_cents(c) for a, c in facts.rows.after_tax_before(dt.date(facts.year, 1, 1)).items()}
