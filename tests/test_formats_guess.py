"""`mbr formats guess FILE`: a [[mapping]] skeleton that loads and imports exactly once its blanks are filled."""

from __future__ import annotations

import json
import re
import tomllib

from real_helpers import FIX, PROFILE_TEXT, book_events, import_json, totals

from mbr_ledger.importers.guess import exact_match, guess_file, skeleton
from mbr_ledger.profile import parse_mapping

from conftest import run

HISTORY = FIX / "plan-history.csv"


def fill(text: str, kinds: dict[str, str], sources: dict[str, str]) -> str:
    """The skeleton with each `kind = ""` / `source = ""` of a rule filled from the words given."""
    out, match = [], None
    for line in text.splitlines():
        m = re.match(r"^match = '\^(.*)\$'$", line)
        if m:
            match = re.sub(r"\\(.)", r"\1", m.group(1))
        if line.startswith('kind = ""') and match is not None:
            line = f'kind = "{kinds[match]}"'
        if line.startswith('source = ""') and match is not None:
            line = f'source = "{sources[match]}"'
        out.append(line)
    return "\n".join(out) + "\n"


def test_skeleton_of_the_history_layout(make_book, tmp_path):
    book = make_book(PROFILE_TEXT)
    res = run(book, "formats", "guess", str(HISTORY))
    assert res.exit_code == 0, res.output
    text = res.stdout
    doc = tomllib.loads(text)  # TOML as printed, blanks and all
    [m] = doc["mapping"]
    assert m["columns"] == {"date": "Transaction Date", "amount": "Amount", "shares": "Units", "kind": "Activity",
                            "source": "Contribution", "fund": "Investment", "memo": "Description"}
    assert m["date_format"] == "%m/%d/%Y %I:%M:%S %p"
    assert [(r["column"], r["match"], r.get("kind", r.get("source"))) for r in m["rules"]] == [
        ("Activity", "^Purchase$", ""), ("Activity", "^Cash Disbursement$", ""), ("Activity", "^Cash Receipts$", ""),
        ("Activity", "^Dividend$", "earnings"), ("Activity", "^Fee$", "fee"),
        ("Contribution", r"^Employee 401\(k\)$", "pretax"), ("Contribution", "^Voluntary Savings$", ""),
        ("Contribution", "^Matching$", "match")]
    assert "# Header found at line 1: Transaction Date, Investment, Contribution" in text
    filled = tmp_path / "m.toml"
    filled.write_text(fill(text, {"Purchase": "exchange", "Cash Disbursement": "exchange",
                                  "Cash Receipts": "contribution"}, {"Voluntary Savings": "after_tax"}),
                      encoding="utf-8")
    out = import_json(book, "--from", "mapping", "--mapping", str(filled), "--plan", "acme", str(HISTORY))
    assert (out["format"], out["imported"]) == ("plan-history", 5)
    # lines 8-10 (Cash Receipts) are the contributions: 1000.00 + 1211.54 + 323.08; line 11 the dividend
    # 7.80, line 12 the fee -6.00; the purchases and disbursements of 3/16 net to 0.00 per source
    assert totals(book_events(book)) == {("contribution", "after_tax"): "1211.54", ("contribution", "match"): "323.08",
                                         ("contribution", "pretax"): "1000.00", ("earnings", "after_tax"): "7.80",
                                         ("fee", "pretax"): "-6.00"}


def test_a_blank_left_is_refused_when_loading(make_book, tmp_path):
    book = make_book(PROFILE_TEXT)
    m = tmp_path / "m.toml"
    m.write_text(skeleton(guess_file(HISTORY)), encoding="utf-8")
    res = run(book, "import", "--from", "mapping", "--mapping", str(m), "--plan", "acme", str(HISTORY))
    assert res.exit_code == 2
    assert "mapping[0].rules[0].kind: expected one of contribution" in res.output and "found ''" in res.output


def test_preamble_footer_semicolons_and_what_is_not_recognised(tmp_path):
    p = tmp_path / "Export 2026.csv"
    p.write_text("Participant: A. Doe;;\n\nWhen;Betrag;Art\n2026-01-02;1,00;Dividend\n\nTotal;1,00;\n",
                 encoding="utf-8")
    g = guess_file(p)
    assert (g.header_line, g.header, g.delimiter, g.stop_at_blank) == (3, ["When", "Betrag", "Art"], ";", True)
    assert g.columns == {}  # no column name it knows; "1,00" is not an amount it reads
    text = skeleton(g)
    assert "# NOT recognised: date, amount (required)" in text
    assert 'date = ""  # fill in' in text and 'delimiter = ";"' in text and "stop_at_blank = true" in text
    assert tomllib.loads(text)["mapping"][0]["name"] == "export-2026"


def test_exact_match_and_strings_survive_toml():
    for value in ["Employee 401(k)", "Fee + Tax [1/2]", "Smith's $ fund", r"A\B", "^x$"]:
        pattern = tomllib.loads(f"m = {json.dumps(exact_match(value))}")["m"]
        assert re.search(pattern, value) and not re.search(pattern, value + " more")
    mapping = {"name": "x", "columns": {"date": "D", "amount": "A"},
               "rules": [{"column": "T", "match": exact_match("Smith's (x)"), "kind": "fee"}]}
    assert parse_mapping(mapping, "mapping[0]").rules[0].pattern.search("Smith's (x)")


def test_formats_still_lists_the_formats(make_book):
    book = make_book(PROFILE_TEXT)
    res = run(book, "formats", "--format", "json")
    assert res.exit_code == 0
    names = [f["name"] for f in json.loads(res.stdout)]
    assert names[:3] == ["payroll", "activity", "1099r"] and "mapping" in names
    res = run(book, "formats")
    assert res.exit_code == 0 and res.stdout.splitlines()[0].split()[:3] == ["name", "file", "identified"]


def test_guess_errors(make_book, tmp_path):
    book = make_book(PROFILE_TEXT)
    res = run(book, "formats", "guess", str(tmp_path / "none.csv"))
    assert res.exit_code == 2 and "none.csv: cannot be read" in res.output
    p = tmp_path / "one.csv"
    p.write_text("just one line of prose\n", encoding="utf-8")
    res = run(book, "formats", "guess", str(p))
    assert res.exit_code == 2 and "no header row" in res.output
    p.write_text("Date,Type,Amount\n", encoding="utf-8")
    res = run(book, "formats", "guess", str(p))
    assert res.exit_code == 2 and "one.csv:1: a header but no data rows" in res.output


def test_a_preamble_line_that_looks_like_a_header_is_passed_over():
    """NetBenefits' `Plan name:,BETA LABS, INC. 401(K) SAVINGS PLAN` has three fields; the header
    taken is line 4, the first whose columns include a date and an amount."""
    g = guess_file(FIX / "netbenefits-history-dollar.csv")
    assert (g.header_line, g.columns["date"], g.columns["amount"], g.columns["shares"]) == (
        4, "Date", "Amount ($)", "Shares/Unit")
    assert g.stop_at_blank and "line 2 looks like a header too" in " ".join(g.notes)
