"""Corrective distributions (activity kind `corrective` with a `reason`): import and storage, the
expected Forms 1099-R, the Form 1040 amounts by year and the 402(g) audit they close.

Rules cited: Instructions for Forms 1099-R and 5498, "Corrective Distributions" and the box 7 codes
(8: taxable in the year of the form; P: taxable in the prior year; E: EPCRS; J: Roth IRA); Pub. 525
"Excess deferrals" (an excess refunded by April 15 is income for the year deferred, its earnings
for the year paid; not refunded by then, it is taxed twice); Pub. 590-A "Excess contributions
withdrawn by due date of return" (section 408(d)(4)).
"""

from __future__ import annotations

import json

import polars as pl

from mbr_ledger.ledger import store
from mbr_ledger.ledger.store import Ledger

from conftest import run

HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo,reason,completed"

PROFILE = """
[[person]]
id = "kim"
born = "1980-05-01"
filing_status = "single"

[[plan]]
id = "acme"
person = "kim"
employer = "Acme Corp"

[[plan]]
id = "beta"
person = "kim"
employer = "Beta Labs"

[[ira]]
id = "kim-trad"
person = "kim"
type = "traditional"

[[ira]]
id = "kim-roth"
person = "kim"
type = "roth"
"""


def _book(make_book, tmp_path, *lines: str, name: str = "book"):
    book = make_book(PROFILE, name=name)
    f = tmp_path / f"{name}-activity.csv"
    f.write_text("\n".join([HEADER, *lines]) + "\n")
    res = run(book, "import", str(f))
    assert res.exit_code == 0, res.output
    return book


# ------------------------------------------------------------------ import, validation, storage


def test_corrective_rows_import_with_reason_and_show_in_mbr_ledger(make_book, tmp_path):
    book = _book(make_book, tmp_path, "2026-04-10,kim,acme,corrective,pretax,1050.00,1000.00,,,2025,,402g,")
    res = run(book, "ledger", "--format", "json")
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.stdout)
    assert (row["kind"], row["reason"], row["amount"], row["for_year"], row["completed"]) == (
        "corrective", "402g", "-1050.00", 2025, None)  # money leaving the plan: negative
    res = run(book, "ledger", "--kind", "corrective", "--format", "csv")
    assert res.stdout.splitlines()[0].endswith(",reason,completed")
    assert res.stdout.splitlines()[1].endswith(",402g,")


def test_bad_corrective_rows_are_errors_naming_line_and_column(make_book, tmp_path):
    book = make_book(PROFILE)
    f = tmp_path / "bad.csv"
    f.write_text("\n".join([
        HEADER,
        "2026-04-10,kim,acme,corrective,pretax,1050.00,1000.00,,,2025,,,",           # no reason
        "2026-04-10,kim,acme,corrective,pretax,1050.00,1000.00,60.00,,2025,,402g,",  # 1000 + 60 != 1050
        "2026-04-10,kim,kim-trad,corrective,,700.00,,,,2025,,402g,",                  # plan reason on an IRA
        "2026-04-10,kim,acme,corrective,pretax,700.00,,,,,,adp,",                     # no for_year, no split
        "2026-04-10,kim,acme,corrective,pretax,700.00,700.00,,,2027,,adp,",           # for_year after the date
        "2026-04-10,kim,acme,corrective,pretax,700.00,700.00,,,2025,,oops,",          # unknown reason
        "2026-04-10,kim,acme,contribution,pretax,700.00,,,,,,402g,",                  # reason on a contribution
    ]) + "\n")
    before = (book / "ledger.sqlite").read_bytes()
    res = run(book, "import", str(f))
    assert res.exit_code == 2
    err = res.stderr
    assert "bad.csv:2: reason: a corrective row needs a reason" in err
    assert "bad.csv:3: taxable: basis + taxable is not the amount" in err
    assert "bad.csv:4: reason: reason '402g' is for plans; 'kim-trad' is an IRA" in err
    assert "bad.csv:5: for_year: a corrective row needs for_year" in err
    assert "bad.csv:5: taxable: a corrective row needs taxable (its earnings) or basis" in err
    assert "bad.csv:6: for_year: for_year 2027 is after the year of the date" in err
    assert "bad.csv:7: reason: unknown reason 'oops'" in err
    assert "bad.csv:8: reason: reason is only for corrective rows" in err
    assert (book / "ledger.sqlite").read_bytes() == before


def test_a_version_5_book_opens_and_gains_the_new_columns_empty(make_book, tmp_path):
    """A ledger written before `reason` and `completed` existed (schema 5): its segments are written
    again with the two columns empty; every row reads the same and a re-import adds nothing."""
    lines = ["2026-01-05,kim,acme,contribution,after_tax,500.00,,,,,,,",
             "2026-02-01,kim,kim-trad,contribution,nondeductible,7000.00,,,,2025,,,"]
    book = _book(make_book, tmp_path, *lines)
    led = Ledger.open(book)
    want = led.frame("events")
    with led.write() as conn:
        for seg, data in conn.execute("SELECT id, data FROM segments WHERE table_name = 'events'").fetchall():
            df = store._from_blob(data).drop("reason", "completed")
            conn.execute("UPDATE segments SET data = ? WHERE id = ?", (store._to_blob(df), seg))
        conn.execute("PRAGMA user_version=5")
    led.close()
    led = Ledger.open(book)
    assert led.schema_version() == 6
    got = led.frame("events")
    assert got.equals(want)
    assert got["reason"].null_count() == 2 and got["completed"].dtype == pl.Date
    led.close()
    res = run(book, "import", "--format", "json", str(tmp_path / "book-activity.csv"))
    assert json.loads(res.stdout)["files"][0]["imported"] == 0
