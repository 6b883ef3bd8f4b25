"""`mbr export beancount`: the files pass `bean-check`, every account's balance is the ledger's to the
cent, and the after-tax basis and earnings are the lots engine's (hand-checked on small books).

The pro-rata split of a move out of the after-tax source is IRC section 72(e)(8) and Notice 2014-54
(the lots engine's rule); a Beancount `balance` checks the balance at the start of its day
(Beancount's documentation, "Balance Assertions"), so a `balance` row, the value at the end of its
day, is asserted the day after.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import data

from mbr_ledger.book.export import component
from mbr_ledger.profile import load_profile
from mbr_ledger.render.beancount import quote

from conftest import PROFILE, ROOT, person_year, run

BEAN_CHECK = Path(sys.executable).parent / "bean-check"
HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"
D = Decimal
SOURCES = {"pretax": "Pretax", "roth": "Roth", "match": "Match", "nonelective": "Nonelective"}


def export(book: Path, tmp_path: Path, *args: str, name: str = "out.beancount") -> Path:
    out = tmp_path / name
    res = run(book, "export", "beancount", *args, "--out", str(out))
    assert res.exit_code == 0, res.output + res.stderr
    assert res.stdout.strip() == str(out)
    return out


def bean_check(path: Path) -> None:
    got = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True, timeout=120)
    assert got.returncode == 0, got.stdout + got.stderr
    assert got.stdout.strip() == "" and got.stderr.strip() == ""


def load(path: Path) -> list[Any]:
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    return entries  # type: ignore[no-any-return]


def balances(entries: list[Any]) -> dict[str, Decimal]:
    """Each account's own postings added up (its sub-accounts not included)."""
    out: dict[str, Decimal] = defaultdict(lambda: D("0.00"))
    for e in entries:
        if isinstance(e, data.Transaction):
            for p in e.postings:
                assert p.units.currency == "USD"
                out[p.account] += p.units.number
    return dict(out)


def ledger_json(book: Path, person: str | None = None) -> list[dict[str, Any]]:
    res = run(book, "ledger", "--format", "json", *(["--person", person] if person else []))
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)  # type: ignore[no-any-return]


def expected_assets(book: Path, rows: list[dict[str, Any]], through: int | None) -> dict[str, Decimal]:
    """What every Assets account must hold, from the ledger's rows (`mbr ledger --format json`, the rows
    its summary adds up per account and source), money moved between accounts counted on both sides:
    an IRR lands in the plan's Roth source, an IRA conversion in the person's first Roth IRA, a
    rollover in the person's first IRA of its destination's type. A plan's after-tax source is the
    sum of its `Basis` and `Earnings` accounts (key `...:AfterTax`)."""
    prof = load_profile(book / "mbr.toml")
    plans = {p.id for p in prof.plans}
    out: dict[str, Decimal] = defaultdict(lambda: D("0.00"))

    def asset(person: str, account: str, source: str | None) -> str:
        base = f"Assets:Retirement:{component(person)}:{component(account)}"
        if account in plans and source:
            return base + ":" + (SOURCES.get(source) or "AfterTax")
        return base

    def ira(person: str, types: tuple[str, ...], leaving: str) -> str:
        found = [i for i in prof.iras_of(person, *types) if i.id != leaving]
        if not found:
            return f"Assets:Retirement:{component(person)}:Unlisted-{'Roth' if types == ('roth',) else 'Traditional'}-IRA"
        return asset(person, found[0].id, None)

    known = plans | {i.id for i in prof.iras}
    for r in rows:
        if r["kind"] in ("payroll", "balance") or (through and int(r["date"][:4]) > through) \
                or r["account"] not in known:
            continue
        amt = D(r["amount"])
        out[asset(r["person"], r["account"], r["source"])] += amt
        if r["kind"] == "conversion":
            to = asset(r["person"], r["account"], "roth") if r["account"] in plans else \
                ira(r["person"], ("roth",), r["account"])
            out[to] -= amt
        elif r["kind"] in ("rollover", "recharacterization"):
            types = ("roth",) if r["destination"] == "roth_ira" else ("traditional",)
            out[ira(r["person"], types, r["account"])] -= amt
    return dict(out)


