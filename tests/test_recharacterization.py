"""Recharacterizations of IRA contributions (activity kind `recharacterization`).

Pub. 590-A "Recharacterizations": a contribution moved with its earnings to the other kind of IRA by
the due date of the return (including extensions) is treated as made to the second IRA for the
year. Instructions for Forms 1099-R: code N for a recharacterization in the contribution's year, R
in the year after; box 2a 0. Form 8606 instructions, line 1: a Roth IRA contribution recharacterized
as a traditional one counts there (as nondeductible here).
"""

from __future__ import annotations

from conftest import ACTIVITY_HEADER, import_rows, run, run_json

HEADER = ACTIVITY_HEADER

PROFILE = """
[[person]]
id = "kim"
born = "1980-05-01"
filing_status = "single"

[[ira]]
id = "kim-trad"
person = "kim"
type = "traditional"

[[ira]]
id = "kim-roth"
person = "kim"
type = "roth"
"""


def _book(make_book, tmp_path, *lines: str):
    return import_rows(make_book(PROFILE), tmp_path, *lines, name="ira")


_json = run_json


CONTRIBUTION = "2025-03-01,kim,kim-roth,contribution,roth,7000.00,,,,2025,,,"


def test_roth_contribution_recharacterized_next_year_is_line_1_and_code_r(make_book, tmp_path):
    """7,000.00 to the Roth IRA for 2025, moved with 350.00 of earnings (7,350.00) to the traditional
    IRA on 2026-02-10: Form 8606 for 2025 line 1 = 7,000.00, line 14 = 7,000.00 (no distribution or
    conversion: lines 4-13 blank); the Roth IRA's Form 1099-R for 2026: box 1 7,350.00, box 2a 0.00,
    code R (made in the year after the contribution's)."""
    book = _book(make_book, tmp_path, CONTRIBUTION,
                 "2026-02-10,kim,kim-roth,recharacterization,,7350.00,7000.00,,traditional_ira,2025,,,")
    f = _json(book, "worksheet", "8606", "--year", "2025")["lines"]
    assert (f["1"], f["2"], f["3"], f["14"]) == ("7000.00", "0.00", "7000.00", "7000.00")
    assert f.get("6") is None
    ws = _json(book, "worksheet", "1099r", "--year", "2026")
    assert [(x["payer_account"], x["box1"], x["box2a"], x["box7"], x["taxable_in"]) for x in ws["corrective"]] == [
        ("kim-roth", "7350.00", "0.00", "R", "")]
    assert ws["form1040"]["4a"] == "0.00"  # a recharacterization is not a distribution
    c = next(c for c in _json(book, "audit", "--year", "2025")["checks"] if c["id"] == "ira_limit")
    assert (c["amount"], c["excess"]) == ("7000.00", "0.00")  # counted once, within the 2025 limit 7,000.00


def test_recharacterized_then_converted_carries_the_basis(make_book, tmp_path):
    """The 7,350.00 converted 2026-02-20: 2026 Form 8606 line 2 = 7,000.00 (2025's line 14), line 8 =
    7,350.00, line 6 = 0.00 (7,350.00 arrived, 7,350.00 left), line 10 = 7,000 / 7,350 = 0.952380...
    -> 0.95238, line 11 = 7,350.00 x 0.95238 = 6,999.993 -> 6,999.99, line 18 = 350.01."""
    book = _book(make_book, tmp_path, CONTRIBUTION,
                 "2026-02-10,kim,kim-roth,recharacterization,,7350.00,7000.00,,traditional_ira,2025,,,",
                 "2026-02-20,kim,kim-trad,conversion,,7350.00,,,,,,,")
    f = _json(book, "worksheet", "8606", "--year", "2026")["lines"]
    assert (f["2"], f["6"], f["8"], f["10"], f["11"], f["18"]) == (
        "7000.00", "0.00", "7350.00", "0.95238", "6999.99", "350.01")


def test_recharacterized_in_the_same_year_is_code_n(make_book, tmp_path):
    book = _book(make_book, tmp_path, CONTRIBUTION,
                 "2025-11-03,kim,kim-roth,recharacterization,,7100.00,,,traditional_ira,2025,,,")
    ws = _json(book, "worksheet", "1099r", "--year", "2025")
    assert [(x["box1"], x["box7"]) for x in ws["corrective"]] == [("7100.00", "N")]
    f = _json(book, "worksheet", "8606", "--year", "2025")["lines"]
    assert f["1"] == "7100.00"  # no basis given: the whole amount is the contribution moved (the contract's default)


