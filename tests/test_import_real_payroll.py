"""ADP pay statement JSON and Workday payslip xlsx, mapped onto the payroll table."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from openpyxl import load_workbook
from real_helpers import FIX, PROFILE_TEXT, book_payroll, extract, imports_idempotently

from mbr_ledger.core.errors import MbrError

ADP = FIX / "adp-paystatement.json"
WORKDAY = FIX / "workday-payslip.xlsx"
MONEY = ("gross_pay", "plan_compensation", "fica_wages", "pretax_401k", "roth_401k", "after_tax_401k",
         "employer_match", "employer_nonelective")


def payroll_rows(ex):
    df = ex.tables["payroll"]
    return [(r["pay_date"].isoformat(), r["person"], r["plan"], *[r[c] for c in MONEY], r["source_line"])
            for r in df.iter_rows(named=True)]


# ---------------------------------------------------------------- ADP

def test_adp_statement_is_read_exactly():
    ex = extract(ADP, plan="acme")
    assert ex.format == "adp" and ex.problems == []
    # gross = the Regular earning (the Holiday line has no amount); 401K Plan -> pre-tax,
    # After-Tax 415C -> after-tax; taxes, medical, banking and memos are not plan money
    assert payroll_rows(ex) == [("2026-01-02", "alex", "acme", 807692, 807692, 807692, 200000, 0, 121154, 0, 0, 3)]
    assert ex.notes == [
        "plan_compensation and fica_wages were taken as gross pay (an ADP statement shows neither); "
        "W-2 box 3 is the authority for Social Security wages",
        "no employer match on the statement(s): employer_match recorded as 0.00",
    ]


def test_adp_import_is_idempotent(make_book):
    book = imports_idempotently(make_book, ADP, "--plan", "acme")
    assert book_payroll(book)["after_tax_401k"].to_list() == [121154]


def adp_variant(tmp_path, edit, name="stmt.json"):
    doc = json.loads(ADP.read_text())
    edit(doc["payStatement"])
    p = tmp_path / name
    p.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return p


def test_adp_gross_pay_amount_and_match_memo(tmp_path):
    def edit(st):
        st["grossPayAmount"] = {"amountValue": 8100.00, "currencyCode": "USD"}
        st["memos"].append({"nameCode": {"codeValue": "ER401K", "shortName": "401K ER Match"},
                            "memoAmount": {"amountValue": 323.08, "currencyCode": "USD"}})
    ex = extract(adp_variant(tmp_path, edit), plan="acme")
    row = ex.tables["payroll"].row(0, named=True)
    assert (row["gross_pay"], row["employer_match"]) == (810000, 32308)
    assert len(ex.notes) == 1


def test_adp_list_of_statements(tmp_path):
    doc = json.loads(ADP.read_text())
    second = json.loads(ADP.read_text())
    second["payStatement"]["payDate"] = "2026-01-16"
    p = tmp_path / "statements.json"
    p.write_text(json.dumps([doc, second], indent=2), encoding="utf-8")
    ex = extract(p, plan="acme")
    assert [(r[0], r[-1]) for r in payroll_rows(ex)] == [("2026-01-02", 4), ("2026-01-16", 139)]


def test_adp_unknown_retirement_deduction_stops(tmp_path):
    def edit(st):
        st["deductions"].append({"deductionCategoryCodeName": "Retirement", "CodeName": "401K Catch Up Bonus",
                                 "deductionAmount": {"amountValue": -100.00, "currencyCode": "USD"}})
    with pytest.raises(MbrError) as err:
        extract(adp_variant(tmp_path, edit), plan="acme")
    assert '"401K Catch Up Bonus": 1 row(s), first at line 3' in str(err.value)
    assert 'source_names = { "401K Catch Up Bonus" = "CHOOSE" }' in str(err.value)


def test_adp_named_deduction_through_source_names(tmp_path):
    def edit(st):
        st["deductions"].append({"deductionCategoryCodeName": "Retirement", "CodeName": "401K Catch Up Bonus",
                                 "deductionAmount": {"amountValue": -100.00, "currencyCode": "USD"}})
    text = PROFILE_TEXT.replace('plan_name = "ACME CORP 401(K) PLAN"',
                                'plan_name = "ACME CORP 401(K) PLAN"\nsource_names = { "401K Catch Up Bonus" = "roth" }')
    ex = extract(adp_variant(tmp_path, edit), profile_text=text, plan="acme")
    assert ex.tables["payroll"]["roth_401k"].to_list() == [10000]


def test_adp_bad_json_and_bad_values(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"payStatement": {"payDate": "2026-01-02",\n "earnings": [,]}}', encoding="utf-8")
    with pytest.raises(MbrError, match=r"bad.json:2: not valid JSON"):
        extract(p, plan="acme")

    def edit(st):
        st["payDate"] = "01/02/2026"
    ex = extract(adp_variant(tmp_path, edit), plan="acme")
    assert [(pr.line, pr.column) for pr in ex.problems] == [(3, "payDate")]

    def edit2(st):
        st["deductions"][6]["deductionAmount"]["amountValue"] = -2000.005
    ex = extract(adp_variant(tmp_path, edit2, "b.json"), plan="acme")
    assert [(pr.line, pr.column, pr.message) for pr in ex.problems] == [
        (3, "401K Plan", "-2000.005 is not a whole number of cents")]


def test_adp_needs_a_plan_when_the_person_has_two():
    with pytest.raises(MbrError, match=r"does not say which plan it is for; give --plan \(plans: acme, beta\)"):
        extract(ADP)


# ---------------------------------------------------------------- Workday

def test_workday_payslip_is_read_exactly():
    ex = extract(WORKDAY)  # the plan comes from Company Information: "Beta Labs" is beta's employer
    assert ex.format == "workday" and ex.problems == []
    # 401k pre-tax 500, Roth 401k 500, 401K Post Tax 1,000, employer match 300; OASDI wages 9,750
    assert payroll_rows(ex) == [("2026-07-15", "alex", "beta", 1000000, 1000000, 975000, 50000, 50000, 100000,
                                 30000, 0, 9)]
    assert ex.notes == ["plan_compensation was taken as gross pay (a payslip does not show 415 compensation)"]


def test_workday_import_is_idempotent(make_book):
    book = imports_idempotently(make_book, WORKDAY)
    assert book_payroll(book)["pay_date"].to_list() == [dt.date(2026, 7, 15)]


def workday_variant(tmp_path, edit, name="payslip.xlsx"):
    wb = load_workbook(WORKDAY)
    edit(wb.active)
    p = tmp_path / name
    wb.save(p)
    return p


def find(ws, text):
    return next(c for row in ws.iter_rows() for c in row if c.value == text)


def test_workday_other_tenant_titles_text_amounts_and_no_taxable_wages(tmp_path):
    def edit(ws):
        find(ws, "Pre Tax Deductions").value = "Employee Pre Tax Deductions"
        find(ws, "Post Tax Deductions").value = "Employee Post Tax Deductions"
        c = find(ws, "401K Post Tax")
        ws.cell(c.row, 2).value = "1,000.00"
        ws.delete_rows(find(ws, "Taxable Wages").row, 4)
        ws.cell(find(ws, "Check Date").row + 1, 5).value = dt.datetime(2026, 7, 15)
    ex = extract(workday_variant(tmp_path, edit))
    assert payroll_rows(ex)[0][3:11] == (1000000, 1000000, 1000000, 50000, 50000, 100000, 30000, 0)
    assert "no Taxable Wages OASDI row: fica_wages taken as gross pay; W-2 box 3 is the authority" in ex.notes


def test_workday_bare_401k_among_post_tax_lines_must_be_named(tmp_path):
    def edit(ws):
        find(ws, "401K Post Tax").value = "401k"
    with pytest.raises(MbrError) as err:
        extract(workday_variant(tmp_path, edit))
    assert '"401k": 1 row(s), first at line 36' in str(err.value)
    assert 'source_names = { "OTHERVEST" = "roth", "401k" = "CHOOSE" }' in str(err.value)


def test_workday_bad_amount_and_bad_date(tmp_path):
    def edit(ws):
        ws.cell(find(ws, "Roth 401k").row, 2).value = "five hundred"
    ex = extract(workday_variant(tmp_path, edit))
    assert [(pr.line, pr.column, pr.message) for pr in ex.problems] == [(35, "Roth 401k", "not an amount: 'five hundred'")]

    def edit2(ws):
        ws.cell(find(ws, "Check Date").row + 1, 5).value = "July 15"
    with pytest.raises(MbrError, match=r"payslip2.xlsx:9: Check Date: not a date: 'July 15'"):
        extract(workday_variant(tmp_path, edit2, "payslip2.xlsx"))


def test_workday_file_without_payslip_table(tmp_path):
    def edit(ws):
        find(ws, "Payslip Information").value = "Something Else"
    p = workday_variant(tmp_path, edit)
    with pytest.raises(MbrError, match="no input format recognises this file"):
        extract(p)
    with pytest.raises(MbrError, match="no 'Payslip Information' table with a 'Check Date' column"):
        extract(p, fmt="workday")


def test_damaged_workbook(tmp_path):
    p = tmp_path / "payslip.xlsx"
    p.write_bytes(WORKDAY.read_bytes()[:2000])
    with pytest.raises(MbrError):
        extract(p, fmt="workday")