def compare(book: Path, path: Path, through: int | None, person: str | None = None) -> dict[str, Decimal]:
    """Every Assets account of the export against the ledger, exact to the cent (the `:Unbooked` accounts
    aside: they hold what the statements show beyond the ledger's rows). Returns the export's balances."""
    got = balances(load(path))
    want = expected_assets(book, ledger_json(book, person), through)
    prof = load_profile(book / "mbr.toml")  # a traditional IRA is the sum of its Basis and Pretax accounts
    traditional = {f"Assets:Retirement:{component(i.person)}:{component(i.id)}" for i in prof.iras
                   if i.type in ("traditional", "sep", "simple")}
    seen = defaultdict(lambda: D("0.00"))
    for account, amount in got.items():
        if not account.startswith("Assets:") or account.endswith(":Unbooked"):
            continue
        parent = account.rsplit(":", 1)[0]
        split = account.endswith((":AfterTax:Basis", ":AfterTax:Earnings")) or (
            parent in traditional and account.endswith((":Basis", ":Pretax")))
        seen[parent if split else account] += amount
    assert {k: v for k, v in seen.items() if v} == {k: v for k, v in want.items() if v}
    return got


def compare_summary(book: Path, path: Path, year: int, person: str | None = None) -> None:
    """The income, expense and equity accounts of a `--year` export against `mbr ledger`'s summary of that
    year (`ledger.queries.summary`, its table of totals per person, account and source), to the cent:
    contributions, earnings, fees and distributions each in their counter-account, and no other."""
    from mbr_ledger.book.book import Book
    from mbr_ledger.ledger.queries import ledger_rows, summary

    with Book.open(book) as b:
        table = summary(ledger_rows(b.store, year=year, person=person))
        plans = {p.id for p in b.profile.plans}
    want: dict[str, Decimal] = defaultdict(lambda: D("0.00"))
    roots = {"contributions": None, "earnings": "Income:Retirement:Earnings", "fees": "Expenses:Retirement:Fees",
             "distributed": "Equity:Distributions"}
    for r in table.iter_rows(named=True):
        for col, root in roots.items():
            if not r[col]:
                continue
            top = root or ("Income:Payroll" if r["account"] in plans else "Equity:Contributions")
            name = f"{top}:{component(r['person'])}:{component(r['account'])}"
            if r["source"]:
                name += ":" + {"after_tax": "AfterTax", **SOURCES}.get(r["source"], component(r["source"]))
            want[name] -= D(r[col]).scaleb(-2)
    got = {a: v for a, v in balances(load(path)).items()
           if a.startswith(("Income:Payroll:", "Equity:Contributions:", "Income:Retirement:Earnings:",
                            "Expenses:Retirement:Fees:", "Equity:Distributions:"))}
    assert want and {a: v for a, v in got.items() if v} == {a: v for a, v in want.items() if v}


# ------------------------------------------------------------------ the sample household


@pytest.mark.parametrize("year", [None, 2025, 2026])
def test_sample_export_passes_bean_check_and_equals_the_ledger(sample_book: Path, tmp_path: Path,
                                                               year: int | None) -> None:
    args = ["--year", str(year)] if year else []
    path = export(sample_book, tmp_path, *args)
    bean_check(path)
    got = compare(sample_book, path, year)
    if year:
        compare_summary(sample_book, path, year)
    # Hand figures, sample_data/README.md ("Activity totals" and the IRA story).
    if year in (None, 2026):
        assert got["Assets:Retirement:Alex:Beta:AfterTax:Basis"] == D("5000.00")       # 11,000 - 6,000 rolled out
        assert got["Assets:Retirement:Alex:Beta:AfterTax:Earnings"] == D("41.15")      # 11.52 + 29.63 left
        # The Dec 31 balance row's 24.87: Form 8606 2026 line 14 basis 8,600.00 - 8,575.21 (line 11: 8,605.41 x
        # 8,600 / 8,630.28 = 0.99649) = 24.79, and 0.08 of the rest (24.37 rolled in + 5.41 + 0.50 earnings
        # - the conversion's taxable 30.20).
        assert got["Assets:Retirement:Alex:Alex-Trad:Basis"] == D("24.79")
        assert got["Assets:Retirement:Alex:Alex-Trad:Pretax"] == D("0.08")
        # 8,003.12 + 8,605.41 conversions, 3,016.93 + 3,000.00 Beta rollovers
        assert got["Assets:Retirement:Alex:Alex-Roth"] == D("22625.46")
        assert got["Assets:Retirement:Alex:Acme:Roth"] == D("47357.21")                # 31,565.65 + 15,791.56 IRRs
        assert got["Assets:Retirement:Alex:Beta:Roth"] == D("6000.00")
    if year == 2026:
        assert got["Income:Payroll:Alex:Beta:AfterTax"] == D("-11000.00")  # one 1,000.00 deposit never arrived
        assert got["Income:Payroll:Alex:Acme:AfterTax"] == D("-15750.00")
        # Opening balances: 2025's rows (31,000 + 8,400 + 31,565.65 + 8,003.12).
        assert got["Equity:Opening-Balances:Alex"] == D("-78968.77")
    if year == 2025:
        assert got["Assets:Retirement:Alex:Acme:AfterTax:Basis"] == D("0.00")
        assert got["Assets:Retirement:Alex:Acme:AfterTax:Earnings"] == D("0.00")
        assert got["Income:Retirement:Earnings:Alex:Acme:AfterTax"] == D("-65.65")
        assert got["Assets:Retirement:Alex:Alex-Roth"] == D("8003.12")
        assert "Equity:Opening-Balances:Alex" not in got  # nothing before 2025


