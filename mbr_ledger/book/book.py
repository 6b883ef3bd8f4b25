"""A book: its profile and its ledger, and what the commands ask of them.

Every method reads the frames it needs from the ledger once, hands them to the rules and forms,
and returns their results: worksheets, findings, plans, the packet. Nothing is kept between calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ..core.errors import MbrError
from ..ledger.store import Ledger
from ..profile import Profile, load_profile
from .frames import person_years

if TYPE_CHECKING:
    from ..forms.model import Worksheet
    from ..forms.packet import Packet
    from ..rules.audit import AuditData
    from ..rules.capacity import CapacityPlan
    from ..rules.facts import PersonYear
    from ..rules.findings import Finding

PROFILE_FILE = "mbr.toml"
WORKSHEETS = ("lots", "1099r", "8606")


class Book:
    """A book folder: `mbr.toml` (the profile) and `ledger.sqlite` (the ledger)."""

    def __init__(self, path: Path, profile: Profile, store: Ledger):
        self.path = path
        self.profile = profile
        self.store = store

    @classmethod
    def open(cls, path: str | Path) -> Book:
        book = Path(path)
        profile = load_profile(book / PROFILE_FILE)
        return cls(book, profile, Ledger.open(book))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ persons and frames
    def persons(self, person: str | None = None) -> list[str]:
        """The persons a command reports on: the one asked for, or everyone in the book."""
        ids = self.profile.person_ids()
        if person is None:
            return ids
        if person not in ids:
            raise MbrError(f"--person {person}: unknown person (persons in mbr.toml: {', '.join(ids) or 'none'})")
        return [person]

    def facts(self, year: int, person: str | None = None) -> list[PersonYear]:
        """The rules' results through `year` for each person asked for, from one read of the ledger."""
        persons = self.persons(person)
        got = person_years(self.store, self.profile, persons, year)
        return [got[p] for p in persons]

    # ------------------------------------------------------------------ audit and capacity
    def audit_data(self, facts: PersonYear, *, with_lots: bool = True) -> AuditData:
        from .audit import audit_data

        return audit_data(self.store, self.profile, facts, with_lots=with_lots)

    def audit(self, year: int, person: str | None = None) -> list[Finding]:
        """The year-end audit of one person (or of everyone in the book): every check, as values."""
        from ..rules.audit import run_checks

        found: list[Finding] = []
        for facts in self.facts(year, person):
            found += run_checks(self.audit_data(facts))
        return found

    def capacity(self, year: int, person: str, **options: Any) -> list[CapacityPlan]:
        """The book-aware capacity plan of each of the person's plans in `year`."""
        from ..rules.capacity import capacity_for_person

        facts = self.facts(year, person)[0]
        return capacity_for_person(self.audit_data(facts, with_lots=False), **options)

    # ------------------------------------------------------------------ worksheets
    def received_1099r(self, year: int, persons: list[str]) -> dict[str, pl.DataFrame]:
        return {p: self.store.frame("form_1099r", year=year, person=p) for p in persons}

    def worksheets(self, kind: str, year: int, person: str | None = None) -> list[Worksheet]:
        """The `kind` worksheet ("lots", "1099r", "8606") of each person asked for (one 1099-R
        worksheet for all of them)."""
        facts = self.facts(year, person)
        return [self.worksheet_of(kind, facts, person)] if kind == "1099r" else \
            [self.worksheet_of(kind, [f], f.person) for f in facts]

    def worksheet_of(self, kind: str, facts: list[PersonYear], person: str | None) -> Worksheet:
        from ..forms.f1099r import worksheet_1099r
        from ..forms.f8606 import worksheet_8606
        from ..forms.lots import lots_worksheet

        if kind == "lots":
            return lots_worksheet(facts[0].lots, facts[0].year)
        if kind == "8606":
            return worksheet_8606(facts[0])
        if kind == "1099r":
            year = facts[0].year if facts else 0
            return worksheet_1099r(self.profile, year, facts, self.received_1099r(year, [f.person for f in facts]),
                                   person)
        raise MbrError(f"unknown worksheet {kind!r} (one of {', '.join(WORKSHEETS)})")

    # ------------------------------------------------------------------ the packet
    def packet(self, year: int, person: str) -> Packet:
        from .report import build_packet

        return build_packet(self, self.facts(year, person)[0])
