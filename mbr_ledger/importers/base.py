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
class Extracted:
    format: str
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    problems: list[InputProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def rows(self) -> int:
        return sum(f.height for f in self.tables.values())


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
