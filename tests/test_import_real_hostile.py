"""Issue 14, for the ADP, Workday and Vanguard OFX importers: no silent drops, and hostile files
(too big, too deep, zip bombs, entity expansion) refused with one line before they are parsed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from real_helpers import FIX, PROFILE_TEXT, event_rows, extract
from test_import_real_payroll import ADP, WORKDAY, adp_variant, find, payroll_rows, workday_variant
from test_import_real_vanguard_ofx import OFX_HEAD, OFX_TAIL, write

from mbr_ledger.core.errors import MbrError
from mbr_ledger.importers.real import adp, vanguard_ofx, workday

from conftest import run

PLAN_401K = 6  # index of the "401K Plan " deduction in the ADP fixture


def refused(make_book, path: Path, *args: str) -> str:
    """Import `path` into a new book: exit 2, no traceback, the ledger's bytes unchanged; the stderr."""
    book = make_book(PROFILE_TEXT)
    before = hashlib.sha256((book / "ledger.sqlite").read_bytes()).hexdigest()
    res = run(book, "import", *args, str(path))
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and res.stdout == ""
    assert hashlib.sha256((book / "ledger.sqlite").read_bytes()).hexdigest() == before
    return res.stderr


# ---------------------------------------------------------------- ADP: silent drops

def test_adp_amount_as_a_string_is_read_exactly(tmp_path):
    def edit(st):
        st["deductions"][PLAN_401K]["deductionAmount"]["amountValue"] = "-2000.00"
        st["deductions"][7]["deductionAmount"]["amountValue"] = "-1,211.54"
    ex = extract(adp_variant(tmp_path, edit), plan="acme")
    assert ex.problems == []
    assert payroll_rows(ex) == [("2026-01-02", "alex", "acme", 807692, 807692, 807692, 200000, 0, 121154, 0, 0, 3)]


def test_adp_key_spelled_codename_is_read(tmp_path):
    def edit(st):
        for d in st["deductions"]:
            d["codeName"] = d.pop("CodeName")
    ex = extract(adp_variant(tmp_path, edit), plan="acme")
    assert ex.problems == []
    assert payroll_rows(ex)[0][6:9] == (200000, 0, 121154)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_adp_nan_or_infinity_is_an_error_naming_line_and_json_path(tmp_path, token, make_book):
    p = adp_variant(tmp_path, lambda st: st["deductions"][PLAN_401K]["deductionAmount"].update(amountValue=0))
    text = p.read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, ln in enumerate(lines) if '"401K Plan' in ln) + 2
    assert '"amountValue": 0' in lines[at]
    lines[at] = lines[at].replace("0", token, 1)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    msg = (f"{p}:{at + 1}: payStatement.deductions[6].deductionAmount.amountValue: {token} is not an amount "
           f"(JSON has no NaN or Infinity); nothing imported")
    with pytest.raises(MbrError) as err:
        extract(p, plan="acme")
    assert str(err.value) == msg
    assert refused(make_book, p, "--plan", "acme").strip() == f"mbr: {msg}"


@pytest.mark.parametrize("value", [True, "two thousand", None, ["a"]])
def test_adp_unreadable_401k_amount_is_an_error(tmp_path, value):
    def edit(st):
        st["deductions"][PLAN_401K]["deductionAmount"]["amountValue"] = value
    ex = extract(adp_variant(tmp_path, edit), plan="acme")
    assert [(pr.line, pr.column) for pr in ex.problems] == [
        (3, "payStatement.deductions[6].deductionAmount.amountValue")]
    assert ex.problems[0].message.startswith(f"401K Plan: not an amount: {json.dumps(value)}")


def test_adp_unreadable_401k_amount_refuses_the_import(tmp_path, make_book):
    def edit(st):
        st["deductions"][PLAN_401K]["deductionAmount"] = {"currencyCode": "USD"}
    p = adp_variant(tmp_path, edit)
    err = refused(make_book, p, "--plan", "acme")
    assert f"{p}:3: payStatement.deductions[6].deductionAmount.amountValue: 401K Plan: not an amount: null" in err


def test_adp_unreadable_amount_of_a_line_that_is_not_plan_money_is_still_skipped(tmp_path):
    def edit(st):
        st["deductions"][5]["deductionAmount"]["amountValue"] = "n/a"  # Medical Pretax
    ex = extract(adp_variant(tmp_path, edit), plan="acme")
    assert ex.problems == [] and payroll_rows(ex)[0][6:9] == (200000, 0, 121154)


# ---------------------------------------------------------------- ADP: hostile files

