"""Form 8606 (nondeductible IRAs), Parts I-III, line by line as data (docs/rules.md section 6).

Each line once: its official id and label, and the expression the form computes it by (over
other lines, `core.formula`) or where its value comes from. The basis engine (`rules.basis`)
computes the worksheet from these expressions and the workbook turns them into live formulas.
"""

from __future__ import annotations

from decimal import Decimal

from ..core.formula import LineDef

RATIO_PLACES = 5  # line 10: half-up to 5 places (the form asks for at least 3)
LEDGER = "the ledger"
CARRY = "the carry-forward from last year"
NOT_TRACKED = "not tracked (blank)"

LINES: tuple[LineDef, ...] = (
    # ---------------- Part I: nondeductible contributions and the traditional IRA basis
    LineDef("1", "Nondeductible contributions to traditional IRAs for the year (incl. Jan 1-Apr 15 of the next year)",
            source=f"{LEDGER}: nondeductible contribution rows for the tax year"),
    LineDef("2", "Total basis in traditional IRAs (last year's line 14)",
            source=f"{CARRY} (line 14), plus after-tax basis rolled from a plan into a traditional IRA ({LEDGER})"),
    LineDef("3", "Add lines 1 and 2", "L1 + L2"),
    LineDef("4", "Contributions on line 1 made Jan 1-Apr 15 of the next year",
            source=f"{LEDGER}: the line 1 rows dated in the next year"),
    LineDef("5", "Line 3 minus line 4", "L3 - L4"),
    LineDef("6", "Value of all traditional, SEP and SIMPLE IRAs on Dec 31 (plus outstanding rollovers)",
            source=f"{LEDGER}: each traditional IRA's Dec 31 balance row, else estimated from its rows"),
    LineDef("7", "Distributions from traditional, SEP and SIMPLE IRAs (not rollovers or conversions)",
            source=f"{LEDGER}: traditional IRA distribution rows"),
    LineDef("8", "Net amount converted to Roth IRAs", source=f"{LEDGER}: traditional IRA conversion rows"),
    LineDef("9", "Add lines 6, 7 and 8", "L6 + L7 + L8"),
    LineDef("10", "Divide line 5 by line 9 (at least 3 places; 1.000 at most)", f"RATIO(L5, L9, {RATIO_PLACES})",
            how="line 5 / line 9", kind="ratio"),
    # 11 and 12 share line 5 so that line 14 never goes below zero, however the ratio rounds.
    LineDef("11", "Line 8 x line 10: nontaxable part of the conversions", "MIN(ROUND(L8 * L10, 2), L5)",
            how="line 8 x line 10"),
    LineDef("12", "Line 7 x line 10: nontaxable part of the distributions", "MIN(ROUND(L7 * L10, 2), L5 - L11)",
            how="line 7 x line 10"),
    LineDef("13", "Add lines 11 and 12", "L11 + L12"),
    LineDef("14", "Total basis in traditional IRAs (line 3 minus line 13; next year's line 2)", "L3 - L13"),
    LineDef("15a", "Line 7 minus line 12", "L7 - L12"),
    LineDef("15b", "Part of line 15a from qualified disaster distributions (not tracked)", source=NOT_TRACKED),
    LineDef("15c", "Taxable amount of the distributions (Form 1040 line 4b)", "L15a - L15b"),
    # ---------------- Part II: conversions from traditional, SEP and SIMPLE IRAs to Roth IRAs
    LineDef("16", "Amount converted from traditional, SEP and SIMPLE IRAs to Roth IRAs", "L8"),
    LineDef("17", "Basis in the amount converted (line 11)", "L11"),
    LineDef("18", "Taxable amount of the conversions (Form 1040 line 4b)", "L16 - L17"),
    # ---------------- Part III: distributions from Roth IRAs
    LineDef("19", "Nonqualified distributions from Roth IRAs",
            source=f"{LEDGER}: Roth IRA distribution rows that are not qualified"),
    LineDef("20", "Qualified first-time homebuyer expenses (not tracked)", source=NOT_TRACKED),
    LineDef("21", "Line 19 minus line 20", "L19 - L20"),
    LineDef("22", "Basis in Roth IRA contributions",
            source=f"{CARRY} and {LEDGER}: Roth IRA contributions (and Roth 401(k) basis rolled in) not yet "
                   f"distributed"),
    LineDef("23", "Line 21 minus line 22", "MAX(0, L21 - L22)", how="line 21 - line 22"),
    LineDef("24", "Basis in conversions and in rollovers from qualified plans to Roth IRAs",
            source=f"{CARRY} and {LEDGER}: conversion and rollover layers not yet distributed"),
    LineDef("25a", "Line 23 minus line 24", "MAX(0, L23 - L24)", how="line 23 - line 24"),
    LineDef("25b", "Part of line 25a from qualified disaster distributions (not tracked)", source=NOT_TRACKED),
    LineDef("25c", "Taxable amount of the Roth IRA distributions (Form 1040 line 4b)", "L25a - L25b"),
)
BY_ID = {d.id: d for d in LINES}
LINE_IDS = [d.id for d in LINES]
LABELS = {d.id: d.label for d in LINES}

# Pub. 590-B Worksheet 1-1 (Figuring the Taxable Part of Your IRA Distribution), used instead of Form 8606
# lines 6-12 when the year's contributions may be partly deductible: all of them go into the ratio.
WORKSHEET_1_1: tuple[LineDef, ...] = (
    LineDef("1", "Basis in traditional IRAs as of Dec 31 of last year", source="Form 8606 line 2"),
    LineDef("2", "All contributions to traditional IRAs for the year, deductible or not",
            source=f"{LEDGER}: nondeductible and deductible contribution rows for the tax year"),
    LineDef("3", "Add lines 1 and 2", "L1 + L2"),
    LineDef("4", "Value of all traditional IRAs on Dec 31 (plus outstanding rollovers)", source="Form 8606 line 6"),
    LineDef("5", "Distributions from traditional IRAs in the year, conversions included",
            source="Form 8606 lines 7 and 8"),
    LineDef("6", "Add lines 4 and 5", "L4 + L5"),
    LineDef("7", "Divide line 3 by line 6 (1.000 at most)", f"RATIO(L3, L6, {RATIO_PLACES})", how="line 3 / line 6",
            kind="ratio"),
    LineDef("8", "Nontaxable part of the distributions: line 5 x line 7", "ROUND(L5 * L7, 2)",
            how="line 5 x line 7"),
    LineDef("9", "Taxable part before the conversions: line 5 minus line 8", "L5 - L8"),
    LineDef("10", "Part of line 9 from the conversions (line 9 x amount converted / line 5)",
            source="line 9 x the converted share of line 5"),
    LineDef("11", "Taxable part of the distributions not converted: line 9 minus line 10", "L9 - L10"),
)
WORKSHEET_1_1_BY_ID = {d.id: d for d in WORKSHEET_1_1}


def ratio_text(value: Decimal) -> str:
    """Line 10 as written on the form: "0.99649", and "1.000" for a ratio of 1."""
    return "1.000" if value >= 1 else str(value)