def test_sample_rollovers_split_basis_and_earnings_as_the_lots_engine(sample_book: Path, tmp_path: Path) -> None:
    """Beta's 2026-08-20 rollover of 3,016.93 is 3,000.00 basis and 16.93 earnings; the split rollover of
    2026-10-22 sends its 24.37 of earnings to the traditional IRA and 3,000.00 of basis to the Roth IRA
    (Notice 2014-54; sample_data/README.md)."""
    entries = load(export(sample_book, tmp_path, "--year", "2026"))
    by_line = {(e.meta["source_file"].rsplit("/", 1)[-1], int(e.meta["source_line"])): e
               for e in entries if isinstance(e, data.Transaction) and "source_line" in e.meta}

    def legs(line: int) -> dict[str, Decimal]:
        return {p.account: p.units.number for p in by_line[("activity-beta-2026.csv", line)].postings}

    beta = "Assets:Retirement:Alex:Beta:AfterTax"
    assert legs(16) == {f"{beta}:Basis": D("-3000.00"), f"{beta}:Earnings": D("-16.93"),
                        "Assets:Retirement:Alex:Alex-Roth": D("3016.93")}
    assert legs(35) == {f"{beta}:Basis": D("-3000.00"), "Assets:Retirement:Alex:Alex-Roth": D("3000.00")}
    assert legs(34) == {f"{beta}:Earnings": D("-24.37"), "Assets:Retirement:Alex:Alex-Trad:Pretax": D("24.37")}
    ira = by_line[("activity-ira.csv", 6)]  # the 2026 nondeductible contribution names its tax year
    assert ira.meta["for_year"] == 2026 and ira.meta["source_line"] == 6
    # every transaction carries its ledger row; the counts are in the header
    text = (tmp_path / "out.beancount").read_text(encoding="utf-8")
    assert "; Ledger rows as transactions: 128; balance rows as assertions: 2 " in text
    assert "; Payroll rows left out: 87 (the pay-stub deductions mbr ledger --kind payroll lists)" in text


def test_sample_balance_rows_are_asserted_the_day_after(sample_book: Path, tmp_path: Path) -> None:
    entries = load(export(sample_book, tmp_path))
    checks = [(e.date, e.account, e.amount.number) for e in entries if isinstance(e, data.Balance)]
    assert checks == [(dt.date(2026, 1, 1), "Assets:Retirement:Alex:Alex-Trad", D("0.00")),
                      (dt.date(2027, 1, 1), "Assets:Retirement:Alex:Alex-Trad", D("24.87"))]
    assert not any(isinstance(e, data.Transaction) and "unbooked" in e.tags for e in entries)


def test_stdout_without_out_and_the_same_bytes(sample_book: Path, tmp_path: Path) -> None:
    res = run(sample_book, "export", "beancount", "--year", "2025")
    assert res.exit_code == 0
    assert res.stdout == export(sample_book, tmp_path, "--year", "2025").read_text(encoding="utf-8")
    assert run(sample_book, "export", "beancount", "--year", "2025").stdout == res.stdout  # byte-stable


# ------------------------------------------------------------------ tiny books, figures by hand

TINY = """
2026-03-02,alex,acme,contribution,after_tax,1000.00,,,,,payroll
2026-03-05,alex,acme,earnings,after_tax,10.00,,,,,"He said ""hi"" \\ back"
2026-03-06,alex,acme,conversion,after_tax,505.00,,,,,half of it
"""


