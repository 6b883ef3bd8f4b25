"""Rows whose person, plan or IRA is no longer in mbr.toml (an id renamed after importing): every
command that reads the ledger warns on stderr, naming the ids, how many rows and the files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import PROFILE, SAMPLE, run

ACTIVITY = SAMPLE / "activity-acme-2026.csv"
PAYROLL = SAMPLE / "payroll-acme-2026.csv"
IRA = SAMPLE / "activity-ira.csv"
READERS = [("audit", "--year", "2026"), ("ledger",), ("worksheet", "8606", "--year", "2026"),
           ("worksheet", "lots", "--year", "2026"), ("capacity", "--year", "2026", "--person", "alex")]


def _rows(book: Path, table: str, **where: str) -> int:
    import polars as pl

    from mbr_ledger.ledger.store import Ledger

    led = Ledger.open(book)
    try:
        return led.read(table).filter(*[pl.col(c) == v for c, v in where.items()]).height
    finally:
        led.close()


@pytest.fixture
def filled(make_book):  # type: ignore[no-untyped-def]
    book = make_book((SAMPLE / "mbr.toml").read_text(encoding="utf-8"), name="sample")
    res = run(book, "import", str(ACTIVITY), str(PAYROLL), str(IRA))
    assert res.exit_code == 0, res.stderr
    return book


def _warnings(res) -> list[str]:  # type: ignore[no-untyped-def]
    return [line for line in res.stderr.splitlines() if line.startswith("warning:")]


def test_no_warning_when_every_id_is_in_the_profile(filled):
    for args in READERS:
        res = run(filled, *args)
        assert res.exit_code in (0, 1), (args, res.stderr)
        assert _warnings(res) == [], (args, res.stderr)


def test_a_renamed_plan_is_named_with_its_rows_and_files(filled):
    toml = filled / "mbr.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'id = "acme"' in text
    toml.write_text(text.replace('id = "acme"', 'id = "acme-corp"'), encoding="utf-8")
    events = _rows(filled, "events", account="acme")
    payroll = _rows(filled, "payroll", plan="acme")
    assert events and payroll
    for args in READERS:
        res = run(filled, *args)
        assert "Traceback" not in res.stderr
        got = _warnings(res)
        assert len(got) == 1, (args, res.stderr)
        line = got[0]
        assert "acme" in line and "not in mbr.toml" in line, line
        assert f"{events + payroll:,} ledger row" in line, line
        assert str(ACTIVITY) in line and str(PAYROLL) in line, line
        assert str(IRA) not in line, line


def test_a_renamed_person_is_named_once(filled):
    toml = filled / "mbr.toml"
    text = toml.read_text(encoding="utf-8")
    persons = [line for line in text.splitlines() if line.startswith("id = ") and "person" not in line]
    assert persons
    new = text.replace('person = "alex"', 'person = "sam"').replace('id = "alex"', 'id = "sam"')
    toml.write_text(new, encoding="utf-8")
    n = _rows(filled, "events", person="alex") + _rows(filled, "payroll", person="alex")
    res = run(filled, "audit", "--year", "2026")
    got = _warnings(res)
    assert len(got) == 1, res.stderr
    assert "person alex" in got[0] and f"{n:,} ledger row" in got[0], got[0]


def test_json_on_stdout_is_unchanged_by_the_warning(filled):
    before = run(filled, "ledger", "--format", "json")
    toml = filled / "mbr.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[[ira]]\nid = "spare"\nperson = "alex"\ntype = "roth"\n',
                    encoding="utf-8")
    after = run(filled, "ledger", "--format", "json")
    assert after.stdout == before.stdout
    json.loads(after.stdout)


def test_many_orphans_take_a_few_lines(make_book, tmp_path):
    book = make_book(PROFILE)
    head = "date,person,account,kind,source,amount"
    f = tmp_path / "many.csv"
    f.write_text(head + "\n" + "".join(f"2026-01-{d:02d},alex,acme,contribution,after_tax,5\n" for d in range(1, 9)))
    assert run(book, "import", str(f)).exit_code == 0
    profile = PROFILE.replace('id = "alex"', 'id = "kim"').replace('person = "alex"', 'person = "kim"')
    (book / "mbr.toml").write_text(profile, encoding="utf-8")
    res = run(book, "ledger")
    got = _warnings(res)
    assert 1 <= len(got) <= 6, res.stderr
