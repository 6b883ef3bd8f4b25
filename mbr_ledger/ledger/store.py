"""The ledger store.

- One SQLite file, rollback journal, `synchronous=FULL`: a killed import leaves all or none of a file.
- A file is appended in one `BEGIN IMMEDIATE` transaction; a second writer waits (up to
  `BUSY_SECONDS`) and then fails with a clear message, never corrupting anything.
- Rows are de-duplicated by a fingerprint of the normalised row plus its occurrence number
  within the file, so re-importing adds nothing, a longer file adds only its new rows, and two
  identical rows in one file are both kept.
- The fingerprint (16 bytes, a BLOB) is the row's day and a BLAKE2b digest of the table name and
  the row's value columns as text (see `fingerprints`); the occurrence counts earlier rows of the
  same file whose digest shares 8 bytes with it (equal fingerprints always do), so numbering is a
  function of the file's rows up to that line: a re-import or a longer file numbers them the same.
- A file may be written in batches (`Ledger.appending`), all inside its one transaction, so a
  large file never has to sit in memory whole.
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
CHUNK = 10_000
LOOKUP = 5_000  # fingerprints per lookup query
DAY_OFFSET = 1 << 30  # added to a date's day number (days from 1970-01-01) in the fingerprint


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


def fingerprints(t: Table, df: pl.DataFrame) -> pl.Series:
    """The 16-byte fingerprint of each row: its day (or tax year) in 4 bytes, then 12 bytes of
    BLAKE2b over the table name and the value columns as text.

    The day first keeps the unique index's inserts near each other for rows in date order, as
    statements are (a quarter less import time than a plain hash). hashlib, not Polars' `hash()`,
    whose values may change between Polars versions.
    """
    parts = [pl.col(c).cast(pl.String).fill_null("") for c in t.columns]
    keys = df.select(pl.concat_str([pl.lit(t.name), *parts], separator="\x1f").cast(pl.Binary)).to_series()
    when = pl.col(t.date_column).cast(pl.Int64) + DAY_OFFSET if t.date_column else pl.col(t.year_column)
    days = df.select(when.fill_null(0).clip(0, (1 << 32) - 1)).to_series()
    blake = hashlib.blake2b
    return pl.Series("fingerprint", [d.to_bytes(4, "big") + blake(k, digest_size=12).digest()
                                     for d, k in zip(days.to_list(), keys.to_list(), strict=True)], dtype=pl.Binary)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class FileWriter:
    """Adds one file's rows to the open transaction, batch after batch, in the file's line order."""

    def __init__(self, conn: sqlite3.Connection, file_id: int, path: str, sha256: str,
                 progress: Callable[[int], None] | None):
        self.conn = conn
        self.file_id = file_id
        self.path = path
        self.sha256 = sha256
        self.progress = progress
        self.rows = 0
        self.format: str | None = None  # set to record another format name than the one begun with
        self.result = AppendResult(by_table={})
        self._seen: dict[str, pl.Series] = {}  # per table: 8 digest bytes of each earlier row
        self._known: dict[str, bool] = {}  # per table: was the last batch mostly rows already there?

    def add(self, tables: dict[str, pl.DataFrame]) -> None:
        for name, df in tables.items():
            if df.height:
                self._add(TABLES[name], df.sort("source_line"))

    def _occurrence(self, t: Table, fp: pl.Series) -> pl.Series:
        key = fp.bin.slice(4, 8).bin.reinterpret(dtype=pl.UInt64, endianness="little").alias("k")
        if key.is_duplicated().any():
            n = key.to_frame().select(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("k")).to_series()
        else:
            n = pl.repeat(1, key.len(), dtype=pl.Int64, eager=True)
        seen = self._seen.get(t.name)
        if seen is None:
            self._seen[t.name] = key.clone()
        else:
            earlier = seen.filter(seen.is_in(key.implode()))
            if earlier.len():
                counts = earlier.value_counts(name="before").with_columns(pl.col("before").cast(pl.Int64))
                n = n + key.to_frame().join(counts, on="k", how="left", maintain_order="left")["before"].fill_null(0)
            seen.append(key)
        return n.alias("occurrence")

    def _add(self, t: Table, df: pl.DataFrame) -> None:
        fp = fingerprints(t, df)
        df = df.with_columns(fp, self._occurrence(t, fp))
        df = df.with_columns([pl.col(c).dt.to_string("%Y-%m-%d") for c, ty in t.columns.items() if ty == pl.Date]
                             + [pl.col(c).cast(pl.Int64) for c, ty in t.columns.items() if ty == pl.Boolean])
        height = df.height
        before = self.conn.total_changes
        if self._known.get(t.name, True):
            # The last batch was mostly rows the ledger holds (a file imported again, or a longer
            # version of one): look those up by fingerprint, cheaper than offering every row.
            df = df.join(self._existing(t, df["fingerprint"]), on=["fingerprint", "occurrence"], how="anti",
                         maintain_order="left")
        if self.progress and df.height < height:
            self.progress(height - df.height)
        self._insert(t, df)
        added = self.conn.total_changes - before
        self._known[t.name] = (height - added) * 2 > height
        assert self.result.by_table is not None
        self.result.by_table[t.name] = self.result.by_table.get(t.name, 0) + added
        self.result.imported += added
        self.rows += height

    def _existing(self, t: Table, fp: pl.Series) -> pl.DataFrame:
        """(fingerprint, occurrence) of the ledger's rows with one of these fingerprints."""
        found: list[str] = []
        keys = fp.unique().to_list()
        for start in range(0, len(keys), LOOKUP):
            part = keys[start:start + LOOKUP]
            # One text per query (hex fingerprint and occurrence per row) instead of a tuple per row.
            found.append(self.conn.execute(
                f"SELECT group_concat(hex(fingerprint) || ' ' || occurrence, ',') FROM {t.name} "
                f"WHERE fingerprint IN ({','.join('?' * len(part))})", part).fetchone()[0] or "")
        pairs = (pl.Series("p", found, dtype=pl.String).str.split(",").explode()
                 .str.split_exact(" ", 1).struct.rename_fields(["hex", "occurrence"]).struct.unnest()
                 .filter(pl.col("hex") != ""))
        return pairs.select(pl.col("hex").str.to_lowercase().str.decode("hex").alias("fingerprint"),
                            pl.col("occurrence").cast(pl.Int64))

    def _insert(self, t: Table, df: pl.DataFrame) -> None:
        names = [*t.columns, "source_line", "fingerprint", "occurrence"]
        nullable = [c for c in t.columns if df[c].has_nulls()]
        # Rows are sent in groups with the same empty columns, which go into the SQL as NULL.
        if nullable:
            pattern = pl.sum_horizontal([pl.col(c).is_null().cast(pl.Int64) * (1 << i) for i, c in enumerate(nullable)])
            groups = df.with_columns(pattern.alias("_nulls")).partition_by("_nulls", include_key=False)
        else:
            groups = [df]
        for part in groups:
            nulls = {c for c in nullable if part[c].is_null().all()}
            bound = [c for c in names if c not in nulls]
            values = {c: "NULL" if c in nulls else "?" for c in names}
            values |= {"source_file": _literal(self.path), "source_sha256": _literal(self.sha256),
                       "file_id": str(self.file_id)}
            sql = (f"INSERT OR IGNORE INTO {t.name}({', '.join(values)}) "
                   f"VALUES ({', '.join(values.values())})")
            for start in range(0, part.height, CHUNK):
                piece = part.slice(start, CHUNK)
                self.conn.executemany(sql, zip(*[piece[c].to_list() for c in bound], strict=True))
                if self.progress:
                    self.progress(piece.height)


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
        with self.appending(path, sha256, fmt, dry_run=dry_run, progress=progress) as w:
            w.add(tables)
        return w.result

    @contextmanager
    def appending(self, path: str, sha256: str, fmt: str, *, dry_run: bool = False,
                  progress: Callable[[int], None] | None = None) -> Iterator[FileWriter]:
        """One file's transaction: add its rows in batches with `.add(tables)`; on leaving, the file
        is committed whole, or rolled back (an exception, or a dry run: `.result` still counts)."""
        try:
            with self.write() as conn:
                cur = conn.execute(
                    "INSERT INTO files(path, sha256, format, imported_at, rows, imported, duplicates) "
                    "VALUES (?,?,?,?,0,0,0)",
                    (path, sha256, fmt, dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")))
                assert cur.lastrowid is not None
                w = FileWriter(conn, cur.lastrowid, path, sha256, progress)
                yield w
                res = w.result
                res.duplicates = w.rows - res.imported
                conn.execute("UPDATE files SET format=?, rows=?, imported=?, duplicates=? WHERE id=?",
                             (w.format or fmt, w.rows, res.imported, res.duplicates, w.file_id))
                if dry_run:
                    raise _DryRun(res)
        except _DryRun:
            pass

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