def tiny(make_book: Callable[..., Path], tmp_path: Path, rows: str, profile: str = PROFILE) -> Path:
    book = make_book(profile)
    f = tmp_path / "activity.csv"
    f.write_text(HEADER + rows.strip() + "\n", encoding="utf-8")
    res = run(book, "import", str(f))
    assert res.exit_code == 0, res.output + res.stderr
    return book


def test_tiny_partial_conversion_is_split_pro_rata(make_book: Callable[..., Path], tmp_path: Path) -> None:
    """1,000.00 basis + 10.00 earnings; an IRR of 505.00 takes 505 x 1,000 / 1,010 = 500.00 of basis and
    5.00 of earnings (IRC 72(e)(8)): left 500.00 basis and 5.00 earnings, 505.00 in the Roth source."""
    book = tiny(make_book, tmp_path, TINY)
    path = export(book, tmp_path)
    bean_check(path)
    got = compare(book, path, None)
    at = "Assets:Retirement:Alex:Acme:AfterTax"
    assert got[f"{at}:Basis"] == D("500.00")
    assert got[f"{at}:Earnings"] == D("5.00")
    assert got["Assets:Retirement:Alex:Acme:Roth"] == D("505.00")
    assert got["Income:Retirement:Earnings:Alex:Acme:AfterTax"] == D("-10.00")
    assert got["Income:Payroll:Alex:Acme:AfterTax"] == D("-1000.00")
    memo = [e for e in load(path) if isinstance(e, data.Transaction) and e.date == dt.date(2026, 3, 5)][0]
    assert memo.narration == 'earnings after_tax: He said "hi" \\ back'  # the memo back exactly


IRA_DAY = """
2026-01-05,alex,alex-trad,contribution,nondeductible,7000.00,,,,2026,backdoor
2026-01-10,alex,alex-trad,conversion,,7000.00,,,,,to alex-roth
2026-01-10,alex,alex-trad,balance,,0.00,,,,,after the conversion
2026-12-31,alex,alex-trad,balance,,12.34,,,,,year-end value
"""


