"""Segments: a file's rows of one ledger table as Parquet blobs, and the writer that adds them in
one transaction (occurrence numbers, the rows the ledger does not hold yet, ranges and ids).

Each blob is stored with its digest (`blob_digest`, schema version 7) and checked against it before
every read: a damaged blob is an error, never other figures (nor a decoder's crash)."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from ..core.filehash import file_sha256  # noqa: F401  (part of this module's interface)
from ..core.schema import TABLES, Table
from ..tuning import sizes
from .schema import (
    ACCOUNT_COLUMNS,
    DIGEST,
    SEGMENT_EXTRA,
    SEGMENT_IDS,
    SEGMENT_RANGES,
)


@dataclass
class AppendResult:
    imported: int = 0
    duplicates: int = 0
    by_table: dict[str, int] | None = None


_SEED = 0x6D62725F6C656467  # fixed, so that keys are equal within one process


def row_keys(t: Table, df: pl.DataFrame) -> pl.Series:
    """A 64-bit key of each row's value columns: equal rows have equal keys (used within one import)."""
    return df.select(list(t.columns)).hash_rows(seed=_SEED).alias("k")


def _within(key: pl.Series) -> pl.Series:
    """1 + the number of earlier rows among `key`'s with the same key."""
    if key.n_unique() < key.len():  # (counting distinct keys is the cheaper question)
        return key.to_frame().select(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("k")).to_series().alias(
            "occurrence")
    return pl.repeat(1, key.len(), dtype=pl.Int64, eager=True).alias("occurrence")


def _to_blob(df: pl.DataFrame, statistics: bool = False) -> bytes:
    """A segment's Parquet blob, without column statistics by default: reads skip segments by the
    ranges kept beside it (`segment_ranges`), and the statistics would only cost time."""
    buf = io.BytesIO()
    df.write_parquet(buf, compression="zstd", compression_level=1, statistics=statistics)
    return buf.getvalue()


def segment_ranges(t: Table, df: pl.DataFrame) -> tuple[str | None, str | None, str | None, str | None]:
    """The `SEGMENT_RANGES` of a segment's rows: its smallest and largest person, and date (ISO) for
    a table with dates (else None)."""
    exprs = [pl.col("person").min().alias("lo_p"), pl.col("person").max().alias("hi_p")]
    if t.date_column:
        exprs += [pl.col(t.date_column).min().cast(pl.String).alias("lo_d"),
                  pl.col(t.date_column).max().cast(pl.String).alias("hi_d")]
    got = df.select(exprs).row(0) if df.height else (None,) * len(exprs)
    lo_p, hi_p, *dates = got
    lo_d, hi_d = dates if dates else (None, None)
    return lo_p, hi_p, lo_d, hi_d


class _BadSegment(Exception):
    """A segment's blob is not the Parquet it should be (turned into `damaged` by the ledger);
    `source` is the path of the file its rows came from, when known."""

    def __init__(self, what: str, source: str | None = None):
        super().__init__(what)
        self.source = source


class _Trusted:
    """The digest argument of a read of a segment written before digests were kept (a migration)."""


TRUSTED = _Trusted()
Digest = bytes | None | _Trusted


def blob_digest(data: bytes) -> bytes:
    """The SHA-256 of a segment's blob, kept beside it (`segments.digest`): of the digests hashlib
    offers, the fastest here (hardware SHA), a few per cent of the blob's Parquet decode."""
    return hashlib.sha256(data).digest()


def _checked(data: object, digest: Digest, source: str | None, table: str | None) -> bytes:
    """`data` once it is known to be the blob that was written: its digest equals the one kept (a
    migration reads blobs of before version 7 as `TRUSTED`), and it looks like Parquet."""
    where = f"{table or 'a table'} from {source}" if source is not None else (table or "a table")
    if not isinstance(digest, _Trusted) and (
            not isinstance(data, bytes) or not isinstance(digest, bytes) or blob_digest(data) != digest):
        raise _BadSegment(f"a segment of {where} does not match its digest", source)
    if not _parquet_like(data):
        raise _BadSegment(f"a segment of {where} is not Parquet", source)
    assert isinstance(data, bytes)
    return data


def segment_ids(t: Table, df: pl.DataFrame) -> str:
    """The `SEGMENT_IDS` of a segment's rows: its distinct (person, account) with their row counts."""
    account = ACCOUNT_COLUMNS.get(t.name)
    got = df.group_by("person", pl.col(account) if account else pl.lit(None, dtype=pl.String).alias("a")).agg(
        pl.len()).sort(pl.all())
    return json.dumps([list(r) for r in got.iter_rows()], separators=(",", ":"))


