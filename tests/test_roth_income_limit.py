"""The Roth IRA income limit (IRC 408A(c)(3)): a direct Roth IRA contribution above what the modified AGI
allows is an excess in the `ira_limit` check.

Pub. 590-A Table 2-1: below the phase-out start the full limit, at the end or above zero. Worksheet 2-2
in between: line 3 = MAGI - start; line 4 = the range (15,000 single / head of household, 10,000 married);
line 5 = line 3 / line 4, rounded to 3 places; line 6 = the IRA limit (or taxable compensation); line 7 =
line 6 x line 5; line 8 = line 6 - line 7, rounded up to the next $10, at least $200; line 9 = the year's
traditional IRA contributions; line 11 = the lesser of line 8 and line 6 - line 9.

2026 figures (Notice 2025-67): IRA limit 7,500, catch-up 1,100 at 50; Roth IRA phase-out 153,000-168,000
single / head of household, 242,000-252,000 married filing jointly, 0-10,000 married filing separately.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_audit import IRAS, born_for, data, ev, figures, one, profile, w2

from mbr_ledger.rules import audit as A
from mbr_ledger.rules.roth import reduced_roth_limit

D = Decimal


def check(magi: str | None, roth: str, status: str = "single", trad: str | None = None, age: int = 40,
          w2_box1: str | None = None) -> A.Finding:
    extra = f'filing_status = "{status}"\n' + (f'magi = {{ "2026" = "{magi}" }}\n' if magi else "")
    prof = profile(IRAS, born=born_for(age, 2026), person_extra=extra)
    evs = [ev("2026-02-02", "alex-roth", "contribution", "roth", roth, for_year=2026)]
    if trad:
        evs.append(ev("2026-02-02", "alex-trad", "contribution", "nondeductible", trad, for_year=2026))
    forms = [w2(2026, "acme", w2_box1, w2_box1)] if w2_box1 else []
    return one(A.check_ira_limit(data(prof, 2026, events=evs, forms=forms)), "ira_limit")


@pytest.mark.parametrize(("magi", "limit"), [
    ("152999.99", "7500.00"),  # below the start: the full limit
    ("153000.00", "7500.00"),  # at the start: line 3 = 0, nothing reduced
    ("153100.00", "7450.00"),  # 100 / 15,000 = 0.00667 -> 0.007; 7,500 x 0.007 = 52.50; 7,447.50 -> 7,450
    ("160000.00", "4000.00"),  # 7,000 / 15,000 = 0.46667 -> 0.467; 7,500 x 0.467 = 3,502.50; 3,997.50 -> 4,000
    ("167999.00", "200.00"),   # 14,999 / 15,000 = 0.99993 -> 1.000; 7,500 - 7,500 = 0 -> the $200 minimum
    ("168000.00", "0.00"),     # at the end: zero
])
def test_worksheet_2_2_on_both_sides_of_the_start_and_the_end(magi: str, limit: str) -> None:
    w = reduced_roth_limit(D(magi), D(153000), D(168000), D(7500), D(0))
    assert w["11"] == D(limit)


def test_a_contribution_within_the_reduced_limit_is_ok_and_a_cent_over_is_an_excess() -> None:
    f = check("160000.00", "4000.00")
    assert figures(f) == ("ok", "4000.00", "4000.00", "0.00")
    assert "reduced Roth IRA limit 4,000.00 (Pub. 590-A Worksheet 2-2)" in f.message
    f = check("160000.00", "4000.01")
    assert figures(f) == ("fail", "4000.00", "4000.01", "0.01")
    assert "Recharacterize" in f.fix and "withdraw it with its earnings" in f.fix
    assert "2027-04-15" in f.fix and f.deadline is not None and f.deadline.isoformat() == "2027-04-15"
    assert "backdoor route" in f.fix
    assert f.details["roth_income_limit"]["worksheet_2_2"]["5"] == "0.467"


def test_both_sides_of_the_phase_out_start_and_end_in_the_audit() -> None:
    assert figures(check("153000.00", "7500.00")) == ("ok", "7500.00", "7500.00", "0.00")
    assert figures(check("153100.00", "7500.00")) == ("fail", "7450.00", "7500.00", "50.00")
    assert figures(check("167999.00", "200.00")) == ("ok", "200.00", "200.00", "0.00")
    assert figures(check("168000.00", "200.00")) == ("fail", "0.00", "200.00", "200.00")


def test_married_filing_jointly_and_separately_use_their_ranges() -> None:
    # MFJ 250,000: 8,000 / 10,000 = 0.800; 7,500 x 0.8 = 6,000; 1,500.
    assert figures(check("250000.00", "1500.00", "mfj")) == ("ok", "1500.00", "1500.00", "0.00")
    # MFS 5,000: 0.500; 3,750 -> 3,750 (already a multiple of 10).
    assert figures(check("5000.00", "3750.01", "mfs")) == ("fail", "3750.00", "3750.01", "0.01")
    # Head of household: the single range. 160,000 -> 4,000, as for single.
    assert figures(check("160000.00", "4000.00", "hoh")) == ("ok", "4000.00", "4000.00", "0.00")


def test_age_50_line_6_includes_the_catch_up() -> None:
    # Line 6 = 7,500 + 1,100 = 8,600. MAGI 160,000: 8,600 x 0.467 = 4,016.20; 4,583.80 -> 4,590.
    assert figures(check("160000.00", "4590.00", age=50)) == ("ok", "4590.00", "4590.00", "0.00")
    assert figures(check("160000.00", "4590.01", age=50))[0] == "fail"


def test_traditional_contributions_reduce_the_roth_limit_line_10() -> None:
    # MAGI 160,000: line 8 = 4,000; traditional 5,000: line 10 = 7,500 - 5,000 = 2,500; line 11 = 2,500.
    # Allowed in all: 5,000 + 2,500 = 7,500; Roth 2,500 is ok, 2,600 is 100 over.
    assert figures(check("160000.00", "2500.00", trad="5000.00")) == ("ok", "7500.00", "7500.00", "0.00")
    # Traditional 3,000: line 10 = 4,500, line 11 = 4,000: allowed 7,000; Roth 4,500 is 500 over although the
    # total 7,500 is within the IRA limit.
    assert figures(check("160000.00", "4500.00", trad="3000.00")) == ("fail", "7000.00", "7500.00", "500.00")


def test_magi_estimated_from_w2_box_1_is_best_knowledge() -> None:
    f = check(None, "1000.00", w2_box1="170000.00")  # 170,000 >= 168,000: zero
    assert figures(f) == ("fail", "0.00", "1000.00", "1000.00")
    assert "estimated at 170,000.00 from W-2 box 1 (best knowledge" in f.message and f.best_knowledge
    assert f.details["roth_income_limit"]["magi_from"] == "W-2 box 1 (estimate)"
    ok = check(None, "1000.00", w2_box1="100000.00")
    assert figures(ok) == ("ok", "7500.00", "1000.00", "0.00") and ok.best_knowledge
    # A magi key wins over the W-2.
    assert figures(check("100000.00", "1000.00", w2_box1="170000.00"))[0] == "ok"


def test_without_magi_or_a_w2_the_income_limit_is_not_checked_and_says_so() -> None:
    f = check(None, "1000.00")
    assert f.status == "warn" and "income limit is not checked" in f.message and "magi" in f.fix


def test_only_traditional_contributions_do_not_touch_the_income_limit() -> None:
    extra = 'filing_status = "single"\nmagi = { "2026" = "500000.00" }\n'
    prof = profile(IRAS, born=born_for(40, 2026), person_extra=extra)
    evs = [ev("2026-02-02", "alex-trad", "contribution", "nondeductible", "7500", for_year=2026)]
    f = one(A.check_ira_limit(data(prof, 2026, events=evs)), "ira_limit")
    assert figures(f) == ("ok", "7500.00", "7500.00", "0.00") and "roth_income_limit" not in f.details
