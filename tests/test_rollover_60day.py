"""60-day (indirect) rollovers: the `completed` column of rollover rows.

Pub. 590-A: a rollover must be completed within 60 days after the day the distribution is received;
day 61 is too late (the distribution is then taxable, and what is deposited is a regular
contribution). Form 8606 instructions, line 6: the Dec 31 value of the traditional IRAs plus any
outstanding rollover, a distribution received late in the year and rolled over in the next year
within the 60-day period. Instructions for Forms 1099-R: code G is for a direct rollover only; an
indirect rollover is paid to the person (code 1 or 7).
"""

from __future__ import annotations

from conftest import ACTIVITY_HEADER, import_rows, run, run_json

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
conversion = "rollover_roth_ira"

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
    return import_rows(make_book(PROFILE, name=name), tmp_path, *lines, name=name)


_json = run_json


# 45,000.00 in the traditional IRA, paid out 2025-12-10 and rolled back in 2026; a backdoor conversion
# of 7,000.00 in 2025 puts Form 8606 Part I to work. The statement shows 0.00 on Dec 31, 2025.
IRA_ROWS = ["2025-01-01,kim,kim-trad,balance,,45000.00,,,,,,,",
            "2025-03-01,kim,kim-trad,contribution,nondeductible,7000.00,,,,2025,,,",
            "2025-03-05,kim,kim-trad,conversion,,7000.00,,,,,,,",
            "2025-12-31,kim,kim-trad,balance,,0.00,,,,,,,"]


def _ira_rollover(completed: str) -> str:
    return f"2025-12-10,kim,kim-trad,rollover,,45000.00,,,traditional_ira,,,,{completed}"


def test_outstanding_rollover_on_dec_31_is_on_line_6(make_book, tmp_path):
    """Completed 2026-01-20 (day 41): outstanding at Dec 31, 2025, so line 6 = 0.00 + 45,000.00 =
    45,000.00. Line 9 = 45,000.00 + 7,000.00 = 52,000.00; line 10 = 7,000 / 52,000 = 0.1346153...
    -> 0.13462; line 11 = 7,000.00 x 0.13462 = 942.34; line 18 = 7,000.00 - 942.34 = 6,057.66."""
    book = _book(make_book, tmp_path, *IRA_ROWS, _ira_rollover("2026-01-20"))
    f = _json(book, "worksheet", "8606", "--year", "2025")["lines"]
    assert (f["6"], f["7"], f["9"], f["10"], f["11"], f["18"]) == (
        "45000.00", "0.00", "52000.00", "0.13462", "942.34", "6057.66")
    ws = _json(book, "worksheet", "1099r", "--year", "2025")
    roll = [x for x in ws["expected"] if x["destination"] == "traditional_ira"]
    assert [(x["box1"], x["box7"]) for x in roll] == [("45000.00", "1")]  # the custodian reports a distribution
    assert ws["form1040"]["4a"] == "52000.00"  # 45,000.00 rolled over + 7,000.00 converted
    assert ws["form1040"]["4b"] == "6057.66"   # the rollover is not taxable


def test_day_60_is_a_rollover_and_day_61_a_distribution(make_book, tmp_path):
    """From 2025-12-10, day 60 is 2026-02-08 (21 days to Dec 31, 52 to Jan 31, 60 on Feb 8).
    Day 61 (2026-02-09): the 45,000.00 is a distribution, line 7: line 6 = 0.00, line 9 = 52,000.00,
    line 10 = 0.13462, line 11 = 942.34, line 12 = 45,000.00 x 0.13462 = 6,057.90, kept within line 5
    - line 11 = 6,057.66; line 15c = 45,000.00 - 6,057.66 = 38,942.34; line 18 = 6,057.66."""
    day60 = _book(make_book, tmp_path, *IRA_ROWS, _ira_rollover("2026-02-08"), name="day60")
    f = _json(day60, "worksheet", "8606", "--year", "2025")["lines"]
    assert (f["6"], f["7"]) == ("45000.00", "0.00")
    day61 = _book(make_book, tmp_path, *IRA_ROWS, _ira_rollover("2026-02-09"), name="day61")
    ws = _json(day61, "worksheet", "8606", "--year", "2025")
    f = ws["lines"]
    assert (f["6"], f["7"], f["9"], f["10"], f["11"], f["12"], f["15c"], f["18"]) == (
        "0.00", "45000.00", "52000.00", "0.13462", "942.34", "6057.66", "38942.34", "6057.66")
    assert any("day 61 after the distribution: past the 60-day limit, so it is not a rollover but a distribution"
               in n for n in ws["notes"])