def _from_blob(data: object, columns: list[str] | None = None, *, digest: Digest, source: str | None = None,
               table: str | None = None) -> pl.DataFrame:
    """A segment's rows (`columns` of them), once its blob is checked against `digest`."""
    data = _checked(data, digest, source, table)
    try:
        return pl.read_parquet(io.BytesIO(data), columns=columns)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise _BadSegment(f"a segment cannot be read: {str(exc).splitlines()[0] if str(exc) else exc}",
                          source) from None


def _parquet_like(data: object) -> bool:
    return isinstance(data, bytes) and len(data) >= 12 and data[:4] == b"PAR1" and data[-4:] == b"PAR1"


def _scan_blob(data: object, cols: list[str], *, digest: Digest, source: str | None = None,
               table: str | None = None) -> pl.LazyFrame:
    """A segment as a lazy frame of `cols`, its blob checked against `digest` and its footer read
    now (cheap: no rows are read), so that a damaged segment is found here rather than deep inside a
    query."""
    data = _checked(data, digest, source, table)
    lf = pl.scan_parquet(io.BytesIO(data))
    try:
        names = lf.collect_schema().names()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise _BadSegment(f"a segment cannot be read: {str(exc).splitlines()[0] if str(exc) else exc}",
                          source) from None
    missing = [c for c in cols if c not in names]
    if missing:
        raise _BadSegment(f"a segment lacks the column(s) {', '.join(missing)}", source)
    return lf.select(cols)


def segment_schema(t: Table) -> dict[str, Any]:
    """The columns of a segment of table `t`, in order, with their dtypes."""
    return {**t.columns, **SEGMENT_EXTRA}


