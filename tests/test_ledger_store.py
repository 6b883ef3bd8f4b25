"""The store: schema version and migrations, a busy ledger, not-a-ledger files."""

import io
import json
import shutil
import sqlite3

import polars as pl
import pytest

from mbr_ledger.core.errors import MbrError
from mbr_ledger.ledger import store
from mbr_ledger.ledger.schema import SCHEMA_VERSION
from mbr_ledger.ledger.store import Ledger, LedgerBusy

from conftest import PROFILE, SAMPLE, run


def test_new_ledger_has_the_current_schema(book):
    led = Ledger.open(book)
    assert led.schema_version() == SCHEMA_VERSION
    assert led.counts() == {"events": 0, "payroll": 0, "form_1099r": 0, "w2": 0}
    led.close()


def test_empty_database_is_migrated_to_the_current_schema(tmp_path):
    conn = sqlite3.connect(tmp_path / "ledger.sqlite")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("DROP TABLE t")
    conn.close()
    led = Ledger.open(tmp_path)
    assert led.schema_version() == SCHEMA_VERSION
    led.close()


def test_a_zero_byte_ledger_is_refused_not_taken_for_a_new_one(tmp_path):
    (tmp_path / "ledger.sqlite").write_bytes(b"")
    with pytest.raises(MbrError, match=r"the ledger is empty \(0 bytes\).*restore it from a backup"):
        Ledger.open(tmp_path)
    assert (tmp_path / "ledger.sqlite").read_bytes() == b""


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


# ------------------------------------------------------------------ version 1 -> 2

def _digest(t, row) -> bytes:
    """The 12-byte BLAKE2b digest versions 1 and 2 kept per row: the table name and the value columns
    as text, joined by U+001F."""
    import hashlib

    text = "\x1f".join([t.name, *("" if row[c] is None else str(row[c]).lower() if isinstance(row[c], bool)
                                   else str(row[c]) for c in t.columns)])
    return hashlib.blake2b(text.encode(), digest_size=12).digest()


def _v1_fingerprint(t, row) -> bytes:
    """Version 1's 16-byte fingerprint: the day (or tax year) in 4 bytes, then the 12-byte digest."""
    import datetime as dt

    when = (row[t.date_column] - dt.date(1970, 1, 1)).days + (1 << 30) if t.date_column else row[t.year_column]
    return when.to_bytes(4, "big") + _digest(t, row)


