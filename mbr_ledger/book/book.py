"""A book: its profile and its ledger, and what the commands ask of them.

Every method reads the frames it needs from the ledger once, hands them to the rules and forms,
and returns their results: worksheets, findings, plans, the packet. Nothing is kept between calls.
This is also the Python API (`from mbr_ledger import Book`, docs/api.md): the commands call it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from ..core.errors import MbrError
from ..core.schema import EVENT_KINDS
from ..ledger.store import Ledger
from ..profile import Profile, load_profile
from .frames import person_years
from .results import AuditResult, WorksheetResult

if TYPE_CHECKING:
    from ..forms.model import Worksheet
    from ..forms.packet import Packet
    from ..rules.audit import AuditData
    from ..rules.capacity import CapacityPlan
    from ..rules.facts import PersonYear
    from ..rules.findings import Finding

PROFILE_FILE = "mbr.toml"
# The columns of `mbr ledger` (and of `Book.ledger`), in this order.
LEDGER_COLUMNS = ("date", "person", "account", "kind", "source", "amount", "destination", "for_year", "memo",
                  "source_file", "source_line", "fund", "shares", "reason", "completed")
LEDGER_KINDS = (*EVENT_KINDS, "payroll")  # payroll: the deductions on pay stubs
# `amount` in the API's frame and in the Parquet file: an exact decimal with two places (never float).
AMOUNT_DTYPE = pl.Decimal(18, 2)


@dataclass(frozen=True)
class WorksheetKind:
    """How the book builds one worksheet from the rules' results (`build(book, facts, person)`) and
    gives it as the command's JSON. `per`: one worksheet per "person", per "return" (one person, or
    a couple filing jointly: Book.returns) or one for the whole "book" (all persons asked for)."""

    build: Callable[[Book, list[PersonYear], str | None], Worksheet]
    as_json: Callable[[Worksheet], dict[str, Any]]
    per: Literal["person", "return", "book"] = "person"


def _lots(book: Book, facts: list[PersonYear], person: str | None) -> Worksheet:
    from ..forms.lots import lots_worksheet

    return lots_worksheet(facts[0].lots, facts[0].year)


def _lots_json(ws: Worksheet) -> dict[str, Any]:
    return {"year": ws.year, "person": ws.person,
            "lines": {ln.id: ln.json_value() for ln in ws.lines},
            "lots": ws.grids["lots"].as_json(), "conversions": ws.grids["conversions"].as_json(),
            "notes": ws.notes}


def _f8606(book: Book, facts: list[PersonYear], person: str | None) -> Worksheet:
    from ..forms.f8606 import worksheet_8606

    return worksheet_8606(facts[0])


def _f8606_json(ws: Worksheet) -> dict[str, Any]:
    from ..forms.f8606 import as_json

    return as_json(ws)


def _f1099r(book: Book, facts: list[PersonYear], person: str | None) -> Worksheet:
    from ..forms.f1099r import worksheet_1099r

    year = facts[0].year if facts else 0
    return worksheet_1099r(book.profile, year, facts, book.received_1099r(year, [f.person for f in facts]), person)


def _f1099r_json(ws: Worksheet) -> dict[str, Any]:
    from ..forms.f1099r import as_json

    return as_json(ws)


def _f1040(book: Book, facts: list[PersonYear], person: str | None) -> Worksheet:
    """One return's Form 1040 lines: `facts` are its filers' (one person, or both spouses filing jointly)."""
    from ..forms.f1040 import worksheet_1040
    from ..forms.f1099r import worksheet_1099r

    year = facts[0].year
    received = book.received_1099r(year, [f.person for f in facts])
    alone = [worksheet_1099r(book.profile, year, [f], {f.person: received[f.person]}, f.person) for f in facts]
    return worksheet_1040(book.profile, year, facts, received, alone)


def _f1040_json(ws: Worksheet) -> dict[str, Any]:
    from ..forms.f1040 import as_json

    return as_json(ws)


def _f5329(book: Book, facts: list[PersonYear], person: str | None) -> Worksheet:
    """One person's Form 5329: each year from the person's first (the excess carried) through this one."""
    import datetime as dt

    from ..forms.f5329 import worksheet_5329
    from ..limits import limits_for
    from ..rules.f5329 import compute_years
    from ..rules.facts import PersonYear

    f = facts[0]
    first = book.profile.person(f.person).first_year or f.rows.first_year(dt.date(f.year, 12, 31)) or f.year
    years: list[tuple[PersonYear, Any]] = []
    for y in range(min(first, f.year), f.year + 1):
        py = f if y == f.year else PersonYear(book.profile, f.rows, y)  # the same rows, read once
        try:
            limits_for(y)
        except MbrError:  # no IRA limit for the year: Parts III and IV say so
            years.append((py, None))
            continue
        years.append((py, book.audit_data(py, with_lots=False)))
    return worksheet_5329(compute_years(years))


def _f5329_json(ws: Worksheet) -> dict[str, Any]:
    from ..forms.f5329 import as_json

    return as_json(ws)


# Every worksheet by its name: a new worksheet needs one entry here (and its command).
WORKSHEETS: dict[str, WorksheetKind] = {
    "lots": WorksheetKind(_lots, _lots_json),
    "1099r": WorksheetKind(_f1099r, _f1099r_json, per="book"),
    "8606": WorksheetKind(_f8606, _f8606_json),
    "1040": WorksheetKind(_f1040, _f1040_json, per="return"),
    "5329": WorksheetKind(_f5329, _f5329_json),
}


def _decimal_amounts(column: str) -> pl.Expr:
    """A column of integer cents as an exact Decimal(18, 2), through its digits as text (no float)."""
    cents = pl.col(column)
    mag = cents.abs()
    text = (pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit("")) + (mag // 100).cast(pl.String)
            + pl.lit(".") + (mag % 100).cast(pl.String).str.zfill(2))
    return text.cast(AMOUNT_DTYPE).alias(column)


class Book:
    """A book folder: `mbr.toml` (the profile) and `ledger.sqlite` (the ledger)."""

    def __init__(self, path: Path, profile: Profile, store: Ledger):
        self.path = path
        self.profile = profile
        self.store = store

    @classmethod
    def open(cls, path: str | Path) -> Book:
        """Open the book in folder `path` (its mbr.toml and ledger.sqlite); use `with` or `close()`."""
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

    def findings(self, year: int, person: str | None = None) -> list[Finding]:
        """The year-end audit's findings for one person (or everyone in the book): every check."""
        from ..rules.audit import run_checks

        found: list[Finding] = []
        for facts in self.facts(year, person):
            found += run_checks(self.audit_data(facts))
        return found

    def audit(self, year: int, person: str | None = None) -> AuditResult:
        """The year-end audit of `mbr audit --year YEAR [--person P]`; `.to_dict()` is its JSON."""
        persons = self.persons(person)
        shown = person or (persons[0] if len(persons) == 1 else None)
        return AuditResult(year, shown, self.findings(year, person))

    def capacity(self, year: int, person: str, **options: Any) -> list[CapacityPlan]:
        """The book-aware capacity plan of each of the person's plans in `year`."""
        from ..rules.capacity import capacity_for_person

        facts = self.facts(year, person)[0]
        return capacity_for_person(self.audit_data(facts, with_lots=False), **options)

    # ------------------------------------------------------------------ the ledger
    def ledger(self, year: int | None = None, person: str | None = None, account: str | None = None,
               kind: str | None = None) -> pl.DataFrame:
        """The rows of `mbr ledger` with these filters, its columns in its order (LEDGER_COLUMNS);
        `amount` is an exact Decimal(18, 2), signed as money into the account."""
        from ..ledger.queries import ledger_rows

        if kind is not None and kind not in LEDGER_KINDS:
            raise MbrError(f"kind {kind!r}: not a ledger kind (one of {', '.join(LEDGER_KINDS)})")
        df = ledger_rows(self.store, year=year, person=person, account=account, kind=kind)
        return df.select(LEDGER_COLUMNS).with_columns(_decimal_amounts("amount"))

    def returns(self, person: str | None = None) -> list[list[str]]:
        """The Forms 1040 asked for, each as its filers: `person`'s return (with the spouse when filing
        jointly), or every return in the book, in book order."""
        from ..profile import joint_filers

        out: list[list[str]] = []
        for p in self.persons(person):
            filers = joint_filers(self.profile, p)
            if filers not in out:
                out.append(filers)
        return out

    # ------------------------------------------------------------------ worksheets
    def received_1099r(self, year: int, persons: list[str]) -> dict[str, pl.DataFrame]:
        return {p: self.store.frame("form_1099r", year=year, person=p) for p in persons}

    def worksheet(self, name: str, year: int, person: str | None = None) -> WorksheetResult:
        """The worksheet of `mbr worksheet NAME --year YEAR [--person P]` (NAME one of WORKSHEETS);
        `.to_dict()` is its JSON."""
        spec = _kind(name)
        return WorksheetResult(name, year, person, self.worksheets(name, year, person), spec.per != "book",
                               spec.as_json)

    def worksheets(self, kind: str, year: int, person: str | None = None) -> list[Worksheet]:
        """The `kind` worksheet of each person asked for, of each return (WorksheetKind.per "return"),
        or one for all of them ("book", as 1099r)."""
        spec = _kind(kind)
        if spec.per == "book":
            return [self.worksheet_of(kind, self.facts(year, person), person)]
        if spec.per == "person":
            return [self.worksheet_of(kind, [f], f.person) for f in self.facts(year, person)]
        returns = self.returns(person)
        got = person_years(self.store, self.profile, [p for r in returns for p in r], year)
        return [self.worksheet_of(kind, [got[p] for p in filers], person) for filers in returns]

    def worksheet_of(self, kind: str, facts: list[PersonYear], person: str | None) -> Worksheet:
        """The `kind` worksheet from these rules' results (one person's, or all of them)."""
        return _kind(kind).build(self, facts, person)

    # ------------------------------------------------------------------ the packet
    def packet(self, year: int, person: str) -> Packet:
        from .report import build_packet

        return build_packet(self, self.facts(year, person)[0])


def _kind(name: str) -> WorksheetKind:
    try:
        return WORKSHEETS[name]
    except KeyError:
        raise MbrError(f"unknown worksheet {name!r} (one of {', '.join(WORKSHEETS)})") from None
