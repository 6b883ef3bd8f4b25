"""The mappings shipped in mbr_ledger/data/mappings: `--from alerus` and `--from vanguard-csv`.

The fixtures use the public headers of those exports (the Alerus history CSV and the
transactions section of Vanguard's retirement-plan CSV download) with our own numbers; the
totals below are those numbers added by hand.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from real_helpers import PROFILE_TEXT, book_events, event_rows, import_json, profile, totals

from mbr_ledger.importers import ImportContext, detect
from mbr_ledger.importers.mapping import SHIPPED_DIR, shipped_specs

from conftest import run

FIX = Path(__file__).resolve().parent / "fixtures" / "mappings"
ALERUS = FIX / "alerus-history.csv"
VANGUARD = FIX / "vanguard-retirement.csv"
ONE_PLAN = PROFILE_TEXT.split("[[plan]]")[0] + "[[plan]]" + PROFILE_TEXT.split("[[plan]]")[1]

# lines 2-4: 1200.00 after-tax, 600.00 pre-tax, 300.00 match; line 5 dividends 12.50 and line 7
# cash earnings 0.31 (after-tax: 12.81); line 6 the fee, -2.50 from the pre-tax money
ALERUS_TOTALS = {("contribution", "after_tax"): "1200.00", ("contribution", "match"): "300.00",
                 ("contribution", "pretax"): "600.00", ("earnings", "after_tax"): "12.81",
                 ("fee", "pretax"): "-2.50"}
# lines 6-7: two after-tax contributions of 1211.54 (2423.08); line 8 the fee -6.00; line 9 the dividend 15.30
VANGUARD_TOTALS = {("contribution", "after_tax"): "2423.08", ("earnings", "after_tax"): "15.30",
                   ("fee", "after_tax"): "-6.00"}


def test_shipped_mappings_are_package_data():
    assert sorted(p.name for p in SHIPPED_DIR.glob("*.toml")) == ["alerus.toml", "vanguard-csv.toml"]
    assert [s.name for s in shipped_specs()] == ["alerus", "vanguard-csv"]
    assert shipped_specs()[0].header_names == ["Date", "Value", "Activity", "Source", "Investment", "Shares",
                                               "Time", "Sequence", "Ticker", "Cusip", "Price"]


def test_alerus_rows():
    ctx = ImportContext(profile(), plan="acme")
    imp = detect(ALERUS, "alerus", ctx)
    ex = imp.extract(ALERUS, ctx)
    assert ex.problems == []
    assert event_rows(ex) == [
        ("2026-01-15", "acme", "contribution", "after_tax", "1200.00", "Vanguard Total Stock Market Index Admiral",
         "10.000000", 2),
        ("2026-01-15", "acme", "contribution", "pretax", "600.00", "Vanguard Total Stock Market Index Admiral",
         "5.000000", 3),
        ("2026-01-15", "acme", "contribution", "match", "300.00", "Vanguard Total Stock Market Index Admiral",
         "2.500000", 4),
        ("2026-03-27", "acme", "earnings", "after_tax", "12.50", "Vanguard Total Stock Market Index Admiral",
         "0.100000", 5),
        ("2026-03-31", "acme", "fee", "pretax", "-2.50", "Vanguard Total Stock Market Index Admiral",
         "-0.020000", 6),
        ("2026-03-31", "acme", "earnings", "after_tax", "0.31", "Cash", "0.310000", 7),
    ]
    assert totals(ex.tables["events"]) == ALERUS_TOTALS


def test_alerus_from_the_command_line(make_book):
    book = make_book(PROFILE_TEXT)
    out = import_json(book, "--from", "alerus", "--plan", "acme", str(ALERUS))
    assert (out["format"], out["imported"]) == ("alerus", 6)
    assert totals(book_events(book)) == ALERUS_TOTALS
    assert import_json(book, "--from", "alerus", "--plan", "acme", str(ALERUS))["duplicates"] == 6


def test_found_by_its_header_and_the_only_plan(make_book, tmp_path):
    """Without --from the header finds the mapping; with one plan in the book, no --plan is needed."""
    book = make_book(ONE_PLAN)
    renamed = tmp_path / "download.csv"
    shutil.copy(ALERUS, renamed)
    out = import_json(book, str(renamed))
    assert (out["format"], out["imported"]) == ("alerus", 6)
    assert totals(book_events(book)) == ALERUS_TOTALS


def test_vanguard_transactions_section(make_book):
    book = make_book(PROFILE_TEXT)
    out = import_json(book, "--from", "vanguard-csv", "--plan", "acme", "--source", "after_tax", str(VANGUARD))
    assert (out["format"], out["imported"]) == ("vanguard-csv", 4)
    assert totals(book_events(book)) == VANGUARD_TOTALS
    dates = sorted(d.isoformat() for d in book_events(book)["date"].to_list())
    assert dates == ["2026-02-13", "2026-02-27", "2026-03-31", "2026-03-31"]  # the Trade Date


def test_vanguard_needs_the_money_source(make_book):
    book = make_book(PROFILE_TEXT)
    res = run(book, "import", "--from", "vanguard-csv", "--plan", "acme", str(VANGUARD))
    assert res.exit_code == 2
    assert "has no money-source column" in res.output and "--source" in res.output


def test_an_unknown_word_is_an_error_naming_its_line(make_book, tmp_path):
    book = make_book(PROFILE_TEXT)
    p = tmp_path / "v.csv"
    p.write_bytes(VANGUARD.read_bytes().replace(b"Dividend,Dividend,", b"Plan Adjustment,Adjustment,"))
    res = run(book, "import", "--from", "vanguard-csv", "--plan", "acme", "--source", "after_tax", str(p))
    assert res.exit_code == 2
    assert f"{p}:9: Transaction Activity: unknown transaction type 'Plan Adjustment'" in res.output
    assert book_events(book).height == 0


def test_a_mapping_of_the_book_replaces_a_shipped_one(make_book, tmp_path):
    """A [[mapping]] named alerus in mbr.toml is the one used (here: it reads Value negated)."""
    text = (SHIPPED_DIR / "alerus.toml").read_text(encoding="utf-8").replace(
        'name = "alerus"', 'name = "alerus"\nnegate = true\nplan = "acme"')
    book = make_book(PROFILE_TEXT + "\n" + text)
    out = import_json(book, "--from", "alerus", str(ALERUS))
    assert out["imported"] == 6
    got = totals(book_events(book))
    assert got[("contribution", "after_tax")] == "-1200.00" and got[("fee", "pretax")] == "-2.50"


def test_a_mapping_of_the_book_claiming_the_file_wins_detection(make_book):
    own = tomllib.loads((SHIPPED_DIR / "alerus.toml").read_text(encoding="utf-8"))["mapping"][0]
    own = {**own, "name": "my-alerus", "plan": "acme"}
    mapping = "[[mapping]]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in own.items()
                                          if not isinstance(v, dict | list) or k == "header_contains")
    mapping += "\n[mapping.columns]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in own["columns"].items())
    for rule in own["rules"]:
        mapping += "\n[[mapping.rules]]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in rule.items())
    book = make_book(PROFILE_TEXT + "\n" + mapping + "\n")
    out = import_json(book, str(ALERUS))
    assert (out["format"], out["imported"]) == ("my-alerus", 6)


@pytest.mark.parametrize(("path", "name", "args", "want"), [
    (ALERUS, "alerus", (), ALERUS_TOTALS),
    (VANGUARD, "vanguard-csv", ("--source", "after_tax"), VANGUARD_TOTALS)])
def test_formats_guess_on_the_shipped_layouts(make_book, tmp_path, path, name, args, want):
    """`mbr formats guess` on these files recognises the shipped mapping's date and amount columns,
    and its skeleton, its one blank filled (Alerus "Cash Earnings": earnings), imports the same totals."""
    book = make_book(PROFILE_TEXT)
    res = run(book, "formats", "guess", str(path))
    assert res.exit_code == 0, res.output
    got = tomllib.loads(res.stdout)["mapping"][0]["columns"]
    spec = next(s for s in shipped_specs() if s.name == name)
    assert (got["date"], got["amount"]) == (spec.columns["date"], spec.columns["amount"])
    blanks = len(re.findall(r'^(kind|source) = ""', res.stdout, flags=re.MULTILINE))
    assert blanks == (1 if name == "alerus" else 0)
    m = tmp_path / "m.toml"
    m.write_text(re.sub(r'^kind = ""', 'kind = "earnings"', res.stdout, flags=re.MULTILINE), encoding="utf-8")
    out = import_json(book, "--from", "mapping", "--mapping", str(m), "--plan", "acme", *args, str(path))
    assert out["imported"] == (6 if name == "alerus" else 4)
    assert totals(book_events(book)) == want
