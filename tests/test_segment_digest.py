"""Each segment's blob is kept with its digest (schema version 7) and checked on every read: a
damaged blob is the one-line store fault naming the ledger and the file the segment's rows came from,
never other figures, never another error; forgetting that file and importing it again mends the
ledger. A version-6 ledger gains the digests of the segments it holds and reads the same."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from pathlib import Path

import polars as pl
import pytest

from mbr_ledger.core.schema import TABLES
from mbr_ledger.ledger import store
from mbr_ledger.ledger.store import Ledger, LedgerDamaged

from conftest import SAMPLE, run

ACME = SAMPLE / "activity-acme-2026.csv"
PAYROLL = SAMPLE / "payroll-acme-2026.csv"


def _sha(book: Path) -> str:
    return hashlib.sha256((book / "ledger.sqlite").read_bytes()).hexdigest()


def _message(book: Path, table: str, src: Path) -> str:
    """The one line a segment of `table` from `src` that does not match its digest is reported as."""
    return (f"{book / 'ledger.sqlite'}: the ledger is damaged (a segment of {table} from {src} does not match "
            f"its digest); run `mbr forget {src}` and import {src} again, or restore it from a backup, or run "
            f"`mbr init` in a new folder and import the files again")


def _first_segment(conn: sqlite3.Connection, table: str = "events") -> tuple[int, bytes]:
    sid, data = conn.execute("SELECT id, data FROM segments WHERE table_name = ? ORDER BY id LIMIT 1",
                             (table,)).fetchone()
    return sid, data


def _flip(book: Path, position: int, xor: int = 0xFF) -> None:
    """One byte of the first events segment's blob changed in place (its digest left as it was)."""
    conn = sqlite3.connect(book / "ledger.sqlite")
    sid, data = _first_segment(conn)
    data = bytearray(data)
    data[position] ^= xor
    conn.execute("UPDATE segments SET data = ? WHERE id = ?", (bytes(data), sid))
    conn.commit()
    conn.close()


@pytest.fixture
def imported(book: Path) -> Path:
    for f in (ACME, PAYROLL):
        assert run(book, "import", str(f)).exit_code == 0
    return book


def test_a_new_segment_is_stored_with_the_sha256_digest_of_its_blob(imported):
    led = Ledger.open(imported)
    got = led.conn.execute("SELECT data, digest FROM segments ORDER BY id").fetchall()
    led.close()
    assert len(got) == 2  # one events segment (activity), one payroll segment
    for data, digest in got:
        assert digest == hashlib.sha256(data).digest()


def test_every_read_of_a_flipped_blob_is_the_one_line_fault_never_other_figures(imported):
    """200 seeded positions of a small segment's blob (and its first and last 8 bytes), each flipped
    in turn by a random nonzero XOR: `read`, `scan`, `frame`, `ids` (a segment without kept ids is
    read) and an import's comparison with the stored rows each either give exactly the original rows
    or raise the one-line fault; a changed byte changes the digest, so it is always the fault."""
    led = Ledger.open(imported)
    want = {t: led.read(t) for t in TABLES}
    want_frame = led.frame("events")
    sid, original = _first_segment(led.conn)
    rows = want["events"].filter(pl.col("source_file") == str(ACME)).select([*TABLES["events"].columns, "source_line"])
    rng = random.Random(20261204)
    positions = sorted({*range(8), *range(len(original) - 8, len(original)),
                        *rng.sample(range(len(original)), min(200, len(original)))})
    message = _message(imported, "events", ACME)
    faults = 0
    for pos in positions:
        flipped = bytearray(original)
        flipped[pos] ^= rng.randrange(1, 256)
        with led.write() as conn:
            conn.execute("UPDATE segments SET data = ? WHERE id = ?", (bytes(flipped), sid))
            conn.execute("DELETE FROM segment_ids WHERE segment = ?", (sid,))
        reads = [lambda: led.read("events"), lambda: led.scan("events").collect(),
                 lambda: led.frame("events"), lambda: led.ids("events"),
                 lambda: led.append("again.csv", "0" * 64, "activity", {"events": rows}, dry_run=True)]
        for i, read in enumerate(reads):
            try:
                got = read()
            except LedgerDamaged as exc:
                assert str(exc) == message, (pos, i, str(exc))
                faults += 1
                continue
            # (never reached with digests kept: a read that returns gives the original rows exactly)
            if i in (0, 1):
                assert isinstance(got, pl.DataFrame) and got.equals(want["events"]), pos
            elif i == 2:
                assert isinstance(got, pl.DataFrame) and got.equals(want_frame), pos
        # the other table's segment is unharmed and reads as before
        assert led.read("payroll").equals(want["payroll"])
    assert faults == 5 * len(positions) and len(positions) >= 200
    with led.write() as conn:  # the original blob back: it reads as it did
        conn.execute("UPDATE segments SET data = ? WHERE id = ?", (original, sid))
    assert led.read("events").equals(want["events"])
    led.close()


