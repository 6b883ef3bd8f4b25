"""[[mapping]] version 2: `account` (a plan or an IRA), `[[mapping.rules]]`, `placeholders`, `signs`.

Figures are the fixture's own numbers added by hand; the kinds follow the ledger's contract
(money leaving an account is negative; an in-plan Roth conversion is booked on the source it leaves).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from real_helpers import PROFILE_TEXT, book_events, event_rows, extract, import_json, totals

from mbr_ledger.core.errors import MbrError, ProfileError
from mbr_ledger.profile import parse_mapping, parse_profile

from conftest import run

FIX = Path(__file__).resolve().parent / "fixtures" / "mappings"
RULES_CSV = FIX / "rules-plan.csv"
RULES = tomllib.loads((FIX / "rules-plan.toml").read_text())["mapping"][0]
IRA_CSV = FIX / "roth-ira.csv"
IRA = tomllib.loads((FIX / "roth-ira.toml").read_text())["mapping"][0]
TRAD_PROFILE = PROFILE_TEXT + '\n[[ira]]\nid = "alex-trad"\nperson = "alex"\ntype = "traditional"\n'

RULES_TOTALS = {("contribution", "after_tax"): "500.00", ("contribution", "match"): "250.00",
                ("conversion", "after_tax"): "-500.00", ("earnings", "after_tax"): "1.25",
                ("fee", "match"): "-3.00"}


def _tree(book: Path) -> dict[str, bytes]:
    return {str(p.relative_to(book)): p.read_bytes() for p in sorted(book.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("kind_column", [None, "Activity"])
def test_rules_decide_kind_and_source(kind_column):
    """Without a kind column the rules decide every kind; with one, the word "Transfer" is a
    conversion on lines 5-6 and an exchange on lines 7-8, decided row by row."""
    m = {**RULES, "columns": {**RULES["columns"], **({"kind": kind_column} if kind_column else {})}}
    ex = extract(RULES_CSV, fmt="mapping", mapping=m)
    assert ex.problems == []
    assert event_rows(ex) == [
        ("2026-03-13", "acme", "contribution", "after_tax", "500.00", "Target 2050", None, 3),
        ("2026-03-13", "acme", "contribution", "match", "250.00", "Target 2050", None, 4),
        ("2026-03-13", "acme", "conversion", "after_tax", "-500.00", "Target 2050", None, 5),
        ("2026-03-31", "acme", "fee", "match", "-3.00", "Target 2050", None, 9),   # written 3.00, signs.fee = "-"
        ("2026-03-31", "acme", "earnings", "after_tax", "1.25", None, None, 10),  # fund "--" is a placeholder
    ]
    assert totals(ex.tables["events"]) == RULES_TOTALS
    # line 6 (the Roth leg of the conversion) and lines 7-8 (netting to 0.00) are counted, not lost
    assert any("conversion row(s) into the Roth source were left out" in n for n in ex.notes)
    assert any(n.startswith("2 exchange/transfer row(s) between funds were left out") for n in ex.notes)
    assert ex.rows_read() == 8 and sorted((g.rows, g.first_line) for g in ex.left_out) == [(1, 6), (2, 7)]


def test_first_matching_rule_wins(tmp_path):
    """Two rules match "Fee rebate": the first one listed decides (earnings, not fee)."""
    p = tmp_path / "f.csv"
    p.write_text("Date,Description,Amount\n2026-02-02,Fee rebate,4.00\n2026-02-03,Fee,1.50\n", encoding="utf-8")
    m = {"name": "f", "account": "acme", "source": "pretax", "columns": {"date": "Date", "amount": "Amount"},
         "rules": [{"column": "Description", "match": "rebate", "kind": "earnings"},
                   {"column": "Description", "match": "^Fee", "kind": "fee"}]}
    ex = extract(p, fmt="mapping", mapping=m)
    assert [(r[2], r[4]) for r in event_rows(ex)] == [("earnings", "4.00"), ("fee", "-1.50")]
    swapped = {**m, "rules": m["rules"][::-1]}
    ex = extract(p, fmt="mapping", mapping=swapped)
    assert [(r[2], r[4]) for r in event_rows(ex)] == [("fee", "-4.00"), ("fee", "-1.50")]


def test_a_row_no_rule_decides_is_an_error_and_the_ledger_is_unchanged(make_book, tmp_path):
    book = make_book(PROFILE_TEXT)
    bad = tmp_path / "bad.csv"
    bad.write_text(RULES_CSV.read_text().replace("03/31/2026,Other,Dividend,", "03/31/2026,Other,Bonus,"),
                   encoding="utf-8")
    m = tmp_path / "m.toml"
    m.write_text((FIX / "rules-plan.toml").read_text(), encoding="utf-8")
    before = _tree(book)
    res = run(book, "import", "--from", "mapping", "--mapping", str(m), str(bad))
    assert res.exit_code == 2
    assert (f"{bad}:10: Description: no rule of --mapping file: mapping[0] ([[mapping.rules]]) and no "
            f"[mapping.kinds] entry decides the kind of this row (Description 'Bonus', Activity 'Other')"
            ) in res.output
    assert _tree(book) == before
    # the good file goes in whole
    out = import_json(book, "--from", "mapping", "--mapping", str(m), str(RULES_CSV))
    assert out["imported"] == 5
    # 8 rows read = 5 imported + line 6 (the Roth leg) + lines 7-8 (the exchange netting to 0.00)
    assert out["read"] == 8 and sorted((g["rows"], g["first_line"]) for g in out["left_out"]) == [(1, 6), (2, 7)]
    assert totals(book_events(book)) == RULES_TOTALS


def test_kinds_entry_decides_what_no_rule_does(tmp_path):
    m = {**RULES, "columns": {**RULES["columns"], "kind": "Description"}, "kinds": {"Bonus": "earnings"}}
    p = tmp_path / "b.csv"
    p.write_text(RULES_CSV.read_text().replace("03/31/2026,Other,Dividend,", "03/31/2026,Other,Bonus,"),
                 encoding="utf-8")
    ex = extract(p, fmt="mapping", mapping=m)
    assert ex.problems == [] and event_rows(ex)[-1][2:5] == ("earnings", "after_tax", "1.25")


def test_mapping_reaches_a_roth_ira():
    """`account` names an IRA: the rows are the IRA's; a Roth IRA's contributions are `roth`, its
    other rows carry no source: Form 8606's pro-rata rule (Instructions for Form 8606, Part I,
    lines 6-12) looks at the value of all of a person's traditional IRAs, not at sources."""
    ex = extract(IRA_CSV, fmt="mapping", mapping=IRA)
    assert ex.problems == []
    assert event_rows(ex) == [
        ("2026-01-05", "alex-roth", "contribution", "roth", "7000.00", None, None, 2),
        ("2026-03-31", "alex-roth", "earnings", None, "12.34", None, None, 3),
        ("2026-06-30", "alex-roth", "fee", None, "-25.00", None, None, 4),
        ("2026-09-15", "alex-roth", "earnings", None, "0.41", None, None, 5),
    ]
    df = ex.tables["events"]
    assert df["person"].to_list() == ["alex"] * 4
    assert df["memo"].to_list() == ["Deposit: Contribution for 2026", "Dividend", "Fee: Annual fee", "Interest"]


