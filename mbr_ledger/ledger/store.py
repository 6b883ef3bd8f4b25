"""The ledger store.

- One SQLite file, rollback journal, `synchronous=FULL`: a killed import leaves all or none of a file.
- Rows are stored in columnar segments (schema version 2): a table `segments` holds, per imported
  file and ledger table, blobs of about `tuning.sizes.SEGMENT_ROWS` rows each, a Polars frame
  written as Parquet (the table's value columns, `source_line`, `occurrence`). The file's path
  and SHA-256 are in `files`. Reading loads a table's segments once per `Ledger` object and
  ledger state (`data_version`) and filters in Polars. Since schema version 4 each segment's
  range of persons and dates is kept beside it (`SEGMENT_RANGES`), so a read for one person or
  some dates leaves the other segments unopened; segments written before keep Parquet
  statistics instead, which the scan skips them by. Since version 7 each blob's SHA-256 is kept
  beside it and checked before every read: a damaged blob is `bad_segment`, never other figures.
- A file is appended in one `BEGIN IMMEDIATE` transaction; a second writer waits (up to
  `BUSY_SECONDS`) and then fails with a clear message, never corrupting anything.
- Rows are de-duplicated by their values plus their occurrence number within the file, so
  re-importing adds nothing, a longer file adds only its new rows, and two identical rows in one
  file are both kept. The occurrence counts the earlier rows of the same file with the same 64-bit
  row key (Polars' `hash_rows` of the value columns; equal rows always share it), so numbering is a
  function of the file's rows up to that line: a re-import or a longer file numbers them the same.
  The key is only used inside one import; what is stored and compared is the row's values and
  its occurrence (an exact anti-join, nulls equal), so a change of Polars' hash between versions
  changes nothing. (Schema version 2 also stored a 12-byte BLAKE2b fingerprint per row; it is
  no longer read. Version 1 stored the rows in SQLite tables; the migration moves them.)
- A file may be written in batches (`Ledger.appending`), all inside its one transaction, so a
  large file never has to sit in memory whole; the ledger's rows that may match (same row key)
  are read inside that transaction and the new rows are found by an anti-join.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shlex
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from ..core.errors import MbrError
from ..core.filehash import file_sha256  # noqa: F401  (part of this module's interface)
from ..core.schema import PROVENANCE, TABLES, sort_rows
from ..tuning import sizes
from .schema import (
    ACCOUNT_COLUMNS,
    DIGEST,
    FILE_OPTIONS,
    MIGRATIONS,
    SCHEMA_VERSION,
    SEGMENT_IDS,
    TABLE_COLUMNS,
    V6_COLUMNS,
    columns_before_v6,
    create_statements,
)
from .segments import (  # noqa: F401  (part of this module's interface)
    TRUSTED,
    AppendResult,
    FileWriter,
    _BadSegment,
    _from_blob,
    _scan_blob,
    _to_blob,
    blob_digest,
    row_keys,
    segment_ids,
    segment_ranges,
    segment_schema,
)

LEDGER_FILE = "ledger.sqlite"
BUSY_SECONDS = 30.0

# What a user can do about a ledger that cannot be read.
MEND = "restore it from a backup, or run `mbr init` in a new folder and import the files again"


class LedgerBusy(MbrError):
    pass


class LedgerDamaged(MbrError):
    """The ledger cannot be read as an mbr ledger: one line naming it and what to do."""


def damaged(path: Path, what: str) -> LedgerDamaged:
    return LedgerDamaged(f"{path}: the ledger is damaged ({what}); {MEND}")


def bad_segment(path: Path, exc: _BadSegment) -> LedgerDamaged:
    """A segment that is not the blob that was written, as the one-line store fault: when the file its
    rows came from is known, forgetting that file and importing it again mends the ledger."""
    if exc.source is None:
        return damaged(path, str(exc))
    src = shlex.quote(exc.source)
    return LedgerDamaged(f"{path}: the ledger is damaged ({exc}); run `mbr forget {src}` and import {src} "
                         f"again, or {MEND}")


# What Polars says when the Parquet of a segment cannot be decoded (a damaged data page, found only
# when a query collects it, after the footer was read and checked by the scan).
_DECODE_WORDS = ("parquet", "thrift", "out of specification")


def read_fault(exc: BaseException, book: Path) -> LedgerDamaged | None:
    """A Polars error raised while a query over the ledger's segments runs (outside `Ledger.read`,
    e.g. a lazy collect in the rules) as the one-line store fault of the book's ledger; None for
    any other error."""
    if not type(exc).__module__.startswith("polars"):
        return None
    text = " ".join(str(exc).split())
    if not any(w in text.lower() for w in _DECODE_WORDS):
        return None
    text = text if len(text) <= 200 else text[:200] + "..."
    return damaged(book / LEDGER_FILE, f"a segment cannot be read: {text}")


def write_error(path: Path, exc: sqlite3.DatabaseError) -> MbrError:
    """A write the database refused (read-only, full disk, ...), as one line: the ledger is unchanged."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return MbrError(f"{path}: the ledger is read-only: nothing was written, the ledger is as it was; "
                        f"make the book folder and {path.name} writable, then try again")
    if name.startswith("SQLITE_FULL") or "disk is full" in text:
        return MbrError(f"{path}: the disk is full: nothing was written, the ledger is as it was; "
                        f"free some space, then try again")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text or "no such" in text:
        return damaged(path, text)
    return MbrError(f"{path}: cannot write the ledger ({text}): nothing was written, the ledger is as it "
                    f"was; check the book folder, then try again")


