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

from conftest import ACTIVITY_HEADER, import_rows, run

HEADER = ACTIVITY_HEADER

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
    book = make_book(PROFILE.replace('filing_status = "single"', 'filing_status = "single"\nmagi = { "2025" = '
                                     '"100000.00" }'), name=name)
    return import_rows(book, tmp_path, *lines, name=f"{name}-activity")


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
            df = store._from_blob(data, digest=store.TRUSTED).drop("reason", "completed")
            conn.execute("UPDATE segments SET data = ? WHERE id = ?", (store._to_blob(df), seg))
        conn.execute("PRAGMA user_version=5")
    led.close()
    led = Ledger.open(book)
    assert led.schema_version() == store.SCHEMA_VERSION
    got = led.frame("events")
    assert got.equals(want)
    assert got["reason"].null_count() == 2 and got["completed"].dtype == pl.Date
    led.close()
    res = run(book, "import", "--format", "json", str(tmp_path / "book-activity.csv"))
    assert json.loads(res.stdout)["files"][0]["imported"] == 0


# ------------------------------------------------------------------ 402(g): refunded by April 15 or not

PAY = ("pay_date,person,plan,gross_pay,plan_compensation,fica_wages,pretax_401k,roth_401k,after_tax_401k,"
       "employer_match")


def _excess_book(make_book, tmp_path, refund: str, name: str = "book"):
    """2025: 15,000 of deferrals at Acme and 10,000 at Beta, 25,000 against the 402(g) limit 23,500
    (age 45, no catch-up): a 1,500.00 excess. `refund`: the corrective row (or none)."""
    book = make_book(PROFILE, name=name)
    pay = tmp_path / f"{name}-pay.csv"
    pay.write_text(f"{PAY}\n2025-03-01,kim,acme,90000.00,90000.00,90000.00,15000.00,0,0,0\n"
                   "2025-09-01,kim,beta,90000.00,90000.00,90000.00,10000.00,0,0,0\n")
    files = [str(pay)]
    if refund:
        act = tmp_path / f"{name}-act.csv"
        act.write_text(f"{HEADER}\n{refund}\n")
        files.append(str(act))
    res = run(book, "import", *files)
    assert res.exit_code == 0, res.output
    return book


def _check(book, year, cid):
    res = run(book, "audit", "--year", str(year), "--format", "json")
    return res.exit_code, next(c for c in json.loads(res.stdout)["checks"] if c["id"] == cid)


def test_402g_excess_without_a_refund_fails(make_book, tmp_path):
    book = _excess_book(make_book, tmp_path, "")
    code, c = _check(book, 2025, "402g")
    assert (code, c["status"], c["excess"]) == (1, "fail", "1500.00")


def test_402g_excess_refunded_in_full_on_april_15_is_corrected(make_book, tmp_path):
    """Refunded 2026-04-15 (the last day, Pub. 525): 1,500.00 excess + 60.00 earnings. Not a fail; the
    Forms 1099-R of 2026 are code P for the excess (income for 2025, the year deferred) and code 8
    for the earnings (income for 2026, the year paid), both Form 1040 line 1h."""
    book = _excess_book(make_book, tmp_path, "2026-04-15,kim,beta,corrective,pretax,1560.00,1500.00,,,2025,,402g,")
    code, c = _check(book, 2025, "402g")
    assert (code, c["status"], c["excess"]) == (0, "info", "0.00")
    assert c["refunded_by_deadline"] == "1500.00"
    assert "The excess is corrected: 1,500.00 is income for 2025" in c["message"]
    ws = json.loads(run(book, "worksheet", "1099r", "--year", "2026", "--format", "json").stdout)
    got = [(f["payer_account"], f["box1"], f["box2a"], f["box7"], f["taxable_in"], f["form1040_line"])
           for f in ws["corrective"]]
    assert got == [("beta", "1500.00", "1500.00", "P", "2025", "1h"), ("beta", "60.00", "60.00", "8", "2026", "1h")]
    assert ws["form1040"] == {"4a": "0.00", "4b": "0.00", "5a": "0.00", "5b": "0.00"}  # line 1h, not 5a/5b
    assert any("Form 1040 for 2026: line 1h + 60.00" in n for n in ws["notes"])
    prior = json.loads(run(book, "worksheet", "1099r", "--year", "2025", "--format", "json").stdout)
    assert [(f["box7"], f["box2a"], f["status"]) for f in prior["corrective"]] == [("P", "1500.00", "form of 2026")]
    assert any("Form 1040 for 2025: line 1h + 1,500.00" in n for n in prior["notes"])


