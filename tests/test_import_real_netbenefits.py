"""Fidelity NetBenefits history.csv: golden rows and totals to the cent, and bad input."""

from __future__ import annotations

import polars as pl
import pytest
from real_helpers import FIX, book_events, event_rows, extract, imports_idempotently, totals

from mbr_ledger.core.errors import MbrError
from mbr_ledger.core.money import from_cents

from conftest import run

HISTORY = FIX / "netbenefits-history.csv"
DOLLAR = FIX / "netbenefits-history-dollar.csv"


def test_history_rows_are_read_exactly():
    ex = extract(HISTORY, source="after_tax")
    assert ex.format == "netbenefits" and ex.problems == []
    assert event_rows(ex) == [
        ("2026-03-31", "acme", "earnings", "after_tax", "4.12", "VAN IS S&P500 IDX TR", "0.000", 5),
        ("2026-03-31", "acme", "earnings", "after_tax", "-1.07", "FID GR CO POOL CL O", "0.000", 6),
        ("2026-03-16", "acme", "contribution", "after_tax", "908.66", "VAN IS S&P500 IDX TR", "5.102", 7),
        ("2026-03-16", "acme", "contribution", "after_tax", "302.88", "FID GR CO POOL CL O", "6.421", 8),
        ("2026-02-27", "acme", "earnings", "after_tax", "12.31", "VAN IS S&P500 IDX TR", "0.069", 12),
        ("2026-02-17", "acme", "contribution", "after_tax", "908.66", "VAN IS S&P500 IDX TR", "5.215", 13),
        ("2026-02-17", "acme", "contribution", "after_tax", "302.88", "FID GR CO POOL CL O", "6.514", 14),
        ("2026-01-30", "acme", "earnings", "after_tax", "1.29", "FID GR CO POOL CL O", "0.028", 15),
        ("2026-01-07", "acme", "fee", "after_tax", "-3.78", "FID GR CO POOL CL O", "-0.081", 16),
        ("2026-01-07", "acme", "fee", "after_tax", "-0.76", "VAN IS S&P500 IDX TR", "-0.004", 17),
    ]
    # two deposits of 1,211.54; earnings 4.12 - 1.07 + 12.31 + 1.29; fees 3.78 + 0.76
    assert totals(ex.tables["events"]) == {("contribution", "after_tax"): "2423.08",
                                           ("earnings", "after_tax"): "16.65", ("fee", "after_tax"): "-4.54"}
    assert ex.tables["events"]["memo"].to_list()[:3] == ["Change in Market Value", "Change in Market Value",
                                                         "Contributions"]
    assert any("3 exchange/transfer row(s)" in n for n in ex.notes)  # 0.00 padding + exchange in/out
    assert any("1 loan row(s)" in n and "Loan Repayments" in n for n in ex.notes)


def test_dollar_variant_with_bom_crlf_and_comma_in_plan_name():
    ex = extract(DOLLAR, source="after_tax", plan="beta")
    assert ex.problems == []
    assert event_rows(ex) == [
        ("2026-09-30", "beta", "earnings", "after_tax", "2.45", "VANG TARGET RET 2050", "0.032", 5),
        ("2026-09-30", "beta", "earnings", "after_tax", "0.37", "FID STABLE VALUE", "0.370", 6),
        ("2026-09-01", "beta", "contribution", "after_tax", "1000.00", "VANG TARGET RET 2050", "13.115", 7),
        ("2026-08-17", "beta", "contribution", "after_tax", "1000.00", "VANG TARGET RET 2050", "13.274", 8),
        ("2026-07-31", "beta", "fee", "after_tax", "-6.00", "VANG TARGET RET 2050", "-0.079", 9),
        ("2026-07-16", "beta", "contribution", "after_tax", "1000.00", "VANG TARGET RET 2050", "13.408", 10),
    ]
    assert any("Balance Forward" in n for n in ex.notes)


def test_plan_found_from_plan_name_line():
    """`Plan name:,ACME CORP 401(K) PLAN   ` matches plan_name (trailing spaces and case ignored)."""
    ex = extract(HISTORY, source="after_tax")
    assert set(ex.tables["events"]["account"].to_list()) == {"acme"}


def test_source_given_as_a_recordkeeper_name():
    ex = extract(HISTORY, source="Employee After-Tax")
    assert set(ex.tables["events"]["source"].to_list()) == {"after_tax"}


