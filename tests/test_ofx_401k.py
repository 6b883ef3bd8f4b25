"""A generic OFX 401(k) statement (an `INV401K` investment statement from any institution, here a
TIAA-style one with none of Vanguard's markers) is recognised without `--from`, and its money
sources (`INV401KSOURCE`: PRETAX, AFTERTAX, MATCH, PROFITSHARING, ROLLOVER, OTHERVEST,
OTHERNONVEST) are mapped: the first four by the built-in table, OTHERVEST and OTHERNONVEST only by
the plan's `source_names`. A purchase of the ROLLOVER source is money rolled in, not a
contribution (IRC 415(c)(2): employee contributions are counted without rollover contributions;
nor is it an elective deferral under 402(g)); a loan repayment (`LOANID`) is not a contribution;
`PRIORYEARCONTRIB` Y makes a contribution for the year before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mbr_ledger.core.errors import MbrError
from mbr_ledger.importers import ImportContext, detect
from mbr_ledger.profile import parse_profile

from conftest import run

TIAA = Path(__file__).resolve().parent / "fixtures" / "ofx401k" / "tiaa-401k.ofx"

PROFILE = """
[[person]]
id = "pat"
born = "1980-05-01"

[[plan]]
id = "other"
person = "pat"
employer = "Other Co"

