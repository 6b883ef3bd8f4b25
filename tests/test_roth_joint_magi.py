"""The Roth IRA income limit of a joint filer (IRC 408A(c)(3)): without a `magi` key the MAGI is
estimated from W-2 box 1, and filing jointly (`spouse` linked, `filing_status = "mfj"` on both) a joint
return's MAGI is the couple's (Pub. 590-A Worksheet 2-1), so both spouses' W-2 box 1 are added.

2026 figures (Notice 2025-67): IRA limit 7,500; Roth IRA phase-out, married filing jointly,
242,000-252,000. Pub. 590-A Worksheet 2-2: line 3 = MAGI - 242,000; line 4 = 10,000; line 5 = line 3 /
line 4 rounded to 3 places; line 6 = 7,500; line 7 = line 6 x line 5; line 8 = line 6 - line 7 rounded up
to the next $10 (at least $200).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import run

COUPLE = """
[[person]]
id = "alex"
born = "1980-03-10"
filing_status = "{status}"
{spouse_alex}

[[person]]
id = "sam"
born = "1982-09-01"
filing_status = "{status}"
{spouse_sam}

[[plan]]
id = "acme"
person = "alex"
employer = "Acme Corp"

[[plan]]
id = "beta"
person = "sam"
employer = "Beta Labs"

[[ira]]
id = "alex-roth"
person = "alex"
type = "roth"
"""

ACTIVITY = ("date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"
            "2026-02-02,alex,alex-roth,contribution,roth,7500.00,,,,2026,direct\n")


def ira_limit(make_book: Callable[..., Path], tmp_path: Path, sam_box1: str | None, status: str = "mfj",
              linked: bool = True) -> dict[str, Any]:
    """alex's 2026 ira_limit finding: a 7,500.00 direct Roth IRA contribution, alex's W-2 box 1
    200,000.00, sam's `sam_box1` (no W-2 for sam when None)."""
    book = make_book(COUPLE.format(status=status, spouse_alex='spouse = "sam"' if linked else "",
                                   spouse_sam='spouse = "alex"' if linked else ""))
    w2 = "tax_year,person,plan,box1,box3,box12_d,box12_aa\n2026,alex,acme,200000.00,200000.00,0.00,0.00\n"
    if sam_box1 is not None:
        w2 += f"2026,sam,beta,{sam_box1},{sam_box1},0.00,0.00\n"
        w2 += "2025,sam,beta,90000.00,90000.00,0.00,0.00\n"  # another year's W-2: not in the 2026 estimate
    (tmp_path / "w2.csv").write_text(w2, encoding="utf-8")
    (tmp_path / "activity.csv").write_text(ACTIVITY, encoding="utf-8")
    res = run(book, "import", str(tmp_path / "w2.csv"), str(tmp_path / "activity.csv"))
    assert res.exit_code == 0, res.output
    res = run(book, "audit", "--year", "2026", "--person", "alex", "--format", "json")
    got = [c for c in json.loads(res.stdout)["checks"] if c["id"] == "ira_limit"]
    assert len(got) == 1, got
    return got[0]  # type: ignore[no-any-return]


def worksheet(f: dict[str, Any]) -> dict[str, str]:
    return f["roth_income_limit"]["worksheet_2_2"]  # type: ignore[no-any-return]


def test_alone_under_the_start_the_full_limit(make_book: Callable[..., Path], tmp_path: Path) -> None:
    """alex's 200,000 alone is under 242,000; sam's 42,000 brings the couple to the start exactly:
    line 3 = 0, nothing reduced, the full 7,500."""
    f = ira_limit(make_book, tmp_path, "42000.00")
    assert (f["status"], f["limit"], f["amount"], f["excess"]) == ("ok", "7500.00", "7500.00", "0.00")
    assert f["roth_income_limit"]["magi"] == "242000.00"
    assert f["roth_income_limit"]["spouse_w2_box1"] == "42000.00"
    assert worksheet(f)["3"] == "0.00" and worksheet(f)["8"] == "7500.00"
    assert f["roth_income_limit"]["magi_from"] == "W-2 box 1 (estimate)" and f["best_knowledge"] is True


def test_together_over_the_start_the_reduced_limit(make_book: Callable[..., Path], tmp_path: Path) -> None:
    """200,000 + 42,100 = 242,100: line 3 = 100; line 5 = 100 / 10,000 = 0.010; line 7 = 7,500 x 0.010 =
    75.00; line 8 = 7,425.00 rounded up to 7,430.00. The 7,500 contribution is 70.00 over."""
    f = ira_limit(make_book, tmp_path, "42100.00")
    assert (f["status"], f["limit"], f["amount"], f["excess"]) == ("fail", "7430.00", "7500.00", "70.00")
    w = worksheet(f)
    assert (w["1"], w["3"], w["4"], w["5"], w["6"], w["7"], w["8"], w["11"]) == (
        "242100.00", "100.00", "10000.00", "0.010", "7500.00", "75.00", "7430.00", "7430.00")
    assert f["roth_income_limit"]["spouse_w2_box1"] == "42100.00"
    assert "MAGI estimated at 242,100.00 from W-2 box 1 (best knowledge" in f["message"]
    assert "sam's W-2 box 1 42,100.00 included" in f["message"] and f["best_knowledge"] is True
    assert "Recharacterize the 70.00 excess" in f["fix"]


def test_deep_in_the_range_exact_worksheet(make_book: Callable[..., Path], tmp_path: Path) -> None:
    """200,000 + 47,345.67 = 247,345.67: line 3 = 5,345.67; 5,345.67 / 10,000 = 0.534567 -> 0.535;
    line 7 = 7,500 x 0.535 = 4,012.50; line 8 = 3,487.50 rounded up to 3,490.00."""
    f = ira_limit(make_book, tmp_path, "47345.67")
    assert (f["status"], f["limit"], f["excess"]) == ("fail", "3490.00", "4010.00")
    assert (worksheet(f)["5"], worksheet(f)["7"]) == ("0.535", "4012.50")


def test_sam_without_a_w2_for_the_year_says_so(make_book: Callable[..., Path], tmp_path: Path) -> None:
    f = ira_limit(make_book, tmp_path, None)
    assert (f["status"], f["limit"]) == ("ok", "7500.00")
    assert f["roth_income_limit"]["magi"] == "200000.00"
    assert f["roth_income_limit"]["spouse_w2_box1"] == "0.00"


@pytest.mark.parametrize("status,linked", [("mfs", True), ("single", False)])
def test_not_filing_jointly_the_spouse_pay_is_not_added(make_book: Callable[..., Path], tmp_path: Path,
                                                        status: str, linked: bool) -> None:
    """Filing separately, or not married in the book, sam's W-2 is not alex's income. Married filing
    separately the range is 0-10,000 (Pub. 590-A Table 2-1): 200,000 is above it, zero allowed; single
    153,000-168,000: 200,000 is above it too. Either way the MAGI is alex's 200,000."""
    f = ira_limit(make_book, tmp_path, "42100.00", status=status, linked=linked)
    assert (f["status"], f["limit"], f["excess"]) == ("fail", "0.00", "7500.00")
    assert f["roth_income_limit"]["magi"] == "200000.00"
    assert "spouse_w2_box1" not in f["roth_income_limit"]
    assert "sam" not in f["message"]
