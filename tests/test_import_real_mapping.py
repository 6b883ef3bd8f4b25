"""[[mapping]]: any CSV read by a table of column names and words, validated strictly."""

from __future__ import annotations

import tomllib

import pytest
from real_helpers import FIX, PROFILE_TEXT, book_events, event_rows, extract, import_json, totals

from mbr_ledger.core.errors import MbrError, ProfileError
from mbr_ledger.importers import ImportContext, registry, sniff
from mbr_ledger.importers.mapping import MappedCsv, mapping_importers
from mbr_ledger.profile import CsvMapping, parse_mapping, parse_profile

from conftest import run

CSV = FIX / "plan-history.csv"
MAPPING_FILE = FIX / "plan-history-mapping.toml"
MAPPING = tomllib.loads(MAPPING_FILE.read_text())["mapping"][0]
VIS = "Vanguard Institutional Index I"


def spec(**changes) -> CsvMapping:
    return parse_mapping({**MAPPING, **changes}, "mapping[0]")


def prof(extra: str = ""):
    return parse_profile(tomllib.loads(PROFILE_TEXT + extra))


def test_worked_example_is_read_exactly():
    ex = extract(CSV, fmt="mapping", mapping=MAPPING, plan="acme")
    assert ex.format == "plan-history" and ex.problems == []
    assert event_rows(ex) == [
        ("2026-03-13", "acme", "contribution", "pretax", "1000.00", "Cash", "0.000000000", 8),
        ("2026-03-13", "acme", "contribution", "after_tax", "1211.54", "Cash", "0.000000000", 9),
        ("2026-03-13", "acme", "contribution", "match", "323.08", "Cash", "0.000000000", 10),
        ("2026-02-27", "acme", "earnings", "after_tax", "7.80", VIS, "0.031823745", 11),
        ("2026-02-27", "acme", "fee", "pretax", "-6.00", VIS, "-0.024479804", 12),
    ]
    assert ex.tables["events"]["memo"].to_list()[0] == "Cash Receipts (Employee 401(k)): Contributions - Employee"
    # the cash disbursements and fund purchases of 3/16 net to zero per source
    assert ex.notes == ["6 exchange/transfer row(s) between funds were left out (they net to 0.00 per date and "
                        "source: no contribution, no basis moved)"]


def test_worked_example_from_the_command_line_is_idempotent(make_book):
    book = make_book(PROFILE_TEXT)
    args = ("--from", "mapping", "--mapping", str(MAPPING_FILE), "--plan", "acme", str(CSV))
    first = import_json(book, *args)
    assert (first["format"], first["imported"]) == ("plan-history", 5)
    assert import_json(book, *args)["duplicates"] == 5
    assert totals(book_events(book)) == {("contribution", "after_tax"): "1211.54", ("contribution", "match"): "323.08",
                                         ("contribution", "pretax"): "1000.00", ("earnings", "after_tax"): "7.80",
                                         ("fee", "pretax"): "-6.00"}


def test_mapping_in_the_profile(make_book):
    text = PROFILE_TEXT + "\n" + MAPPING_FILE.read_text().replace('title = "', 'plan = "acme"\ntitle = "')
    book = make_book(text)
    out = import_json(book, "--from", "mapping", str(CSV))
    assert (out["format"], out["imported"]) == ("plan-history", 5)
    # the per-mapping importer a registry built with the book's profile would hold
    ctx = ImportContext(parse_profile(tomllib.loads(text)))
    [imp] = mapping_importers(ctx, {i.name for i in registry()})
    assert imp.name == "plan-history" and imp.identify(sniff(CSV))
    assert imp.signature == "Transaction Date,Amount,Activity,Contribution,Investment,Units,Description"