def test_ira_from_the_command_line(make_book, tmp_path):
    book = make_book(PROFILE_TEXT)
    m = tmp_path / "m.toml"
    m.write_text((FIX / "roth-ira.toml").read_text(), encoding="utf-8")
    out = import_json(book, "--from", "mapping", "--mapping", str(m), str(IRA_CSV))
    assert out["imported"] == 4
    assert totals(book_events(book)) == {("contribution", "roth"): "7000.00", ("earnings", None): "12.75",
                                         ("fee", None): "-25.00"}
    assert import_json(book, "--from", "mapping", "--mapping", str(m), str(IRA_CSV))["duplicates"] == 4


def test_plan_still_names_plans_only():
    with_plan = {k: v for k, v in IRA.items() if k != "account"} | {"plan": "alex-roth"}
    with pytest.raises(ProfileError, match=r"mapping\[0\].plan: unknown plan 'alex-roth' \(plans: acme, beta\)"):
        parse_mapping(with_plan, "mapping[0]", plan_ids=["acme", "beta"], ira_ids=["alex-roth"])


def test_a_rule_column_missing_from_the_file_is_named(tmp_path):
    """A rule's column is part of the header the mapping looks for."""
    m = {**RULES, "rules": [*RULES["rules"], {"column": "Memo", "match": "x", "kind": "skip"}]}
    with pytest.raises(MbrError, match=r"no \[\[mapping\]\] recognises this file .* "
                                       r"rules-plan: Date,Amount,Source,Fund,Description,Activity,Memo;"):
        extract(RULES_CSV, fmt="mapping", mapping=m)