def test_rollover_completed_in_the_same_year_is_not_outstanding(make_book, tmp_path):
    """Paid out 2025-06-01, back 2025-07-15 (day 44): the Dec 31 value estimated from the rows counts
    the money back in; nothing outstanding."""
    book = _book(make_book, tmp_path, "2025-01-01,kim,kim-trad,balance,,45000.00,,,,,,,",
                 "2025-06-01,kim,kim-trad,rollover,,45000.00,,,traditional_ira,,,,2025-07-15",
                 "2025-08-01,kim,kim-trad,contribution,nondeductible,7000.00,,,,2025,,,",
                 "2025-08-05,kim,kim-trad,conversion,,7000.00,,,,,,,")
    f = _json(book, "worksheet", "8606", "--year", "2025")["lines"]
    assert (f["6"], f["7"]) == ("45000.00", "0.00")


def _plan_rows(completed: str) -> list[str]:
    return ["2026-01-10,kim,acme,contribution,after_tax,10000.00,,,,,,,",
            "2026-02-01,kim,acme,earnings,after_tax,200.00,,,,,,,",
            f"2026-03-01,kim,acme,rollover,after_tax,10200.00,,,roth_ira,,,,{completed}"]


def test_plan_rollover_with_completed_is_indirect_not_code_g(make_book, tmp_path):
    """After-tax money (10,000.00 + 200.00 earnings) paid out 2026-03-01 and deposited in the Roth IRA
    2026-04-30 (day 60): an indirect rollover, code 1 at age 45 (not G), box 2a the 200.00 earnings,
    box 5 the 10,000.00 basis; a direct rollover of the same money is code G."""
    book = _book(make_book, tmp_path, *_plan_rows("2026-04-30"))
    (x,) = _json(book, "worksheet", "1099r", "--year", "2026")["expected"]
    assert (x["box1"], x["box2a"], x["box5"], x["box7"], x["destination"]) == (
        "10200.00", "200.00", "10000.00", "1", "roth_ira")
    direct = _book(make_book, tmp_path, *_plan_rows(""), name="direct")
    (y,) = _json(direct, "worksheet", "1099r", "--year", "2026")["expected"]
    assert y["box7"] == "G"


def test_plan_rollover_completed_on_day_61_is_a_distribution(make_book, tmp_path):
    """Deposited 2026-05-01, day 61: not a rollover; the money is paid out (destination cash), its
    200.00 earnings taxable (Form 1040 line 5b), and no Roth IRA basis comes of it."""
    book = _book(make_book, tmp_path, *_plan_rows("2026-05-01"))
    ws = _json(book, "worksheet", "1099r", "--year", "2026")
    (x,) = ws["expected"]
    assert (x["box1"], x["box2a"], x["box7"], x["destination"]) == ("10200.00", "200.00", "1", "cash")
    assert (ws["form1040"]["5a"], ws["form1040"]["5b"]) == ("10200.00", "200.00")
    assert any("day 61 after the distribution: past the 60-day limit" in n for n in ws["notes"])


def test_completed_before_the_date_or_on_another_kind_is_refused(make_book, tmp_path):
    book = make_book(PROFILE)
    f = tmp_path / "bad.csv"
    f.write_text("\n".join([HEADER,
                            "2025-12-10,kim,kim-trad,rollover,,45000.00,,,traditional_ira,,,,2025-12-01",
                            "2025-12-10,kim,kim-trad,distribution,,45000.00,,,,,,,2026-01-01"]) + "\n")
    res = run(book, "import", str(f))
    assert res.exit_code == 2
    assert "bad.csv:2: completed: completed 2025-12-01 is before the date 2025-12-10" in res.stderr
    assert "bad.csv:3: completed: completed is only for rollover rows" in res.stderr
