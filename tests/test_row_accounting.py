"""Every row accounted for: for every input format, `mbr import` reports per file the data rows
read = rows imported + duplicates + rows left out (each left-out group with its reason and first
line), on generated files (hypothesis) whose rows the test counts itself as it writes them.

Each generator writes a file of random rows and says how many it wrote, how many must be imported
and how many must be left out (zero amounts, loans, exchanges that net to zero, brokerage rows,
the Roth legs of a conversion, ...). The file is imported into a new ledger, then again (every
row a duplicate, the same rows left out)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from real_helpers import FIX

from mbr_ledger.book.importing import FileResult, import_files
from mbr_ledger.importers import ImportContext
from mbr_ledger.ledger.store import Ledger
from mbr_ledger.profile import load_profile

from conftest import run

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PROFILE = FIX / "profile.toml"


@dataclass
class Written:
    """A generated file and what the test expects of it, counted while it was written."""

    text: str
    name: str
    read: int
    imported: int
    left_out: int


def cents_text(c: int, commas: bool = False) -> str:
    sign = "-" if c < 0 else ""
    whole, part = divmod(abs(c), 100)
    return f"{sign}{whole:,}.{part:02d}" if commas else f"{sign}{whole}.{part:02d}"


amounts = st.integers(min_value=1, max_value=5_000_000)   # cents: 0.01 .. 50,000.00
days = st.integers(min_value=0, max_value=360)


def day(n: int) -> dt.date:
    return dt.date(2026, 1, 1) + dt.timedelta(days=n)


def account(files: list[Written], **ctx: Any) -> tuple[list[FileResult], list[FileResult]]:
    """Import the files into a new ledger twice: the results of the first and second import."""
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp)
        paths = []
        for w in files:
            p = book / w.name
            p.write_text(w.text, encoding="utf-8")
            paths.append(p)
        led = Ledger.create(book)
        try:
            ictx = ImportContext(load_profile(PROFILE), **ctx)
            first = import_files(led, paths, ictx)
            again = import_files(led, paths, ictx)
        finally:
            led.close()
    return first, again


def check(files: list[Written], **ctx: Any) -> None:
    first, again = account(files, **ctx)
    for w, r, r2 in zip(files, first, again, strict=True):
        left = sum(g.rows for g in r.left_out)
        assert r.read == w.read, (r.read, w.read, r.left_out)
        assert r.read == r.imported + r.duplicates + left
        assert (r.imported, r.duplicates, left) == (w.imported, 0, w.left_out), r.left_out
        assert all(g.rows > 0 and g.reason and g.first_line >= 1 for g in r.left_out)
        # again: nothing new, every row a duplicate, the same groups left out
        assert (r2.read, r2.imported, r2.duplicates) == (w.read, 0, w.imported)
        assert r2.left_out == r.left_out


# ---------------------------------------------------------------- the contract CSVs

@st.composite
def activity_files(draw: st.DrawFn) -> Written:
    rows = draw(st.lists(st.tuples(days, st.sampled_from(["pretax", "after_tax", "roth"]), amounts),
                         min_size=1, max_size=30))
    lines = ["date,person,account,kind,source,amount"]
    lines += [f"{day(d)},alex,acme,contribution,{s},{cents_text(a)}" for d, s, a in rows]
    return Written("\n".join(lines) + "\n", "activity.csv", len(rows), len(rows), 0)


@st.composite
def payroll_files(draw: st.DrawFn) -> Written:
    rows = draw(st.lists(st.tuples(days, amounts, amounts), min_size=1, max_size=20))
    lines = ["pay_date,person,plan,gross_pay,plan_compensation,fica_wages,pretax_401k,roth_401k,"
             "after_tax_401k,employer_match"]
    for d, pay, at in rows:
        gross = pay + at
        lines.append(f"{day(d)},alex,acme,{cents_text(gross)},{cents_text(gross)},{cents_text(gross)},0.00,0.00,"
                     f"{cents_text(at)},0.00")
    return Written("\n".join(lines) + "\n", "payroll.csv", len(rows), len(rows), 0)


@given(activity_files(), payroll_files())
@SETTINGS
def test_contract_csvs_account_for_every_row(activity, payroll):
    check([activity, payroll])


# ---------------------------------------------------------------- fund-level statement CSVs

# (row kind, NetBenefits word): what each kind of generated row is and how many rows it writes
NB_KINDS = ["contribution", "dividend", "fee", "zero", "loan", "exchange"]


@st.composite
def netbenefits_files(draw: st.DrawFn) -> Written:
    picks = draw(st.lists(st.tuples(st.sampled_from(NB_KINDS), days, amounts), min_size=1, max_size=30))
    lines = ["Plan name:,ACME CORP 401(K) PLAN", "Date Range,01/01/2026 - 12/31/2026,,,,", "",
             "Date,Investment,Transaction Type,Amount,Shares/Unit"]
    read = imported = left = 0
    for kind, d, a in picks:
        date = day(d).strftime("%m/%d/%Y")
        if kind == "exchange":  # a pair that nets to zero: both left out
            lines += [f'{date},DODGE &amp; COX STOCK X,Exchange In,"{cents_text(a, True)}","1.000"',
                      f'{date},FID GR CO POOL CL O,Exchange Out,"{cents_text(-a, True)}","-1.000"']
            read, left = read + 2, left + 2
            continue
        word, value = {"contribution": ("Contributions", a), "dividend": ("Dividend", a),
                       "fee": ("RECORDKEEPING FEE", -a), "zero": ("Contributions", 0),
                       "loan": ("Loan Repayments", a)}[kind]
        lines.append(f'{date},VAN IS S&amp;P500 IDX TR,{word},"{cents_text(value, True)}","0.100"')
        read += 1
        if kind in ("zero", "loan"):
            left += 1
        else:
            imported += 1
    return Written("\n".join(lines) + "\n\n\"disclaimer\"\n", "history.csv", read, imported, left)


@given(netbenefits_files())
@SETTINGS
def test_netbenefits_accounts_for_every_row(w):
    check([w], plan="acme", source="after_tax")


FIDELITY_HEADER = ("Run Date,Account,Account Number,Action,Symbol,Description,Type,Price ($),Quantity,"
                   "Commission ($),Fees ($),Accrued Interest ($),Amount ($),Settlement Date")


@st.composite
def fidelity_files(draw: st.DrawFn) -> Written:
    picks = draw(st.lists(st.tuples(st.sampled_from(["contribution", "fee", "zero", "brokerage"]), days, amounts),
                          min_size=1, max_size=30))
    lines = [FIDELITY_HEADER]
    imported = left = 0
    for kind, d, a in picks:
        date = day(d).strftime("%m/%d/%Y")
        if kind == "brokerage":
            lines.append(f'{date},"INDIVIDUAL","X98765432","YOU BOUGHT VANGUARD TOTAL STK MKT (VTI) (Cash)",VTI,'
                         f'"VANGUARD TOTAL STK MKT",Cash,300.12,2,,,,{cents_text(-a)},{date},')
            left += 1
            continue
        word, value = {"contribution": ("Contributions", a), "fee": ("RECORDKEEPING FEE", -a),
                       "zero": ("Transfer", 0)}[kind]
        lines.append(f'{date},"RETIREMENT PLN","12345","{word}",,"FID 500 INDEX",,1.000,,,,,{cents_text(value)},,')
        if kind == "zero":
            left += 1
        else:
            imported += 1
    return Written("\n".join(lines) + "\n", "activity-orders.csv", len(picks), imported, left)


@given(fidelity_files())
@SETTINGS
def test_fidelity_activity_accounts_for_every_row(w):
    check([w], plan="acme", source="after_tax")


VOYA_SOURCES = ["Employee PreTax", "Employee After-Tax", "ROTH", "Safe Harbor Match"]


@st.composite
def voya_files(draw: st.DrawFn) -> Written:
    """Contributions, zero rows, exchanges (same source, nets to zero) and in-plan Roth
    conversions (after-tax out of 1-3 funds, the same into the Roth source): a conversion of
    k funds is 2k rows, read as one conversion row, so 2k - 1 are left out."""
    picks = draw(st.lists(st.tuples(st.sampled_from(["contribution", "zero", "exchange", "conversion"]),
                                    st.sampled_from(VOYA_SOURCES), amounts, st.integers(1, 3)),
                          min_size=1, max_size=25))
    lines = ["\"771234 ACME CORP 401(K) PLAN \"", "Date Range :\t01/01/2026 - 12/31/2026",
             'Activity Date,Activity,Fund,Money Source,"# of Units",Unit Price,Amount']
    read = imported = left = 0
    for n, (kind, src, a, k) in enumerate(picks):
        date = day(n).isoformat()  # one date per pick: exchanges and conversions do not meet
        fund = "0899 Vanguard 500 Index Fund Adm"
        if kind == "contribution":
            lines.append(f"{date},CONTRIBUTION,{fund},{src},1.0,1.0,{cents_text(a)}")
            read, imported = read + 1, imported + 1
        elif kind == "zero":
            lines.append(f"{date},CONTRIBUTION,{fund},{src},0.0,1.0,0.00")
            read, left = read + 1, left + 1
        elif kind == "exchange":
            lines += [f"{date},TRANSFER,{fund},{src},1.0,1.0,{cents_text(a)}",
                      f"{date},TRANSFER,4062 Voya Fixed Account (4062),{src},-1.0,1.0,{cents_text(-a)}"]
            read, left = read + 2, left + 2
        else:
            for i in range(k):
                f = f"Fund {i}"
                lines += [f"{date},TRANSFER,{f},Employee After-Tax,-1.0,1.0,{cents_text(-a - i)}",
                          f"{date},TRANSFER,{f},ROTH,1.0,1.0,{cents_text(a + i)}"]
            read, imported, left = read + 2 * k, imported + 1, left + 2 * k - 1
    return Written("\n".join(lines) + "\n", "voya.csv", read, imported, left)


@given(voya_files())
@SETTINGS
def test_voya_accounts_for_every_row(w):
    check([w], plan="acme")


@st.composite
def mapped_files(draw: st.DrawFn) -> Written:
    """The [[mapping]] of tests/fixtures/real/plan-history-mapping.toml: cash receipts are
    contributions; a purchase and its cash disbursement net to zero and are left out."""
    picks = draw(st.lists(st.tuples(st.sampled_from(["receipt", "purchase", "zero"]), days, amounts),
                          min_size=1, max_size=25))
    lines = ['"Transaction Date","Investment","Contribution","Description","Activity","Price","Units","Amount",']
    read = imported = left = 0
    for kind, d, a in picks:
        date = f"{day(d).month}/{day(d).day}/2026 12:00:00 AM"
        if kind == "purchase":
            lines += [f'"{date}","Vanguard Institutional Index I","Voluntary Savings","x","Purchase","1.0","1.0",'
                      f'"{cents_text(a)}",',
                      f'"{date}","Cash","Voluntary Savings","x","Cash Disbursement","1.0","0.0","{cents_text(-a)}",']
            read, left = read + 2, left + 2
        else:
            value = a if kind == "receipt" else 0
            lines.append(f'"{date}","Cash","Voluntary Savings","x","Cash Receipts","1.0","0.0","{cents_text(value)}",')
            read += 1
            imported, left = (imported + 1, left) if value else (imported, left + 1)
    return Written("\n".join(lines) + "\n", "plan-history.csv", read, imported, left)


@given(mapped_files())
@SETTINGS
def test_mapping_accounts_for_every_row(w):
    import tomllib

    mapping = tomllib.loads((FIX / "plan-history-mapping.toml").read_text(encoding="utf-8"))["mapping"][0]
    check([w], plan="acme", mapping=mapping)


# ---------------------------------------------------------------- OFX, ADP JSON, Workday XLSX

OFX_HEAD = ('OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n'
            'COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0'
            '<SEVERITY>INFO</STATUS><DTSERVER>20260818150740<LANGUAGE>ENG<FI><ORG>Vanguard<FID>84022</FI>'
            '</SONRS></SIGNONMSGSRSV1><INVSTMTMSGSRSV1><INVSTMTTRNRS><TRNUID>0<STATUS><CODE>0<SEVERITY>INFO'
            '</STATUS><INVSTMTRS><DTASOF>20261231160000<CURDEF>USD<INVACCTFROM><BROKERID>vanguard.com'
            '<ACCTID>0123456</INVACCTFROM><INVTRANLIST><DTSTART>20260101<DTEND>20261231\n')
OFX_TAIL = ('</INVTRANLIST></INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1><SECLISTMSGSRSV1><SECLIST><MFINFO><SECINFO>'
            '<SECID><UNIQUEID>92202V351<UNIQUEIDTYPE>CUSIP</SECID><SECNAME>Target 2050<FIID>1659</SECINFO>'
            '</MFINFO></SECLIST></SECLISTMSGSRSV1></OFX>\n')


def ofx_trade(kind: str, date: str, total: str, source: str, n: int, extra: str = "") -> str:
    inner = "INVBUY" if kind == "BUYMF" else "INVSELL"
    tail = "<BUYTYPE>BUY" if kind == "BUYMF" else "<SELLTYPE>SELL"
    return (f"<{kind}><{inner}><INVTRAN><FITID>T{n}<DTTRADE>{date}<MEMO>x</INVTRAN>"
            f"<SECID><UNIQUEID>92202V351<UNIQUEIDTYPE>CUSIP</SECID><UNITS>1.0<UNITPRICE>10<TOTAL>{total}"
            f"<SUBACCTSEC>CASH<SUBACCTFUND>OTHER{extra}<INV401KSOURCE>{source}</{inner}>{tail}</{kind}>\n")


@st.composite
def ofx_files(draw: st.DrawFn) -> Written:
    """Contributions, loan repayments (LOANID), fees, and sales with no purchase (left out),
    one date per pick so that purchases and sales of one day never meet."""
    picks = draw(st.lists(st.tuples(st.sampled_from(["contribution", "loan", "fee", "sale"]),
                                    st.sampled_from(["PRETAX", "AFTERTAX", "MATCH"]), amounts),
                          min_size=1, max_size=25))
    body, imported, left = [], 0, 0
    for n, (kind, src, a) in enumerate(picks):
        date = day(n).strftime("%Y%m%d")
        if kind == "contribution":
            body.append(ofx_trade("BUYMF", date, cents_text(-a), src, n))
            imported += 1
        elif kind == "loan":
            body.append(ofx_trade("BUYMF", date, cents_text(-a), src, n, f"<LOANID>L1<LOANPRINCIPAL>{cents_text(a)}"))
            left += 1
        elif kind == "sale":
            body.append(ofx_trade("SELLMF", date, cents_text(a), src, n))
            left += 1
        else:
            body.append(f"<INVEXPENSE><INVTRAN><FITID>E{n}<DTTRADE>{date}</INVTRAN><SECID><UNIQUEID>92202V351"
                        f"<UNIQUEIDTYPE>CUSIP</SECID><TOTAL>{cents_text(-a)}<SUBACCTSEC>CASH<SUBACCTFUND>OTHER"
                        f"<INV401KSOURCE>{src}</INVEXPENSE>\n")
            imported += 1
    return Written(OFX_HEAD + "".join(body) + OFX_TAIL, "OfxDownload.qfx", len(picks), imported, left)


@given(ofx_files())
@SETTINGS
def test_vanguard_ofx_accounts_for_every_row(w):
    check([w], plan="beta")


@st.composite
def adp_files(draw: st.DrawFn) -> Written:
    """A list of ADP pay statements (the fixture's, on other dates and amounts): one row each."""
    doc = json.loads((FIX / "adp-paystatement.json").read_text(encoding="utf-8"))
    picks = draw(st.lists(st.tuples(days, amounts), min_size=1, max_size=12))
    docs = []
    for d, a in picks:
        one = json.loads(json.dumps(doc))
        one["payStatement"]["payDate"] = day(d).isoformat()
        one["payStatement"]["earnings"][0]["earningAmount"]["amountValue"] = cents_text(a + 800_000)
        docs.append(one)
    return Written(json.dumps(docs, indent=2), "statements.json", len(picks), len(picks), 0)


@given(adp_files())
@SETTINGS
def test_adp_json_accounts_for_every_row(w):
    check([w], plan="acme")


def test_workday_payslip_is_one_row_read(tmp_path):
    """A Workday payslip workbook is one pay statement: one row read, imported, then a duplicate."""
    led = Ledger.create(tmp_path)
    try:
        ictx = ImportContext(load_profile(PROFILE))
        (r,) = import_files(led, [FIX / "workday-payslip.xlsx"], ictx)
        (r2,) = import_files(led, [FIX / "workday-payslip.xlsx"], ictx)
    finally:
        led.close()
    assert (r.read, r.imported, r.duplicates, r.left_out) == (1, 1, 0, [])
    assert (r2.read, r2.imported, r2.duplicates, r2.left_out) == (1, 0, 1, [])


# ---------------------------------------------------------------- the command's output

def test_import_json_and_table_show_the_accounting(make_book):
    """NetBenefits fixture: 14 data rows (lines 5-18); 4 left out in two groups (the 0.00
    Transfers row of line 9 and the Exchange In/Out pair of lines 10-11 net to zero; the loan
    repayment of line 18), 10 imported; on the second import 10 duplicates."""
    book = make_book((FIX / "profile.toml").read_text(encoding="utf-8"))
    src = str(FIX / "netbenefits-history.csv")
    res = run(book, "import", "--format", "json", "--source", "after_tax", src)
    assert res.exit_code == 0, res.output
    (f,) = json.loads(res.stdout)["files"]
    assert {"path", "format", "sha256", "rows", "imported", "duplicates", "tables", "notes"} <= set(f)
    assert (f["read"], f["imported"], f["duplicates"], f["rows"]) == (14, 10, 0, 10)
    assert [(g["rows"], g["first_line"]) for g in f["left_out"]] == [(3, 9), (1, 18)]
    assert f["left_out"][0]["reason"].startswith("exchange/transfer row(s) between funds were left out")
    assert f["left_out"][1]["reason"] == "loan row(s): not contributions, not imported ('Loan Repayments' x1)"
    res = run(book, "import", "--source", "after_tax", src)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert any(ln.split()[-4:] == ["14", "0", "10", "4"] for ln in lines), res.stdout
    assert f"left out: {src}:18: 1 loan row(s): not contributions, not imported ('Loan Repayments' x1)" in lines


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_workday_workbook_of_two_payslips_is_refused(tmp_path, make_book):
    """Its deduction tables are one payslip's: a second Payslip Information row would be lost
    without a word, so the file is refused naming that row."""
    from openpyxl import load_workbook

    wb = load_workbook(FIX / "workday-payslip.xlsx")
    ws = wb.active
    head = next(c for row in ws.iter_rows() for c in row if c.value == "Check Date")
    first = [ws.cell(head.row + 1, c).value for c in range(1, ws.max_column + 1)]
    ws.insert_rows(head.row + 2)
    for c, v in enumerate(first, start=1):
        ws.cell(head.row + 2, c).value = v
    p = tmp_path / "two.xlsx"
    wb.save(p)
    book = make_book((FIX / "profile.toml").read_text(encoding="utf-8"))
    res = run(book, "import", str(p))
    assert res.exit_code == 2, res.output
    assert res.stderr.strip() == (f"mbr: {p}:{head.row + 2}: the 'Payslip Information' table holds 2 payslips; a "
                                  f"payslip export holds one: export each payslip on its own (nothing imported)")