def test_recharacterization_by_october_15_counts_and_on_october_16_does_not(make_book, tmp_path):
    """The deadline is the 2025 return's due date with extensions, 2026-10-15 (Pub. 590-A)."""
    on_time = _book(make_book, tmp_path, CONTRIBUTION,
                    "2026-10-15,kim,kim-roth,recharacterization,,7000.00,,,traditional_ira,2025,,,")
    assert _json(on_time, "worksheet", "8606", "--year", "2025")["lines"]["1"] == "7000.00"
    book = make_book(PROFILE, name="late")
    f = tmp_path / "late.csv"
    f.write_text("\n".join([HEADER, CONTRIBUTION,
                            "2026-10-16,kim,kim-roth,recharacterization,,7000.00,,,traditional_ira,2025,,,"]) + "\n")
    assert run(book, "import", str(f)).exit_code == 0
    assert _json(book, "worksheet", "8606", "--year", "2025")["lines"]["1"] == "0.00"
    ws = _json(book, "worksheet", "1099r", "--year", "2026")
    assert any("after the 2025 return's due date with extensions (2026-10-15): too late" in n for n in ws["notes"])


def test_traditional_contribution_recharacterized_to_roth_leaves_line_1(make_book, tmp_path):
    """A nondeductible 2025 contribution of 7,000.00 moved to the Roth IRA on 2026-01-15 (for 2025):
    it is a Roth IRA contribution for 2025, not on Form 8606 line 1 (line 1 = 0.00)."""
    book = _book(make_book, tmp_path, "2025-05-01,kim,kim-trad,contribution,nondeductible,7000.00,,,,2025,,,",
                 "2026-01-15,kim,kim-trad,recharacterization,,7020.00,7000.00,,roth_ira,2025,,,")
    f = _json(book, "worksheet", "8606", "--year", "2025")["lines"]
    assert f["1"] == "0.00"


def test_bad_recharacterization_rows_are_refused(make_book, tmp_path):
    book = make_book(PROFILE)
    f = tmp_path / "bad.csv"
    f.write_text("\n".join([
        HEADER,
        "2026-02-10,kim,kim-roth,recharacterization,,7350.00,7000.00,,,2025,,,",               # no destination
        "2026-02-10,kim,kim-roth,recharacterization,,7350.00,7000.00,,roth_ira,2025,,,",       # same kind of IRA
        "2026-02-10,kim,kim-roth,recharacterization,,7350.00,7000.00,,traditional_ira,,,,",    # no for_year
        "2026-02-10,kim,kim-roth,recharacterization,,7350.00,,350.00,traditional_ira,2025,,,",  # taxable
        "2026-02-10,kim,kim-roth,recharacterization,,7350.00,,,traditional_ira,2024,,,",       # two years back
    ]) + "\n")
    res = run(book, "import", str(f))
    assert res.exit_code == 2
    assert "bad.csv:2: destination: a recharacterization needs destination roth_ira or traditional_ira" in res.stderr
    assert "bad.csv:3: destination: a recharacterization goes to the other kind of IRA" in res.stderr
    assert "bad.csv:4: for_year: a recharacterization row needs for_year" in res.stderr
    assert "bad.csv:5: taxable: leave taxable empty on a recharacterization" in res.stderr
    assert "bad.csv:6: for_year: for_year 2024 must be the year of the date or the year before" in res.stderr


def test_a_roth_contribution_over_the_income_limit_recharacterized_is_no_excess(make_book, tmp_path):
    """MAGI 200,000.00 (single) is above the 2025 Roth IRA phase-out: the 7,000.00 direct Roth IRA
    contribution is an excess in ira_limit; recharacterized to the traditional IRA by the due date it
    counts there instead (Pub. 590-A), and nothing is over."""
    rich = PROFILE.replace('filing_status = "single"', 'filing_status = "single"\nmagi = { "2025" = "200000.00" }')
    book = make_book(rich, name="over")
    f = tmp_path / "over.csv"
    f.write_text(f"{HEADER}\n{CONTRIBUTION}\n")
    assert run(book, "import", str(f)).exit_code == 0
    c = next(c for c in _json(book, "audit", "--year", "2025")["checks"] if c["id"] == "ira_limit")
    assert (c["status"], c["excess"]) == ("fail", "7000.00")
    g = tmp_path / "rechar.csv"
    g.write_text(f"{HEADER}\n2026-02-10,kim,kim-roth,recharacterization,,7350.00,7000.00,,traditional_ira,2025,,,\n")
    assert run(book, "import", str(g)).exit_code == 0
    c = next(c for c in _json(book, "audit", "--year", "2025")["checks"] if c["id"] == "ira_limit")
    assert (c["status"], c["amount"], c["excess"]) == ("ok", "7000.00", "0.00")