def test_no_mapping_claims_the_file(make_book):
    book = make_book(PROFILE_TEXT)
    res = run(book, "import", "--from", "mapping", "--mapping", str(MAPPING_FILE), str(FIX / "voya-history.csv"))
    assert res.exit_code == 2
    assert "no [[mapping]] recognises this file" in res.output and "plan-history: Transaction Date" in res.output
    res = run(book, "import", "--from", "mapping", str(CSV))
    assert res.exit_code == 2 and "no [[mapping]] table in mbr.toml and no --mapping FILE" in res.output


def test_two_mappings_claiming_a_file_is_an_error():
    second = MAPPING_FILE.read_text().replace('name = "plan-history"', 'name = "other"')
    p = prof("\n" + MAPPING_FILE.read_text() + "\n" + second)
    with pytest.raises(MbrError, match=r"more than one \[\[mapping\]\] claims this file \(plan-history, other\)"):
        detect_mapping = next(i for i in registry() if i.name == "mapping")
        detect_mapping.extract(CSV, ImportContext(p, plan="acme"))


def test_mapping_may_not_take_a_builtin_name():
    ctx = ImportContext(prof(), mapping={**MAPPING, "name": "voya"})
    with pytest.raises(MbrError, match=r"--mapping file: mapping\[0\].name: 'voya' is the name of a built-in format"):
        mapping_importers(ctx, {i.name for i in registry()})


