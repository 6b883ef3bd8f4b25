"""Faults of the store itself: a read-only book, a full disk, an empty, damaged or cut-down ledger.
Each is one line naming the file and what to do, exit 2, never a traceback; a refused import leaves
the ledger byte for byte as it was."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from mbr_ledger.ledger import store
from mbr_ledger.ledger.store import Ledger

from conftest import SAMPLE, run

READERS = [("audit", "--year", "2026"), ("ledger",), ("worksheet", "8606", "--year", "2026"),
           ("capacity", "--year", "2026", "--person", "alex")]


def _digest(book: Path) -> str:
    return hashlib.sha256((book / "ledger.sqlite").read_bytes()).hexdigest()


def _one_line_error(res, book: Path, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert res.exit_code == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert str(book / "ledger.sqlite") in lines[0]
    assert "Traceback" not in res.stderr
    for w in words:
        assert w in lines[0], lines[0]


@pytest.fixture
def imported(book: Path) -> Path:
    assert run(book, "import", str(SAMPLE / "activity-acme-2026.csv")).exit_code == 0
    return book


def _patch_connect(monkeypatch, after) -> None:  # type: ignore[no-untyped-def]
    real = Ledger._connect

    def connect(path: Path) -> sqlite3.Connection:
        conn = real(path)
        after(conn)
        return conn

    monkeypatch.setattr(Ledger, "_connect", staticmethod(connect))


def test_an_import_into_a_read_only_book_is_one_line(imported, monkeypatch):
    # Tests run as root, where chmod does not stop writes: the connection is made read-only instead.
    _patch_connect(monkeypatch, lambda conn: conn.execute("PRAGMA query_only=ON"))
    before = _digest(imported)
    res = run(imported, "import", str(SAMPLE / "payroll-acme-2026.csv"))
    _one_line_error(res, imported, "read-only", "nothing was written")
    assert _digest(imported) == before


def test_an_import_into_a_ledger_opened_read_only_is_one_line(imported, monkeypatch):
    def connect(path: Path) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)

    monkeypatch.setattr(Ledger, "_connect", staticmethod(connect))
    before = _digest(imported)
    res = run(imported, "import", str(SAMPLE / "payroll-acme-2026.csv"))
    _one_line_error(res, imported, "read-only")
    assert _digest(imported) == before


def test_an_import_onto_a_full_disk_is_one_line_and_changes_nothing(imported, monkeypatch):
    def full(conn: sqlite3.Connection) -> None:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count={pages}")

    _patch_connect(monkeypatch, full)
    before = _digest(imported)
    res = run(imported, "import", str(SAMPLE / "payroll-acme-2026.csv"), str(SAMPLE / "activity-beta-2026.csv"))
    _one_line_error(res, imported, "disk is full", "nothing was written")
    assert _digest(imported) == before
    assert not (imported / "ledger.sqlite-journal").exists()


def test_a_full_disk_at_commit_rolls_back(imported, monkeypatch):
    before = _digest(imported)

    # Every COMMIT fails, as it does when the journal cannot be written.
    class Conn:
        def __init__(self, conn: sqlite3.Connection):
            self._c = conn

        def execute(self, sql: str, *args):  # type: ignore[no-untyped-def]
            if sql == "COMMIT":
                raise sqlite3.OperationalError("database or disk is full")
            return self._c.execute(sql, *args)

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(self._c, name)

    connect = Ledger._connect
    monkeypatch.setattr(Ledger, "_connect", staticmethod(lambda path: Conn(connect(path))))
    res = run(imported, "import", str(SAMPLE / "payroll-acme-2026.csv"))
    _one_line_error(res, imported, "disk is full")
    assert _digest(imported) == before


def test_a_zero_byte_ledger_is_refused(book):
    (book / "ledger.sqlite").write_bytes(b"")
    for args in [*READERS, ("import", str(SAMPLE / "activity-acme-2026.csv"))]:
        res = run(book, *args)
        _one_line_error(res, book, "0 bytes", "restore it from a backup", "mbr init")
        assert (book / "ledger.sqlite").read_bytes() == b""


def test_mbr_init_still_makes_a_ledger(tmp_path):
    led = Ledger.create(tmp_path)
    led.close()
    assert Ledger.open(tmp_path).schema_version() == store.SCHEMA_VERSION


def _damage_a_segment(book: Path) -> None:
    conn = sqlite3.connect(book / "ledger.sqlite")
    conn.execute("UPDATE segments SET data = ? WHERE id = (SELECT min(id) FROM segments)", (b"not parquet" * 50,))
    conn.commit()
    conn.close()


def test_a_damaged_segment_is_one_line_on_every_command(imported):
    _damage_a_segment(imported)
    for args in [*READERS, ("import", str(SAMPLE / "activity-acme-2026.csv"))]:
        before = _digest(imported)
        res = run(imported, *args)
        _one_line_error(res, imported, "damaged", "does not match its digest",
                        f"run `mbr forget {SAMPLE / 'activity-acme-2026.csv'}` and import", "restore it from a backup",
                        "mbr init")
        assert _digest(imported) == before


def test_a_truncated_segment_is_one_line(imported):
    conn = sqlite3.connect(imported / "ledger.sqlite")
    (data,) = conn.execute("SELECT data FROM segments ORDER BY id LIMIT 1").fetchone()
    conn.execute("UPDATE segments SET data = ? WHERE id = (SELECT min(id) FROM segments)",
                 (data[:8] + bytes(len(data) - 16) + data[-8:],))
    conn.commit()
    conn.close()
    for args in READERS:
        _one_line_error(run(imported, *args), imported, "damaged")


@pytest.mark.parametrize("table", ["segments", "files"])
def test_a_dropped_table_is_one_line_on_every_command(imported, table):
    conn = sqlite3.connect(imported / "ledger.sqlite")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute(f"DROP TABLE {table}")
    conn.commit()
    conn.close()
    for args in [*READERS, ("import", str(SAMPLE / "activity-acme-2026.csv"))]:
        before = _digest(imported)
        res = run(imported, *args)
        _one_line_error(res, imported, "damaged", table, "restore it from a backup")
        assert _digest(imported) == before