def _v1_copy(ref: Ledger, path) -> None:
    """A version-1 ledger (one SQLite row per ledger row) holding exactly the rows of `ref`."""
    from mbr_ledger.core.schema import TABLES
    from mbr_ledger.ledger.schema import columns_before_v6, v1_statements

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for stmt in v1_statements():
        conn.execute(stmt)
    files = ref.conn.execute("SELECT id, path, sha256, format, imported_at, rows, imported, duplicates FROM files")
    conn.executemany("INSERT INTO files VALUES (?,?,?,?,?,?,?,?)", files.fetchall())
    for t in TABLES.values():
        for file_id, path_, sha, data in ref.conn.execute(
                "SELECT s.file_id, f.path, f.sha256, s.data FROM segments s JOIN files f ON f.id = s.file_id "
                "WHERE s.table_name = ?", (t.name,)).fetchall():
            df = store._from_blob(data, digest=store.TRUSTED)
            old = columns_before_v6(t.name)  # version 1 had no columns of version 6
            cols = [*old, "source_file", "source_sha256", "source_line", "fingerprint", "occurrence", "file_id"]
            for row in df.iter_rows(named=True):
                vals = [row[c].isoformat() if c == t.date_column and row[c] else
                        int(row[c]) if isinstance(row[c], bool) else row[c] for c in old]
                conn.execute(f"INSERT INTO {t.name}({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                             [*vals, path_, sha, row["source_line"], _v1_fingerprint(t, row), row["occurrence"], file_id])
    conn.execute("PRAGMA user_version=1")
    conn.execute("COMMIT")
    conn.close()


def test_a_version_1_ledger_is_migrated_with_every_row(make_book, tmp_path):
    from mbr_ledger.core.schema import TABLES

    ref_book = make_book(name="ref")
    files = sorted(str(p) for p in SAMPLE.glob("*.csv"))
    assert run(ref_book, "import", *files).exit_code == 0
    ref = Ledger.open(ref_book)
    old = tmp_path / "old"
    old.mkdir()
    _v1_copy(ref, old / "ledger.sqlite")
    conn = sqlite3.connect(old / "ledger.sqlite")
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == ref.counts()["events"] > 100
    conn.close()

    led = Ledger.open(old)
    assert led.schema_version() == SCHEMA_VERSION
    tables = {r[0] for r in led.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"files", "segments", "segment_ids"}
    assert led.counts() == ref.counts()
    assert led.files() == ref.files()
    for name in TABLES:
        got, want = led.frame(name), ref.frame(name)
        assert got.schema == want.schema
        assert got.equals(want), name
    # De-duplication works on the migrated rows: nothing is added again.
    led.close()
    shutil.copy(ref_book / "mbr.toml", old / "mbr.toml")
    res = run(old, "import", "--format", "json", *files)
    assert res.exit_code == 0, res.output
    assert all(f["imported"] == 0 for f in json.loads(res.stdout)["files"])
    ref.close()


def test_a_failed_migration_leaves_the_version_1_ledger_as_it_was(make_book, tmp_path, monkeypatch):
    ref_book = make_book(name="ref")
    assert run(ref_book, "import", str(SAMPLE / "activity-acme-2026.csv")).exit_code == 0
    ref = Ledger.open(ref_book)
    old = tmp_path / "old"
    old.mkdir()
    _v1_copy(ref, old / "ledger.sqlite")
    ref.close()
    before = (old / "ledger.sqlite").read_bytes()

    def broken(df, **kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_to_blob", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        Ledger.open(old)
    assert (old / "ledger.sqlite").read_bytes() == before
    monkeypatch.undo()
    led = Ledger.open(old)
    assert led.schema_version() == SCHEMA_VERSION
    assert led.counts()["events"] > 0
    led.close()


def test_a_version_2_ledger_with_fingerprints_opens_and_matches_by_value(make_book, tmp_path):
    """Version 2 segments also hold a `fingerprint` column: version 3 reads them as they are, and a
    re-import of the same files adds nothing; a new row still goes in."""
    from mbr_ledger.core.schema import TABLES
    from mbr_ledger.ledger.schema import SEGMENT_RANGES

    book = make_book(name="v2")
    files = sorted(str(p) for p in SAMPLE.glob("*.csv"))
    assert run(book, "import", *files).exit_code == 0
    led = Ledger.open(book)
    want = {name: led.frame(name) for name in TABLES}
    with led.write() as conn:
        for seg, name, data in conn.execute("SELECT id, table_name, data FROM segments").fetchall():
            t = TABLES[name]
            df = store._from_blob(data, digest=store.TRUSTED)
            fp = pl.Series("fingerprint", [_digest(t, r) for r in df.iter_rows(named=True)], dtype=pl.Binary)
            df = df.select([*t.columns, "source_line"]).with_columns(fp, df["occurrence"])
            conn.execute("UPDATE segments SET data = ? WHERE id = ?", (store._to_blob(df, statistics=True), seg))
        for c in SEGMENT_RANGES:  # version 2 kept no ranges
            conn.execute(f"ALTER TABLE segments DROP COLUMN {c}")
        conn.execute("ALTER TABLE files DROP COLUMN options")  # nor import options, nor segment ids
        conn.execute("DROP TABLE segment_ids")
        conn.execute("ALTER TABLE segments DROP COLUMN digest")  # nor digests (version 7)
        conn.execute("PRAGMA user_version=2")
    led.close()

    led = Ledger.open(book)
    assert led.schema_version() == SCHEMA_VERSION
    for name in TABLES:
        assert led.frame(name).equals(want[name]), name
    led.close()
    res = run(book, "import", "--format", "json", *files)
    assert res.exit_code == 0, res.output
    assert [f["imported"] for f in json.loads(res.stdout)["files"]] == [0] * len(files)
    extra = tmp_path / "extra.csv"
    head, first = (SAMPLE / "activity-acme-2026.csv").read_text().splitlines()[:2]
    extra.write_text(f"{head}\n{first}\n2026-12-30,alex,acme,contribution,after_tax,1.00,,,,,\n")
    res = run(book, "import", "--format", "json", str(extra))
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["files"][0]["imported"] == 1  # the first row is held already


def test_identical_rows_and_a_longer_file_in_segments(book, tmp_path):
    """Two identical rows of one file are both kept; a longer version of a file adds only its new rows."""
    head = "date,person,account,kind,source,amount\n"
    row = "2026-01-02,alex,acme,contribution,after_tax,5\n"
    f = tmp_path / "a.csv"
    f.write_text(head + row + row)
    assert run(book, "import", str(f)).exit_code == 0
    f.write_text(head + row + row + row + "2026-01-03,alex,acme,contribution,after_tax,6\n")
    res = run(book, "import", "--format", "json", str(f))
    assert json.loads(res.stdout)["files"][0]["imported"] == 2
    led = Ledger.open(book)
    assert led.counts()["events"] == 4
    assert led.frame("events")["amount"].to_list() == [500, 500, 500, 600]
    assert led.frame("events", filter=pl.col("amount") == 600)["source_line"].to_list() == [5]
    led.close()


def _stored(book) -> tuple[pl.DataFrame, int]:
    """Every events row as stored (values, line and occurrence), in line order, and the segments."""
    led = Ledger.open(book)
    blobs = [data for (data,) in led.conn.execute(
        "SELECT data FROM segments WHERE table_name = 'events' ORDER BY id")]
    led.close()
    rows = pl.concat([pl.read_parquet(io.BytesIO(b)) for b in blobs]).sort("source_line")
    return rows.select("amount", "source_line", "occurrence"), len(blobs)


def test_identical_rows_in_several_segments_of_the_first_file(book, make_book, tmp_path, monkeypatch):
    """Rows repeated across segments are numbered across the whole file, whether the file is the
    first into its table (numbered within each segment, then across them at the end) or not."""
    from mbr_ledger.tuning import sizes

    monkeypatch.setattr(sizes, "BLOCK_BYTES", 64)  # a line or two per block
    monkeypatch.setattr(sizes, "SEGMENT_ROWS", 1)  # a segment per block
    monkeypatch.setattr(sizes, "SEGMENT_ROWS_COMPARED", 1)
    head = "date,person,account,kind,source,amount\n"
    a = "2026-01-02,alex,acme,contribution,after_tax,5\n"
    b = "2026-01-03,alex,acme,contribution,after_tax,6\n"
    f = tmp_path / "a.csv"
    f.write_text(head + a + b + a + a + b)
    assert run(book, "import", str(f)).exit_code == 0
    rows, segments = _stored(book)
    assert segments >= 3
    assert rows.rows() == [(500, 2, 1), (600, 3, 1), (500, 4, 2), (500, 5, 3), (600, 6, 2)]
    # The same numbers when the table already held a row before the file.
    other = make_book(PROFILE, name="other")
    g = tmp_path / "other.csv"
    g.write_text(head + "2026-01-05,alex,acme,contribution,after_tax,7\n")
    assert run(other, "import", str(g)).exit_code == 0
    assert run(other, "import", str(f)).exit_code == 0
    later, _ = _stored(other)
    assert later.filter(pl.col("amount") != 700).rows() == rows.rows()
    # Imported again, the file adds nothing; one more repeat adds one row, the fourth of its kind.
    res = run(book, "import", "--format", "json", str(f))
    assert json.loads(res.stdout)["files"][0]["imported"] == 0
    f.write_text(head + a + b + a + a + b + a)
    res = run(book, "import", "--format", "json", str(f))
    assert json.loads(res.stdout)["files"][0]["imported"] == 1
    rows, _ = _stored(book)
    assert rows.filter(pl.col("source_line") == 7).rows() == [(500, 7, 4)]


TWO = """
[[person]]
id = "alex"
born = "1975-03-10"

[[person]]
id = "bo"
born = "1980-06-01"

[[plan]]
id = "acme"
person = "alex"
employer = "Acme Corp"

[[plan]]
id = "bcorp"
person = "bo"
employer = "B Corp"
"""


def test_one_person_read_alone_equals_the_whole_table_filtered(make_book, tmp_path):
    book = make_book(TWO)
    f = tmp_path / "two.csv"
    f.write_text("date,person,account,kind,source,amount\n"
                 "2026-01-02,bo,bcorp,contribution,after_tax,7\n"
                 "2026-01-02,alex,acme,contribution,after_tax,5\n"
                 "2025-12-31,alex,acme,earnings,after_tax,1.25\n"
                 "2026-01-03,bo,bcorp,fee,pretax,-0.50\n")
    assert run(book, "import", str(f)).exit_code == 0
    first = Ledger.open(book)
    alone = first.frame("events", person="alex")  # read with the person filter in the scan
    assert alone["amount"].to_list() == [125, 500]
    assert first.frame("events", person="bo")["amount"].to_list() == [700, -50]  # now the whole table
    whole = Ledger.open(book).frame("events")
    assert alone.equals(whole.filter(pl.col("person") == "alex"))
    assert first.frame("events", person="alex", year=2026)["source_line"].to_list() == [3]
    first.close()


def test_a_reader_sees_what_another_process_imported(book, tmp_path):
    reader = Ledger.open(book)
    assert reader.counts()["events"] == 0
    assert reader.frame("events").height == 0
    version = reader.data_version()
    f = tmp_path / "a.csv"
    f.write_text("date,person,account,kind,source,amount\n2026-01-02,alex,acme,contribution,after_tax,5\n")
    assert run(book, "import", str(f)).exit_code == 0  # another connection commits
    assert reader.data_version() != version
    assert reader.frame("events")["amount"].to_list() == [500]
    reader.close()


# The shared profile (alex, with plans acme and beta and an IRA pair) and a second person.
TWO_PERSONS = PROFILE + """
[[person]]
id = "blake"
born = "1980-06-01"
marginal_rate = "0.24"

[[plan]]
id = "zeta"
person = "blake"
employer = "Zeta Inc"
conversion = "in_plan_auto"
"""


def _two_person_book(make_book, tmp_path):  # type: ignore[no-untyped-def]
    """alex's rows of 2025 and 2026 in one file, blake's of 2026 in another."""
    book = make_book(TWO_PERSONS, name="two")
    head = "date,person,account,kind,source,amount\n"
    a = tmp_path / "alex.csv"
    a.write_text(head + "2025-03-03,alex,acme,contribution,after_tax,10\n"
                 "2026-02-02,alex,acme,contribution,after_tax,20\n2026-02-09,alex,acme,conversion,after_tax,30\n")
    b = tmp_path / "blake.csv"
    b.write_text(head + "2026-05-01,blake,zeta,contribution,after_tax,40\n")
    assert run(book, "import", str(a), str(b)).exit_code == 0
    return book


def test_segments_keep_their_persons_and_dates(make_book, tmp_path):
    book = _two_person_book(make_book, tmp_path)
    led = Ledger.open(book)
    got = led.conn.execute("SELECT table_name, rows, lo_person, hi_person, lo_date, hi_date FROM segments "
                           "ORDER BY id").fetchall()
    assert got == [("events", 3, "alex", "alex", "2025-03-03", "2026-02-09"),
                   ("events", 1, "blake", "blake", "2026-05-01", "2026-05-01")]
    led.close()


def test_a_read_for_one_person_or_some_dates_opens_only_the_segments_that_can_hold_them(
        make_book, tmp_path, monkeypatch):
    book = _two_person_book(make_book, tmp_path)
    led = Ledger.open(book)
    everything = led.read("events")
    opened: list[int] = []
    scan = pl.scan_parquet

    def counting(*args, **kw):  # type: ignore[no-untyped-def]
        opened.append(1)
        return scan(*args, **kw)

    monkeypatch.setattr(store.pl, "scan_parquet", counting)
    import datetime as dt
    cases = [
        (pl.col("person") == "blake", {"person": "blake"}, 1),
        (pl.col("person") == "alex", {"person": "alex"}, 1),
        (pl.col("person") == "casey", {"person": "casey"}, 0),
        (pl.col("date") < dt.date(2026, 1, 1), {"dates": (None, dt.date(2025, 12, 31))}, 1),
        (pl.col("date").is_between(dt.date(2026, 3, 1), dt.date(2026, 12, 31)),
         {"dates": (dt.date(2026, 3, 1), dt.date(2026, 12, 31))}, 1),
        (pl.col("date").is_between(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
         {"dates": (dt.date(2026, 1, 1), dt.date(2026, 12, 31))}, 2),
    ]
    for keep, hints, segments in cases:
        opened.clear()
        got = led.read("events", keep, **hints)
        assert got.equals(everything.filter(keep)), hints
        assert len(opened) == segments, hints
    led.close()


def test_a_version_3_ledger_gains_ranges_and_reads_the_same(make_book, tmp_path):
    """Segments of version 3 have no ranges (NULL after the migration) but Parquet statistics: every
    read gives the same rows, and new segments get their ranges."""
    import datetime as dt

    from mbr_ledger.ledger.schema import SEGMENT_RANGES

    book = _two_person_book(make_book, tmp_path)
    led = Ledger.open(book)
    want = led.read("events")
    with led.write() as conn:
        for seg, data in conn.execute("SELECT id, data FROM segments").fetchall():
            conn.execute("UPDATE segments SET data = ? WHERE id = ?",
                         (store._to_blob(store._from_blob(data, digest=store.TRUSTED), statistics=True), seg))
        for c in SEGMENT_RANGES:
            conn.execute(f"ALTER TABLE segments DROP COLUMN {c}")
        conn.execute("ALTER TABLE files DROP COLUMN options")
        conn.execute("DROP TABLE segment_ids")
        conn.execute("ALTER TABLE segments DROP COLUMN digest")  # nor digests (version 7)
        conn.execute("PRAGMA user_version=3")
    led.close()
    led = Ledger.open(book)
    assert led.schema_version() == SCHEMA_VERSION
    assert led.conn.execute("SELECT count(*) FROM segments WHERE lo_person IS NULL").fetchone()[0] == 2
    assert led.read("events").equals(want)
    for person in ("alex", "blake"):
        assert led.read("events", pl.col("person") == person, person=person).equals(
            want.filter(pl.col("person") == person))
    early = pl.col("date") < dt.date(2026, 1, 1)
    assert led.read("events", early, dates=(None, dt.date(2025, 12, 31))).equals(want.filter(early))
    led.close()


# ------------------------------------------------------------------ version 4 -> 5


def test_a_version_4_ledger_gains_import_options_and_compares_its_files_by_format(make_book, tmp_path):
    """Version 5 keeps each import's options (`files.options`); files imported before have NULL
    there and are compared by their format only: importing one again adds what it adds, as before."""
    from mbr_ledger.ledger.schema import FILE_OPTIONS

    f = SAMPLE / "activity-acme-2026.csv"
    book = make_book()
    assert run(book, "import", str(f)).exit_code == 0
    led = Ledger.open(book)
    want = led.read("events")
    with led.write() as conn:
        conn.execute(f"ALTER TABLE files DROP COLUMN {FILE_OPTIONS}")
        conn.execute("DROP TABLE segment_ids")
        conn.execute("ALTER TABLE segments DROP COLUMN digest")  # nor digests (version 7)
        conn.execute("PRAGMA user_version=4")
    led.close()
    led = Ledger.open(book)
    assert led.schema_version() == SCHEMA_VERSION == 7
    assert led.conn.execute(f"SELECT {FILE_OPTIONS} FROM files").fetchall() == [(None,)]
    assert led.read("events").equals(want)
    led.close()
    res = run(book, "import", "--format", "json", "--person", "alex", str(f))
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["files"][0]["imported"] == 0
    led = Ledger.open(book)
    assert [r[0] for r in led.conn.execute(f"SELECT {FILE_OPTIONS} FROM files ORDER BY id")] == [
        None, '{"person": "alex"}']
    led.close()


def _ids_by_scan(led: Ledger, table: str) -> pl.DataFrame:
    account = {"events": "account", "payroll": "plan"}.get(table)
    return (led.read(table).group_by("person", pl.col(account).alias("account") if account else
                                      pl.lit(None, dtype=pl.String).alias("account"), "source_file")
            .agg(pl.len().cast(pl.Int64).alias("rows")).sort(pl.all()))


def test_each_segment_keeps_its_ids_and_the_migration_fills_them_in(make_book):
    """Version 5 keeps each segment's (person, account) with row counts: they equal what reading the
    rows gives, for new segments and for those a version-4 ledger held (filled in on opening)."""
    from mbr_ledger.core.schema import TABLES
    from mbr_ledger.ledger.schema import FILE_OPTIONS, SEGMENT_IDS

    book = make_book(name="ids")
    assert run(book, "import", *sorted(str(p) for p in SAMPLE.glob("*.csv"))).exit_code == 0
    led = Ledger.open(book)
    want = {t: _ids_by_scan(led, t) for t in TABLES}
    for t in TABLES:
        assert led.ids(t).sort(pl.all()).equals(want[t]), t
    with led.write() as conn:
        conn.execute(f"ALTER TABLE files DROP COLUMN {FILE_OPTIONS}")
        conn.execute(f"DROP TABLE {SEGMENT_IDS}")
        conn.execute("ALTER TABLE segments DROP COLUMN digest")
        conn.execute("PRAGMA user_version=4")
    led.close()
    led = Ledger.open(book)
    assert led.conn.execute(f"SELECT count(*) FROM {SEGMENT_IDS}").fetchone()[0] == \
        led.conn.execute("SELECT count(*) FROM segments").fetchone()[0]
    for t in TABLES:
        assert led.ids(t).sort(pl.all()).equals(want[t]), t
    led.close()
