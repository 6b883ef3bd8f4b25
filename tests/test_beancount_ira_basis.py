"""`mbr export beancount`: a traditional IRA's money in two accounts, `:Basis` (its Form 8606 basis:
nondeductible contributions, after-tax money rolled in, `prior_ira_basis`) and `:Pretax` (the rest:
deductible contributions, pre-tax money, earnings), the basis leaving with each conversion and
distribution as Form 8606 computes it (lines 10-13; Form 8606 instructions). Hand-checked figures.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core import data
from test_beancount import balances, bean_check, compare, export, load, tiny

from conftest import PROFILE

D = Decimal
TRAD = "Assets:Retirement:Alex:Alex-Trad"
ROTH = "Assets:Retirement:Alex:Alex-Roth"


def legs(entries: list[Any], line: int) -> dict[str, Decimal]:
    """The postings of the transaction of activity.csv's line `line`."""
    txn = [e for e in entries if isinstance(e, data.Transaction) and e.meta.get("source_line") == line]
    assert len(txn) == 1
    return {p.account: p.units.number for p in txn[0].postings}


def test_a_backdoor_conversion_takes_the_basis_out_of_the_basis_account(make_book: Callable[..., Path],
                                                                        tmp_path: Path) -> None:
    """7,000.00 nondeductible, 100.00 earnings, all 7,100.00 converted, 0.00 on Dec 31. Form 8606: line 5
    = 7,000; line 9 = 0 + 7,100 = 7,100; line 10 = 7,000 / 7,100 = 0.98592; line 11 = 7,100 x 0.98592 =
    7,000.03, kept within line 5: 7,000.00; line 18 taxable 100.00. The basis 7,000.00 leaves `:Basis`,
    the earnings 100.00 leave `:Pretax`: both end at zero."""
    book = tiny(make_book, tmp_path, "2026-01-05,alex,alex-trad,contribution,nondeductible,7000.00,,,,2026,\n"
                                     "2026-01-20,alex,alex-trad,earnings,,100.00,,,,,\n"
                                     "2026-01-25,alex,alex-trad,conversion,,7100.00,,,,,\n"
                                     "2026-12-31,alex,alex-trad,balance,,0.00,,,,,\n")
    path = export(book, tmp_path)
    bean_check(path)
    got = compare(book, path, None)
    entries = load(path)
    assert legs(entries, 2) == {f"{TRAD}:Basis": D("7000.00"),
                                "Equity:Contributions:Alex:Alex-Trad:Nondeductible": D("-7000.00")}
    assert legs(entries, 3) == {f"{TRAD}:Pretax": D("100.00"),
                                "Income:Retirement:Earnings:Alex:Alex-Trad": D("-100.00")}
    assert legs(entries, 4) == {f"{TRAD}:Basis": D("-7000.00"), f"{TRAD}:Pretax": D("-100.00"), ROTH: D("7100.00")}
    assert (got[f"{TRAD}:Basis"], got[f"{TRAD}:Pretax"], got[ROTH]) == (D("0.00"), D("0.00"), D("7100.00"))
    assert TRAD not in got  # every leg on the IRA is on one of its two parts


