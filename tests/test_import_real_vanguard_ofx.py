"""Vanguard 401(k) OFX/QFX through ofxtools: SGML and XML, sources, share-only expenses, exchanges."""

from __future__ import annotations

import pytest
from real_helpers import FIX, PROFILE_TEXT, book_events, event_rows, extract, imports_idempotently, totals

from mbr_ledger.core.errors import MbrError

SGML = FIX / "vanguard-401k.qfx"
XML = FIX / "vanguard-401k-xml.ofx"
T2050 = "Vanguard Target Retirement 2050 Trust"


def test_sgml_download_is_read_exactly():
    ex = extract(SGML)
    assert ex.format == "vanguard-ofx" and ex.problems == []
    assert event_rows(ex) == [
        ("2026-07-16", "beta", "contribution", "pretax", "500.00", T2050, "4.34669", 50),
        ("2026-07-16", "beta", "contribution", "roth", "500.00", T2050, "4.34669", 72),
        ("2026-07-16", "beta", "contribution", "match", "300.00", T2050, "2.60802", 94),
        ("2026-07-16", "beta", "contribution", "after_tax", "1000.00", T2050, "8.69338", 116),
        ("2026-07-31", "beta", "contribution", "pretax", "500.00", T2050, "4.29553", 176),
        ("2026-07-31", "beta", "contribution", "roth", "500.00", T2050, "4.29553", 198),
        ("2026-07-31", "beta", "contribution", "match", "300.00", T2050, "2.57732", 220),
        ("2026-07-31", "beta", "contribution", "after_tax", "1000.00", T2050, "8.59107", 242),
        # 0.000349 shares x 113.86 = 0.03973714, rounded half-up to the cent
        ("2026-08-07", "beta", "fee", "pretax", "-0.04", T2050, "-0.000349", 302),
    ]
    assert totals(ex.tables["events"]) == {
        ("contribution", "after_tax"): "2000.00", ("contribution", "match"): "600.00",
        ("contribution", "pretax"): "1000.00", ("contribution", "roth"): "1000.00", ("fee", "pretax"): "-0.04"}
    assert ex.tables["events"]["memo"].to_list()[1] == "Contribution (OTHERVEST)"
    # the after-tax OUT/IN pair of each pay date nets to zero: no contribution, no conversion
    assert ex.notes == ["4 exchange/transfer row(s) between funds were left out (they net to 0.00 per date "
                        "and source: no contribution, no basis moved)"]


def test_xml_download_with_dividend_exchange_and_expense():
    ex = extract(XML)
    assert ex.problems == []
    assert event_rows(ex) == [
        ("2026-09-26", "beta", "contribution", "pretax", "673.00", "Target Retirement 2050 Trust Plus", "14.61137", 7),
        ("2026-09-26", "beta", "contribution", "match", "336.50", "Target Retirement 2050 Trust Plus", "7.30568", 8),
        ("2026-09-30", "beta", "earnings", "after_tax", "12.34", "Target Retirement 2050 Trust Plus", "0.26722", 9),
        ("2026-10-10", "beta", "fee", "match", "-1.50", "Target Retirement 2050 Trust Plus", None, 12),
    ]
    assert any("2 exchange/transfer row(s)" in n for n in ex.notes)  # the SELLMF + BUYMF of 2026-10-05


def test_import_is_idempotent(make_book):
    book = imports_idempotently(make_book, SGML)
    assert totals(book_events(book))[("contribution", "roth")] == "1000.00"


def test_plan_from_employer_name_or_option():
    text = PROFILE_TEXT.replace('plan_name = "BETA LABS 401(K) SAVINGS PLAN"', 'plan_name = "Beta 401k"')
    with pytest.raises(MbrError, match=r"give --plan"):
        extract(SGML, profile_text=text)
    assert set(extract(SGML, profile_text=text, plan="beta").tables["events"]["account"].to_list()) == {"beta"}


def test_othervest_must_be_named_by_the_plan():
    text = PROFILE_TEXT.replace('source_names = { "OTHERVEST" = "roth" }', "")
    with pytest.raises(MbrError) as err:
        extract(SGML, profile_text=text)
    msg = str(err.value)
    assert '"OTHERVEST": 2 row(s), first at line 72; Vanguard files often put the Roth 401(k) here' in msg
    assert 'source_names = { "OTHERVEST" = "CHOOSE" }' in msg


