"""What every importer is: a small object with `identify` and `extract` (the beangulp shape).

An importer turns one statement file into ledger tables (Polars frames with the columns of
`mbr_ledger.core.schema`, money in integer cents, and a `source_line` column), or into a list of
problems, each naming the file, line and column. It never writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..core.errors import InputProblem, MbrError

if TYPE_CHECKING:
    import polars as pl

    from ..profile import Profile


@dataclass
class Sniff:
    """The first part of a file, for `identify`: raw bytes and, when it decodes, text lines."""

    path: Path
    head: bytes
    lines: list[str]  # decoded lines of the head (utf-8-sig, else cp1252), without line ends

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()


@dataclass
class ImportContext:
    """What a file may not say itself: the book's profile and the command-line defaults."""

    profile: Profile
    person: str | None = None
    plan: str | None = None
    source: str | None = None
    mapping: dict[str, Any] | None = None


@dataclass
class LeftOut:
    """Rows of a file left out on purpose, for one reason: how many, and the first one's line."""

    reason: str
    rows: int
    first_line: int

    def as_json(self) -> dict[str, object]:
        return {"reason": self.reason, "rows": self.rows, "first_line": self.first_line}

    def note(self) -> str:
        return f"{self.rows} {self.reason}"


def left_out_group(reason: str, lines: list[int]) -> LeftOut:
    """The group of rows at `lines` (at least one) left out for `reason`."""
    return LeftOut(reason, len(lines), min(lines))


def merge_left_out(groups: list[LeftOut]) -> list[LeftOut]:
    """Groups of the same reason as one (rows added, the first line kept), in first-line order."""
    got: dict[str, LeftOut] = {}
    for g in groups:
        if g.rows <= 0:
            continue
        have = got.get(g.reason)
        got[g.reason] = g if have is None else LeftOut(g.reason, have.rows + g.rows,
                                                       min(have.first_line, g.first_line))
    return sorted(got.values(), key=lambda g: (g.first_line, g.reason))


@dataclass
class Extracted:
    """What an importer read from a file (or a batch of it): ledger tables, problems, notes, and
    the accounting of its data rows: `read` = the rows of `tables` + the `rows` of `left_out`
    (a `read` of None means the file has exactly those rows)."""

    format: str
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    problems: list[InputProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    read: int | None = None
    problem_total: int | None = None  # problems found, of which `problems` words the first (None: all)

    def rows(self) -> int:
        return sum(f.height for f in self.tables.values())

    def problems_found(self) -> int:
        """Every problem found, not only those worded in `problems`."""
        return max(self.problem_total or 0, len(self.problems))

    def rows_read(self) -> int:
        """The data rows read from the file: `read`, else every row accounted for."""
        return self.read if self.read is not None else self.rows() + sum(g.rows for g in self.left_out)


class Importer(Protocol):
    @property
    def name(self) -> str: ...        # the value of `--from`

    @property
    def title(self) -> str: ...       # what people call the file

    @property
    def signature(self) -> str: ...   # the header (or marker) that identifies it, for `mbr formats`

    def identify(self, sniff: Sniff) -> bool: ...

    def extract(self, path: Path, ctx: ImportContext) -> Extracted: ...


class ImportFailed(MbrError):
    pass