def test_balance_row_on_the_day_of_a_conversion_and_a_value_beyond_the_ledger(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    """The 0.00 of 2026-01-10 is the value after that day's 7,000.00 conversion: asserted on 2026-01-11
    it holds, on 2026-01-10 (the start of the day, 7,000.00) it would not. The Dec 31 value 12.34 is not
    in the ledger's rows (0.00): 12.34 is booked to Alex-Trad:Unbooked, and the assertion of 2027-01-01 holds."""
    book = tiny(make_book, tmp_path, IRA_DAY)
    path = export(book, tmp_path)
    bean_check(path)
    entries = load(path)
    checks = [(e.date, e.amount.number) for e in entries if isinstance(e, data.Balance)]
    assert checks == [(dt.date(2026, 1, 11), D("0.00")), (dt.date(2027, 1, 1), D("12.34"))]
    got = compare(book, path, None)
    assert got["Assets:Retirement:Alex:Alex-Trad:Unbooked"] == D("12.34")
    assert got["Income:Retirement:Unbooked:Alex:Alex-Trad"] == D("-12.34")
    assert got["Assets:Retirement:Alex:Alex-Roth"] == D("7000.00")
    text = path.read_text(encoding="utf-8")
    assert "; Balance rows the ledger's rows do not add up to: 1; " in text
    early = tmp_path / "early.beancount"
    early.write_text(text.replace("2026-01-11 balance", "2026-01-10 balance"), encoding="utf-8")
    _, errors, _ = loader.load_file(str(early))
    assert len(errors) == 1 and "Balance failed" in errors[0].message
    res = run(book, "export", "beancount")
    assert "warning: Balance rows the ledger's rows do not add up to: 1; " in res.stderr


CARRIED = """
2025-11-03,alex,acme,contribution,after_tax,2000.00,,,,,payroll
2025-12-31,alex,acme,earnings,after_tax,20.00,,,,,year-end dividend
2026-02-02,alex,acme,conversion,after_tax,1010.00,,,,,IRR of half
2026-02-03,alex,acme,earnings,after_tax,0.00,,,,,nothing earned
"""


def test_year_opens_with_the_lots_engines_dec31_basis_and_earnings(make_book: Callable[..., Path],
                                                                   tmp_path: Path) -> None:
    """2,000.00 contributed and 20.00 earned in 2025 stay in the plan: `--year 2026` opens with them on
    2025-12-31, the engine's Dec 31 figures. The IRR of 1,010.00 takes 1,010 x 2,000 / 2,020 = 1,000.00 of
    basis and 10.00 of earnings (IRC 72(e)(8)); a 0.00 row is a transaction of zeros."""
    book = tiny(make_book, tmp_path, CARRIED)
    path = export(book, tmp_path, "--year", "2026")
    bean_check(path)
    entries = load(path)
    opening = [e for e in entries if isinstance(e, data.Transaction) and e.date == dt.date(2025, 12, 31)]
    at = "Assets:Retirement:Alex:Acme:AfterTax"
    assert len(opening) == 1
    assert {p.account: p.units.number for p in opening[0].postings} == {
        f"{at}:Basis": D("2000.00"), f"{at}:Earnings": D("20.00"), "Equity:Opening-Balances:Alex": D("-2020.00")}
    dec31 = person_year(book, 2025).history.plans["acme"].unconverted(2025)
    assert (dec31.basis, dec31.earnings) == (D("2000.00"), D("20.00"))
    got = compare(book, path, 2026)
    assert (got[f"{at}:Basis"], got[f"{at}:Earnings"]) == (D("1000.00"), D("10.00"))
    assert got["Assets:Retirement:Alex:Acme:Roth"] == D("1010.00")
    zero = [e for e in entries if isinstance(e, data.Transaction) and e.date == dt.date(2026, 2, 3)][0]
    assert [p.units.number for p in zero.postings] == [D("0.00"), D("0.00")]
    # 2025 alone: nothing moved yet, no opening transaction
    got25 = balances(load(export(book, tmp_path, "--year", "2025", name="y2025.beancount")))
    assert (got25[f"{at}:Basis"], got25[f"{at}:Earnings"]) == (D("2000.00"), D("20.00"))
    assert "Equity:Opening-Balances:Alex" not in got25


TWO = PROFILE + """
[[person]]
id = "sam"
born = "1980-01-01"

[[ira]]
id = "sam-roth"
person = "sam"
type = "roth"

[[ira]]
id = "sam-trad"
person = "sam"
type = "traditional"
"""


def test_two_persons_keep_their_own_accounts(make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = tiny(make_book, tmp_path, "2026-01-05,alex,alex-trad,contribution,nondeductible,7500.00,,,,2026,\n"
                                     "2026-01-06,sam,sam-trad,contribution,nondeductible,7000.00,,,,2026,\n"
                                     "2026-01-09,sam,sam-trad,conversion,,7000.00,,,,,\n", TWO)
    path = export(book, tmp_path)
    bean_check(path)
    got = compare(book, path, None)
    assert got["Assets:Retirement:Alex:Alex-Trad:Basis"] == D("7500.00")
    # sam's Form 8606: line 6 = 0, line 10 = 1, so all of the 7,000.00 basis leaves with the conversion.
    assert got["Assets:Retirement:Sam:Sam-Trad:Basis"] == D("0.00")
    assert "Assets:Retirement:Sam:Sam-Trad:Pretax" not in got  # no leg of 0.00
    assert got["Assets:Retirement:Sam:Sam-Roth"] == D("7000.00")  # sam's conversion lands in sam's Roth IRA
    assert "Assets:Retirement:Alex:Alex-Roth" not in got
    one = balances(load(export(book, tmp_path, "--person", "sam", name="sam.beancount")))
    assert not any(":Alex" in a for a in one)


KINDS_PROFILE = """
[[person]]
id = "alex"
born = "1975-03-10"

[[plan]]
id = "acme"
person = "alex"
employer = "Acme Corp"

[[plan]]
id = "old"
person = "alex"
employer = "Old Co"

[[ira]]
id = "alex-roth"
person = "alex"
type = "roth"
"""
KINDS = """date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo,reason
2026-01-05,alex,acme,contribution,after_tax,3000.00,,,,,,
2026-01-05,alex,acme,contribution,pretax,5000.00,,,,,,
2026-01-05,alex,old,contribution,pretax,10.00,,,,,,
2026-02-01,alex,acme,earnings,after_tax,30.00,,,,,,
2026-02-02,alex,acme,fee,after_tax,3.00,,,,,,
2026-03-02,alex,acme,distribution,after_tax,1000.00,,,,,cash out,
2026-03-03,alex,acme,corrective,pretax,500.00,,20.00,,2026,402g refund,402g
2026-04-01,alex,acme,rollover,pretax,1000.00,,,traditional_ira,,to an IRA not in mbr.toml,
2026-04-02,alex,alex-roth,contribution,roth,7000.00,,,,2026,,
2026-04-10,alex,alex-roth,recharacterization,,7000.00,,,traditional_ira,2026,,
2026-06-30,alex,acme,balance,after_tax,2100.00,,,,,,
2026-06-30,alex,acme,balance,,5600.00,,,,,,
"""


def test_every_kind_and_a_plan_balance_by_source(make_book: Callable[..., Path], tmp_path: Path) -> None:
    """By hand: the after-tax source holds 3,000.00 basis + 30.00 earnings - 3.00 fee = 3,027.00; the
    1,000.00 distribution takes 1,000 x 3,000 / 3,027 = 991.08 of basis and 8.92 of earnings (IRC 72(e)(8)).
    Left: 2,008.92 + 18.08 = 2,027.00; the statement's 2,100.00 for the source books 73.00 Unbooked. The
    plan's 5,600.00 is then exactly 2,100.00 + the pre-tax 5,000 - 500 corrective - 1,000 rolled out: no
    second booking. With no traditional IRA in mbr.toml the rollover and the recharacterization land in
    Unlisted-Traditional-IRA. The rows of a plan no longer in mbr.toml are left out, counted."""
    book = make_book(KINDS_PROFILE)
    f = tmp_path / "kinds.csv"
    f.write_text(KINDS, encoding="utf-8")
    assert run(book, "import", str(f)).exit_code == 0
    toml = book / "mbr.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('id = "old"', 'id = "older"'), encoding="utf-8")
    path = export(book, tmp_path)
    bean_check(path)
    got = compare(book, path, None)
    at = "Assets:Retirement:Alex:Acme:AfterTax"
    assert (got[f"{at}:Basis"], got[f"{at}:Earnings"], got[f"{at}:Unbooked"]) == (D("2008.92"), D("18.08"), D("73.00"))
    assert got["Equity:Distributions:Alex:Acme:AfterTax"] == D("1000.00")
    assert got["Expenses:Retirement:Fees:Alex:Acme:AfterTax"] == D("3.00")
    assert got["Equity:Corrective-Distributions:Alex:Acme:Pretax"] == D("500.00")
    assert got["Assets:Retirement:Alex:Acme:Pretax"] == D("3500.00")
    assert got["Assets:Retirement:Alex:Unlisted-Traditional-IRA"] == D("8000.00")
    assert got["Assets:Retirement:Alex:Alex-Roth"] == D("0.00")
    checks = {e.account: e.amount.number for e in load(path) if isinstance(e, data.Balance)}
    assert checks == {at: D("2100.00"), "Assets:Retirement:Alex:Acme": D("5600.00")}
    text = path.read_text(encoding="utf-8")
    assert "; Ledger rows as transactions: 9; balance rows as assertions: 2 " in text
    assert "; Rows of account 'old' left out: 1 (it is not a plan or IRA in mbr.toml)." in text
    assert not any(":Old" in a for a in got)


def test_two_values_for_one_account_and_day_are_not_asserted(make_book: Callable[..., Path],
                                                             tmp_path: Path) -> None:
    """Two statements giving alex-trad 100.00 and 90.00 at the end of one day cannot both hold: neither is
    asserted (and nothing is booked for them), the header and stderr name both rows."""
    book = tiny(make_book, tmp_path, "2026-03-02,alex,alex-trad,contribution,nondeductible,100.00,,,,2026,\n"
                                     "2026-03-31,alex,alex-trad,balance,,100.00,,,,,\n"
                                     "2026-03-31,alex,alex-trad,balance,,90.00,,,,,\n")
    path = export(book, tmp_path)
    bean_check(path)
    entries = load(path)
    assert not [e for e in entries if isinstance(e, data.Balance)]
    assert balances(entries)["Assets:Retirement:Alex:Alex-Trad:Basis"] == D("100.00")
    assert not any(a.endswith(":Unbooked") for a in balances(entries))
    res = run(book, "export", "beancount")
    assert ("warning: Balance rows giving Assets:Retirement:Alex:Alex-Trad different values on 2026-03-31, "
            "not asserted: ") in res.stderr
    assert "activity.csv:3" in res.stderr and "activity.csv:4" in res.stderr


def test_colliding_ids_get_distinct_accounts(make_book: Callable[..., Path], tmp_path: Path) -> None:
    """Plans `a-b` and `a_b` would both be `A-B`: each gets its digest added, never one account."""
    profile = PROFILE + '\n[[plan]]\nid = "a-b"\nperson = "alex"\nemployer = "X"\n' \
                        '\n[[plan]]\nid = "a_b"\nperson = "alex"\nemployer = "Y"\n'
    book = tiny(make_book, tmp_path, "2026-02-02,alex,a-b,contribution,pretax,1.00,,,,,\n"
                                     "2026-02-02,alex,a_b,contribution,pretax,2.00,,,,,\n", profile)
    path = export(book, tmp_path)
    bean_check(path)
    got = balances(load(path))
    pretax = sorted((a, v) for a, v in got.items() if a.startswith("Assets:") and a.endswith(":Pretax"))
    assert [v for _, v in pretax] == [D("1.00"), D("2.00")] or [v for _, v in pretax] == [D("2.00"), D("1.00")]
    assert len({a for a, _ in pretax}) == 2 and all(a.split(":")[3].startswith("A-B-") for a, _ in pretax)
    assert "would be shared with another id" in path.read_text(encoding="utf-8")


def test_account_components_and_strings() -> None:
    assert component("alex-trad") == "Alex-Trad"
    assert component("acme_401k") == "Acme-401k"
    assert component("401k") == "401k"
    assert component("日本").startswith("Id-") and len(component("日本")) == 11
    assert quote('a"b\\c\nd\te\x01') == '"a\\"b\\\\c\\nd\\te\ufffd"'


def test_empty_book_says_so(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "empty.beancount"
    res = run(book, "export", "beancount", "--out", str(out))
    assert res.exit_code == 0
    assert "no ledger rows to export" in res.stderr
    assert "No ledger rows to show: this file holds no transactions." in out.read_text(encoding="utf-8")
    bean_check(out)


def test_out_a_folder_and_an_unknown_person_exit_2(sample_book: Path, tmp_path: Path) -> None:
    res = run(sample_book, "export", "beancount", "--out", str(tmp_path))
    assert res.exit_code == 2 and "Traceback" not in res.output
    res = run(sample_book, "export", "beancount", "--person", "nobody")
    assert res.exit_code == 2 and "unknown person" in res.stderr
    assert not list(tmp_path.glob(".*.tmp"))


# ------------------------------------------------------------------ the bench book's first person


def test_bench_book_first_person(make_book: Callable[..., Path], tmp_path: Path) -> None:
    """bench/run.py's generated book, small: its plan `balance` rows are random statement values, so
    the difference from the ledger's rows is booked to `:Unbooked` and the assertions still hold."""
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # its dataclasses look their module up
    try:
        spec.loader.exec_module(bench)
    finally:
        sys.modules.pop(spec.name, None)
    gen = bench.generate(tmp_path / "bench", 6700)  # 2015 whole and the first 2016 rows of its first person
    book = make_book((tmp_path / "bench" / "mbr.toml").read_text(encoding="utf-8"), name="benchbook")
    res = run(book, "import", str(tmp_path / "bench" / "activity.csv"), str(tmp_path / "bench" / "payroll.csv"))
    assert res.exit_code == 0, res.stderr
    first = gen.persons[0]
    path = export(book, tmp_path, "--person", first)
    bean_check(path)
    got = compare(book, path, None, first)
    compare_summary(book, export(book, tmp_path, "--person", first, "--year", "2015", name="y2015.beancount"),
                    2015, first)
    entries = load(path)
    # Each assertion holds its statement value: the rows before its day plus the Unbooked bookings.
    checks = [e for e in entries if isinstance(e, data.Balance)]
    assert len(checks) == 4  # Dec 31, 2015: both plans and the traditional IRA; Dec 31, 2016: the IRA (its rows come first)
    for c in checks:
        held = sum((p.units.number for e in entries if isinstance(e, data.Transaction) and e.date < c.date
                    for p in e.postings if p.account == c.account or p.account.startswith(c.account + ":")),
                   D("0.00"))
        assert held == c.amount.number, c
    assert sum(1 for e in entries if isinstance(e, data.Transaction) and "unbooked" in e.tags) == 2
    assert any(a.endswith(":Unbooked") for a in got)
