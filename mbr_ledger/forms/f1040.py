"""Form 1040 lines 4a, 4b, 5a and 5b, each defined once (docs/rules.md section 5), for the 1099-R
worksheet and for `mbr worksheet 1040` (one return: a person, or a married couple filing jointly).

4b comes from Form 8606 (lines 15c + 18 + 25c of each person); 4a, 5a and 5b add up boxes of the
expected Forms 1099-R: IRA forms are those with the IRA/SEP/SIMPLE box checked or a Roth IRA
distribution code in box 7, the rest are the plans' forms; 4a and 4b add an IRA's corrective forms
(a plan's corrective refunds are line 1h, outside these lines; a 415(c) return, code E, is 5a/5b). The workbook writes the same expressions
as live formulas (SUMIFS over the expected-forms grid, references to the Form 8606 cells).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core.errors import MbrError
from ..core.formula import LineDef, Resolved, Scalar, number
from ..core.money import ZERO, fmt
from .model import Grid, Line, Worksheet

if TYPE_CHECKING:
    import polars as pl

    from ..profile import Profile
    from ..rules.facts import PersonYear

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


# An IRA's corrective distributions (section 408(d)(4) returns, removed excess contributions): Form
# 1040 instructions, lines 4a/4b, report IRA distributions there, and line 1h sends an IRA's corrective
# distribution to them; box 1 on line 4a of the form's year, box 2a (the earnings) on line 4b of the year
# it is income in (1099-R instructions: code 8 that year, P the year before). Rows of the 1099-R
# worksheet's `corrective` grid, marked on_4a / on_4b there (forms/f1099r.py).
CORRECTIVE_TERMS = {
    "4a": ('SUMIFS(corrective.box1, corrective.on_4a, "yes")', "box 1 of the IRA corrective forms of the year"),
    "4b": ('SUMIFS(corrective.box2a, corrective.on_4b, "yes")',
           "box 2a of the IRA corrective forms taxable in the year (code P: the next year's form)"),
}
# The same lines with their corrective terms, for a worksheet that has corrective forms.
WITH_CORRECTIVE: tuple[LineDef, ...] = tuple(
    LineDef(d.id, d.label, f"{d.expr} + {CORRECTIVE_TERMS[d.id][0]}", how=f"{d.how}; + {CORRECTIVE_TERMS[d.id][1]}")
    if d.id in CORRECTIVE_TERMS else d for d in LINES)


def form_1040_lines(expected: Grid, forms_8606: Sequence[Mapping[str, Scalar]],
                    inputs: Mapping[str, list[str]], corrective: Grid | None = None) -> list[Line]:
    """Lines 4a-5b from the expected-forms grid, each person's Form 8606 lines (blank counts 0) and
    the IRA corrective forms of the `corrective` grid; `inputs`: the ledger rows or lines each comes from."""

    def resolve(name: str) -> Resolved:
        grid, _, col = name.partition(".")
        if grid == "expected" and col in expected.columns:
            j = expected.columns.index(col)
            return [row[j] for row in expected.rows]
        if grid == "corrective" and corrective is not None and col in corrective.columns:
            j = corrective.columns.index(col)
            return [row[j] for row in corrective.rows]
        if grid == "F8606" and col.startswith("L"):
            return sum((number(f.get(col[1:])) for f in forms_8606), Decimal(0))
        raise MbrError(f"Form 1040: no {name}")

    defs = WITH_CORRECTIVE if corrective is not None and corrective.rows else LINES
    return [Line(d.id, d.label, d.evaluate(resolve), list(inputs.get(d.id, [])), d.formula, d.kind, d.expr)
            for d in defs]


# The rollover boxes: from tax year 2025 a checkbox (4c / 5c), before it the word "Rollover" written
# next to line 4b / 5b (Form 1040 instructions, lines 4a-5b).
CHECKBOX_YEAR = 2025
BOXES = (("4c", "4b", "IRA money rolled over to another IRA or to a plan"),
         ("5c", "5b", "plan money rolled over to an IRA or another plan, or to the plan's Roth account (IRR)"))
DROP_NOTES = ("Form 1099-R not received yet", "Taking the plans' forms at their word")


def _rolled(expected: Grid) -> dict[str, list[str]]:
    """The expected forms that make each rollover box checked: IRA forms sent to a traditional IRA (or
    named a rollover), plan forms whose money did not go to the person in cash."""
    col = {c: i for i, c in enumerate(expected.columns)}
    out: dict[str, list[str]] = {"4c": [], "5c": []}
    for r in expected.rows:
        form, dest, is_ira = str(r[col["form"]]), r[col["destination"]], bool(r[col["ira_sep_simple"]])
        roth_ira_form = str(r[col["box7"]]) in ROTH_IRA_CODES and not is_ira
        if is_ira or roth_ira_form:
            if dest == "traditional_ira" or "rollover" in form:
                out["4c"].append(form)
        elif dest != "cash":
            out["5c"].append(form)
    return out


def worksheet_1040(profile: Profile, year: int, facts: list[PersonYear], received: dict[str, pl.DataFrame],
                   by_person: list[Worksheet]) -> Worksheet:
    """One return's Form 1040 lines 4a-5b and the rollover boxes: `facts` of its filers (one person, or
    both spouses filing jointly: their amounts added), `received` their Form 1099-R rows, `by_person`
    each filer's 1099-R worksheet (for the grid of who brings what). Grids `by_person`, `rollover`."""
    from .f1099r import worksheet_1099r

    filers = [f.person for f in facts]
    joint = len(filers) > 1
    both = worksheet_1099r(profile, year, facts, received, None) if joint else by_person[0]
    who = " and ".join(filers) + (", married filing jointly" if joint else "")
    ws = Worksheet(id="1040", title=f"Form 1040 {year} ({who})", year=year, person=",".join(filers))
    ws.lines = list(both.lines)
    grid = Grid("Each filer's amounts", ["person", "4a", "4b", "5a", "5b"], ["text"] + ["money"] * 4,
                totals=["4a", "4b", "5a", "5b"] if joint else [])
    for one in by_person:
        grid.rows.append([one.person, *[one.value(d.id) or ZERO for d in LINES]])
    ws.grids["by_person"] = grid
    boxes = Grid("Rollover boxes", ["line", "next_to", "checked", "forms", "meaning"],
                 ["text", "text", "bool", "text", "text"])
    rolled = _rolled(both.grids["expected"])
    for box, next_to, meaning in BOXES:
        boxes.rows.append([box, next_to, bool(rolled[box]), "; ".join(rolled[box]), meaning])
    ws.grids["rollover"] = boxes
    if year < CHECKBOX_YEAR and any(rolled.values()):
        ws.notes.append(f"Before tax year {CHECKBOX_YEAR} the form has no rollover box: write \"Rollover\" next to "
                        + " and ".join(f"line {n}" for b, n, _ in BOXES if rolled[b]))
    for pid in filers:
        p = profile.person(pid)
        if p.filing_status == "mfj" and not p.spouse:
            ws.notes.append(f"{pid} files jointly with a spouse who is not in this book: these are {pid}'s amounts "
                            f"only; add the spouse's (or the spouse as a person with spouse = \"{pid}\")")
    ws.notes += [n for n in both.notes if not n.startswith(DROP_NOTES)]
    if not any(r[2] for r in boxes.rows) and all(not ln.value for ln in ws.lines):
        ws.notes.insert(0, f"No IRA or plan distribution, conversion or rollover in {year}: lines 4a-5b are 0")
    return ws


def as_json(ws: Worksheet) -> dict[str, Any]:
    """The contract JSON: {"year", "filers", "lines": {"4a", "4b", "5a", "5b"}, "rollover": {"4c", "5c"}},
    plus each filer's amounts and the notes."""
    return {
        "year": ws.year,
        "filers": ws.person.split(","),
        "lines": {ln.id: ln.json_value() for ln in ws.lines},
        "rollover": {str(r[0]): bool(r[2]) for r in ws.grids["rollover"].rows},
        "by_person": {str(r[0]): {c: fmt(v) for c, v in zip(("4a", "4b", "5a", "5b"), r[1:], strict=True)}
                      for r in ws.grids["by_person"].rows},
        "notes": ws.notes,
    }