def test_traditional_ira_contribution_needs_its_source():
    """A traditional IRA contribution is deductible or nondeductible (the nondeductible part is
    Form 8606 line 1, Instructions for Form 8606): never assumed, so an unknown one is an error."""
    m = {**IRA, "account": "alex-trad"}
    ex = extract(IRA_CSV, profile_text=TRAD_PROFILE, fmt="mapping", mapping=m)
    assert [(p.line, p.column) for p in ex.problems] == [(2, "Amount")]
    assert "the source of this contribution to IRA 'alex-trad' is unknown" in ex.problems[0].message
    ex = extract(IRA_CSV, profile_text=TRAD_PROFILE, fmt="mapping", mapping=m, source="nondeductible")
    assert ex.problems == [] and event_rows(ex)[0][1:5] == ("alex-trad", "contribution", "nondeductible", "7000.00")
    ex = extract(IRA_CSV, profile_text=TRAD_PROFILE, fmt="mapping", mapping={**m, "source": "deductible"})
    assert ex.problems == [] and event_rows(ex)[0][3] == "deductible"


def test_placeholders_are_empty_cells(tmp_path):
    """The default placeholders `--` and `n/a` (any case) are empty; a mapping may name its own."""
    p = tmp_path / "p.csv"
    p.write_text("Date,Type,Amount,Fund\n2026-01-02,Dividend,1.00,N/A\n2026-01-03,Dividend,2.00,none\n",
                 encoding="utf-8")
    m = {"name": "p", "account": "acme", "source": "pretax",
         "columns": {"date": "Date", "amount": "Amount", "kind": "Type", "fund": "Fund"}}
    assert [r[5] for r in event_rows(extract(p, fmt="mapping", mapping=m))] == [None, "none"]
    ex = extract(p, fmt="mapping", mapping={**m, "placeholders": ["none"]})
    assert [r[5] for r in event_rows(ex)] == ["N/A", None]
    # a placeholder where a value is required is the usual problem, never a zero
    p.write_text("Date,Type,Amount,Fund\n2026-01-02,Dividend,--,x\n", encoding="utf-8")
    ex = extract(p, fmt="mapping", mapping=m)
    assert [(q.line, q.column, q.message) for q in ex.problems] == [(2, "Amount", "value is required")]


def test_signs(tmp_path):
    """`-`: the absolute value made negative; `+`: a negative amount is a problem; `-` with the
    kind also written negative elsewhere in the file: a positive one is a problem (a refund?)."""
    p = tmp_path / "s.csv"
    p.write_text("Date,Type,Amount\n2026-01-02,Withdrawal,1000.00\n2026-01-02,Dividend,3.10\n"
                 "2026-01-03,Dividend,(2.00)\n", encoding="utf-8")
    m = {"name": "s", "account": "acme", "source": "after_tax",
         "columns": {"date": "Date", "amount": "Amount", "kind": "Type"}}
    plain = [(r[2], r[4]) for r in event_rows(extract(p, fmt="mapping", mapping=m))]
    assert plain == [("distribution", "-1000.00"), ("earnings", "3.10"), ("earnings", "-2.00")]
    ex = extract(p, fmt="mapping", mapping={**m, "signs": {"earnings": "+"}})
    assert [(q.line, q.column) for q in ex.problems] == [(4, "Amount")]
    assert 'written negative (-2.00) but signs.earnings = "+"' in ex.problems[0].message
    ex = extract(p, fmt="mapping", mapping={**m, "signs": {"earnings": "-"}})
    assert [(q.line, q.column) for q in ex.problems] == [(3, "Amount")]
    assert "written positive (3.10)" in ex.problems[0].message
    # a file that writes every earnings amount without a sign: all of them made negative
    p.write_text("Date,Type,Amount\n2026-01-02,Dividend,3.10\n2026-01-03,Dividend,2.00\n", encoding="utf-8")
    ex = extract(p, fmt="mapping", mapping={**m, "signs": {"earnings": "-"}})
    assert ex.problems == [] and [r[4] for r in event_rows(ex)] == ["-3.10", "-2.00"]


