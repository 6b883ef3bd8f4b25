"""Importing files into the ledger: read and check every file first, then write each whole."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import MbrError
from ..importers import ImportContext, detect
from .store import Ledger, file_sha256


@dataclass
class FileResult:
    path: str
    format: str
    sha256: str
    rows: int
    imported: int = 0
    duplicates: int = 0
    by_table: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"path": self.path, "format": self.format, "sha256": self.sha256, "rows": self.rows,
                "imported": self.imported, "duplicates": self.duplicates, "tables": self.by_table,
                "notes": self.notes}


def import_files(ledger: Ledger, paths: list[Path], ctx: ImportContext, *, fmt: str | None = None,
                 dry_run: bool = False, on_file: Callable[[str, int], None] | None = None,
                 on_rows: Callable[[int], None] | None = None) -> list[FileResult]:
    """Import `paths`. Any bad file stops the whole command before anything is written."""
    staged = []
    for path in paths:
        importer = detect(path, fmt)
        if on_file:
            on_file(f"reading {path.name}", 0)
        extracted = importer.extract(path, ctx)
        if extracted.problems:
            raise MbrError(f"{path}: {len(extracted.problems)} problem(s); nothing was imported",
                           extracted.problems)
        staged.append((path, file_sha256(path), extracted))
    results = []
    for path, sha, ex in staged:
        if on_file:
            on_file(f"writing {path.name}", ex.rows())
        res = ledger.append(str(path), sha, ex.format, ex.tables, dry_run=dry_run, progress=on_rows)
        results.append(FileResult(str(path), ex.format, sha, ex.rows(), res.imported, res.duplicates,
                                  dict(res.by_table or {}), ex.notes))
    return results