def test_402g_excess_refunded_on_april_16_is_late_and_taxed_twice(make_book, tmp_path):
    """A day late (Pub. 525): the refund corrects nothing; the 1,500.00 stays income for 2025 and the
    whole 1,560.00 is a plain distribution taxable in 2026 (code 1 at age 45, Form 1040 5a/5b)."""
    book = _excess_book(make_book, tmp_path, "2026-04-16,kim,beta,corrective,pretax,1560.00,1500.00,,,2025,,402g,")
    code, c = _check(book, 2025, "402g")
    assert (code, c["status"], c["excess"]) == (1, "fail", "1500.00")
    assert "Refunded after 2026-04-15: 1,500.00, too late to correct" in c["message"]
    assert "taxed twice" in c["message"]
    ws = json.loads(run(book, "worksheet", "1099r", "--year", "2026", "--format", "json").stdout)
    assert [(f["box1"], f["box2a"], f["box7"]) for f in ws["expected"]] == [("1560.00", "1560.00", "1")]
    assert (ws["form1040"]["5a"], ws["form1040"]["5b"]) == ("1560.00", "1560.00")


def test_402g_excess_refunded_short_says_what_is_left_and_what_it_costs(make_book, tmp_path):
    """1,000.00 of the 1,500.00 refunded by April 15: 500.00 left, taxed twice; at the 24% marginal
    rate the second tax is 500.00 x 0.24 = 120.00."""
    profile = PROFILE.replace('filing_status = "single"', 'filing_status = "single"\nmarginal_rate = "0.24"')
    book = make_book(profile)
    pay = tmp_path / "pay.csv"
    pay.write_text(f"{PAY}\n2025-03-01,kim,acme,90000.00,90000.00,90000.00,15000.00,0,0,0\n"
                   "2025-09-01,kim,beta,90000.00,90000.00,90000.00,10000.00,0,0,0\n")
    act = tmp_path / "act.csv"
    act.write_text(f"{HEADER}\n2026-03-01,kim,beta,corrective,pretax,1040.00,1000.00,,,2025,,402g,\n")
    assert run(book, "import", str(pay), str(act)).exit_code == 0
    code, c = _check(book, 2025, "402g")
    assert (code, c["status"], c["excess"]) == (1, "fail", "500.00")
    assert "Left uncorrected: 500.00: taxed twice" in c["message"]
    assert "120.00 of tax" in c["message"]


def test_402g_refund_in_the_year_deferred_is_one_code_8_form(make_book, tmp_path):
    """Refunded 2025-12-20, in the year deferred: excess and earnings are both income for 2025 (code 8)."""
    book = _excess_book(make_book, tmp_path, "2025-12-20,kim,beta,corrective,pretax,1525.00,,25.00,,2025,,402g,")
    code, c = _check(book, 2025, "402g")
    assert (code, c["status"]) == (0, "info")
    ws = json.loads(run(book, "worksheet", "1099r", "--year", "2025", "--format", "json").stdout)
    assert [(f["box1"], f["box2a"], f["box7"], f["taxable_in"]) for f in ws["corrective"]] == [
        ("1525.00", "1525.00", "8", "2025")]


# ------------------------------------------------------------------ ACP, 415(c), IRA returns


def test_acp_refund_of_after_tax_money_returns_basis_and_taxes_only_earnings(make_book, tmp_path):
    """An ACP refund of 2,100.00 after-tax money (2,000.00 contributions + 100.00 earnings): box 5 the
    2,000.00 basis, box 2a the 100.00 earnings, code 8 (1099-R instructions: excess aggregate
    contributions are taxable in the year distributed); the basis leaves the after-tax source, so a
    later in-plan Roth rollover of the 3,000.00 left is all basis."""
    book = _book(make_book, tmp_path,
                 "2026-01-10,kim,acme,contribution,after_tax,5000.00,,,,,,,",
                 "2026-01-20,kim,acme,earnings,after_tax,100.00,,,,,,,",
                 "2026-03-01,kim,acme,corrective,after_tax,2100.00,2000.00,,,2025,,acp,",
                 "2026-03-02,kim,acme,conversion,after_tax,3000.00,,,,,,,")
    ws = json.loads(run(book, "worksheet", "1099r", "--year", "2026", "--format", "json").stdout)
    assert [(f["box1"], f["box2a"], f["box5"], f["box7"], f["taxable_in"]) for f in ws["corrective"]] == [
        ("2100.00", "100.00", "2000.00", "8", "2026")]
    (irr,) = ws["expected"]
    assert (irr["box1"], irr["box2a"], irr["box5"], irr["box7"]) == ("3000.00", "0.00", "3000.00", "G")