_TOKENS = itertools.count(1)


class Ledger:
    def __init__(self, book: Path, conn: sqlite3.Connection):
        self.book = book
        self.path = book / LEDGER_FILE
        self.conn = conn
        self._token = next(_TOKENS)  # this object's identity in `data_version` (id() may be reused)
        self._writes = 0  # transactions of this object
        self._cache: dict[str, pl.DataFrame] = {}
        self._by_person: dict[str, dict[str, pl.DataFrame]] = {}
        self._cache_version: tuple[Any, ...] | None = None

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
        try:
            empty = path.is_file() and path.stat().st_size == 0
        except OSError as exc:
            raise MbrError(f"{path}: cannot read the ledger ({exc.strerror or exc})") from None
        if empty:  # `mbr init` never leaves one: the ledger was cut off or replaced
            raise MbrError(f"{path}: the ledger is empty (0 bytes), not an mbr ledger; {MEND}")
        led = cls(book, cls._connect(path))
        try:
            led._migrate()
            led._check_tables()
        except BaseException:
            led.close()
            raise
        return led

    def _check_tables(self) -> None:
        """Each table of the schema is there with its columns (one query): else the ledger is damaged."""
        try:
            got = self.conn.execute(
                "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p "
                f"WHERE m.type = 'table' AND m.name IN ({', '.join('?' * len(TABLE_COLUMNS))})",
                list(TABLE_COLUMNS)).fetchall()
        except sqlite3.DatabaseError as exc:
            raise damaged(self.path, str(exc)) from None
        have: dict[str, set[str]] = {}
        for table, column in got:
            have.setdefault(table, set()).add(column)
        for table, columns in TABLE_COLUMNS.items():
            if table not in have:
                raise damaged(self.path, f"its table {table} is missing")
            lacking = [c for c in columns if c not in have[table]]
            if lacking:
                raise damaged(self.path, f"its table {table} lacks the column(s) {', '.join(lacking)}")

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
            # Read again inside the transaction: another process may have migrated meanwhile.
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                for stmt in create_statements():
                    self.conn.execute(stmt)
                version = SCHEMA_VERSION
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for stmt in MIGRATIONS[v]:
                    self.conn.execute(stmt)
                if v == 2:
                    self._migrate_v1()
                if v == 5:
                    self._fill_ids()
                if v == 6:
                    self._add_columns()
                if v == 7:
                    self._fill_digests()
            self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        if 0 < version < 2:
            self.conn.execute("VACUUM")  # the row tables' pages are free now: give them back (crash-safe)

    def _migrate_v1(self) -> None:
        """Version 1 -> 2: each file's rows of each table become segments (in line order), with their
        occurrence numbers as they were; the row tables are then dropped."""
        for t in TABLES.values():
            old = columns_before_v6(t.name)
            names = [*old, "source_line", "occurrence"]
            schema: dict[str, Any] = {c: (pl.String if ty == pl.Date else pl.Int64 if ty == pl.Boolean else ty)
                                      for c, ty in t.columns.items() if c in old}
            schema |= {"source_line": pl.Int64, "occurrence": pl.Int64}
            files = [r[0] for r in self.conn.execute(f"SELECT DISTINCT file_id FROM {t.name} ORDER BY file_id")]
            for file_id in files:
                cur = self.conn.execute(f"SELECT {', '.join(names)} FROM {t.name} WHERE file_id = ? "
                                        f"ORDER BY source_line, id", (file_id,))
                while rows := cur.fetchmany(sizes.SEGMENT_ROWS):
                    cols = [list(c) for c in zip(*rows, strict=True)]
                    df = pl.DataFrame(dict(zip(names, cols, strict=True)), schema=schema)
                    df = df.with_columns([pl.col(c).str.to_date("%Y-%m-%d") if ty == pl.Date else pl.col(c).cast(ty)
                                          for c, ty in t.columns.items() if ty in (pl.Date, pl.Boolean) and c in old])
                    # The table has no ranges yet (version 2): these segments keep Parquet statistics.
                    self.conn.execute("INSERT INTO segments(file_id, table_name, rows, data) VALUES (?,?,?,?)",
                                      (file_id, t.name, df.height, _to_blob(df, statistics=True)))
            self.conn.execute(f"DROP TABLE {t.name}")

    def _fill_ids(self) -> None:
        """Version 5: the `SEGMENT_IDS` of the segments written before (their person and account
        columns are read, once)."""
        for seg, name, data in self.conn.execute(
                f"SELECT id, table_name, data FROM segments WHERE id NOT IN (SELECT segment FROM {SEGMENT_IDS}) "
                "ORDER BY id").fetchall():
            t = TABLES[name]
            cols = ["person", *([ACCOUNT_COLUMNS[name]] if name in ACCOUNT_COLUMNS else [])]
            self.conn.execute(f"INSERT INTO {SEGMENT_IDS}(segment, ids) VALUES (?,?)",
                              (seg, segment_ids(t, _from_blob(data, cols, digest=TRUSTED))))

    def _add_columns(self) -> None:
        """Version 6: each segment of a table with `V6_COLUMNS` written again with those columns empty, in
        the table's column order (a segment without ranges keeps its Parquet statistics)."""
        for name, added in V6_COLUMNS.items():
            t = TABLES[name]
            for seg, data, lo in self.conn.execute(
                    "SELECT id, data, lo_person FROM segments WHERE table_name = ? ORDER BY id", (name,)).fetchall():
                df = _from_blob(data, digest=TRUSTED)
                if all(c in df.columns for c in added):
                    continue
                df = df.with_columns([pl.lit(None, dtype=t.columns[c]).alias(c) for c in added if c not in df.columns])
                df = df.select([*t.columns, *[c for c in df.columns if c not in t.columns]])
                self.conn.execute("UPDATE segments SET data = ? WHERE id = ?", (_to_blob(df, statistics=lo is None), seg))

    def _fill_digests(self) -> None:
        """Version 7: the `DIGEST` column, and the digest of every segment already there (trusted
        until now), one blob in memory at a time."""
        if DIGEST not in [r[1] for r in self.conn.execute("PRAGMA table_info(segments)")]:
            self.conn.execute(f"ALTER TABLE segments ADD COLUMN {DIGEST} BLOB")
        for (seg,) in self.conn.execute("SELECT id FROM segments ORDER BY id").fetchall():
            (data,) = self.conn.execute("SELECT data FROM segments WHERE id = ?", (seg,)).fetchone()
            if isinstance(data, bytes):  # (else left NULL: read as damaged)
                self.conn.execute(f"UPDATE segments SET {DIGEST} = ? WHERE id = ?", (blob_digest(data), seg))

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed whole, or rolled back. A write the database refuses (read-only,
        full disk, damage) is one line naming the ledger; the file is then as it was."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise LedgerBusy(f"{self.path}: the ledger is busy (another mbr command is writing); "
                                 f"waited {BUSY_SECONDS:.0f} s, try again") from None
            raise write_error(self.path, exc) from None
        except sqlite3.DatabaseError as exc:
            raise write_error(self.path, exc) from None
        try:
            try:
                yield self.conn
            except BaseException:
                self._rollback()
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.DatabaseError:
                self._rollback()
                raise
        except sqlite3.DatabaseError as exc:
            raise write_error(self.path, exc) from None
        except _BadSegment as exc:
            raise bad_segment(self.path, exc) from None
        finally:
            self._writes += 1

    def _rollback(self) -> None:
        """Undo the open transaction, if SQLite has not already (it does on a full disk)."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    # ------------------------------------------------------------------ writing
    def append(self, path: str, sha256: str, fmt: str, tables: dict[str, pl.DataFrame], *,
               dry_run: bool = False, progress: Callable[[int], None] | None = None,
               options: Mapping[str, str] | None = None) -> AppendResult:
        """Add one file's rows in one transaction: all of them or none (a dry run rolls back)."""
        with self.appending(path, sha256, fmt, dry_run=dry_run, progress=progress, options=options) as w:
            w.add(tables)
        return w.result

    @contextmanager
    def appending(self, path: str, sha256: str | Callable[[], str], fmt: str, *, dry_run: bool = False,
                  progress: Callable[[int], None] | None = None,
                  options: Mapping[str, str] | None = None) -> Iterator[FileWriter]:
        """One file's transaction: add its rows in batches with `.add(tables)`; on leaving, the file
        is committed whole, or rolled back (an exception, or a dry run: `.result` still counts).
        `sha256` may be a function that gives it, called once the rows are written (the file can
        then be hashed while it is read).

        `options` are those the file is imported with (`--person`, `--plan`, `--source`, the
        mapping's hash), kept with it: the same file imported before with another format or other
        options is refused when this import would add rows (see `_refuse_another_import`)."""
        opts = json.dumps(dict(sorted((options or {}).items()))) if options is not None else None
        try:
            with self.write() as conn:
                known = sha256 if isinstance(sha256, str) else ""
                cur = conn.execute(
                    f"INSERT INTO files(path, sha256, format, imported_at, rows, imported, duplicates, {FILE_OPTIONS}) "
                    "VALUES (?,?,?,?,0,0,0,?)",
                    (path, known, fmt, dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), opts))
                assert cur.lastrowid is not None
                w = FileWriter(conn, cur.lastrowid, path, known, progress)
                yield w
                w.finish()
                w.sha256 = sha256 if isinstance(sha256, str) else sha256()
                res = w.result
                res.duplicates = w.rows - res.imported
                if res.imported:
                    self._refuse_another_import(path, w.sha256, w.format or fmt, opts or "{}", w.file_id)
                conn.execute("UPDATE files SET sha256=?, format=?, rows=?, imported=?, duplicates=? WHERE id=?",
                             (w.sha256, w.format or fmt, w.rows, res.imported, res.duplicates, w.file_id))
                if dry_run:
                    raise _DryRun(res)
        except _DryRun:
            pass

    def _refuse_another_import(self, path: str, sha256: str, fmt: str, opts: str, file_id: int) -> None:
        """The file adds rows: if the same file (same SHA-256) is in the ledger already, imported with
        another format or other options, and with these ones by no record, it would count its money
        twice: refused (the transaction is then rolled back). A file recorded before schema version
        5 has no options: it is compared by its format only."""
        before = self.conn.execute(f"SELECT imported_at, format, {FILE_OPTIONS} FROM files "
                                   "WHERE sha256 = ? AND id != ? ORDER BY id", (sha256, file_id)).fetchall()
        if not before or any(f == fmt and (o is None or o == opts) for _, f, o in before):
            return
        when, first_fmt, first_opts = before[0]
        raise MbrError(f"{path}: already imported on {str(when)[:10]} as {first_fmt} with "
                       f"{describe_options(first_opts)}; to import it again differently, remove it first "
                       f"with `mbr forget {sha256[:12]}` (nothing was imported)")

    # ------------------------------------------------------------------ reading
    def data_version(self) -> tuple[Any, ...]:
        """What identifies the ledger's content as this object sees it, for caches: changes with every
        write of this object and every commit of another connection."""
        other = self.conn.execute("PRAGMA data_version").fetchone()[0]
        return (str(self.path), self._token, self._writes, other)

    def _fresh(self) -> None:
        """Drop what was read when the ledger has changed since."""
        version = self.data_version()
        if version != self._cache_version:
            self._cache.clear()
            self._by_person.clear()
            self._cache_version = version

    def scan(self, table: str, *, person: str | None = None,
             dates: tuple[dt.date | None, dt.date | None] | None = None) -> pl.LazyFrame:
        """A table's rows as one lazy query over its segments, with their file's path and SHA-256.

        `person` and `dates` (first and last day, either open) say which rows the caller will keep, if
        it says: segments whose ranges lie outside are left out of the query. Segments of version 3
        have no ranges but Parquet statistics, which let the scan skip them the same way."""
        t = TABLES[table]
        cols = [*t.columns, "source_line"]
        where, args = ["s.table_name = ?"], [table]
        if person is not None:
            where.append("(s.lo_person IS NULL OR (s.lo_person <= ? AND s.hi_person >= ?))")
            args += [person, person]
        if dates is not None and t.date_column:
            first, last = dates
            if last is not None:
                where.append("(s.lo_date IS NULL OR s.lo_date <= ?)")
                args.append(last.isoformat())
            if first is not None:
                where.append("(s.hi_date IS NULL OR s.hi_date >= ?)")
                args.append(first.isoformat())
        try:
            parts = [_scan_blob(data, cols, digest=digest, source=path, table=table).select(
                         *t.columns, pl.lit(path, dtype=pl.String).alias("source_file"),
                         pl.lit(sha, dtype=pl.String).alias("source_sha256"), "source_line")
                     for path, sha, data, digest in self.conn.execute(
                         f"SELECT f.path, f.sha256, s.data, s.{DIGEST} FROM segments s JOIN files f ON f.id = s.file_id "
                         f"WHERE {' AND '.join(where)} ORDER BY s.id", args)]
        except sqlite3.DatabaseError as exc:
            raise damaged(self.path, str(exc)) from None
        except _BadSegment as exc:
            raise bad_segment(self.path, exc) from None
        return pl.concat(parts) if parts else pl.LazyFrame(schema={**t.columns, **PROVENANCE})

    def ids(self, table: str) -> pl.DataFrame:
        """The distinct (person, account, source_file) of a table's rows with their count (`rows`),
        from the ids kept beside each segment: no segment is opened (but one without them)."""
        account = ACCOUNT_COLUMNS.get(table)
        out: list[tuple[Any, ...]] = []
        try:
            for seg, path, ids in self.conn.execute(  # (columns before `data`: no blob is walked)
                    f"SELECT s.id, f.path, i.ids FROM segments s JOIN files f ON f.id = s.file_id "
                    f"LEFT JOIN {SEGMENT_IDS} i ON i.segment = s.id WHERE s.table_name = ? ORDER BY s.id",
                    (table,)).fetchall():
                if ids is None:  # not kept (cannot happen after the migration): read from the segment
                    data, digest = self.conn.execute(f"SELECT data, {DIGEST} FROM segments WHERE id = ?",
                                                     (seg,)).fetchone()
                    cols = ["person", *([account] if account else [])]
                    ids = segment_ids(TABLES[table], _from_blob(data, cols, digest=digest, source=path, table=table))
                out += [(person, acct, path, rows) for person, acct, rows in json.loads(ids)]
        except sqlite3.DatabaseError as exc:
            raise damaged(self.path, str(exc)) from None
        except _BadSegment as exc:
            raise bad_segment(self.path, exc) from None
        except (ValueError, TypeError) as exc:
            raise damaged(self.path, f"the ids of a segment of {table} cannot be read: {exc}") from None
        return pl.DataFrame(out, schema={"person": pl.String, "account": pl.String, "source_file": pl.String,
                                         "rows": pl.Int64}, orient="row")

    def read(self, table: str, keep: pl.Expr | None = None, *, person: str | None = None,
             dates: tuple[dt.date | None, dt.date | None] | None = None) -> pl.DataFrame:
        """The rows of a table that `keep` selects (all of them without), as `scan` finds them."""
        lf = self.scan(table, person=person, dates=dates)
        try:
            return (lf if keep is None else lf.filter(keep)).collect()
        except pl.exceptions.ComputeError as exc:  # a segment damaged past its footer
            raise damaged(self.path, f"a segment of {table} cannot be read: {str(exc).splitlines()[0]}") from None

    def _table(self, table: str) -> pl.DataFrame:
        """Every row of a table (unsorted), read once per ledger state and kept."""
        self._fresh()
        df = self._cache.get(table)
        if df is None:
            df = self._cache[table] = self.read(table)
        return df

    def _person_table(self, table: str, person: str) -> pl.DataFrame:
        """One person's rows of a table (unsorted), kept. The first person is read on its own; from the
        second on, the whole table is read once and filtered."""
        self._fresh()
        by = self._by_person.setdefault(table, {})
        got = by.get(person)
        if got is None:
            if table in self._cache or by:
                got = self._table(table).filter(pl.col("person") == person)
            else:
                got = self.read(table, pl.col("person") == person, person=person)
            by[person] = got
        return got

    def frame(self, table: str, *, year: int | None = None, person: str | None = None,
              filter: pl.Expr | None = None, ordered: bool = True) -> pl.DataFrame:  # noqa: A002
        """Rows of one table as a frame in the table's sort order (in no order with `ordered=False`),
        filtered by year, person and a Polars expression over the table's columns."""
        t = TABLES[table]
        df = self._person_table(table, person) if person else self._table(table)
        preds: list[pl.Expr] = []
        if year is not None:
            if t.date_column:
                preds.append(pl.col(t.date_column).is_between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
            else:
                preds.append(pl.col(t.year_column) == year)
        if filter is not None:
            preds.append(filter)
        if preds:
            df = df.filter(*preds)
        return sort_rows(table, df) if ordered else df

    def events_for(self, person: str, through: dt.date, accounts: list[str] | None = None,
                   filter: pl.Expr | None = None) -> pl.DataFrame:  # noqa: A002
        """A person's events up to `through` (only `accounts` when given, and only rows `filter` keeps),
        in the ledger's sort order."""
        pred = pl.col("date") <= through
        if accounts is not None:
            pred = pred & pl.col("account").is_in(accounts)
        if filter is not None:
            pred = pred & filter
        return self.frame("events", person=person, filter=pred)

    def files(self) -> list[dict[str, Any]]:
        try:
            cur = self.conn.execute("SELECT path, sha256, format, imported_at, rows, imported, duplicates "
                                    "FROM files ORDER BY id")
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        except sqlite3.DatabaseError as exc:
            raise damaged(self.path, str(exc)) from None

    def forget(self, key: str, *, dry_run: bool = False) -> list[dict[str, Any]]:
        """Remove the rows of the imported file(s) that `key` names: the path as it was imported, or its
        SHA-256 (12 hex digits or more of it), in one transaction; with `dry_run` nothing changes.
        Returns each file removed: path, sha256, format, and its rows by table."""
        digest = key.lower()
        by_sha = len(digest) >= 12 and all(c in "0123456789abcdef" for c in digest)
        found = self.conn.execute(
            "SELECT id, path, sha256, format, imported_at FROM files WHERE path = ? OR (? AND sha256 LIKE ?) "
            "ORDER BY id", (key, by_sha, digest + "%")).fetchall()
        if not found:
            raise MbrError(f"{key}: no imported file has this path or SHA-256 (`mbr ledger --files` lists them)")
        shas = {r[2] for r in found}
        if by_sha and len(shas) > 1 and not any(r[1] == key for r in found):
            raise MbrError(f"{key}: the start of {len(shas)} files' SHA-256; give more of it")
        out = []
        for file_id, path, sha, fmt, when in found:
            rows = dict(self.conn.execute("SELECT table_name, sum(rows) FROM segments WHERE file_id = ? "
                                          "GROUP BY table_name", (file_id,)).fetchall())
            out.append({"path": path, "sha256": sha, "format": fmt, "imported_at": when,
                        "rows": {t: int(rows.get(t) or 0) for t in TABLES}})
        if dry_run:
            return out
        with self.write() as conn:
            for file_id, *_ in found:
                conn.execute("DELETE FROM segments WHERE file_id = ?", (file_id,))  # their ids go with them
                conn.execute("DELETE FROM files WHERE id = ?", (file_id,))
        return out

    def counts(self) -> dict[str, int]:
        try:
            got = dict(self.conn.execute("SELECT table_name, sum(rows) FROM segments GROUP BY table_name").fetchall())
        except sqlite3.DatabaseError as exc:
            raise damaged(self.path, str(exc)) from None
        return {name: int(got.get(name) or 0) for name in TABLES}


def describe_options(opts: str | None) -> str:
    """An import's stored options as the command line gave them: `--source after_tax --plan beta`."""
    if opts is None:
        return "options not recorded"
    try:
        got = json.loads(opts)
    except ValueError:
        got = {}
    words = [f"--{k} {got[k]}" for k in ("person", "plan", "source") if got.get(k)]
    if got.get("mapping"):
        words.append(f"--mapping (mapping {str(got['mapping'])[:12]})")
    return " ".join(words) or "no options"


class _DryRun(Exception):
    def __init__(self, result: AppendResult):
        super().__init__("dry run")
        self.result = result