def test_unknown_word_and_bad_date_are_problems(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text(CSV.read_text().replace('"Dividend","Dividend"', '"Dividend","Bonus"')
                 .replace('"2/27/2026 12:00:00 AM","Vanguard Institutional Index I","Employee 401(k)"',
                          '"2/30/2026 12:00:00 AM","Vanguard Institutional Index I","Employee 401(k)"'),
                 encoding="utf-8")
    ex = extract(p, fmt="mapping", mapping=MAPPING, plan="acme")
    assert [(pr.line, pr.column, pr.message) for pr in ex.problems] == [
        (11, "Activity", "unknown transaction type 'Bonus' (1 row(s)); not read (or add it under [mapping.kinds])"),
        (12, "Transaction Date", "not a date in the format '%m/%d/%Y %I:%M:%S %p': '2/30/2026 12:00:00 AM'"),
    ]


def test_european_amounts_are_not_silently_misread(tmp_path):
    """`-1.211,54` is not an amount this reader accepts: a problem, never 1.21."""
    p = tmp_path / "export.csv"
    p.write_bytes(b"Datum;Vorgang;Betrag\r\n2026-03-13;Einzahlung;-1.211,54\r\n")
    m = {"name": "eu", "delimiter": ";", "source": "after_tax", "plan": "acme",
         "columns": {"date": "Datum", "amount": "Betrag", "kind": "Vorgang"}, "kinds": {"Einzahlung": "contribution"}}
    ex = extract(p, fmt="mapping", mapping=m)
    assert [(pr.line, pr.column) for pr in ex.problems] == [(2, "Betrag")]


def test_plan_column_negate_footer_and_cp1252(tmp_path):
    p = tmp_path / "export.csv"
    p.write_bytes(("Participant statement\r\nPlan;Datum;Fonds;Vorgang;Betrag\r\n"
                   "ACME CORP 401(K) PLAN;2026-03-13;Caf\xe9 Fund;Einzahlung;-1211.54\r\n"
                   "beta;2026-03-14;Caf\xe9 Fund;Geb\xfchr;6.00\r\n"
                   "Total;;;;\r\nmore footer\r\n").encode("cp1252"))
    m = {"name": "eu", "delimiter": ";", "encoding": "cp1252", "footer": ["Total"], "negate": True,
         "source": "after_tax", "columns": {"date": "Datum", "amount": "Betrag", "kind": "Vorgang", "fund": "Fonds",
                                            "plan": "Plan"},
         "kinds": {"Einzahlung": "contribution", "Gebühr": "fee"}}
    ex = extract(p, fmt="mapping", mapping=m)
    assert ex.problems == []
    assert event_rows(ex) == [("2026-03-13", "acme", "contribution", "after_tax", "1211.54", "Café Fund", None, 3),
                              ("2026-03-14", "beta", "fee", "after_tax", "-6.00", "Café Fund", None, 4)]


def test_unknown_plan_in_plan_column(tmp_path):
    p = tmp_path / "export.csv"
    p.write_text("Plan,Date,Type,Amount\ngamma,2026-03-13,Contributions,1.00\n", encoding="utf-8")
    m = {"name": "x", "source": "pretax", "columns": {"date": "Date", "amount": "Amount", "kind": "Type",
                                                      "plan": "Plan"}}
    ex = extract(p, fmt="mapping", mapping=m)
    assert [(pr.line, pr.column) for pr in ex.problems] == [(2, "Plan")]
    assert "unknown plan 'gamma'" in ex.problems[0].message


@pytest.mark.parametrize(("change", "message"), [
    ({"columns": {"amount": "A", "kind": "K"}}, "mbr.toml: mapping[0].columns.date: required key is missing"),
    ({"columns": {**MAPPING["columns"], "price": "Price"}}, "mbr.toml: mapping[0].columns.price: unknown key"),
    ({"columns": {**MAPPING["columns"], "date": ""}}, "mbr.toml: mapping[0].columns.date: expected a non-empty string"),
    ({"kinds": {"Purchase": "buy"}}, "mbr.toml: mapping[0].kinds.Purchase: expected one of contribution, earnings"),
    ({"sources": {"EE": "employee"}}, "mbr.toml: mapping[0].sources.EE: expected one of pretax, roth, after_tax"),
    ({"name": "Plan History"}, "mbr.toml: mapping[0].name: use lower-case letters"),
    ({"delimiter": ";;"}, "mbr.toml: mapping[0].delimiter: expected one character"),
    ({"date_format": "MM/DD/YYYY"}, "mbr.toml: mapping[0].date_format: expected a strftime pattern"),
    ({"encoding": "latin-9"}, "mbr.toml: mapping[0].encoding: expected one of utf-8, cp1252"),
    ({"footer": "Total"}, "mbr.toml: mapping[0].footer: expected a list of non-empty strings"),
    ({"negate": "yes"}, "mbr.toml: mapping[0].negate: expected true or false"),
    ({"source": "ira"}, "mbr.toml: mapping[0].source: expected one of pretax"),
    ({"plan": "gamma"}, "mbr.toml: mapping[0].plan: unknown plan 'gamma' (plans: acme, beta)"),
    ({"skip": 3}, "mbr.toml: mapping[0].skip: unknown key"),
])
def test_mapping_is_validated_with_key_paths(change, message):
    doc = tomllib.loads(PROFILE_TEXT)
    doc["mapping"] = [{**MAPPING, **change}]
    with pytest.raises(ProfileError) as err:
        parse_profile(doc)
    assert str(err.value).startswith(message)


def test_mapping_names_are_unique_and_a_table_list():
    doc = tomllib.loads(PROFILE_TEXT)
    doc["mapping"] = [MAPPING, MAPPING]
    with pytest.raises(ProfileError, match=r"mapping\[1\].name: mapping name 'plan-history' is used twice"):
        parse_profile(doc)
    doc["mapping"] = MAPPING
    with pytest.raises(ProfileError, match=r"write \[\[mapping\]\]"):
        parse_profile(doc)


def test_profile_keeps_the_parsed_mapping():
    p = prof("\n" + MAPPING_FILE.read_text())
    [m] = p.mappings
    assert (m.name, m.columns["source"], m.kinds["Purchase"], m.sources, m.date_format) == (
        "plan-history", "Contribution", "exchange", {"Voluntary Savings": "after_tax"}, "%m/%d/%Y %I:%M:%S %p")
    assert MappedCsv(m).identify(sniff(CSV)) and not MappedCsv(m).identify(sniff(FIX / "voya-history.csv"))
    assert spec().where == "mbr.toml: mapping[0]"