class FileWriter:
    """Adds one file's rows to the open transaction, batch after batch, in the file's line order.

    Rows wait in memory until a table has `sizes.SEGMENT_ROWS` of them (`SEGMENT_ROWS_COMPARED`
    into a table that holds rows) or the file ends; they are then compared with the rows the table holds
    (an anti-join on the values and the occurrence; the ledger's row keys are read once per file,
    inside the transaction, so a concurrent import of the same file cannot slip in between) and the
    new ones are written as one segment.

    Into a table that held no rows when the file began, nothing needs comparing: its segments are
    written with occurrence 1 throughout, and `finish` checks once, over the whole file's keys,
    that no key repeats; only if one does are the occurrences counted and the segments they
    change written again.
    """

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
        self._seen: dict[str, pl.Series] = {}  # per table: the row key of each earlier row of the file
        # per table into which the file is the first to write: its segments (id, rows)
        self._first: dict[str, list[tuple[int | None, int]]] = {}
        self._first_keys: dict[str, list[pl.Series]] = {}
        self._pending: dict[str, list[pl.DataFrame]] = {}
        self._pending_rows: dict[str, int] = {}
        self._keys: dict[str, pl.DataFrame] = {}  # per table: the ledger's (k, occurrence, segment)

    def add(self, tables: dict[str, pl.DataFrame]) -> None:
        for name, df in tables.items():
            if df.height:
                if not df["source_line"].is_sorted():
                    df = df.sort("source_line", maintain_order=True)
                self._add(TABLES[name], df)

    def _occurrence(self, t: Table, key: pl.Series) -> pl.Series:
        """1 + the number of earlier rows of this file with the same row key."""
        n = _within(key)
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
        if df.columns != [*t.columns, "source_line"] or any(
                df.schema[c] != ty for c, ty in [*t.columns.items(), ("source_line", pl.Int64)]):
            df = df.select([pl.col(c).cast(ty) for c, ty in t.columns.items()]
                           + [pl.col("source_line").cast(pl.Int64)])
        self._pending.setdefault(t.name, []).append(df)
        self._pending_rows[t.name] = self._pending_rows.get(t.name, 0) + df.height
        self.rows += df.height
        if self._pending_rows[t.name] >= (sizes.SEGMENT_ROWS if self._is_first(t)
                                          else sizes.SEGMENT_ROWS_COMPARED):
            self._flush(t)
        if self.progress:
            self.progress(df.height)

    def _is_first(self, t: Table) -> bool:
        """Whether the table held no rows when this file began (nothing to compare its rows with)."""
        return t.name in self._first or (t.name not in self._seen and not self._existing(t).height)

    def _existing(self, t: Table) -> pl.DataFrame:
        """(k, occurrence, segment id) of every row the table held when this file began."""
        if t.name not in self._keys:
            parts = []
            for seg, data, digest, source in self.conn.execute(
                    "SELECT s.id, s.data, s.digest, f.path FROM segments s JOIN files f ON f.id = s.file_id "
                    "WHERE s.table_name = ? ORDER BY s.id", (t.name,)):
                df = _from_blob(data, [*t.columns, "occurrence"], digest=digest, source=source, table=t.name)
                parts.append(pl.DataFrame([row_keys(t, df), df["occurrence"],
                                           pl.Series("segment", [seg], dtype=pl.Int64).new_from_index(0, df.height)]))
            self._keys[t.name] = pl.concat(parts) if parts else pl.DataFrame(
                schema={"k": pl.UInt64, "occurrence": pl.Int64, "segment": pl.Int64})
        return self._keys[t.name]

    def _new_rows(self, t: Table, df: pl.DataFrame) -> pl.DataFrame:
        """The rows of `df` (with `k` and `occurrence`) the ledger does not hold: those whose key and
        occurrence no stored row has, and of the others those no stored row equals exactly."""
        existing = self._existing(t)
        if not existing.height:
            return df
        near = existing.join(df.select("k", "occurrence"), on=["k", "occurrence"], how="semi")
        if not near.height:
            return df
        segments = near["segment"].unique().sort().to_list()
        held = pl.concat([_from_blob(data, [*t.columns, "occurrence"], digest=digest, source=source, table=t.name)
                          for data, digest, source in self.conn.execute(
            "SELECT s.data, s.digest, f.path FROM segments s JOIN files f ON f.id = s.file_id "
            f"WHERE s.id IN ({','.join('?' * len(segments))}) ORDER BY s.id", segments)])
        return df.join(held, on=[*t.columns, "occurrence"], how="anti", nulls_equal=True, maintain_order="left")

    def _flush(self, t: Table) -> None:
        parts = self._pending.pop(t.name, [])
        self._pending_rows[t.name] = 0
        if not parts:
            return
        df = pl.concat(parts)
        # Keyed and numbered here rather than per batch: fewer, larger steps.
        key = row_keys(t, df)
        first = self._is_first(t)
        if first:  # nothing to compare with; repeated rows are numbered by `finish`
            self._first_keys.setdefault(t.name, []).append(key)
            df = df.with_columns(pl.repeat(1, df.height, dtype=pl.Int64, eager=True).alias("occurrence"))
        else:
            df = self._new_rows(t, df.with_columns(key, self._occurrence(t, key))).drop("k")
        segment = None
        if df.height:
            blob = _to_blob(df)
            segment = self.conn.execute(
                f"INSERT INTO segments(file_id, table_name, rows, data, {', '.join(SEGMENT_RANGES)}, {DIGEST}) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (self.file_id, t.name, df.height, blob, *segment_ranges(t, df), blob_digest(blob))).lastrowid
            self.conn.execute(f"INSERT INTO {SEGMENT_IDS}(segment, ids) VALUES (?,?)", (segment, segment_ids(t, df)))
        if first:
            self._first.setdefault(t.name, []).append((segment, df.height))
        assert self.result.by_table is not None
        self.result.by_table[t.name] = self.result.by_table.get(t.name, 0) + df.height
        self.result.imported += df.height

    def finish(self) -> None:
        """Write what still waits: the end of the file."""
        for name in list(self._pending):
            self._flush(TABLES[name])
        for name, segments in self._first.items():
            self._renumber(segments, self._first_keys[name])

    def _renumber(self, segments: list[tuple[int | None, int]], keys: list[pl.Series]) -> None:
        """The occurrences of a table the file was the first to write into (its segments were
        written with occurrence 1 throughout): when a key repeats, the occurrences are counted over
        the whole file and the segments they change are written again. Usually none repeats."""
        every = pl.concat(keys)
        if every.n_unique() == every.len():
            return
        occurrence = _within(every)
        start = 0
        for segment, rows in segments:
            counted = occurrence.slice(start, rows)
            if segment is not None and (counted > 1).any():
                data, digest = self.conn.execute(f"SELECT data, {DIGEST} FROM segments WHERE id = ?",
                                                 (segment,)).fetchone()
                blob = _to_blob(_from_blob(data, digest=digest, source=self.path).with_columns(counted))
                self.conn.execute(f"UPDATE segments SET data = ?, {DIGEST} = ? WHERE id = ?",
                                  (blob, blob_digest(blob), segment))
            start += rows