@pytest.mark.parametrize(("change", "message"), [
    ({"rules": [{"column": "Description", "match": "(unclosed", "kind": "fee"}]},
     r"mbr.toml: mapping\[0\].rules\[0\].match: not a regular expression \(missing \), unterminated subpattern"),
    ({"rules": [{"column": "Description", "match": "x"}]}, r"mapping\[0\].rules\[0\]: a rule sets a `kind`"),
    ({"rules": [{"column": "Description", "match": "x", "kind": "buy"}]},
     r"mapping\[0\].rules\[0\].kind: expected one of contribution"),
    ({"rules": [{"column": "Description", "match": "x", "source": "after-tax"}]},
     r"mapping\[0\].rules\[0\].source: expected one of pretax"),
    ({"rules": [{"column": "D", "match": "x", "kind": "fee", "when": 1}]}, r"mapping\[0\].rules\[0\].when: unknown key"),
    ({"rules": [{"column": "Source", "match": "x", "source": "roth"}]},
     r"mapping\[0\].columns.kind: required key is missing \(no \[\[mapping.rules\]\] rule sets a kind\)"),
    ({"signs": {"fee": "minus"}}, r'mapping\[0\].signs.fee: expected "\+" or "-"'),
    ({"signs": {"exchange": "-"}}, r"mapping\[0\].signs.exchange: unknown key"),
    ({"account": "nobody"}, r"mapping\[0\].account: unknown account 'nobody' \(plans and IRAs: acme, beta, alex-roth\)"),
    ({"plan": "acme"}, r"mapping\[0\].account: give `account` or `plan`, not both"),
    ({"placeholders": ["--", ""]}, r"mapping\[0\].placeholders: expected a list of non-empty strings"),
])
def test_bad_mapping_keys_name_their_path(change, message):
    with pytest.raises(ProfileError, match=message):
        parse_mapping({**RULES, **change}, "mapping[0]", plan_ids=["acme", "beta"], ira_ids=["alex-roth"])


def test_profile_mapping_may_name_an_ira():
    doc = tomllib.loads(PROFILE_TEXT + "\n" + (FIX / "roth-ira.toml").read_text())
    prof = parse_profile(doc)
    assert prof.mappings[0].account == "alex-roth"


def test_mapping_with_an_ira_of_another_person(tmp_path):
    text = PROFILE_TEXT + '\n[[person]]\nid = "sam"\nborn = "1980-01-01"\n'
    with pytest.raises(MbrError, match=r"'alex-roth' belongs to 'alex', not to --person sam"):
        extract(IRA_CSV, profile_text=text, fmt="mapping", mapping=IRA, person="sam")


def test_the_examples_of_docs_mapping_load():
    """Every complete [[mapping]] example of docs/mapping.md loads as written (the skeleton with
    blanks to fill in is refused, as the page says)."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "mapping.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, flags=re.DOTALL)
    loaded = refused = 0
    for block in blocks:
        block = "\n".join(line[3:] if line.startswith("   ") else line for line in block.splitlines())
        [t] = tomllib.loads(block)["mapping"]
        if '= ""' in block:
            with pytest.raises(ProfileError, match=r"expected one of"):
                parse_mapping(t, "mapping[0]")
            refused += 1
        else:
            parse_mapping(t, "mapping[0]")
            loaded += 1
    assert (loaded, refused) == (10, 1)