def test_import_is_idempotent_and_fund_detail_is_queryable(make_book):
    book = imports_idempotently(make_book, HISTORY, "--source", "after_tax")
    ev = book_events(book)
    assert ev.height == 10
    per_fund = {f: str(from_cents(a)) for f, a in ev.group_by("fund").agg(pl.col("amount").sum()).iter_rows()}
    # S&P 500: 4.12 + 908.66 + 12.31 + 908.66 - 0.76; growth pool: -1.07 + 302.88 + 302.88 + 1.29 - 3.78
    assert per_fund == {"VAN IS S&P500 IDX TR": "1832.99", "FID GR CO POOL CL O": "602.20"}
    assert set(ev["shares"].to_list()) >= {"5.102", "-0.081"}


def test_without_source_the_import_stops_and_says_so(make_book):
    from real_helpers import PROFILE_TEXT

    book = make_book(PROFILE_TEXT)
    res = run(book, "import", str(HISTORY))
    assert res.exit_code == 2
    assert "no money-source column" in res.output and "--source" in res.output


def test_without_plan_name_or_plan_the_import_stops():
    text = "[[person]]\nid='alex'\nborn='1975-03-10'\n" + "".join(
        f"[[plan]]\nid='{p}'\nperson='alex'\nemployer='{p}'\n" for p in ("acme", "beta"))
    with pytest.raises(MbrError, match=r"give --plan \(plans: acme, beta\), or write plan_name = "
                                        r"\"ACME CORP 401\(K\) PLAN\""):
        extract(HISTORY, profile_text=text, source="after_tax")


def test_unknown_source_option():
    with pytest.raises(MbrError, match="--source Bonus: not a money source"):
        extract(HISTORY, source="Bonus")


def _write(tmp_path, rows: str):
    p = tmp_path / "history.csv"
    p.write_bytes(("Plan name:,ACME CORP 401(K) PLAN\nDate Range,01/01/2026 - 03/31/2026,,,,\n\n"
                   "Date,Investment,Transaction Type,Amount,Shares/Unit\n" + rows + "\n\"disclaimer\"\n").encode())
    return p


def test_bad_cells_are_problems_with_line_and_column(tmp_path):
    p = _write(tmp_path, '03/16/2026,FUND A,Contributions,"9O8.66","5.102"\n'
                         '02/30/2026,FUND A,Contributions,"1.00","0.010"\n'
                         '03/16/2026,FUND A,Contributions,"1.00","abc"\n'
                         '03/16/2026,FUND A,Bonus Points,"1.00","0.010"\n')
    ex = extract(p, source="after_tax")
    got = [(pr.line, pr.column, pr.message) for pr in ex.problems]
    assert got == [
        (5, "Amount", "not an amount: '9O8.66'"),
        (6, "Date", "impossible date '02/30/2026': day is out of range for month"),
        (7, "Shares/Unit", "not a number of shares: 'abc'"),
        (8, "Transaction Type", "unknown transaction type 'Bonus Points' (1 row(s)); not read (see the README, section Importing the files)"),
    ]


def test_exchange_that_does_not_net_to_zero_is_a_problem(tmp_path):
    p = _write(tmp_path, '03/02/2026,FUND A,Exchange In,"1,250.00","4.870"\n'
                         '03/02/2026,FUND B,Exchange Out,"-1,249.00","-26.502"\n')
    ex = extract(p, source="after_tax")
    assert [(pr.line, pr.column) for pr in ex.problems] == [(5, "Transaction Type")]
    assert "do not net to zero (1.00)" in ex.problems[0].message


def test_rows_of_wrong_width_are_problems(tmp_path):
    p = _write(tmp_path, '03/16/2026,FUND A,Contributions,"1.00"\n')
    ex = extract(p, source="after_tax")
    assert [(pr.line, pr.message) for pr in ex.problems] == [(5, "expected 5 fields, found 4")]


def test_not_utf8_is_an_error(tmp_path):
    p = tmp_path / "history.csv"
    p.write_bytes(b"Plan name:,ACME\nDate,Investment,Transaction Type,Amount,Shares/Unit\n"
                  b'03/16/2026,CAF\xe9 FUND,Contributions,"1.00","0.010"\n')
    with pytest.raises(MbrError, match=r"history.csv:3: not UTF-8 text: byte 0xe9"):
        extract(p, source="after_tax")