def test_adp_deep_nesting_is_refused_before_parsing(tmp_path, make_book):
    p = tmp_path / "deep.json"
    p.write_text('{"payStatement": {"payDate": "2026-01-02", "x": ' + "[" * 100_000 + "]" * 100_000 + "}}",
                 encoding="utf-8")
    msg = f"{p}: JSON nested deeper than {adp.MAX_JSON_DEPTH} levels; not an ADP pay statement, not read"
    with pytest.raises(MbrError) as err:
        extract(p, plan="acme")
    assert str(err.value) == msg
    assert refused(make_book, p, "--plan", "acme").strip() == f"mbr: {msg}"


def test_adp_deep_but_allowed_nesting_is_read(tmp_path):
    def edit(st):
        st["extra"] = json.loads("[" * (adp.MAX_JSON_DEPTH - 3) + "]" * (adp.MAX_JSON_DEPTH - 3))
    assert extract(adp_variant(tmp_path, edit), plan="acme").problems == []


def test_adp_file_too_big_is_refused_before_reading(tmp_path, monkeypatch, make_book):
    assert adp.MAX_BYTES == 64 * 1024 * 1024
    size = ADP.stat().st_size
    monkeypatch.setattr(adp, "MAX_BYTES", size - 1)
    msg = (f"{ADP}: {size:,} bytes is more than an ADP pay statement file may be ({size - 1:,} bytes); "
           f"split it into smaller files")
    with pytest.raises(MbrError) as err:
        extract(ADP, plan="acme")
    assert str(err.value) == msg
    assert refused(make_book, ADP, "--plan", "acme").strip() == f"mbr: {msg}"


# ---------------------------------------------------------------- Workday

def test_workday_formula_without_a_cached_value_is_an_error(tmp_path, make_book):
    def edit(ws):
        ws.cell(find(ws, "401K Post Tax").row, 2).value = "=500+500"
    p = workday_variant(tmp_path, edit)  # openpyxl writes formulas without a cached value, as found
    row = 36
    msg = (f"{p}:{row}: sheet 'Payslip' cell B{row}: a formula with no saved value (=500+500); open the file "
           f"in Excel and save it (or export values only), then import it again")
    with pytest.raises(MbrError) as err:
        extract(p)
    assert str(err.value) == msg
    assert refused(make_book, p).strip() == f"mbr: {msg}"


def _bomb(path: Path, part_bytes: int) -> Path:
    """A workbook whose sheet expands to `part_bytes` (a few KB on disk)."""
    with zipfile.ZipFile(WORKDAY) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                head = data[: data.index(b"<sheetData>") + len(b"<sheetData>")]
                tail = data[data.index(b"</sheetData>"):]
                with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
                    f.write(head)
                    pad = b" " * (1 << 20)
                    left = part_bytes
                    while left > 0:
                        f.write(pad[: min(left, len(pad))])
                        left -= len(pad)
                    f.write(tail)
            else:
                out.writestr(info, data)
    return path


def test_workday_zip_bomb_is_refused_before_openpyxl(tmp_path, make_book):
    p = _bomb(tmp_path / "bomb.xlsx", workday.XLSX_MAX_PART_BYTES + 1)
    assert p.stat().st_size < 200_000
    with pytest.raises(MbrError, match=r"bomb.xlsx: part xl/worksheets/sheet1.xml expands to [\d,]+ bytes"):
        extract(p, fmt="workday")
    err = refused(make_book, p)  # found by its name and refused, not "no format recognises"
    assert f"{p}: part xl/worksheets/sheet1.xml expands to" in err and len(err.strip().splitlines()) == 1


def test_workday_high_compression_ratio_is_refused(tmp_path, monkeypatch):
    p = _bomb(tmp_path / "ratio.xlsx", 4 << 20)  # 4 MB of blanks: ratio ~1000
    with pytest.raises(MbrError, match=r"ratio.xlsx: part xl/worksheets/sheet1.xml is compressed \d+ to 1"):
        extract(p, fmt="workday")


def test_workday_entity_expansion_is_refused(tmp_path, make_book):
    lol = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i else b"&lol;") * 10)
                      for i in range(1, 10))
           + b"]>\n")
    p = tmp_path / "lol.xlsx"
    with zipfile.ZipFile(WORKDAY) as src, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = lol + data[data.index(b"<worksheet"):]
            out.writestr(info, data)
    with pytest.raises(MbrError) as err:
        extract(p, fmt="workday")
    assert str(err.value) == (f"{p}: part xl/worksheets/sheet1.xml declares XML entities (<!DOCTYPE>); "
                              f"an Excel workbook never does, not read")
    assert refused(make_book, p).strip() == f"mbr: {err.value}"


def test_workday_genuine_file_passes_the_checks():
    workday.check_xlsx(WORKDAY)


# ---------------------------------------------------------------- Vanguard OFX

