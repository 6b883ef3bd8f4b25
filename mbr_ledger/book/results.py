"""What the Python API hands back for an audit or a worksheet: the values the commands render, and
`.to_dict()`, exactly the JSON of the command's `--format json`.

Kept free of heavy imports, so a command can name these types at no cost to `mbr --help`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..forms.model import Worksheet
    from ..rules.findings import Finding

AUDIT_DISCLAIMER = "Not tax advice: figures to the best of this program's knowledge of the rules."
STATUSES = ("fail", "warn", "info", "ok")


@dataclass(frozen=True)
class AuditResult:
    """The year-end audit of one person or of everyone in the book: its findings in the checks' order.

    `person` is the person asked for, or the only person of the book, or None for several.
    Iterating over it gives the findings.
    """

    year: int
    person: str | None
    findings: list[Finding]

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def counts(self) -> dict[str, int]:
        """How many findings have each status, in the order fail, warn, info, ok."""
        return {s: sum(1 for f in self.findings if f.status == s) for s in STATUSES}

    @property
    def exit_code(self) -> int:
        """1 when a check fails, else 0 (the exit code of `mbr audit`)."""
        from ..rules.audit import exit_code

        return exit_code(self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `mbr audit --format json` (money as strings with two decimals)."""
        return {"year": self.year, "person": self.person, "checks": [f.as_json() for f in self.findings],
                "summary": self.counts(), "exit_code": self.exit_code, "disclaimer": AUDIT_DISCLAIMER}


@dataclass(frozen=True)
class WorksheetResult:
    """One worksheet (`name` "8606", "1099r", "lots", ...) of a year: one `Worksheet` per person asked
    for, or a single one for all of them where the form is one for the household (1099r)."""

    name: str
    year: int
    person: str | None
    sheets: list[Worksheet]
    per_person: bool
    as_json: Callable[[Worksheet], dict[str, Any]]

    def __iter__(self) -> Iterator[Worksheet]:
        return iter(self.sheets)

    def __len__(self) -> int:
        return len(self.sheets)

    def to_dict(self) -> dict[str, Any] | list[dict[str, Any]]:
        """The JSON of `mbr worksheet NAME --format json`: one object, or for a per-person worksheet of
        several persons a list of objects (one per person, in the book's order)."""
        out = [self.as_json(ws) for ws in self.sheets]
        if self.per_person and len(out) != 1:
            return out
        return out[0]
