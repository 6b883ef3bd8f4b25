"""Payroll lines (ADP deductions and memos, Workday table rows) -> payroll columns."""

from __future__ import annotations

from collections.abc import Mapping

from ...profile import Plan
from .common import looks_like_retirement
from .sources import norm, source_for

COLUMN_OF_SOURCE = {"pretax": "pretax_401k", "roth": "roth_401k", "after_tax": "after_tax_401k",
                    "match": "employer_match", "nonelective": "employer_nonelective"}
GENERIC_401K = {norm(n) for n in ("401k", "401(k)", "401K Plan", "401(k) Plan", "403b", "403(b)", "457b")}
EMPLOYEE_SOURCES = ("pretax", "roth", "after_tax")
EMPLOYER_SOURCES = ("match", "nonelective")


def classify(name: str, plan: Plan, side: str) -> str | None | bool:
    """The ledger source of a payroll line, None when it is not plan money, False when it looks like
    plan money but no table names it (an error for the caller to report).

    `side` is `pretax`, `posttax`, `employer` (the Workday section the line is in) or `deduction`
    (an ADP deduction, section unknown). A bare "401k" is the pre-tax deferral among pre-tax lines and
    ADP deductions, the match among employer lines; among post-tax lines it could be Roth or
    after-tax, so it must be named in the plan's `source_names`.
    """
    key = norm(name)
    own = {norm(k): v for k, v in plan.source_names.items()}
    if key in own:
        return own[key]
    if key in GENERIC_401K:
        return {"pretax": "pretax", "deduction": "pretax", "employer": "match"}.get(side, False)
    src = source_for(name, None)
    if src is not None:
        if side == "employer" and src in EMPLOYEE_SOURCES:
            return False
        if side != "employer" and src in EMPLOYER_SOURCES:
            return src
        if (side == "pretax" and src in ("roth", "after_tax")) or (side == "posttax" and src == "pretax"):
            return False
        return src
    return False if looks_like_retirement(name) else None


def add_cents(totals: Mapping[str, int], column: str, cents: int) -> dict[str, int]:
    out = dict(totals)
    out[column] = out.get(column, 0) + cents
    return out
