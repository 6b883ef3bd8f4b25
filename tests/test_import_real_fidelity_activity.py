"""Fidelity.com Activity & Orders CSV: the workplace-plan rows, exactly; brokerage rows left out."""

from __future__ import annotations

import pytest
from real_helpers import FIX, PROFILE_TEXT, book_events, event_rows, extract, imports_idempotently, totals

from mbr_ledger.core.errors import MbrError

ACTIVITY = FIX / "fidelity-activity.csv"
HEADER18 = ("Run Date,Account,Account Number,Action,Symbol,Description,Type,Exchange Quantity,Exchange Currency,"
            "Currency,Price,Quantity,Exchange Rate,Commission,Fees,Accrued Interest,Amount,Settlement Date\n")


def test_workplace_rows_are_read_exactly():
    ex = extract(ACTIVITY, plan="acme", source="after_tax")
    assert ex.format == "fidelity-activity" and ex.problems == []
    assert event_rows(ex) == [
        ("2026-03-31", "acme", "earnings", "after_tax", "9.87", "FID 500 INDEX", "0.045", 2),
        ("2026-03-16", "acme", "contribution", "after_tax", "811.73", "FID 500 INDEX", "3.702", 3),
        ("2026-03-16", "acme", "contribution", "after_tax", "399.81", "FID EMERGING MKTS K", "11.891", 4),
        ("2026-03-02", "acme", "contribution", "after_tax", "811.73", "FID 500 INDEX", "3.811", 7),
        ("2026-03-02", "acme", "contribution", "after_tax", "399.81", "FID EMERGING MKTS K", "12.044", 8),
        ("2026-02-27", "acme", "fee", "after_tax", "-6.25", "FID 500 INDEX", "-0.028", 9),
    ]
    assert totals(ex.tables["events"]) == {("contribution", "after_tax"): "2423.08",
                                           ("earnings", "after_tax"): "9.87", ("fee", "after_tax"): "-6.25"}
    assert "2 brokerage row(s) (not a workplace plan) were left out" in ex.notes


def test_import_is_idempotent(make_book):
    book = imports_idempotently(make_book, ACTIVITY, "--plan", "acme", "--source", "after_tax")
    assert book_events(book).height == 6


def test_account_name_matches_plan_name(tmp_path):
    text = PROFILE_TEXT.replace('plan_name = "ACME CORP 401(K) PLAN"', 'plan_name = "Retirement Pln"')
    ex = extract(ACTIVITY, profile_text=text, source="after_tax")
    assert set(ex.tables["events"]["account"].to_list()) == {"acme"}


def test_eighteen_column_layout(tmp_path):
    p = tmp_path / "Accounts_History.csv"
    p.write_bytes(b"\xef\xbb\xbf" + (HEADER18 +
        '12/31/2026,"RETIREMENT PLN","12345","Contributions",,"FID EMERGING MKTS K",,,,,0.692,,,,,,34.52,\n'
        '12/03/2026,"IRA Account","111111111","DIVIDEND RECEIVED VANGUARD BD INDEX FDS TOTAL BND MRKT (BND) (Cash)",'
        'BND,"VANGUARD BD INDEX FDS TOTAL BND MRKT",Cash,0,,USD,,0.000,0,,,,713.08,\n'
        '12/03/2026,"CMA","444444444","DIRECT DEPOSIT XXXX ACH DEPOSIT (Cash)", ,"No Description",Cash,0,,USD,,'
        '0.000,0,,,,8613.36,\n\n\n\nDate downloaded 12/31/2026 3:00 pm').encode())
    ex = extract(p, plan="acme", source="after_tax")
    assert event_rows(ex) == [("2026-12-31", "acme", "contribution", "after_tax", "34.52", "FID EMERGING MKTS K",
                               "0.692", 2)]
    assert "2 brokerage row(s) (not a workplace plan) were left out" in ex.notes


def test_several_workplace_accounts_need_plan_names(tmp_path):
    p = tmp_path / "activity.csv"
    p.write_text(HEADER18 +
                 '12/31/2026,"ACME 401K","1","Contributions",,"FUND A",,,,,0.692,,,,,,34.52,\n'
                 '12/31/2026,"BETA 401K","2","Contributions",,"FUND B",,,,,0.692,,,,,,34.52,\n', encoding="utf-8")
    with pytest.raises(MbrError, match=r"several workplace accounts \(ACME 401K \(1\), BETA 401K \(2\)\)"):
        extract(p, plan="acme", source="after_tax")
    text = (PROFILE_TEXT.replace('plan_name = "ACME CORP 401(K) PLAN"', 'plan_name = "ACME 401K"')
            .replace('plan_name = "BETA LABS 401(K) SAVINGS PLAN"', 'plan_name = "BETA 401K"'))
    ex = extract(p, profile_text=text, source="after_tax")
    assert [(r[1], r[4]) for r in event_rows(ex)] == [("acme", "34.52"), ("beta", "34.52")]


def test_bad_amount_and_unknown_word(tmp_path):
    p = tmp_path / "activity.csv"
    p.write_text(HEADER18 +
                 '12/31/2026,"RETIREMENT PLN","1","Contributions",,"FUND A",,,,,0.692,,,,,,3x.52,\n'
                 '12/31/2026,"RETIREMENT PLN","1","Forfeiture",,"FUND A",,,,,0.692,,,,,,1.00,\n', encoding="utf-8")
    ex = extract(p, plan="acme", source="after_tax")
    assert [(pr.line, pr.column) for pr in ex.problems] == [(2, "Amount"), (3, "Action")]
    assert "unknown transaction type 'Forfeiture'" in ex.problems[1].message


def test_missing_price_column(tmp_path):
    p = tmp_path / "activity.csv"
    p.write_text("Run Date,Account,Account Number,Action,Symbol,Description,Quantity,Amount\n", encoding="utf-8")
    with pytest.raises(MbrError, match=r"activity.csv:1: missing column\(s\): Price"):
        extract(p, plan="acme", source="after_tax")
