"""The same file (same SHA-256) imported again with other options: refused, saying how it was
imported before; with the same options it adds nothing, as always."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from pathlib import Path

import pytest

from conftest import run

FIX = Path(__file__).resolve().parent / "fixtures" / "real"
HISTORY = FIX / "netbenefits-history.csv"


@pytest.fixture
def real_book(make_book):  # type: ignore[no-untyped-def]
    return make_book((FIX / "profile.toml").read_text(encoding="utf-8"), name="real")


def _digest(book: Path) -> str:
    return hashlib.sha256((book / "ledger.sqlite").read_bytes()).hexdigest()


def _imported(res) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    f = json.loads(res.stdout)["files"][0]
    return f["imported"], f["duplicates"]


def _events(book: Path) -> int:
    conn = sqlite3.connect(book / "ledger.sqlite")
    try:
        return int(conn.execute("SELECT coalesce(sum(rows), 0) FROM segments WHERE table_name = 'events'")
                   .fetchone()[0])
    finally:
        conn.close()


def test_the_same_netbenefits_file_with_other_options_is_refused(real_book):
    first = run(real_book, "import", "--format", "json", "--source", "after_tax", str(HISTORY))
    assert first.exit_code == 0, first.stderr
    n, _ = _imported(first)
    assert n > 0 and _events(real_book) == n
    before = _digest(real_book)
    for args in (["--source", "pretax"], ["--source", "after_tax", "--plan", "beta"],
                 ["--dry-run", "--source", "pretax"]):
        res = run(real_book, "import", *args, str(HISTORY))
        assert res.exit_code == 2, (args, res.stdout, res.stderr)
        line = res.stderr.strip()
        assert len(line.splitlines()) == 1, line
        assert "Traceback" not in res.stderr
        assert str(HISTORY) in line
        assert re.search(r"already imported on \d{4}-\d\d-\d\d as netbenefits with --source after_tax; "
                         r"to import it again differently, remove it first", line), line
        assert _digest(real_book) == before
    assert _events(real_book) == n
    again = run(real_book, "import", "--format", "json", "--source", "after_tax", str(HISTORY))
    assert again.exit_code == 0, again.stderr
    assert _imported(again) == (0, n)
    assert _events(real_book) == n


def test_options_that_change_no_row_are_not_refused(real_book):
    """`--plan acme` names the plan the file's own plan name gives: the rows are the same, nothing is added."""
    first = run(real_book, "import", "--format", "json", "--source", "after_tax", str(HISTORY))
    n, _ = _imported(first)
    res = run(real_book, "import", "--format", "json", "--source", "after_tax", "--plan", "acme", str(HISTORY))
    assert res.exit_code == 0, res.stderr
    assert _imported(res) == (0, n)


def test_the_options_of_each_import_are_stored(real_book):
    assert run(real_book, "import", "--source", "after_tax", "--plan", "acme", str(HISTORY)).exit_code == 0
    conn = sqlite3.connect(real_book / "ledger.sqlite")
    try:
        (fmt, options), = conn.execute("SELECT format, options FROM files").fetchall()
    finally:
        conn.close()
    assert fmt == "netbenefits"
    assert json.loads(options) == {"plan": "acme", "source": "after_tax"}
