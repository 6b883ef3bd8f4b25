"""The ledger store.

- One SQLite file, rollback journal, `synchronous=FULL`: a killed import leaves all or none of a file.
- A file is appended in one `BEGIN IMMEDIATE` transaction; a second writer waits (up to
  `BUSY_SECONDS`) and then fails with a clear message, never corrupting anything.
- Rows are de-duplicated by a fingerprint of the normalised row plus its occurrence number
  within the file, so re-importing adds nothing, a longer file adds only its new rows, and two
  identical rows in one file are both kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ..core.errors import MbrError
from .schema import MIGRATIONS, SCHEMA_VERSION, TABLES, Table

LEDGER_FILE = "ledger.sqlite"
BUSY_SECONDS = 30.0
CHUNK = 50_000


class LedgerBusy(MbrError):
    pass


@dataclass
class AppendResult:
    imported: int = 0
    duplicates: int = 0
    by_table: dict[str, int] | None = None


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fingerprints(t: Table, df: pl.DataFrame) -> pl.DataFrame:
    """Add `fingerprint` (hash of the normalised value columns) and `occurrence` (1, 2, ... per file)."""
    parts = [pl.col(c).cast(pl.String).fill_null("") for c in t.columns]
    keyed = df.with_columns(pl.concat_str([pl.lit(t.name), *parts], separator="\x1f").alias("_key"))
    digests = [hashlib.blake2b(k.encode(), digest_size=16).hexdigest() for k in keyed["_key"].to_list()]
    return (keyed.drop("_key")
            .with_columns(pl.Series("fingerprint", digests, dtype=pl.String))
            .sort("source_line")
            .with_columns(pl.int_range(1, pl.len() + 1).over("fingerprint").alias("occurrence")))


def _sql_values(t: Table, df: pl.DataFrame) -> list[tuple[Any, ...]]:
    cols = [*t.columns, "source_file", "source_sha256", "source_line", "fingerprint", "occurrence", "file_id"]
    conv = df.with_columns([pl.col(c).dt.to_string("%Y-%m-%d") for c, ty in t.columns.items() if ty == pl.Date])
    conv = conv.with_columns([pl.col(c).cast(pl.Int64) for c, ty in t.columns.items() if ty == pl.Boolean])
    return list(conv.select(cols).iter_rows())


class Ledger:
    def __init__(self, book: Path, conn: sqlite3.Connection):
        self.book = book
        self.path = book / LEDGER_FILE
        self.conn = conn

    # ------------------------------------------------------------------ opening
    @classmethod
    def create(cls, book: Path) -> Ledger:
        path = book / LEDGER_FILE
        if path.exists():
            raise MbrError(f"{path} exists already; mbr init never overwrites a ledger")
        conn = cls._connect(path)
        led = cls(book, conn)
        led._migrate()
        return led

    @classmethod
    def open(cls, book: Path) -> Ledger:
        path = book / LEDGER_FILE
        if not path.exists():
            raise MbrError(f"{path}: no ledger here (run `mbr init {book}` first, or give --book DIR)")
        led = cls(book, cls._connect(path))
        led._migrate()
        return led

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise MbrError(f"{path}: not a readable mbr ledger ({exc})") from None
        return conn

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise MbrError(f"{self.path}: ledger schema {version} is newer than this mbr understands "
                           f"({SCHEMA_VERSION}); upgrade mbr_ledger")
        if version == SCHEMA_VERSION:
            return
        with self.write():
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for stmt in MIGRATIONS[v]:
                    self.conn.execute(stmt)
                self.conn.execute(f"PRAGMA user_version={v}")

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise LedgerBusy(f"{self.path}: the ledger is busy (another mbr command is writing); "
                                 f"waited {BUSY_SECONDS:.0f} s, try again") from None
            raise
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    # ------------------------------------------------------------------ writing
    def append(self, path: str, sha256: str, fmt: str, tables: dict[str, pl.DataFrame], *,
               dry_run: bool = False, progress: Callable[[int], None] | None = None) -> AppendResult:
        """Add one file's rows in one transaction: all of them or none (a dry run rolls back)."""
        try:
            return self._append(path, sha256, fmt, tables, dry_run=dry_run, progress=progress)
        except _DryRun as dr:
            return dr.result

    def _append(self, path: str, sha256: str, fmt: str, tables: dict[str, pl.DataFrame], *,
                dry_run: bool, progress: Callable[[int], None] | None) -> AppendResult:
        prepared = {name: _fingerprints(TABLES[name], df) for name, df in tables.items() if df.height}
        total_rows = sum(df.height for df in prepared.values())
        res = AppendResult(by_table={})
        with self.write() as conn:
            cur = conn.execute(
                "INSERT INTO files(path, sha256, format, imported_at, rows, imported, duplicates) "
                "VALUES (?,?,?,?,?,0,0)",
                (path, sha256, fmt, dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), total_rows))
            file_id = cur.lastrowid
            for name, df in prepared.items():
                t = TABLES[name]
                df = df.with_columns(pl.lit(path).alias("source_file"), pl.lit(sha256).alias("source_sha256"),
                                     pl.lit(file_id).cast(pl.Int64).alias("file_id"))
                cols = [*t.columns, "source_file", "source_sha256", "source_line", "fingerprint", "occurrence",
                        "file_id"]
                sql = f"INSERT OR IGNORE INTO {name}({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                added = 0
                for start in range(0, df.height, CHUNK):
                    before = conn.total_changes
                    conn.executemany(sql, _sql_values(t, df.slice(start, CHUNK)))
                    added += conn.total_changes - before
                    if progress:
                        progress(min(CHUNK, df.height - start))
                assert res.by_table is not None
                res.by_table[name] = added
                res.imported += added
            res.duplicates = total_rows - res.imported
            conn.execute("UPDATE files SET imported=?, duplicates=? WHERE id=?",
                         (res.imported, res.duplicates, file_id))
            if dry_run:
                raise _DryRun(res)
        return res

    # ------------------------------------------------------------------ reading
    def frame(self, table: str, *, year: int | None = None, person: str | None = None,
              where: str = "", params: tuple[Any, ...] = ()) -> pl.DataFrame:
        """Rows of one table as a frame in the table's sort order, filtered by year and person."""
        t = TABLES[table]
        clauses: list[str] = []
        args: list[Any] = []
        if person:
            clauses.append("person = ?")
            args.append(person)
        if year is not None:
            if t.date_column:
                clauses.append(f"{t.date_column} >= ? AND {t.date_column} <= ?")
                args += [f"{year:04d}-01-01", f"{year:04d}-12-31"]
            else:
                clauses.append(f"{t.year_column} = ?")
                args.append(year)
        if where:
            clauses.append(where)
            args += list(params)
        cols = [*t.columns, "source_file", "source_sha256", "source_line"]
        sql = f"SELECT {', '.join(cols)} FROM {table}"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        rows = self.conn.execute(sql, args).fetchall()
        schema: dict[str, Any] = {c: (pl.String if ty == pl.Date else ty) for c, ty in t.columns.items()}
        schema.update({"source_file": pl.String, "source_sha256": pl.String, "source_line": pl.Int64})
        df = pl.DataFrame(rows, schema=schema, orient="row")
        df = df.with_columns([pl.col(c).str.to_date("%Y-%m-%d") for c, ty in t.columns.items() if ty == pl.Date])
        return sort_rows(table, df)

    def files(self) -> list[dict[str, Any]]:
        cur = self.conn.execute("SELECT path, sha256, format, imported_at, rows, imported, duplicates "
                                "FROM files ORDER BY id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def counts(self) -> dict[str, int]:
        return {name: int(self.conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]) for name in TABLES}


class _DryRun(Exception):
    def __init__(self, result: AppendResult):
        super().__init__("dry run")
        self.result = result


KIND_ORDER = {"contribution": 0, "earnings": 1, "fee": 2, "balance": 3, "conversion": 4, "rollover": 5,
              "distribution": 6, "payroll": 7}


def sort_rows(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """The one sort order of a table; output is byte-for-byte stable for the same inputs."""
    t = TABLES[table]
    if df.is_empty():
        return df
    if "kind_order" in t.order:
        df = df.with_columns(pl.col("kind").replace_strict(KIND_ORDER, default=9, return_dtype=pl.Int64)
                             .alias("kind_order"))
        return df.sort(list(t.order), nulls_last=False).drop("kind_order")
    return df.sort(list(t.order), nulls_last=False)