OFX_HEAD = ('OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n'
            'COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0'
            '<SEVERITY>INFO</STATUS><DTSERVER>20260818150740<LANGUAGE>ENG<FI><ORG>Vanguard<FID>84022</FI>'
            '</SONRS></SIGNONMSGSRSV1><INVSTMTMSGSRSV1><INVSTMTTRNRS><TRNUID>0<STATUS><CODE>0<SEVERITY>INFO'
            '</STATUS><INVSTMTRS><DTASOF>20260817160000<CURDEF>USD<INVACCTFROM><BROKERID>vanguard.com'
            '<ACCTID>0123456</INVACCTFROM><INVTRANLIST><DTSTART>20260701<DTEND>20260818\n')
OFX_TAIL = ('</INVTRANLIST></INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1><SECLISTMSGSRSV1><SECLIST><MFINFO><SECINFO>'
            '<SECID><UNIQUEID>92202V351<UNIQUEIDTYPE>CUSIP</SECID><SECNAME>Target 2050<FIID>1659</SECINFO>'
            '</MFINFO></SECLIST></SECLISTMSGSRSV1></OFX>\n')


def trade(kind: str, date: str, total: str, source: str, units: str = "1.0") -> str:
    inner = "INVBUY" if kind == "BUYMF" else "INVSELL"
    tail = "<BUYTYPE>BUY" if kind == "BUYMF" else "<SELLTYPE>SELL"
    return (f"<{kind}><{inner}><INVTRAN><FITID>{date}{total}{source}<DTTRADE>{date}<MEMO>x</INVTRAN>"
            f"<SECID><UNIQUEID>92202V351<UNIQUEIDTYPE>CUSIP</SECID><UNITS>{units}<UNITPRICE>10<TOTAL>{total}"
            f"<SUBACCTSEC>CASH<SUBACCTFUND>OTHER<INV401KSOURCE>{source}</{inner}>{tail}</{kind}>\n")


def write(tmp_path, body: str):
    p = tmp_path / "OfxDownload.qfx"
    p.write_text(OFX_HEAD + body + OFX_TAIL, encoding="ascii")
    return p


def test_trade_date_is_the_files_own_day_not_utc(tmp_path):
    p = write(tmp_path, trade("BUYMF", "20260731220000.000[-5:EST]", "-10.00", "PRETAX"))
    assert event_rows(extract(p, plan="beta"))[0][:5] == ("2026-07-31", "beta", "contribution", "pretax", "10.00")


def test_unbalanced_purchases_and_sales_on_one_day_are_a_problem(tmp_path):
    p = write(tmp_path, trade("SELLMF", "20260805", "200.00", "PRETAX", "-20")
              + trade("BUYMF", "20260805", "-250.00", "PRETAX", "25"))
    ex = extract(p, plan="beta")
    assert [(pr.line, pr.column) for pr in ex.problems] == [(12, "BUYMF")]
    assert "purchases (250.00) and sales (200.00) of 2026-08-05 do not balance" in ex.problems[0].message


def test_sale_without_purchase_is_left_out_with_a_note(tmp_path):
    p = write(tmp_path, trade("SELLMF", "20260805", "200.00", "AFTERTAX", "-20"))
    ex = extract(p, plan="beta")
    assert ex.problems == [] and ex.tables["events"].height == 0
    assert ex.notes == ["1 sale with no purchase (withdrawal, loan or rollover out; enter it in an activity file) "
                        "left out"]


def test_amount_with_fractions_of_a_cent_is_a_problem(tmp_path):
    p = write(tmp_path, trade("BUYMF", "20260805", "-10.005", "PRETAX"))
    ex = extract(p, plan="beta")
    assert [(pr.line, pr.column, pr.message) for pr in ex.problems] == [
        (12, "BUYMF", "amount 10.005 is not a whole number of cents")]


def test_unreadable_ofx_is_an_error(tmp_path):
    p = tmp_path / "broken.qfx"
    p.write_text(OFX_HEAD + "<BUYMF><INVBUY><INVTRAN><FITID>1<DTTRADE>notadate</INVTRAN>"
                 "<INV401KSOURCE>PRETAX</INVBUY></BUYMF>"
                 + OFX_TAIL, encoding="ascii")
    with pytest.raises(MbrError, match=r"broken.qfx: not a readable OFX file"):
        extract(p, plan="beta")


def test_brokerage_ofx_without_401k_tags_is_not_claimed(tmp_path):
    p = write(tmp_path, "")
    p.write_text(p.read_text().replace("INV401KSOURCE", "X"), encoding="ascii")
    with pytest.raises(MbrError, match=r"no input format recognises this file; its first line is 'OFXHEADER:100'"):
        extract(p, plan="beta")