def test_415c_return_under_epcrs_is_code_e_on_lines_5a_5b(make_book, tmp_path):
    """An excess annual addition of pre-tax deferrals returned with earnings, 1,030.00 (1099-R code E):
    a distribution taxable in the year paid, on Form 1040 lines 5a/5b."""
    book = _book(make_book, tmp_path, "2026-02-10,kim,acme,corrective,pretax,1030.00,1000.00,,,2025,,415c,")
    ws = json.loads(run(book, "worksheet", "1099r", "--year", "2026", "--format", "json").stdout)
    assert [(f["box1"], f["box2a"], f["box7"]) for f in ws["expected"]] == [("1030.00", "1030.00", "E")]
    assert (ws["form1040"]["5a"], ws["form1040"]["5b"]) == ("1030.00", "1030.00")


def test_roth_ira_contribution_returned_next_year_is_jp_with_earnings_for_the_contribution_year(
        make_book, tmp_path):
    """A 2025 Roth IRA contribution of 7,000.00 returned 2026-03-01 with 150.00 of earnings (section
    408(d)(4)): codes J and P (1099-R instructions), the earnings income for 2025 (Pub. 590-A), and the
    contribution no longer counts for 2025 (ira_limit; MAGI 100,000.00 is below the Roth phase-out)."""
    book = _book(make_book, tmp_path,
                 "2025-06-01,kim,kim-roth,contribution,roth,7000.00,,,,2025,,,",
                 "2025-07-01,kim,kim-roth,contribution,roth,1000.00,,,,2025,,,",
                 "2026-03-01,kim,kim-roth,corrective,,1150.00,1000.00,,,2025,,ira_return,")
    ws = json.loads(run(book, "worksheet", "1099r", "--year", "2026", "--format", "json").stdout)
    assert [(f["box1"], f["box2a"], f["box7"], f["taxable_in"], f["form1040_line"]) for f in ws["corrective"]] == [
        ("1150.00", "150.00", "JP", "2025", "4a/4b")]
    prior = json.loads(run(book, "worksheet", "1099r", "--year", "2025", "--format", "json").stdout)
    assert any("Form 1040 for 2025: line 4b + 150.00" in n for n in prior["notes"])
    code, c = _check(book, 2025, "ira_limit")
    # 8,000.00 contributed, 1,000.00 returned: 7,000.00 against the 2025 IRA limit 7,000.00.
    assert (c["status"], c["amount"], c["excess"]) == ("ok", "7000.00", "0.00")


# ------------------------------------------------------------------ the second sample household


def test_second_sample_household(make_book, tmp_path):
    """sample_data/household2 (its README works every figure): the 402(g) excess refunded by April 15
    is corrected; the recharacterized Roth contribution is Form 8606 line 1 for 2025; the 2026 joint
    return's lines 4a/4b are Robin's conversion, 8,412.50 and 412.50."""
    from conftest import SAMPLE

    home = SAMPLE / "household2"
    book = make_book((home / "mbr.toml").read_text(), name="household2")
    assert run(book, "import", *sorted(str(p) for p in home.glob("*.csv"))).exit_code == 0
    code, c = _check(book, 2025, "402g")
    assert (code, c["status"], c["amount"], c["excess"]) == (0, "info", "25000.00", "0.00")
    f = json.loads(run(book, "worksheet", "8606", "--year", "2025", "--person", "robin", "--format", "json").stdout)
    assert (f["lines"]["1"], f["lines"]["14"]) == ("8000.00", "8000.00")
    f = json.loads(run(book, "worksheet", "8606", "--year", "2026", "--person", "robin", "--format", "json").stdout)
    assert (f["lines"]["2"], f["lines"]["10"], f["lines"]["11"], f["lines"]["18"]) == (
        "8000.00", "0.95097", "8000.00", "412.50")
    ws = json.loads(run(book, "worksheet", "1099r", "--year", "2026", "--format", "json").stdout)
    assert [(x["payer_account"], x["box1"], x["box2a"], x["box7"]) for x in ws["corrective"]] == [
        ("south", "1500.00", "1500.00", "P"), ("south", "42.17", "42.17", "8"), ("robin-roth", "8412.50", "0.00", "R")]
    joint = json.loads(run(book, "worksheet", "1040", "--year", "2026", "--format", "json").stdout)
    assert sorted(joint["filers"]) == ["robin", "sam"]
    assert (joint["lines"]["4a"], joint["lines"]["4b"], joint["lines"]["5a"]) == ("8412.50", "412.50", "0.00")


