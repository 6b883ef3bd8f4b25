"""A negative `contribution` (a reversal of a deposit, or a correction) is real: it imports, with a
warning naming its file and line, and the audit shows it as a WARN finding naming the rows.
0.00 is not negative (no warning); -0.01 is. A move out of an after-tax source with no recorded
basis is counted as taxable in full, and the audit says so, naming the row."""

from __future__ import annotations

import json

from conftest import run

PROFILE = """
[[person]]
id = "alex"
born = "1975-03-10"

[[plan]]
id = "acme"
person = "alex"
employer = "Acme Corp"
conversion = "in_plan_auto"
"""

ROWS = """date,person,account,kind,source,amount
2026-03-01,alex,acme,contribution,after_tax,1000.00
2026-03-15,alex,acme,contribution,after_tax,-250.00
2026-03-16,alex,acme,contribution,after_tax,-0.01
2026-03-17,alex,acme,contribution,after_tax,0.00
2026-03-18,alex,acme,contribution,after_tax,0.01
2025-12-30,alex,acme,contribution,after_tax,-40.00
"""


def test_import_warns_with_file_and_line(make_book, tmp_path):
    book = make_book(PROFILE)
    src = tmp_path / "act.csv"
    src.write_text(ROWS, encoding="utf-8")
    res = run(book, "import", str(src))
    assert res.exit_code == 0, res.output
    warnings = [ln for ln in res.stderr.splitlines() if ln.startswith("warning:")]
    assert warnings == [
        f"warning: {src}:3: negative contribution (-250.00) imported: a reversal or correction of a deposit? "
        f"`mbr audit` lists it",
        f"warning: {src}:4: negative contribution (-0.01) imported: a reversal or correction of a deposit? "
        f"`mbr audit` lists it",
        f"warning: {src}:7: negative contribution (-40.00) imported: a reversal or correction of a deposit? "
        f"`mbr audit` lists it",
    ]
    assert "added" in res.stdout.splitlines()[0]  # the table of what was added
    again = run(book, "import", str(src))  # nothing new: no warning the second time
    assert again.exit_code == 0 and "warning:" not in again.stderr


def test_audit_shows_the_year_negative_rows(make_book, tmp_path):
    """2026: lines 3 (-250.00) and 4 (-0.01), -250.01 in all; the -40.00 of 2025-12-30 belongs to
    2025's audit, and 0.00 / 0.01 are not negative."""
    book = make_book(PROFILE)
    src = tmp_path / "act.csv"
    src.write_text(ROWS, encoding="utf-8")
    assert run(book, "import", str(src)).exit_code == 0
    res = run(book, "audit", "--year", "2026", "--format", "json")
    assert res.exit_code == 0, res.output  # a warning, not a fail
    found = [f for f in json.loads(res.stdout)["checks"] if f["id"] == "negative_contribution"]
    assert len(found) == 1
    f = found[0]
    assert (f["status"], f["scope"], f["amount"]) == ("warn", "alex", "-250.01")
    assert f["rows"] == [f"{src}:3", f"{src}:4"]
    assert f["message"].startswith("2 negative contribution row(s) for 2026 (acme), -250.01 in all")
    res = run(book, "audit", "--year", "2025", "--format", "json")
    (f25,) = [f for f in json.loads(res.stdout)["checks"] if f["id"] == "negative_contribution"]
    assert (f25["amount"], f25["rows"]) == ("-40.00", [f"{src}:7"])


def test_no_negative_row_no_finding(make_book, tmp_path):
    book = make_book(PROFILE)
    src = tmp_path / "act.csv"
    src.write_text("date,person,account,kind,source,amount\n2026-03-17,alex,acme,contribution,after_tax,0.00\n",
                   encoding="utf-8")
    res = run(book, "import", str(src))
    assert res.exit_code == 0 and "warning:" not in res.stderr
    res = run(book, "audit", "--year", "2026", "--format", "json")
    assert not [f for f in json.loads(res.stdout)["checks"] if f["id"] == "negative_contribution"]


# ---------------------------------------------------------------- a conversion with no recorded basis

def conversion_findings(make_book, tmp_path, rows: str, year: int = 2026) -> list[dict]:
    book = make_book(PROFILE)
    src = tmp_path / "conv.csv"
    src.write_text(rows, encoding="utf-8")
    res = run(book, "import", str(src))
    assert res.exit_code == 0, res.output
    res = run(book, "audit", "--year", str(year), "--format", "json")
    return [f for f in json.loads(res.stdout)["checks"] if f["id"] == "conversion_no_basis"]


def test_conversion_with_no_recorded_basis_is_named(make_book, tmp_path):
    """An in-plan Roth rollover of 1,000.00 out of an after-tax source the ledger holds no basis for:
    by sections 72(e)(8)/72(d)(2) the non-basis part of a distribution is taxable, so with basis 0 all
    1,000.00 is earnings, taxable now (an IRR to the Roth 401(k)); the audit names the row."""
    (f,) = conversion_findings(make_book, tmp_path, "date,person,account,kind,source,amount\n"
                                                    "2026-03-01,alex,acme,conversion,after_tax,-1000.00\n")
    src = tmp_path / "conv.csv"
    assert (f["status"], f["scope"], f["amount"], f["rows"]) == ("warn", "acme", "1000.00", [f"{src}:2"])
    assert f["message"] == (f"{src}:2: 1,000.00 moved out of the acme after-tax source in 2026 with no after-tax "
                            f"basis recorded in the ledger, so all of it is counted as earnings, 1,000.00 of it "
                            f"taxable now")


def test_a_cent_of_basis_is_not_warned(make_book, tmp_path):
    """0.01 of basis contributed before: the move that empties the source carries it (basis 0.01),
    so the ledger has a basis for it: no warning."""
    assert conversion_findings(make_book, tmp_path, "date,person,account,kind,source,amount\n"
                               "2026-02-01,alex,acme,contribution,after_tax,0.01\n"
                               "2026-03-01,alex,acme,conversion,after_tax,-1000.00\n") == []


def test_a_stated_zero_basis_is_taken_at_its_word(make_book, tmp_path):
    assert conversion_findings(make_book, tmp_path, "date,person,account,kind,source,amount,basis\n"
                               "2026-03-01,alex,acme,conversion,after_tax,-1000.00,0.00\n") == []


def test_a_move_of_another_year_is_not_in_this_audit(make_book, tmp_path):
    rows = "date,person,account,kind,source,amount\n2025-03-01,alex,acme,conversion,after_tax,-10.00\n"
    assert conversion_findings(make_book, tmp_path, rows, 2026) == []
