"""Voya transaction history CSV: preamble with a TAB and quoted newlines, money sources, transfers."""

from __future__ import annotations

import pytest
from real_helpers import FIX, PROFILE_TEXT, book_events, event_rows, extract, imports_idempotently, totals

from mbr_ledger.core.errors import MbrError

VOYA = FIX / "voya-history.csv"
SP, FX = "0899 Vanguard 500 Index Fund Adm", "4062 Voya Fixed Account (4062)"
HEAD = ('"771234 ACME CORP 401(K) PLAN "\r\nDate Range :\t01/01/2026 - 03/31/2026\r\n"\n"\r\n"\n"\r\n'
        'Activity Date,Activity,Fund,Money Source,"# of Units",Unit Price,Amount\r\n')


def write(tmp_path, rows: list[str]):
    p = tmp_path / "11.14.2025-03.31.2026.csv"
    p.write_bytes((HEAD + "".join(r + "\r\n" for r in rows)).encode())
    return p


def test_rows_are_read_exactly():
    ex = extract(VOYA)
    assert ex.format == "voya" and ex.problems == []
    assert event_rows(ex) == [
        ("2026-01-30", "acme", "fee", "pretax", "-0.12", SP, "-0.0002", 10),
        ("2026-01-30", "acme", "fee", "match", "-0.03", SP, "-0.0001", 11),
        ("2026-01-30", "acme", "fee", "roth", "-0.05", SP, "-0.0001", 12),
        ("2026-01-22", "acme", "conversion", "after_tax", "-1211.54", None, None, 13),
        ("2026-01-21", "acme", "contribution", "pretax", "1200.00", SP, "2.0335", 17),
        ("2026-01-21", "acme", "contribution", "pretax", "800.00", FX, "31.4626", 18),
        ("2026-01-21", "acme", "contribution", "after_tax", "726.92", SP, "1.2318", 19),
        ("2026-01-21", "acme", "contribution", "after_tax", "484.62", FX, "19.0592", 20),
        ("2026-01-21", "acme", "contribution", "match", "193.85", SP, "0.3285", 21),
        ("2026-01-21", "acme", "contribution", "match", "129.23", FX, "5.0824", 22),
        ("2026-01-07", "acme", "conversion", "after_tax", "-1211.54", None, None, 23),
        ("2026-01-06", "acme", "contribution", "pretax", "1200.00", SP, "2.0571", 27),
        ("2026-01-06", "acme", "contribution", "pretax", "800.00", FX, "31.4765", 28),
        ("2026-01-06", "acme", "contribution", "after_tax", "726.92", SP, "1.2461", 29),
        ("2026-01-06", "acme", "contribution", "after_tax", "484.62", FX, "19.0677", 30),
        ("2026-01-06", "acme", "contribution", "match", "193.85", SP, "0.3323", 31),
        ("2026-01-06", "acme", "contribution", "match", "129.23", FX, "5.0846", 32),
    ]
    # per check: pre-tax 2,000.00, after-tax 1,211.54, match 323.08; each after-tax deposit converted
    assert totals(ex.tables["events"]) == {
        ("contribution", "after_tax"): "2423.08", ("contribution", "match"): "646.16",
        ("contribution", "pretax"): "4000.00", ("conversion", "after_tax"): "-2423.08",
        ("fee", "match"): "-0.03", ("fee", "pretax"): "-0.12", ("fee", "roth"): "-0.05"}
    memos = ex.tables["events"]["memo"].to_list()
    assert memos[0] == "OTHER (Employee PreTax)"
    assert memos[3] == "in-plan Roth conversion read from 2 row(s) of TRANSFER"
    assert ex.notes == [
        "2 exchange/transfer row(s) between funds were left out (they net to 0.00 per date and source: "
        "no contribution, no basis moved)",
        "2026-01-07: transfers from after_tax into roth (1211.54) read as an in-plan Roth conversion",
        "2026-01-22: transfers from after_tax into roth (1211.54) read as an in-plan Roth conversion",
        "3 OTHER row(s) read as fees when negative and earnings when positive",
    ]


def test_import_is_idempotent(make_book):
    book = imports_idempotently(make_book, VOYA)
    assert totals(book_events(book))[("contribution", "pretax")] == "4000.00"