[[plan]]
id = "tiaa"
person = "pat"
employer = "Example University"
plan_name = "EXAMPLE UNIVERSITY 401(K) PLAN"
source_names = { "OTHERVEST" = "roth", "OTHERNONVEST" = "match" }
"""


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def extract(path: Path, profile: str = PROFILE, **ctx: str):
    import tomllib

    imp = detect(path)
    return imp, imp.extract(path, ImportContext(parse_profile(tomllib.loads(profile)), **ctx))


def test_generic_401k_statement_is_recognised_and_read_exactly():
    text = TIAA.read_text(encoding="ascii")
    imp, ex = extract(TIAA)
    assert imp.name == "vanguard-ofx" and ex.problems == []
    ev = ex.tables["events"]
    assert set(ev["account"].to_list()) == {"tiaa"}  # the plan named by INV401K EMPLOYERNAME
    rows = sorted((r["kind"], r["source"], r["amount"], r["for_year"], r["source_line"])
                  for r in ev.iter_rows(named=True))
    at = {f: line_of(text, f"<FITID>{f}<") for f in ("T01", "T02", "T03", "T04", "T06", "T07", "T09", "T10")}
    assert rows == sorted([
        ("contribution", "pretax", 50000, None, at["T01"]),
        ("contribution", "after_tax", 100000, None, at["T02"]),
        ("contribution", "match", 25000, None, at["T03"]),
        ("contribution", "nonelective", 30000, None, at["T04"]),      # PROFITSHARING
        ("contribution", "roth", 15000, None, at["T06"]),             # OTHERVEST, by source_names
        ("contribution", "match", 7525, None, at["T07"]),             # OTHERNONVEST, by source_names
        ("contribution", "after_tax", 40000, 2025, at["T09"]),        # PRIORYEARCONTRIB Y, dated 2026-03-10
        ("earnings", "after_tax", 1234, None, at["T10"]),
    ])
    # totals by hand: pretax 500.00; after-tax 1,000.00 + 400.00 = 1,400.00; match 250.00 + 75.25 = 325.25
    by = {}
    for k, s, a, _, _ in rows:
        by[(k, s)] = by.get((k, s), 0) + a
    assert by == {("contribution", "pretax"): 50000, ("contribution", "after_tax"): 140000,
                  ("contribution", "match"): 32525, ("contribution", "nonelective"): 30000,
                  ("contribution", "roth"): 15000, ("earnings", "after_tax"): 1234}
    # left out: the loan repayment (257.08) and the 2,000.00 rolled in, each with its line
    assert [(g.rows, g.first_line) for g in ex.left_out] == [(1, line_of(text, "<FITID>T08<")),
                                                              (1, line_of(text, "<FITID>T05<"))]
    assert ex.left_out[0].reason.startswith("loan row(s): not contributions, not imported "
                                            "(loan repayment (BUYMF with LOANID) x1, 257.08")
    assert ex.left_out[1].reason.startswith("purchase(s) of the ROLLOVER source (money rolled in")
    assert ex.rows_read() == 10


def test_ambiguous_sources_must_be_named():
    """Without source_names, OTHERVEST and OTHERNONVEST are asked for, with their rows and lines."""
    text = TIAA.read_text(encoding="ascii")
    profile = PROFILE.replace('source_names = { "OTHERVEST" = "roth", "OTHERNONVEST" = "match" }\n', "")
    with pytest.raises(MbrError) as err:
        extract(TIAA, profile)
    msg = str(err.value)
    assert f'"OTHERVEST": 1 row(s), first at line {line_of(text, "<FITID>T06<")}' in msg
    assert f'"OTHERNONVEST": 1 row(s), first at line {line_of(text, "<FITID>T07<")}' in msg
    assert "PRETAX" not in msg.split("\n", 1)[1] and "PROFITSHARING" not in msg


def test_import_command_without_from(make_book):
    book = make_book(PROFILE)
    res = run(book, "import", "--format", "json", str(TIAA))
    assert res.exit_code == 0, res.output
    (f,) = json.loads(res.stdout)["files"]
    assert (f["format"], f["read"], f["imported"], f["duplicates"]) == ("vanguard-ofx", 10, 8, 0)
    assert sum(g["rows"] for g in f["left_out"]) == 2


HEAD = ("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0"
        "<SEVERITY>INFO</STATUS><DTSERVER>20260405120000<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>\n"
        "<INVSTMTMSGSRSV1><INVSTMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><INVSTMTRS>"
        "<DTASOF>20260331<CURDEF>USD<INVACCTFROM><BROKERID>tiaa.org<ACCTID>TX-1</INVACCTFROM>\n"
        "<INVTRANLIST><DTSTART>20260101<DTEND>20260331\n")
SECLIST = ("<SECLISTMSGSRSV1><SECLIST><MFINFO><SECINFO><SECID><UNIQUEID>87244W300<UNIQUEIDTYPE>CUSIP</SECID>"
           "<SECNAME>Lifecycle 2050</SECINFO></MFINFO></SECLIST></SECLISTMSGSRSV1></OFX>\n")


def income(n: int) -> str:
    return (f"<INCOME><INVTRAN><FITID>D{n}<DTTRADE>20260{1 + n % 3}15<MEMO>Dividend</INVTRAN><SECID>"
            f"<UNIQUEID>87244W300<UNIQUEIDTYPE>CUSIP</SECID><INCOMETYPE>DIV<TOTAL>0.01<SUBACCTSEC>CASH"
            f"<SUBACCTFUND>CASH</INCOME>\n")


def test_401k_markers_after_the_first_64_kib_are_found(tmp_path, make_book):
    """700 dividends without INV401KSOURCE (about 160 KB), the INV401K aggregate only after them: still
    a 401(k) statement; with --source pretax its 700 rows of 0.01 are 7.00 of earnings."""
    p = tmp_path / "statement.ofx"
    p.write_text(HEAD + "".join(income(n) for n in range(700)) + "</INVTRANLIST><INV401K><EMPLOYERNAME>"
                 "EXAMPLE UNIVERSITY 401(K) PLAN</INV401K></INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1>"
                 + SECLIST, encoding="ascii")
    assert p.stat().st_size > 65536 and b"INV401K" not in p.read_bytes()[:65536]
    imp, ex = extract(p, source="pretax")
    assert imp.name == "vanguard-ofx" and ex.problems == []
    ev = ex.tables["events"]
    assert (ev.height, int(ev["amount"].sum()), set(ev["kind"]), set(ev["source"])) == (700, 700, {"earnings"},
                                                                                           {"pretax"})


def test_a_brokerage_statement_is_not_claimed_however_long(tmp_path):
    p = tmp_path / "brokerage.ofx"
    p.write_text(HEAD + "".join(income(n) for n in range(700)) + "</INVTRANLIST></INVSTMTRS></INVSTMTTRNRS>"
                 "</INVSTMTMSGSRSV1>" + SECLIST, encoding="ascii")
    with pytest.raises(MbrError, match="no input format recognises this file"):
        detect(p)
