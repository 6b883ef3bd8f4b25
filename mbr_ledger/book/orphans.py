"""Rows the profile no longer names: a person, plan or IRA id renamed or removed in `mbr.toml`
after its files were imported. Such rows are in no person's results, so every command that reads
the ledger warns about them (on stderr; its output does not change).

Cheap: the store keeps beside each segment its distinct (person, account) with their row counts
(`Ledger.ids`), so no segment is opened: well under a millisecond for a 1,000,000-row ledger, where
reading the two columns from the segments took 30-45 ms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from ..ledger.store import Ledger
    from ..profile import Profile

# The ledger tables whose rows belong to a person's account (the column naming the account is in
# ledger/schema.py `ACCOUNT_COLUMNS`).
TABLES = ("events", "payroll")
MAX_LINES = 5  # warning lines, the last of them saying how many more ids there are
MAX_FILES = 3  # files named per id


@dataclass
class Orphan:
    """One id not in the profile: a person, or an account (a plan or an IRA) of a known person."""

    kind: str  # "person" or "plan or IRA"
    id: str
    rows: int = 0
    files: list[str] = field(default_factory=list)

    def line(self) -> str:
        shown = ", ".join(self.files[:MAX_FILES])
        more = f" and {len(self.files) - MAX_FILES} more file(s)" if len(self.files) > MAX_FILES else ""
        return (f"warning: {self.rows:,} ledger row(s) of {self.kind} {self.id}, which is not in mbr.toml, are "
                f"left out of every result (imported from {shown}{more}); put the id back in mbr.toml")


def find_orphans(ledger: Ledger, profile: Profile) -> list[Orphan]:
    """The ids of ledger rows the profile does not know, each with its rows and files, by id."""
    persons = set(profile.person_ids())
    accounts = profile.account_ids()
    got = pl.concat([ledger.ids(table) for table in TABLES])
    found: dict[tuple[str, str], Orphan] = {}
    for person, account, path, rows in got.iter_rows():
        if person not in persons:
            key = ("person", str(person))
        elif account is not None and account not in accounts:
            key = ("plan or IRA", str(account))
        else:
            continue
        o = found.setdefault(key, Orphan(*key))
        o.rows += rows
        if path not in o.files:
            o.files.append(path)
    return [found[k] for k in sorted(found)]


def orphan_warnings(ledger: Ledger, profile: Profile) -> list[str]:
    """One `warning: ...` line per orphaned id, at most `MAX_LINES` lines in all."""
    orphans = find_orphans(ledger, profile)
    if len(orphans) <= MAX_LINES:
        return [o.line() for o in orphans]
    rest = orphans[MAX_LINES - 1:]
    return [o.line() for o in orphans[: MAX_LINES - 1]] + [
        f"warning: and {len(rest)} more id(s) not in mbr.toml ({', '.join(o.id for o in rest[:MAX_FILES])}"
        f"{', ...' if len(rest) > MAX_FILES else ''}), {sum(o.rows for o in rest):,} ledger row(s) in all"]