def test_unknown_money_source_stops_with_the_line_to_add(tmp_path):
    p = write(tmp_path, [f"2026-01-06,CONTRIBUTION,{SP},Employee Voluntary,1.0000,10.000000,10.00",
                         f"2026-01-06,CONTRIBUTION,{SP},Employee Voluntary,1.0000,10.000000,10.00",
                         f"2026-01-06,CONTRIBUTION,{SP},Bonus Bucket,1.0000,10.000000,10.00"])
    text = PROFILE_TEXT.replace('plan_name = "ACME CORP 401(K) PLAN"',
                                'plan_name = "ACME CORP 401(K) PLAN"\nsource_names = { "Employee PreTax" = "pretax" }')
    with pytest.raises(MbrError) as err:
        extract(p, profile_text=text)
    msg = str(err.value)
    assert '"Bonus Bucket": 1 row(s), first at line 10' in msg
    assert '"Employee Voluntary": 2 row(s), first at line 8' in msg
    assert 'under the [[plan]] with id = "acme"' in msg
    assert msg.index('"Employee Voluntary": 2') < msg.index('"Bonus Bucket": 1')  # in the file's order
    assert msg.endswith('  source_names = { "Employee PreTax" = "pretax", "Employee Voluntary" = "after_tax", '
                        '"Bonus Bucket" = "CHOOSE" }')


def test_plan_source_names_win_over_the_table(tmp_path):
    p = write(tmp_path, [f"2026-01-06,CONTRIBUTION,{SP},Employee PreTax,1.0000,10.000000,10.00"])
    text = PROFILE_TEXT.replace('plan_name = "ACME CORP 401(K) PLAN"',
                                'plan_name = "ACME CORP 401(K) PLAN"\nsource_names = { "Employee PreTax" = "roth" }')
    assert event_rows(extract(p, profile_text=text))[0][3] == "roth"


def test_plan_line_without_plan_number_matches(tmp_path):
    p = write(tmp_path, [f"2026-01-06,CONTRIBUTION,{SP},Employee PreTax,1.0000,10.000000,10.00"])
    text = PROFILE_TEXT.replace('plan_name = "ACME CORP 401(K) PLAN"', 'plan_name = "771234 ACME CORP 401(K) PLAN"')
    assert event_rows(extract(p, profile_text=text))[0][1] == "acme"


def test_transfer_between_sources_that_is_no_conversion_is_a_problem(tmp_path):
    p = write(tmp_path, [f"2026-02-10,TRANSFER,{SP},Employee PreTax,-1.0000,10.000000,-10.00",
                         f"2026-02-10,TRANSFER,{SP},Safe Harbor Match,1.0000,10.000000,10.00"])
    ex = extract(p)
    assert [(pr.line, pr.column) for pr in ex.problems] == [(8, "Activity"), (9, "Activity")]
    assert "the TRANSFER rows of 2026-02-10 in source pretax do not net to zero (-10.00)" in ex.problems[0].message
    assert "in source match do not net to zero (10.00)" in ex.problems[1].message


def test_empty_money_source_and_bad_date(tmp_path):
    p = write(tmp_path, [f"2026-01-06,CONTRIBUTION,{SP},,1.0000,10.000000,10.00",
                         f"01/06/26,CONTRIBUTION,{SP},Employee PreTax,1.0000,10.000000,10.00"])
    ex = extract(p)
    assert [(pr.line, pr.column, pr.message) for pr in ex.problems] == [
        (8, "Money Source", "the money source is empty"),
        (9, "Activity Date", "not a date (YYYY-MM-DD or MM/DD/YYYY): '01/06/26'"),
    ]


def test_empty_money_source_takes_the_source_option(tmp_path):
    p = write(tmp_path, [f"2026-01-06,CONTRIBUTION,{SP},,1.0000,10.000000,10.00"])
    assert event_rows(extract(p, source="after_tax"))[0][3] == "after_tax"


def test_header_only_file_imports_nothing(tmp_path):
    ex = extract(write(tmp_path, []))
    assert ex.problems == [] and ex.tables["events"].height == 0
