"""How the store keeps the tables of `core.schema` in SQLite: the schema version, the segment
columns, the statements that create the tables and the migrations."""

from __future__ import annotations

import polars as pl

from ..core.schema import TABLES

SCHEMA_VERSION = 7

# The columns of a segment besides the table's value columns: the row's line in its file and its
# occurrence number (see ledger/store.py). Segments written by schema version 2 also have a
# `fingerprint` column, which is not read.
SEGMENT_EXTRA = {"source_line": pl.Int64, "occurrence": pl.Int64}


def _sql_type(t: object) -> str:
    return {pl.Int64: "INTEGER", pl.Boolean: "INTEGER"}.get(t, "TEXT")  # type: ignore[call-overload]


FILES_STATEMENT = """CREATE TABLE files (
            id INTEGER PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, format TEXT NOT NULL,
            imported_at TEXT NOT NULL, rows INTEGER NOT NULL, imported INTEGER NOT NULL,
            duplicates INTEGER NOT NULL)"""


# Version 6: the event columns of contract version 2 (`reason` of corrective rows, `completed` of 60-day
# rollovers). The migration writes each events segment again with the new columns empty (null);
# ledgers of versions 1-5 never held them.
V6_COLUMNS: dict[str, tuple[str, ...]] = {"events": ("reason", "completed")}


def columns_before_v6(table: str) -> list[str]:
    """The value columns `table` had before version 6, in order."""
    return [c for c in TABLES[table].columns if c not in V6_COLUMNS.get(table, ())]


def v1_statements() -> list[str]:
    """Schema version 1: one SQLite row per ledger row (kept to migrate such ledgers, and for tests)."""
    out = [FILES_STATEMENT]
    for t in TABLES.values():
        cols = ", ".join(f"{c} {_sql_type(t.columns[c])}" for c in columns_before_v6(t.name))
        out.append(
            f"CREATE TABLE {t.name} (id INTEGER PRIMARY KEY, {cols}, source_file TEXT NOT NULL, "
            f"source_sha256 TEXT NOT NULL, source_line INTEGER NOT NULL, fingerprint TEXT NOT NULL, "
            f"occurrence INTEGER NOT NULL, file_id INTEGER NOT NULL REFERENCES files(id))")
        out.append(f"CREATE UNIQUE INDEX {t.name}_fp ON {t.name}(fingerprint, occurrence)")
        out.append(f"CREATE INDEX {t.name}_who ON {t.name}(person, {t.year_column})")
    return out


SEGMENTS_V2 = [
    """CREATE TABLE segments (
            id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL REFERENCES files(id), table_name TEXT NOT NULL,
            rows INTEGER NOT NULL, data BLOB NOT NULL)""",
    "CREATE INDEX segments_table ON segments(table_name, id)",
]

# Version 4: each segment's range of persons and of dates (ISO text; the table's `date_column`),
# so that a read for one person or some dates skips the other segments without opening them.
# NULL: not known (a segment written before version 4, or a table without dates); such a segment
# is always read.
SEGMENT_RANGES = ("lo_person", "hi_person", "lo_date", "hi_date")
V4_STATEMENTS = [f"ALTER TABLE segments ADD COLUMN {c} TEXT" for c in SEGMENT_RANGES]


# Version 5: the options each file was imported with (JSON text: `person`, `plan`, `source`, and
# `mapping`, the SHA-256 of the mapping table, each when given; the format is in `format`). NULL: a
# file imported before version 5, compared by its format only. The same file (same SHA-256) imported
# again with other options that would add rows is refused (ledger/store.py `appending`).
FILE_OPTIONS = "options"
# Also version 5: each segment's distinct (person, account) pairs with their row counts (JSON text,
# `[[person, account, rows], ...]`; the account is the table's `ACCOUNT_COLUMNS` column, null for a
# table without one), so that the ids a ledger holds are known without opening a segment (the
# check for ids no longer in mbr.toml, book/orphans.py). In a table of their own: a column after
# `segments.data` could only be read by walking each blob's overflow pages. The migration fills it
# in for the segments already there.
SEGMENT_IDS = "segment_ids"
ACCOUNT_COLUMNS = {"events": "account", "payroll": "plan"}
V5_STATEMENTS = [f"ALTER TABLE files ADD COLUMN {FILE_OPTIONS} TEXT",
                 f"""CREATE TABLE {SEGMENT_IDS} (
            segment INTEGER PRIMARY KEY REFERENCES segments(id) ON DELETE CASCADE, ids TEXT NOT NULL)"""]

# Version 7: each segment's digest (`segments.digest`, the 32-byte SHA-256 of its blob,
# ledger/segments.py `blob_digest`), checked before every read of the blob, so that a damaged blob
# is an error rather than other figures. The migration computes it for the segments already there
# (ledger/store.py `_fill_digests`); a segment without one (NULL) is damaged.
DIGEST = "digest"
V7_STATEMENTS = [f"ALTER TABLE segments ADD COLUMN {DIGEST} BLOB"]

# The columns every opened ledger's tables must have (checked on opening: a table dropped or cut
# down is a damaged ledger, said in one line, rather than an SQLite error on every command).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "files": ("id", "path", "sha256", "format", "imported_at", "rows", "imported", "duplicates", FILE_OPTIONS),
    "segments": ("id", "file_id", "table_name", "rows", "data", *SEGMENT_RANGES, DIGEST),
    SEGMENT_IDS: ("segment", "ids"),
}


def create_statements() -> list[str]:
    """Schema version 7 (the tables of version 5 and each segment's digest; version 6 changed the
    segments' columns), as `mbr init` creates it: the files and the columnar segments of their rows.

    A segment holds rows of one table from one file as a Parquet blob: the table's value columns
    (Int64 cents, Date, Boolean, String) and `SEGMENT_EXTRA`, with its `SEGMENT_RANGES` beside
    it and the blob's `DIGEST`. `source_file` and `source_sha256` are the file's `path` and `sha256`;
    `files` also keeps the options of each import (`FILE_OPTIONS`).
    """
    return [FILES_STATEMENT, *SEGMENTS_V2, *V4_STATEMENTS, *V5_STATEMENTS, *V7_STATEMENTS]


# Migrations by the version they reach: statements, except for 2, which moves the rows of version 1
# into segments (ledger/store.py `_migrate_v1`). Version 3 changes no stored data: its segments
# leave out the fingerprint column and rows are matched by their values (a version-2 mbr cannot
# match them, hence the new number). Version 4 adds the segments' ranges (unknown, NULL, for the
# segments already there, which carry Parquet statistics instead; later ones do not). Version 5 adds
# the files' import options (NULL for the files already there) and the segments' ids (filled in).
# Version 6 adds `V6_COLUMNS` to the segments (ledger/store.py `_add_columns`). Version 7 adds the
# segments' digests (ledger/store.py `_fill_digests`, which also adds the column).
MIGRATIONS: dict[int, list[str]] = {1: v1_statements(), 2: SEGMENTS_V2, 3: [], 4: V4_STATEMENTS,
                                    5: V5_STATEMENTS, 6: [], 7: []}
