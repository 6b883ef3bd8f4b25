"""Importing files into the ledger: every file is checked before anything is written, and each is
then written whole, in its own transaction.

A file is read in batches of rows where its importer can (`extract_batches`), so a large file is
never in memory at once: the batches go into the file's open transaction as they come, and the
first problem stops the writing; the transaction is then rolled back and the ledger is as it was.
With several files, each is read once to check it before the first is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import InputProblem, MbrError
from ..core.filehash import file_sha256
from ..importers import Extracted, ImportContext, Importer, detect
from ..importers.base import LeftOut, merge_left_out
from ..importers.tabular import MAX_PROBLEMS
from ..ledger.store import Ledger
from ..tuning import sizes
from ..tuning.threads import in_thread, read_ahead


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
    read: int = 0  # the file's data rows: imported + duplicates + the rows of left_out
    left_out: list[LeftOut] = field(default_factory=list)

    @property
    def left_out_rows(self) -> int:
        return sum(g.rows for g in self.left_out)

    def as_json(self) -> dict[str, object]:
        return {"path": self.path, "format": self.format, "sha256": self.sha256, "rows": self.rows,
                "imported": self.imported, "duplicates": self.duplicates, "tables": self.by_table,
                "notes": self.notes, "read": self.read, "left_out": [g.as_json() for g in self.left_out]}


def _batches(importer: Importer, path: Path, ctx: ImportContext) -> Iterator[Extracted]:
    batched = getattr(importer, "extract_batches", None)
    if batched is not None:
        yield from batched(path, ctx)
    else:
        yield importer.extract(path, ctx)


class _Problems:
    """A file's problems: the first MAX_PROBLEMS kept, all counted."""

    def __init__(self, path: Path):
        self.path = path
        self.kept: list[InputProblem] = []
        self.count = 0

    def add(self, ex: Extracted) -> None:
        self.count += ex.problems_found()
        self.kept += ex.problems[: max(0, MAX_PROBLEMS - len(self.kept))]

    def raise_any(self) -> None:
        if self.count:
            raise MbrError(f"{self.path}: {self.count} problem(s); nothing was imported",
                           sorted(self.kept, key=lambda p: p.line), total=self.count)


def _check(importer: Importer, path: Path, ctx: ImportContext) -> None:
    problems = _Problems(path)
    for ex in _batches(importer, path, ctx):
        problems.add(ex)
    problems.raise_any()


def _lines(path: Path) -> int:
    n = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(sizes.COUNT_BYTES), b""):
            n += block.count(b"\n")
    return max(n - 1, 0)


def import_options(ctx: ImportContext) -> dict[str, str]:
    """The options a file is imported with, as the ledger keeps them: the command line's `--person`,
    `--plan`, `--source` and the mapping table's SHA-256, each when given."""
    got = {k: v for k, v in (("person", ctx.person), ("plan", ctx.plan), ("source", ctx.source)) if v}
    if ctx.mapping is not None:
        text = json.dumps(ctx.mapping, sort_keys=True, default=str, separators=(",", ":"))
        got["mapping"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return got


def import_files(ledger: Ledger, paths: list[Path], ctx: ImportContext, *, fmt: str | None = None,
                 dry_run: bool = False, on_file: Callable[[str, int], None] | None = None,
                 on_rows: Callable[[int], None] | None = None,
                 hashes: Mapping[Path, Callable[[], str]] | None = None) -> list[FileResult]:
    """Import `paths`. Any bad file stops the whole command before anything is written.

    `hashes` may give, per path, a function that returns its SHA-256 (hashed while the file is read)."""
    importers: list[tuple[Path, Importer]] = []
    for path in paths:
        importer = detect(path, fmt, ctx)
        if len(paths) > 1:
            if on_file:
                on_file(f"reading {path.name}", 0)
            _check(importer, path, ctx)
        importers.append((path, importer))
    results = []
    options = import_options(ctx)
    for path, importer in importers:
        if on_file:
            on_file(f"writing {path.name}", _lines(path))
        sha = (hashes or {}).get(path) or in_thread(file_sha256, path)  # hashed while it is read
        problems = _Problems(path)
        fmt_name, notes = importer.name, []
        read, left = 0, []
        reversals = _Reversals(path)
        with ledger.appending(str(path), sha, fmt_name, dry_run=dry_run, progress=on_rows,
                              options=options) as w, \
                read_ahead(_batches(importer, path, ctx)) as batches:
            for ex in batches:
                problems.add(ex)
                fmt_name = w.format = ex.format
                notes += [n for n in ex.notes if n not in notes]
                read += ex.rows_read()
                left += ex.left_out
                reversals.add(ex)
                if not problems.count:
                    w.add(ex.tables)
                del ex  # not kept while the next batch is awaited
            problems.raise_any()
            left = merge_left_out(left)
            _check_accounting(path, read, w.rows, left)
        res = w.result
        if res.imported:  # a file imported again adds nothing: its rows were warned about the first time
            notes += reversals.notes()
        results.append(FileResult(str(path), fmt_name, w.sha256, w.rows, res.imported, res.duplicates,
                                  dict(res.by_table or {}), notes, read, left))
    return results


class _Reversals:
    """A file's negative `contribution` rows (a reversal of a deposit, or a correction): imported as
    they are, each named by its line in a warning (the first WARNED, then a count)."""

    WARNED = 10

    def __init__(self, path: Path):
        self.path = path
        self.count = 0
        self.first: list[tuple[int, int]] = []  # (line, cents)

    def add(self, ex: Extracted) -> None:
        ev = ex.tables.get("events")
        if ev is None or not ev.height or ex.problems:
            return
        import polars as pl

        neg = ev.filter((pl.col("kind") == "contribution") & (pl.col("amount") < 0))
        self.count += neg.height
        room = self.WARNED - len(self.first)
        if neg.height and room > 0:
            self.first += neg.select("source_line", "amount").head(room).rows()

    def notes(self) -> list[str]:
        from ..core.money import fmt_table

        out = [f"{self.path}:{line}: negative contribution ({fmt_table(cents)}) imported: a reversal or "
               f"correction of a deposit? `mbr audit` lists it" for line, cents in sorted(self.first)]
        if self.count > len(self.first):
            out.append(f"{self.path}: and {self.count - len(self.first)} more negative contribution row(s)")
        return out


def _check_accounting(path: Path, read: int, rows: int, left: list[LeftOut]) -> None:
    """Every data row read is a ledger row (imported or a duplicate) or left out with its reason;
    a file for which that does not add up is refused (inside its transaction: nothing is written)."""
    gone = sum(g.rows for g in left)
    if read != rows + gone:
        raise MbrError(f"{path}: {read} row(s) read but {rows} ledger row(s) and {gone} row(s) left out; "
                       f"rows would be lost without a word, so nothing was imported (please report this file's "
                       f"format)")