def buy(date: str, total: str, source: str, extra: str = "", after: str = "", units: str = "1.0") -> str:
    """A BUYMF; `extra` goes before INV401KSOURCE (LOANID...), `after` after it (PRIORYEARCONTRIB)."""
    return (f"<BUYMF><INVBUY><INVTRAN><FITID>{date}{total}{source}{len(extra)}<DTTRADE>{date}<MEMO>x</INVTRAN>"
            f"<SECID><UNIQUEID>92202V351<UNIQUEIDTYPE>CUSIP</SECID><UNITS>{units}<UNITPRICE>10<TOTAL>{total}"
            f"<SUBACCTSEC>CASH<SUBACCTFUND>OTHER{extra}<INV401KSOURCE>{source}{after}</INVBUY><BUYTYPE>BUY</BUYMF>\n")


def test_ofx_loan_repayment_is_not_a_contribution(tmp_path):
    p = write(tmp_path, buy("20260805", "-100.00", "PRETAX")
              + buy("20260805", "-257.08", "PRETAX", "<LOANID>L1<LOANPRINCIPAL>250.00<LOANINTEREST>7.08")
              + buy("20260819", "-257.08", "PRETAX", "<LOANID>L1<LOANPRINCIPAL>251.00<LOANINTEREST>6.08"))
    ex = extract(p, plan="beta")
    assert ex.problems == []
    assert [r[:5] for r in event_rows(ex)] == [("2026-08-05", "beta", "contribution", "pretax", "100.00")]
    assert ex.notes == ["2 loan row(s): not contributions, not imported (loan repayment (BUYMF with LOANID) x2, "
                        "514.16, first at line 13)"]


def test_ofx_prior_year_contribution_is_for_the_previous_year(tmp_path):
    p = write(tmp_path, buy("20270305", "-100.00", "AFTERTAX", after="<PRIORYEARCONTRIB>Y")
              + buy("20270305", "-50.00", "PRETAX", after="<PRIORYEARCONTRIB>N"))
    ex = extract(p, plan="beta")
    assert ex.problems == []
    ev = ex.tables["events"]
    assert ev.select("date", "source", "amount", "for_year").rows() == [
        (dt.date(2027, 3, 5), "after_tax", 10000, 2026), (dt.date(2027, 3, 5), "pretax", 5000, None)]


def test_ofx_too_big_is_refused_before_parsing(tmp_path, monkeypatch, make_book):
    assert vanguard_ofx.MAX_BYTES == 32 * 1024 * 1024
    p = write(tmp_path, buy("20260805", "-100.00", "PRETAX"))
    size = p.stat().st_size
    monkeypatch.setattr(vanguard_ofx, "MAX_BYTES", size - 1)
    msg = (f"{p}: {size:,} bytes is more than an OFX download may be ({size - 1:,} bytes); "
           f"download a shorter date range")
    with pytest.raises(MbrError) as err:
        extract(p, plan="beta")
    assert str(err.value) == msg
    assert refused(make_book, p, "--plan", "beta").strip() == f"mbr: {msg}"


def test_real_fixtures_are_within_the_limits():
    for f in FIX.iterdir():
        if f.suffix in (".ofx", ".qfx"):
            assert f.stat().st_size < vanguard_ofx.MAX_BYTES
    assert OFX_HEAD and OFX_TAIL


def test_ofx_with_entity_declarations_is_refused(tmp_path, make_book):
    p = tmp_path / "lol.ofx"
    p.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE OFX [<!ENTITY a "aaaaaaaaaa">'
                 '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<?OFX OFXHEADER="200" VERSION="220"?>\n'
                 "<OFX><INVSTMTMSGSRSV1><INVSTMTTRNRS><INVSTMTRS><INV401K><EMPLOYERNAME>&b;</EMPLOYERNAME>"
                 "</INV401K><INV401KSOURCE>PRETAX</INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1></OFX>\n",
                 encoding="ascii")
    msg = f"{p}:2: the file declares XML entities (<!DOCTYPE>); an OFX download never does, not read"
    with pytest.raises(MbrError) as err:
        extract(p, plan="beta", fmt="vanguard-ofx")
    assert str(err.value) == msg
    assert refused(make_book, p, "--plan", "beta").strip() == f"mbr: {msg}"


def test_workday_file_too_big_is_refused(tmp_path, monkeypatch):
    size = WORKDAY.stat().st_size
    monkeypatch.setattr(workday, "XLSX_MAX_BYTES", size - 1)
    with pytest.raises(MbrError) as err:
        extract(WORKDAY, fmt="workday")
    assert str(err.value) == (f"{WORKDAY}: {size:,} bytes is more than a Workday payslip workbook may be "
                              f"({size - 1:,} bytes); not read")


def test_workday_total_expansion_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(workday, "XLSX_MAX_TOTAL_BYTES", 20_000)
    with pytest.raises(MbrError, match=r"workday-payslip.xlsx: the workbook expands to 23,521 bytes, more than "
                                       r"20,000 \(a zip bomb, or not a payslip export\); not read"):
        extract(WORKDAY, fmt="workday")
