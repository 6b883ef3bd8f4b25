"""`mbr worksheet 1040`: Form 1040 lines 4a/4b (IRAs) and 5a/5b (plans) for one return, a person's or a
married couple's filing jointly (Form 1040 instructions, lines 4a-5b: a joint return reports both
spouses' distributions; 4b from Form 8606 lines 15c + 18 + 25c)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import run

COUPLE = """
[[person]]
id = "alex"
born = "1975-03-10"
filing_status = "{status}"
spouse = "sam"

[[person]]
id = "sam"
born = "1978-09-01"
filing_status = "{status}"
spouse = "alex"

[[plan]]
id = "acme"
person = "alex"
employer = "Acme Corp"
conversion = "rollover_roth_ira"

[[ira]]
id = "alex-trad"
person = "alex"
type = "traditional"

[[ira]]
id = "alex-roth"
person = "alex"
type = "roth"

[[ira]]
id = "sam-trad"
person = "sam"
type = "traditional"
"""

HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"
ACTIVITY = """
2026-01-10,alex,alex-trad,contribution,nondeductible,7000.00,,,,2026,backdoor
2026-01-15,alex,alex-trad,earnings,,12.34,,,,,
2026-01-20,alex,alex-trad,conversion,,7012.34,,,,,backdoor
2026-12-31,alex,alex-trad,balance,,0.00,,,,,
2026-03-02,alex,acme,contribution,after_tax,5000.00,,,,,
2026-05-29,alex,acme,earnings,after_tax,50.00,,,,,
2026-06-01,alex,acme,rollover,after_tax,5050.00,,,roth_ira,,mega backdoor
2026-04-01,sam,sam-trad,distribution,,1000.00,,,,,
2026-12-31,sam,sam-trad,balance,,4000.00,,,,,
"""


def couple(make_book: Callable[..., Path], tmp_path: Path, status: str = "mfj") -> Path:
    book = make_book(COUPLE.replace("{status}", status))
    path = tmp_path / "activity.csv"
    path.write_text(HEADER + ACTIVITY.strip() + "\n", encoding="utf-8")
    res = run(book, "import", str(path))
    assert res.exit_code == 0, res.output
    return book


def as_json(book: Path, *args: str) -> object:
    res = run(book, "worksheet", "1040", "--year", "2026", "--format", "json", *args)
    assert res.exit_code == 0, res.output + res.stderr
    return json.loads(res.stdout)


# alex: the backdoor conversion 7012.34 (Form 8606: line 10 = 7000 / 7012.34 = 0.998240... -> 0.99824;
#   line 11 = 7012.34 x 0.99824 = 7000.0978 -> 7000.10, kept within line 5: 7000.00; line 18 = 12.34),
#   the plan rollover to the Roth IRA 5050.00 with 50.00 of taxable earnings (code G, box 2a 50.00);
# sam: a 1000.00 traditional IRA distribution with no basis (line 10 = 0, line 15c = 1000.00).
ALEX = {"4a": "7012.34", "4b": "12.34", "5a": "5050.00", "5b": "50.00"}
SAM = {"4a": "1000.00", "4b": "1000.00", "5a": "0.00", "5b": "0.00"}
JOINT = {"4a": "8012.34", "4b": "1012.34", "5a": "5050.00", "5b": "50.00"}


def test_a_joint_return_adds_both_spouses(make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = couple(make_book, tmp_path)
    got = as_json(book)
    assert isinstance(got, dict)
    assert got["year"] == 2026 and got["filers"] == ["alex", "sam"]
    assert got["lines"] == JOINT
    # The plan rollover checks 5c; no IRA money was rolled over (a conversion is not a rollover): 4c empty.
    assert got["rollover"] == {"4c": False, "5c": True}
    assert got["by_person"] == {"alex": ALEX, "sam": SAM}
    # --person of either spouse gives the same joint return.
    assert as_json(book, "--person", "sam") == got
    assert as_json(book, "--person", "alex") == got


def test_spouses_filing_separately_have_a_return_each(make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = couple(make_book, tmp_path, status="mfs")
    got = as_json(book)
    assert isinstance(got, list)
    assert [(r["filers"], r["lines"]) for r in got] == [(["alex"], ALEX), (["sam"], SAM)]
    one = as_json(book, "--person", "sam")
    assert isinstance(one, dict) and one["filers"] == ["sam"] and one["lines"] == SAM


def test_the_lines_are_those_of_the_1099r_worksheet(make_book: Callable[..., Path], tmp_path: Path) -> None:
    """One definition of lines 4a-5b (forms/f1040.py): the two worksheets cannot disagree."""
    book = couple(make_book, tmp_path, status="mfs")
    res = run(book, "worksheet", "1099r", "--year", "2026", "--person", "alex", "--format", "json")
    assert json.loads(res.stdout)["form1040"] == ALEX


def test_the_table_shows_the_lines_and_the_boxes(make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = couple(make_book, tmp_path)
    res = run(book, "worksheet", "1040", "--year", "2026")
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "Form 1040 2026 (alex and sam, married filing jointly)" in out
    assert "8,012.34" in out and "1,012.34" in out and "5,050.00" in out
    assert "Rollover boxes" in out and "Not tax advice" in out


def test_nothing_to_report_says_so(make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = make_book(COUPLE.replace("{status}", "mfj"))
    got = as_json(book)
    assert isinstance(got, dict)
    assert got["lines"] == {"4a": "0.00", "4b": "0.00", "5a": "0.00", "5b": "0.00"}
    assert got["notes"][0].startswith("No IRA or plan distribution, conversion or rollover in 2026")


def test_help_has_examples_and_errors_exit_2(book: Path) -> None:
    res = run(book, "worksheet", "1040", "--help")
    assert res.exit_code == 0 and "mbr worksheet 1040 --year 2026 --person sam --format json" in res.output
    bad = run(book, "worksheet", "1040", "--year", "2026", "--person", "nobody")
    assert bad.exit_code == 2 and "--person nobody: unknown person" in bad.output + bad.stderr


def test_a_joint_filer_whose_spouse_is_not_in_the_book_is_told(make_book: Callable[..., Path],
                                                               tmp_path: Path) -> None:
    book = make_book('[[person]]\nid = "alex"\nborn = "1975-03-10"\nfiling_status = "mfj"\n')
    got = as_json(book)
    assert isinstance(got, dict) and got["filers"] == ["alex"]
    assert any(n.startswith("alex files jointly with a spouse who is not in this book") for n in got["notes"])


def test_before_2025_the_rollover_is_a_word_next_to_the_line(make_book: Callable[..., Path], tmp_path: Path) -> None:
    """Form 1040 instructions (2024 and before): write "Rollover" next to line 5b; from 2025 a box (5c)."""
    book = make_book(COUPLE.replace("{status}", "mfj"))
    path = tmp_path / "a.csv"
    path.write_text(HEADER + "2024-03-02,alex,acme,contribution,after_tax,5000.00,,,,,\n"
                    "2024-06-01,alex,acme,rollover,after_tax,5000.00,,,roth_ira,,\n", encoding="utf-8")
    assert run(book, "import", str(path)).exit_code == 0
    res = run(book, "worksheet", "1040", "--year", "2024", "--format", "json")
    got = json.loads(res.stdout)
    assert got["lines"]["5a"] == "5000.00" and got["lines"]["5b"] == "0.00" and got["rollover"]["5c"] is True
    assert 'Before tax year 2025 the form has no rollover box: write "Rollover" next to line 5b' in got["notes"]
