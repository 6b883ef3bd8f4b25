"""`mbr ledger`'s summary totals are exact however many rows they add: 9,300 contributions of the
largest amount accepted (10,000,000,000,000.00, core.money.MAX_AMOUNT) add up to
93,000,000,000,000,000.00, past what Int64 cents hold (about 92,233,720,368,547,758.07), never
wrapped."""

from __future__ import annotations

from conftest import run

ROWS = 9_300


def test_summary_total_past_int64_is_exact(book, tmp_path):
    src = tmp_path / "big.csv"
    lines = ["date,person,account,kind,source,amount"]
    lines += [f"2026-01-{1 + i % 28:02d},alex,acme,contribution,after_tax,10000000000000.00" for i in range(ROWS)]
    lines += ["2026-02-01,alex,acme,contribution,pretax,10000000000000.00",
              "2026-02-02,alex,acme,contribution,pretax,-9999999999999.99"]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run(book, "import", str(src))
    assert res.exit_code == 0, res.output
    res = run(book, "ledger", "--year", "2026")
    assert res.exit_code == 0, res.output
    summary = res.stdout.split("Summary", 1)[1].splitlines()
    after = next(ln for ln in summary if " after_tax " in ln).split()
    pretax = next(ln for ln in summary if " pretax " in ln).split()
    # after-tax: 9,300 x 10^13 = 9.3 x 10^16 dollars; pre-tax: 10^13 - (10^13 - 0.01) = 0.01
    assert after[4:6] == ["0.00", "93,000,000,000,000,000.00"], after
    assert pretax[4:6] == ["0.00", "0.01"], pretax


def test_summary_of_cents_is_exact_past_int64():
    """The same sum on integer cents (the store's unit): 9,300 x 10^15 cents = 9.3 x 10^18 cents,
    past Int64's 9,223,372,036,854,775,807, exact (Int128), never wrapped to a negative."""
    import datetime as dt

    import polars as pl

    from mbr_ledger.ledger.queries import summary

    df = pl.DataFrame({"date": [dt.date(2026, 1, 1)] * ROWS, "person": "alex", "account": "acme",
                       "source": "after_tax", "kind": "contribution", "amount": [10**15] * ROWS},
                      schema_overrides={"amount": pl.Int64})
    assert df["amount"].sum() < 0  # what Int64 does: it wraps
    (row,) = summary(df).iter_rows(named=True)
    assert row["contributions"] == 9_300_000_000_000_000_000 and row["payroll"] == 0


def test_exchanges_that_sum_to_two_to_the_64_cents_do_not_net_to_zero(make_book, tmp_path):
    """18,446 'Exchange In' rows of 10,000,000,000,000.00 and one of 7,440,737,095,516.16 add up to
    2^64 cents = 184,467,440,737,095,516.16: Int64 would wrap that to exactly 0 and leave all 18,447
    rows out as an exchange netting to zero; the net is exact, so it is a problem naming the rows."""
    from real_helpers import FIX

    head = ("Plan name:,ACME CORP 401(K) PLAN\nDate Range,01/01/2026 - 12/31/2026,,,,\n\n"
            "Date,Investment,Transaction Type,Amount,Shares/Unit\n")
    rows = ['03/02/2026,FID 500 INDEX,Exchange In,"10,000,000,000,000.00","1.0"'] * 18_446
    rows.append('03/02/2026,FID 500 INDEX,Exchange In,"7,440,737,095,516.16","1.0"')
    assert 18_446 * 10**15 + 744_073_709_551_616 == 2**64
    p = tmp_path / "history.csv"
    p.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    book = make_book((FIX / "profile.toml").read_text(encoding="utf-8"))
    res = run(book, "import", "--plan", "acme", "--source", "after_tax", str(p))
    assert res.exit_code == 2, res.output
    assert (f"{p}:5: Transaction Type: the Exchange In rows of 2026-03-02 in source after_tax do not net to zero "
            f"(184467440737095516.16)") in res.stderr