def test_a_flipped_blob_found_by_an_import_is_one_line_and_writes_nothing(imported, tmp_path):
    _flip(imported, 40)
    one = tmp_path / "one.csv"
    one.write_text("date,person,account,kind,source,amount\n2026-05-01,alex,acme,contribution,after_tax,5.00\n",
                   encoding="utf-8")
    before = _sha(imported)
    res = run(imported, "import", str(one))
    assert res.exit_code == 2, (res.stdout, res.stderr)
    assert res.stderr.strip() == f"mbr: {_message(imported, 'events', ACME)}"
    assert _sha(imported) == before


READERS = [
    ("ledger",), ("ledger", "--format", "json"),
    ("audit", "--year", "2026"), ("audit", "--year", "2026", "--format", "json"),
    ("worksheet", "1099r", "--year", "2026"), ("worksheet", "8606", "--year", "2026"),
    ("worksheet", "lots", "--year", "2026"), ("worksheet", "1040", "--year", "2026"),
    ("worksheet", "5329", "--year", "2026", "--person", "alex"),
    ("export", "beancount"),
]


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a))
def test_every_reading_command_on_a_flipped_book_is_exit_2_and_the_one_line(imported, args):
    _flip(imported, 100)
    before = _sha(imported)
    res = run(imported, *args)
    assert res.exit_code == 2, (res.stdout, res.stderr)
    assert res.stderr.strip() == f"mbr: {_message(imported, 'events', ACME)}"
    assert _sha(imported) == before


def test_report_on_a_flipped_book_is_the_one_line_and_writes_nothing(imported, tmp_path):
    _flip(imported, 100)
    out = tmp_path / "out"
    out.mkdir()
    res = run(imported, "report", "--year", "2026", "--out", str(out))
    assert res.exit_code == 2, (res.stdout, res.stderr)
    assert res.stderr.strip() == f"mbr: {_message(imported, 'events', ACME)}"
    assert list(out.iterdir()) == []


def test_forgetting_the_named_file_and_importing_it_again_mends_the_ledger(imported):
    """What the message says to do works: `mbr forget` needs no segment read, and the file imported
    again gives the rows it gave before."""
    led = Ledger.open(imported)
    want = {t: led.frame(t).drop("source_sha256") for t in TABLES}
    led.close()
    _flip(imported, 100)
    assert run(imported, "ledger").exit_code == 2
    res = run(imported, "forget", str(ACME))
    assert res.exit_code == 0, (res.stdout, res.stderr)
    assert run(imported, "import", str(ACME)).exit_code == 0
    assert run(imported, "ledger").exit_code == 0
    led = Ledger.open(imported)
    for t in TABLES:
        assert led.frame(t).drop("source_sha256").equals(want[t]), t
    led.close()


def test_a_segment_without_a_digest_is_damaged(imported):
    conn = sqlite3.connect(imported / "ledger.sqlite")
    conn.execute("UPDATE segments SET digest = NULL WHERE id = (SELECT min(id) FROM segments)")
    conn.commit()
    conn.close()
    res = run(imported, "ledger")
    assert res.exit_code == 2
    assert res.stderr.strip() == f"mbr: {_message(imported, 'events', ACME)}"


def test_a_version_6_ledger_gains_the_digests_of_its_segments_and_reads_the_same(make_book, tmp_path):
    """The segments of a version-6 ledger were trusted: the migration computes their digests, every
    table reads the same, a re-import adds nothing, and from then on a damaged blob is found."""
    book = make_book(name="v6")
    files = sorted(str(p) for p in SAMPLE.glob("*.csv"))
    assert run(book, "import", *files).exit_code == 0
    led = Ledger.open(book)
    want = {t: led.frame(t) for t in TABLES}
    with led.write() as conn:
        conn.execute("ALTER TABLE segments DROP COLUMN digest")
        conn.execute("PRAGMA user_version=6")
    led.close()
    conn = sqlite3.connect(book / "ledger.sqlite")
    assert "digest" not in [r[1] for r in conn.execute("PRAGMA table_info(segments)")]
    conn.close()

    led = Ledger.open(book)
    assert led.schema_version() == store.SCHEMA_VERSION == 7
    got = led.conn.execute("SELECT data, digest FROM segments ORDER BY id").fetchall()
    assert len(got) >= len(files)
    assert all(d == hashlib.sha256(b).digest() for b, d in got)
    for t in TABLES:
        assert led.frame(t).equals(want[t]), t
    led.close()
    res = run(book, "import", "--format", "json", *files)
    assert res.exit_code == 0, res.stderr
    assert '"imported": 1' not in res.stdout and res.stdout.count('"imported": 0') == len(files)
    _flip(book, 50)
    assert run(book, "audit", "--year", "2026").exit_code == 2
