"""Form 1040 lines 4a, 4b, 5a and 5b of the 1099-R worksheet, each defined once (tax-rules.md section 5).

4b comes from Form 8606 (lines 15c + 18 + 25c of each person); 4a, 5a and 5b add up boxes of the
expected Forms 1099-R: IRA forms are those with the IRA/SEP/SIMPLE box checked or a Roth IRA
distribution code in box 7, the rest are the plans' forms. The workbook writes the same expressions
as live formulas (SUMIFS over the expected-forms grid, references to the Form 8606 cells).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from ..core.errors import MbrError
from ..core.formula import LineDef, Resolved, Scalar, number
from .model import Grid, Line

ROTH_IRA_CODES = ("J", "Q", "T")  # box 7 codes of Roth IRA distributions (no IRA/SEP/SIMPLE box)


def _ira(box: str) -> str:
    parts = [f'SUMIFS(expected.{box}, expected.ira_sep_simple, "yes")']
    parts += [f'SUMIFS(expected.{box}, expected.ira_sep_simple, "no", expected.box7, "{c}")' for c in ROTH_IRA_CODES]
    return " + ".join(parts)


def _plan(box: str) -> str:
    codes = "".join(f', expected.box7, "<>{c}"' for c in ROTH_IRA_CODES)
    return f'SUMIFS(expected.{box}, expected.ira_sep_simple, "no"{codes})'


LINES: tuple[LineDef, ...] = (
    LineDef("4a", "Form 1040 line 4a: IRA distributions, including conversions to a Roth IRA", _ira("box1"),
            how="box 1 of the expected IRA forms"),
    LineDef("4b", "Form 1040 line 4b: taxable amount", "F8606.L15c + F8606.L18 + F8606.L25c",
            how="Form 8606 lines 15c + 18 + 25c"),
    LineDef("5a", "Form 1040 line 5a: pensions and annuities, including rollovers and IRRs", _plan("box1"),
            how="box 1 of the expected plan forms"),
    LineDef("5b", "Form 1040 line 5b: taxable amount", _plan("box2a"),
            how="box 2a of the Roth-bound and paid-out amounts; 0 for pre-tax money rolled to a traditional IRA"),
)


def form_1040_lines(expected: Grid, forms_8606: Sequence[Mapping[str, Scalar]],
                    inputs: Mapping[str, list[str]]) -> list[Line]:
    """Lines 4a-5b from the expected-forms grid and each person's Form 8606 lines (blank counts 0);
    `inputs`: the ledger rows or lines each comes from."""

    def resolve(name: str) -> Resolved:
        grid, _, col = name.partition(".")
        if grid == "expected" and col in expected.columns:
            j = expected.columns.index(col)
            return [row[j] for row in expected.rows]
        if grid == "F8606" and col.startswith("L"):
            return sum((number(f.get(col[1:])) for f in forms_8606), Decimal(0))
        raise MbrError(f"Form 1040: no {name}")

    return [Line(d.id, d.label, d.evaluate(resolve), list(inputs.get(d.id, [])), d.formula, d.kind, d.expr)
            for d in LINES]