def test_traditional_ira_contribution_returned_is_off_line_1(make_book, tmp_path):
    """7,000.00 nondeductible for 2025; 1,000.00 of it returned 2026-02-01 with 20.00 of earnings
    (section 408(d)(4)): Form 1099-R code P (IRA box checked), box 2a the 20.00 earnings, income for
    2025 (Pub. 590-A); Form 8606 for 2025 line 1 = 7,000.00 - 1,000.00 = 6,000.00 and line 4 stays
    empty (no conversion or distribution: lines 4-13 blank), line 14 = 6,000.00."""
    book = _book(make_book, tmp_path,
                 "2025-06-01,kim,kim-trad,contribution,nondeductible,7000.00,,,,2025,,,",
                 "2026-02-01,kim,kim-trad,corrective,,1020.00,,20.00,,2025,,ira_return,")
    ws = json.loads(run(book, "worksheet", "1099r", "--year", "2026", "--format", "json").stdout)
    assert [(f["box1"], f["box2a"], f["box7"], f["ira_sep_simple"], f["taxable_in"]) for f in ws["corrective"]] == [
        ("1020.00", "20.00", "P", True, "2025")]
    f = json.loads(run(book, "worksheet", "8606", "--year", "2025", "--format", "json").stdout)["lines"]
    assert (f["1"], f.get("4"), f["14"]) == ("6000.00", None, "6000.00")


def test_ira_return_after_the_extended_due_date_is_not_a_408d4_return(make_book, tmp_path):
    """Returned 2026-10-16, a day after the 2025 return's extended due date (2026-10-15): the
    contribution still counts for 2025 (line 1 = 7,000.00) and the note says to record it as
    ira_excess."""
    book = _book(make_book, tmp_path,
                 "2025-06-01,kim,kim-trad,contribution,nondeductible,7000.00,,,,2025,,,",
                 "2026-10-16,kim,kim-trad,corrective,,1020.00,,20.00,,2025,,ira_return,")
    f = json.loads(run(book, "worksheet", "8606", "--year", "2025", "--format", "json").stdout)["lines"]
    assert f["1"] == "7000.00"
    ws = json.loads(run(book, "worksheet", "1099r", "--year", "2026", "--format", "json").stdout)
    assert any("not a section 408(d)(4) return; record it as reason ira_excess" in n for n in ws["notes"])


def _415c_book(make_book, tmp_path, returned: str, name: str):
    """2026 at Acme: 24,500.00 pre-tax + 50,000.00 after-tax = 74,500.00 of annual additions against the
    2026 415(c) limit 72,000.00 (pay 200,000.00): 2,500.00 over."""
    book = make_book(PROFILE, name=name)
    pay = tmp_path / f"{name}-pay.csv"
    pay.write_text(f"{PAY}\n2026-06-30,kim,acme,200000.00,200000.00,200000.00,24500.00,0,50000.00,0\n")
    act = tmp_path / f"{name}-act.csv"
    act.write_text(f"{HEADER}\n2026-07-02,kim,acme,contribution,pretax,24500.00,,,,,,,\n"
                   f"2026-07-02,kim,acme,contribution,after_tax,50000.00,,,,,,,\n{returned}\n")
    assert run(book, "import", str(pay), str(act)).exit_code == 0
    return book


def test_415c_excess_returned_under_epcrs_is_corrected_and_a_short_return_is_not(make_book, tmp_path):
    """After-tax contributions returned with earnings (code E; Rev. Proc. 2021-30 section 6.06):
    2,500.00 returned closes the 2,500.00 excess; 2,000.00 returned leaves 500.00 over."""
    full = _415c_book(make_book, tmp_path, "2026-12-20,kim,acme,corrective,after_tax,2540.00,2500.00,,,2026,,415c,",
                      "full")
    code, c = _check(full, 2026, "415c")
    assert (c["status"], c["amount"], c["excess"], c["returned_under_epcrs"]) == ("info", "74500.00", "0.00", "2500.00")
    short = _415c_book(make_book, tmp_path, "2026-12-20,kim,acme,corrective,after_tax,2030.00,2000.00,,,2026,,415c,",
                       "short")
    code, c = _check(short, 2026, "415c")
    assert (code, c["status"], c["excess"]) == (1, "fail", "500.00")
    assert "Still over: 500.00." in c["message"]
