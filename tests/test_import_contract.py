"""The contract's four input formats and every import rule of the foundation, with exact figures."""

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import SAMPLE, run

ACTIVITY = (
    "\ufeffdate,person,account,kind,source,amount,basis,destination,memo\r\n"
    '01/09/2026,alex,acme,contribution,after_tax,"$1,000.00",,,"pay, Jan 9"\r\n'
    "2026-01-10,alex,acme,earnings,after_tax,0.84,,,\r\n"
    '2026-01-12,alex,acme,conversion,after_tax,"1,000.84",1000.00,,\r\n'
    "2026-01-12,alex,acme,fee,after_tax,(2.50),,,\r\n"
    "2026-01-12,alex,acme,fee,after_tax,(2.50),,,\r\n"
    "2026-02-02,alex,beta,rollover,after_tax,$300.00,,roth_ira,\r\n"
    "2026-02-03,alex,alex-trad,contribution,nondeductible,7500,,,\r\n"
    "\r\n\r\n"
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def ledger_json(book: Path, *args: str) -> list[dict]:
    res = run(book, "ledger", "--format", "json", *args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def digest(book: Path) -> str:
    return hashlib.sha256((book / "ledger.sqlite").read_bytes()).hexdigest()


def test_real_world_text_is_read_exactly(book, tmp_path):
    f = write(tmp_path / "act.csv", ACTIVITY)
    res = run(book, "import", str(f), "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)["files"][0]
    assert (out["path"], out["format"], out["imported"], out["duplicates"]) == (str(f), "activity", 7, 0)
    rows = ledger_json(book)
    got = [(r["date"], r["account"], r["kind"], r["amount"], r["source_line"]) for r in rows]
    assert got == [
        ("2026-01-09", "acme", "contribution", "1000.00", 2),
        ("2026-01-10", "acme", "earnings", "0.84", 3),
        ("2026-01-12", "acme", "fee", "-2.50", 5),
        ("2026-01-12", "acme", "fee", "-2.50", 6),
        ("2026-01-12", "acme", "conversion", "-1000.84", 4),
        ("2026-02-02", "beta", "rollover", "-300.00", 7),
        ("2026-02-03", "alex-trad", "contribution", "7500.00", 8),
    ]
    assert rows[0]["memo"] == "pay, Jan 9"
    assert rows[5]["destination"] == "roth_ira"
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("7195.00")
    assert {r["source_file"] for r in rows} == {str(f)}


def test_reimport_adds_nothing_and_longer_file_adds_only_new_rows(book, tmp_path):
    f = write(tmp_path / "act.csv", ACTIVITY)
    assert run(book, "import", str(f)).exit_code == 0
    again = json.loads(run(book, "import", str(f), "--format", "json").stdout)["files"][0]
    assert (again["imported"], again["duplicates"]) == (0, 7)
    longer = write(tmp_path / "act2.csv", ACTIVITY.rstrip("\r\n") + "\r\n"
                   "2026-01-12,alex,acme,fee,after_tax,(2.50),,,\r\n"
                   "2026-03-01,alex,acme,contribution,after_tax,250.00,,,\r\n")
    more = json.loads(run(book, "import", str(longer), "--format", "json").stdout)["files"][0]
    assert (more["imported"], more["duplicates"]) == (2, 7)
    fees = ledger_json(book, "--kind", "fee")
    assert [r["amount"] for r in fees] == ["-2.50", "-2.50", "-2.50"]
    assert len(ledger_json(book)) == 9


def test_dry_run_counts_and_changes_nothing(book, tmp_path):
    f = write(tmp_path / "act.csv", ACTIVITY)
    before = digest(book)
    res = run(book, "import", "--dry-run", "--format", "json", str(f))
    out = json.loads(res.stdout)
    assert out["dry_run"] is True and out["files"][0]["imported"] == 7
    assert digest(book) == before
    assert ledger_json(book) == []


@pytest.mark.parametrize("body,message", [
    ("2026-01-09,alex,acme,contribution,after_tax,1.005\n", "act.csv:2: amount: more than two decimals: '1.005'"),
    ("2026-02-30,alex,acme,contribution,after_tax,1\n", "act.csv:2: date: impossible date '2026-02-30'"),
    ("2026-01-09,bob,acme,contribution,after_tax,1\n", "act.csv:2: person: unknown person 'bob'"),
    ("2026-01-09,alex,zeta,contribution,after_tax,1\n", "act.csv:2: account: unknown account 'zeta'"),
    ("2026-01-09,alex,acme,deposit,after_tax,1\n", "act.csv:2: kind: unknown kind 'deposit'"),
    ("2026-01-09,alex,acme,contribution,aftertax,1\n", "act.csv:2: source: plan rows need a source"),
    ("2026-01-09,alex,acme,rollover,after_tax,1\n", "act.csv:2: destination: a rollover needs destination"),
    ("2026-01-09,alex,acme,contribution,after_tax\n", "act.csv:2: expected 6 fields, found 5"),
    ("2026-01-09,alex,alex-trad,conversion,nondeductible,1\n", "act.csv:2: source: leave source empty"),
    ('2026-01-09,alex,acme,contribution,after_tax,"1\n', "act.csv:2: unexpected end of data"),
])
def test_bad_rows_name_file_line_column_and_change_nothing(book, tmp_path, body, message):
    good = write(tmp_path / "good.csv", "date,person,account,kind,source,amount\n"
                 "2026-01-02,alex,acme,contribution,after_tax,5\n")
    assert run(book, "import", str(good)).exit_code == 0
    before = digest(book)
    f = write(tmp_path / "act.csv", "date,person,account,kind,source,amount\n" + body)
    res = run(book, "import", str(f))
    assert res.exit_code == 2
    assert message in res.stderr, res.stderr
    assert "Traceback" not in res.output
    assert digest(book) == before


def test_header_problems(book, tmp_path):
    extra = write(tmp_path / "x.csv", "date,person,account,kind,source,amount,note\n")
    res = run(book, "import", "--from", "activity", str(extra))
    assert res.exit_code == 2 and "x.csv:1: unknown column(s): note" in res.stderr
    missing = write(tmp_path / "m.csv", "date,person,account,kind,amount\n")
    res = run(book, "import", "--from", "activity", str(missing))
    assert res.exit_code == 2 and "m.csv:1: missing column(s): source" in res.stderr
    unknown = write(tmp_path / "u.csv", "Date;Amount\n2026-01-01;5\n")
    res = run(book, "import", str(unknown))
    assert res.exit_code == 2
    assert "u.csv:1: no input format recognises this file; its first line is 'Date;Amount'" in res.stderr
    assert "payroll, activity, 1099r, w2" in res.stderr
    empty = write(tmp_path / "e.csv", "")
    assert "e.csv:1: the file is empty" in run(book, "import", str(empty)).stderr


def test_one_bad_file_stops_all_files(book, tmp_path):
    good = write(tmp_path / "good.csv", ACTIVITY)
    bad = write(tmp_path / "bad.csv", "date,person,account,kind,source,amount\n2026-01-01,alex,acme,fee,,x\n")
    before = digest(book)
    res = run(book, "import", str(good), str(bad))
    assert res.exit_code == 2
    assert digest(book) == before


def test_windows_1252_text_is_refused_with_its_line(book, tmp_path):
    f = write(tmp_path / "w.csv", "date,person,account,kind,source,amount,memo\n"
              "2026-01-02,alex,acme,contribution,after_tax,5,caf\u00e9\n", encoding="cp1252")
    res = run(book, "import", str(f))
    assert res.exit_code == 2
    assert "w.csv:2: not UTF-8 text: byte 0xe9" in res.stderr


def test_all_four_formats_from_the_sample(sample_book):
    rows = ledger_json(sample_book, "--kind", "payroll", "--year", "2025")
    by_source: dict[str, Decimal] = {}
    for r in rows:
        by_source[r["source"]] = by_source.get(r["source"], Decimal(0)) + Decimal(r["amount"])
    assert by_source == {"pretax": Decimal("31000.00"), "after_tax": Decimal("31500.00"),
                         "match": Decimal("8400.00")}
    beta = ledger_json(sample_book, "--kind", "payroll", "--account", "beta")
    totals: dict[str, Decimal] = {}
    for r in beta:
        totals[r["source"]] = totals.get(r["source"], Decimal(0)) + Decimal(r["amount"])
    assert totals == {"pretax": Decimal("6000.00"), "roth": Decimal("6000.00"),
                      "after_tax": Decimal("12000.00"), "match": Decimal("3600.00")}
    conv = ledger_json(sample_book, "--kind", "conversion", "--account", "acme", "--year", "2025")
    assert sum(Decimal(r["amount"]) for r in conv) == Decimal("-31565.65")


def test_sample_reimport_is_idempotent(sample_book):
    files = sorted(str(p) for p in SAMPLE.glob("*.csv"))
    out = json.loads(run(sample_book, "import", "--format", "json", *files).stdout)
    assert all(f["imported"] == 0 and f["duplicates"] == f["rows"] for f in out["files"])
    formats = {Path(f["path"]).name.split("-")[0]: f["format"] for f in out["files"]}
    assert formats == {"1099r": "1099r", "activity": "activity", "payroll": "payroll", "w2": "w2"}


def test_1099r_and_w2_are_stored(book, tmp_path):
    f = write(tmp_path / "r.csv", "tax_year,person,payer_account,box1,box2a,box5,box7,box2b_not_determined,form_id\n"
              "2026,alex,acme,\"15,791.56\",41.56,\"15,750.00\",g,X,ACME-1\n")
    w = write(tmp_path / "w.csv", "tax_year,person,plan,box1,box3,box12_d,box12_aa\n"
              "2025,alex,acme,179000.00,176100.00,31000.00,0\n")
    assert run(book, "import", str(f), str(w)).exit_code == 0
    from mbr_ledger.ledger import Ledger

    led = Ledger.open(book)
    r = led.frame("form_1099r").row(0, named=True)
    assert (r["box1"], r["box2a"], r["box5"], r["box7"], r["box2b_not_determined"], r["box2b_total"]) == \
        (1579156, 4156, 1575000, "G", True, False)
    w2 = led.frame("w2").row(0, named=True)
    assert (w2["tax_year"], w2["box3"], w2["box12_d"]) == (2025, 17610000, 3100000)
    led.close()
    bad = write(tmp_path / "b.csv", "tax_year,person,payer_account,box1,box2a,box5,box7\n2026,alex,acme,1,2,0,Z\n")
    res = run(book, "import", str(bad))
    assert "b.csv:2: box7: box 7 distribution code 'Z'" in res.stderr
    assert "b.csv:2: box2a: box 2a is larger than box 1" in res.stderr


def test_ledger_filters_and_summary(sample_book):
    rows = ledger_json(sample_book, "--year", "2026", "--account", "beta", "--kind", "rollover")
    assert [(r["date"], r["destination"], r["amount"]) for r in rows] == [
        ("2026-08-20", "roth_ira", "-3016.93"),
        ("2026-10-22", "roth_ira", "-3000.00"),
        ("2026-10-22", "traditional_ira", "-24.37"),
    ]
    table = run(sample_book, "ledger", "--year", "2026", "--account", "beta").stdout
    assert "Summary" in table and "-6,041.30" in table
    csv_out = run(sample_book, "ledger", "--kind", "rollover", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("date,person,account,kind,source,amount,")
    assert csv_out[1].startswith("2026-08-20,alex,beta,rollover,after_tax,-3016.93,roth_ira")