def test_money_left_in_the_ira_keeps_its_share_of_the_basis(make_book: Callable[..., Path],
                                                            tmp_path: Path) -> None:
    """The pro-rata rule: 7,000.00 nondeductible, 7,000.00 converted, 3,000.00 of pre-tax money rolled in
    from the plan and on the Dec 31 balance (with 10.00 earnings): line 9 = 3,010 + 7,000 = 10,010; line
    10 = 7,000 / 10,010 = 0.699300... -> 0.69930; line 11 = 7,000 x 0.69930 = 4,895.10 leaves the basis,
    2,104.90 stays (line 14). `:Pretax` keeps 3,010.00 - 2,104.90 = 905.10: the account is 3,010.00."""
    rows = ("2026-01-05,alex,alex-trad,contribution,nondeductible,7000.00,,,,2026,\n"
            "2026-01-10,alex,alex-trad,conversion,,7000.00,,,,,\n"
            "2026-03-02,alex,acme,contribution,pretax,3000.00,,,,,\n"
            "2026-06-01,alex,acme,rollover,pretax,3000.00,,,traditional_ira,,\n"
            "2026-07-01,alex,alex-trad,earnings,,10.00,,,,,\n"
            "2026-12-31,alex,alex-trad,balance,,3010.00,,,,,\n")
    book = tiny(make_book, tmp_path, rows)
    path = export(book, tmp_path)
    bean_check(path)
    got = compare(book, path, None)
    entries = load(path)
    assert legs(entries, 3) == {f"{TRAD}:Basis": D("-4895.10"), f"{TRAD}:Pretax": D("-2104.90"), ROTH: D("7000.00")}
    assert legs(entries, 5) == {"Assets:Retirement:Alex:Acme:Pretax": D("-3000.00"), f"{TRAD}:Pretax": D("3000.00")}
    assert (got[f"{TRAD}:Basis"], got[f"{TRAD}:Pretax"]) == (D("2104.90"), D("905.10"))
    # --year 2026 opens nothing before it and books the same.
    year = balances(load(export(book, tmp_path, "--year", "2026", name="y.beancount")))
    assert (year[f"{TRAD}:Basis"], year[f"{TRAD}:Pretax"]) == (D("2104.90"), D("905.10"))


PRIOR = PROFILE.replace('born = "1975-03-10"', 'born = "1975-03-10"\nprior_ira_basis = "1000.00"')


def test_basis_from_before_the_ledger_and_a_distribution(make_book: Callable[..., Path], tmp_path: Path) -> None:
    """prior_ira_basis 1,000.00 (Form 8606 line 2), moved from `:Pretax` to `:Basis` on the first balance
    row; the statement's 4,000.00 on Dec 31, 2025 is beyond the ledger's rows (`:Unbooked`). 2026: a
    1,000.00 distribution, 3,000.00 left on Dec 31: line 9 = 3,000 + 1,000 = 4,000; line 10 = 1,000 /
    4,000 = 0.25000; line 12 = 1,000 x 0.25 = 250.00 of basis out with the distribution (line 15c: 750.00
    taxable); line 14 = 750.00 carried. `:Basis` + `:Pretax` = -1,000.00, the ledger's rows."""
    rows = ("2025-12-31,alex,alex-trad,balance,,4000.00,,,,,\n"
            "2026-03-01,alex,alex-trad,distribution,,1000.00,,,,,\n"
            "2026-12-31,alex,alex-trad,balance,,3000.00,,,,,\n")
    book = tiny(make_book, tmp_path, rows, PRIOR)
    path = export(book, tmp_path)
    bean_check(path)
    got = compare(book, path, None)
    entries = load(path)
    assert legs(entries, 3) == {f"{TRAD}:Basis": D("-250.00"), f"{TRAD}:Pretax": D("-750.00"),
                                "Equity:Distributions:Alex:Alex-Trad": D("1000.00")}
    prior = [e for e in entries if isinstance(e, data.Transaction) and e.meta.get("mbr_profile") == "prior_ira_basis"]
    assert len(prior) == 1 and str(prior[0].date) == "2025-12-31"
    assert {p.account: p.units.number for p in prior[0].postings} == {f"{TRAD}:Basis": D("1000.00"),
                                                                      f"{TRAD}:Pretax": D("-1000.00")}
    assert got[f"{TRAD}:Basis"] == D("750.00")
    assert got[f"{TRAD}:Unbooked"] == D("4000.00") and got[f"{TRAD}:Pretax"] == D("-1750.00")
    assert "; Ledger rows as transactions: 1; balance rows as assertions: 2 " in path.read_text(encoding="utf-8")
