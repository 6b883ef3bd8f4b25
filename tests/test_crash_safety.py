"""Crash safety: an import killed with SIGKILL leaves all or none of its file; two imports at once
both end correctly. Each import runs as its own process (`python -m mbr_ledger.cli`)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mbr_ledger.ledger.store import Ledger

from conftest import SAMPLE, run

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"


def big_activity(path: Path, rows: int, seed: int = 0) -> Path:
    """`rows` distinct, valid activity rows for the test profile's plan `acme`."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for i in range(rows):
            day = 1 + i % 28
            month = 1 + (i // 28) % 12
            cents = 100 + (i * 7919 + seed) % 500_000
            fh.write(f"2026-{month:02d}-{day:02d},alex,acme,earnings,after_tax,{cents // 100}.{cents % 100:02d},,,,,"
                     f"row {seed}-{i}\n")
    return path


def mbr(book: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "mbr_ledger.cli", "--book", str(book), *args]


def events(book: Path) -> int:
    led = Ledger.open(book)  # opening rolls back a hot journal, as any next command would
    try:
        assert led.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return led.counts()["events"]
    finally:
        led.close()


def test_sigkill_during_an_import_leaves_all_or_none(book: Path, tmp_path: Path) -> None:
    assert run(book, "import", str(SAMPLE / "activity-acme-2026.csv")).exit_code == 0
    base = events(book)
    rows = 200_000
    big = big_activity(tmp_path / "big.csv", rows)
    journal = book / "ledger.sqlite-journal"
    outcomes = []
    for attempt in range(3):
        proc = subprocess.Popen(mbr(book, "import", str(big)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        # Wait until the import is writing: its transaction is open (the journal is there), then a
        # little longer on each attempt, so that rows have been written.
        while time.monotonic() < deadline and proc.poll() is None:
            if journal.exists():
                time.sleep(0.05 * attempt)
                break
            time.sleep(0.002)
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        count = events(book)
        assert count in (base, base + rows), f"attempt {attempt}: {count - base} of {rows} rows after SIGKILL"
        outcomes.append((killed, count - base))
        if count == base + rows:
            break
    assert (True, 0) in outcomes, f"never killed while writing: {outcomes}"
    # The ledger still works: the file imports whole afterwards, and only once.
    assert run(book, "import", str(big)).exit_code == 0
    assert events(book) == base + rows
    assert not journal.exists()
    assert run(book, "import", str(big)).exit_code == 0
    assert events(book) == base + rows


def test_a_problem_at_the_end_of_a_large_file_rolls_back_what_was_written(book: Path, tmp_path: Path) -> None:
    """A large file is written batch by batch inside its transaction: a bad last row undoes it all."""
    import hashlib

    assert run(book, "import", str(SAMPLE / "activity-acme-2026.csv")).exit_code == 0
    before = hashlib.sha256((book / "ledger.sqlite").read_bytes()).hexdigest()
    big = big_activity(tmp_path / "late.csv", 150_000)
    with big.open("a", encoding="utf-8") as fh:
        fh.write("2026-13-01,alex,acme,earnings,after_tax,1.00,,,,,the bad row\n")
    proc = subprocess.run(mbr(book, "import", str(big)), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert f"{big}:150002: date: impossible date '2026-13-01'" in proc.stderr
    assert hashlib.sha256((book / "ledger.sqlite").read_bytes()).hexdigest() == before
    assert not (book / "ledger.sqlite-journal").exists()


def test_two_imports_at_once_both_end_correctly(book: Path, tmp_path: Path) -> None:
    a = big_activity(tmp_path / "a.csv", 30_000, seed=1)
    b = big_activity(tmp_path / "b.csv", 30_000, seed=2)
    procs = [subprocess.Popen(mbr(book, "import", "--format", "json", str(f)), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for f in (a, b)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert events(book) == 60_000


def test_the_same_file_twice_at_once_is_imported_once(book: Path, tmp_path: Path) -> None:
    import json

    f = big_activity(tmp_path / "same.csv", 30_000, seed=3)
    procs = [subprocess.Popen(mbr(book, "import", "--format", "json", str(f)), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    imported = sorted(json.loads(out)["files"][0]["imported"] for out, _ in outs)
    assert imported == [0, 30_000]
    assert events(book) == 30_000
    conn = sqlite3.connect(book / "ledger.sqlite")
    try:
        assert conn.execute("SELECT count(*), sum(imported), sum(duplicates) FROM files").fetchone() == (2, 30_000,
                                                                                                        30_000)
    finally:
        conn.close()
