"""A segment whose footer is sound but whose data pages are damaged is found only when a query
collects it, deep in the rules (a lazy collect), not in `Ledger.read`: every command that reads the
ledger then says so in one line naming the ledger and what to do, exit 2, never a Polars traceback,
and the ledger is left as it was."""

from __future__ import annotations

import hashlib
import sqlite3
import struct
from pathlib import Path

import pytest

from conftest import SAMPLE, run

READERS = [
    ("ledger",), ("ledger", "--format", "json"), ("ledger", "--format", "csv"),
    ("audit", "--year", "2026"), ("audit", "--year", "2026", "--format", "json"),
    ("worksheet", "1099r", "--year", "2026"), ("worksheet", "8606", "--year", "2026"),
    ("worksheet", "lots", "--year", "2026"), ("worksheet", "1040", "--year", "2026"),
    ("worksheet", "5329", "--year", "2026", "--person", "alex"),
    ("capacity", "--year", "2026", "--person", "alex"),
    ("export", "beancount"),
]


def _digest(book: Path) -> str:
    return hashlib.sha256((book / "ledger.sqlite").read_bytes()).hexdigest()


def _damage_pages(book: Path) -> None:
    """Every byte between the leading magic and the footer of the first events segment: the footer
    (read when the segment is scanned) is intact, the data pages are not."""
    conn = sqlite3.connect(book / "ledger.sqlite")
    sid, data = conn.execute("SELECT id, data FROM segments WHERE table_name = 'events' ORDER BY id LIMIT 1").fetchone()
    footer = struct.unpack("<I", data[-8:-4])[0]
    end = len(data) - 8 - footer
    conn.execute("UPDATE segments SET data = ? WHERE id = ?", (data[:4] + b"\xab" * (end - 4) + data[end:], sid))
    conn.commit()
    conn.close()


@pytest.fixture
def damaged(book: Path) -> Path:
    for name in ("activity-acme-2026.csv", "payroll-acme-2026.csv"):
        assert run(book, "import", str(SAMPLE / name)).exit_code == 0
    _damage_pages(book)
    return book


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a))
def test_damaged_data_pages_are_one_line_on_every_reading_command(damaged, args):
    before = _digest(damaged)
    res = run(damaged, *args)
    assert res.exit_code == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr and "polars" not in res.stderr.lower()
    assert lines[0].startswith(f"mbr: {damaged / 'ledger.sqlite'}: the ledger is damaged (a segment")
    assert "restore it from a backup, or run `mbr init` in a new folder" in lines[0]
    assert _digest(damaged) == before


def test_report_with_damaged_pages_is_one_line_and_writes_nothing(damaged, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    res = run(damaged, "report", "--year", "2026", "--out", str(out))
    assert res.exit_code == 2, (res.stdout, res.stderr)
    assert len(res.stderr.strip().splitlines()) == 1 and "the ledger is damaged" in res.stderr
    assert list(out.iterdir()) == []


def test_another_polars_error_is_not_called_a_damaged_ledger(tmp_path):
    """Only a Parquet decoding error is a store fault: any other Polars error is not mapped."""
    import polars as pl

    from mbr_ledger.ledger.store import read_fault

    assert read_fault(pl.exceptions.ColumnNotFoundError("x"), tmp_path) is None
    assert read_fault(ValueError("parquet"), tmp_path) is None
    got = read_fault(pl.exceptions.ComputeError("parquet: File out of specification: zstd error"), tmp_path)
    assert got is not None and str(got).startswith(f"{tmp_path / 'ledger.sqlite'}: the ledger is damaged")


def test_an_import_onto_damaged_pages_is_one_line_and_writes_nothing(damaged, tmp_path):
    """An import compares its rows with those the table holds, so it reads the damaged segment too."""
    src = tmp_path / "one.csv"
    src.write_text("date,person,account,kind,source,amount\n2026-05-01,alex,acme,contribution,after_tax,5.00\n",
                   encoding="utf-8")
    before = _digest(damaged)
    res = run(damaged, "import", str(src))
    assert res.exit_code == 2, (res.stdout, res.stderr)
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"mbr: {damaged / 'ledger.sqlite'}: the ledger is damaged (a segment of events from "
                           f"{SAMPLE / 'activity-acme-2026.csv'} does not match its digest); ")  # schema 7
    assert line.endswith(" again, or restore it from a backup, or run `mbr init` in a new folder and import the files again")
    assert _digest(damaged) == before
