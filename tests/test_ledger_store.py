"""The store: schema version and migrations, a busy ledger, not-a-ledger files."""

import sqlite3

import pytest

from mbr_ledger.core.errors import MbrError
from mbr_ledger.ledger import store
from mbr_ledger.ledger.schema import SCHEMA_VERSION
from mbr_ledger.ledger.store import Ledger, LedgerBusy

from conftest import run


def test_new_ledger_has_the_current_schema(book):
    led = Ledger.open(book)
    assert led.schema_version() == SCHEMA_VERSION
    assert led.counts() == {"events": 0, "payroll": 0, "form_1099r": 0, "w2": 0}
    led.close()


def test_empty_database_is_migrated_to_the_current_schema(tmp_path):
    sqlite3.connect(tmp_path / "ledger.sqlite").close()
    led = Ledger.open(tmp_path)
    assert led.schema_version() == SCHEMA_VERSION
    led.close()


def test_ledger_from_a_newer_version_is_refused(book):
    conn = sqlite3.connect(book / "ledger.sqlite")
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(MbrError, match="newer than this mbr understands"):
        Ledger.open(book)


def test_not_a_ledger(tmp_path):
    (tmp_path / "ledger.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(MbrError, match="not a readable mbr ledger"):
        Ledger.open(tmp_path)


def test_busy_ledger_fails_clearly(book, tmp_path, monkeypatch):
    monkeypatch.setattr(store, "BUSY_SECONDS", 0.2)
    other = sqlite3.connect(book / "ledger.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    f = tmp_path / "a.csv"
    f.write_text("date,person,account,kind,source,amount\n2026-01-02,alex,acme,contribution,after_tax,5\n")
    try:
        res = run(book, "import", str(f))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert res.exit_code == 2
    assert "the ledger is busy (another mbr command is writing)" in res.stderr
    assert run(book, "import", str(f)).exit_code == 0


def test_busy_error_type(book, monkeypatch):
    monkeypatch.setattr(store, "BUSY_SECONDS", 0.1)
    other = sqlite3.connect(book / "ledger.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    led = Ledger.open(book)
    led.conn.execute("PRAGMA busy_timeout=100")
    try:
        with pytest.raises(LedgerBusy):
            with led.write():
                pass
    finally:
        other.execute("ROLLBACK")
        other.close()
        led.close()
