"""The year-end limit audit: one pure function per check of docs/rules.md section 2, each taking an
`AuditData` and returning `Finding`s; the checks live by family in the modules of this package."""

from __future__ import annotations

from collections.abc import Callable

from ..findings import Finding
from .additions import (
    check_415c,
    check_acp_risk,
    check_comp_limit,
    check_plan_after_tax_cap,
    plan_after_tax_cap,
)
from .conversions import check_after_tax_unconverted, check_conversion_lag
from .data import EMPLOYEE_SOURCES, EMPLOYER_SOURCES, AuditData, money, ref, refs, show
from .data import conversions_without_basis as conversions_without_basis
from .data import negative_contributions as negative_contributions
from .deferrals import check_402g, check_catch_up_roth, check_w2_box12
from .deposits import (
    LATE_DEPOSIT_DAYS,
    PAYROLL_SOURCES,
    Deposit,
    DepositMatch,
    PayItem,
    check_deposit_match,
    deposits_of,
    match_deposits,
    pay_items,
)
from .ira import IRA_CONTRIBUTION_SOURCES, check_backdoor_pro_rata, check_ira_limit
from .rows import check_no_rows, year_has_rows
from .totals import DeferralSplit, PlanYear, PriorWages, plan_years, prior_fica_wages, split_deferrals

__all__ = [
    "CHECKS", "CHECK_IDS", "CHECK_SCOPES", "EMPLOYEE_SOURCES", "EMPLOYER_SOURCES", "IRA_CONTRIBUTION_SOURCES",
    "LATE_DEPOSIT_DAYS", "PAYROLL_SOURCES", "AuditData", "Check", "DeferralSplit", "Deposit", "DepositMatch",
    "PayItem", "PlanYear", "PriorWages", "check_402g", "check_415c", "check_acp_risk",
    "check_after_tax_unconverted", "check_backdoor_pro_rata", "check_catch_up_roth", "check_comp_limit",
    "check_conversion_lag", "check_deposit_match", "check_ira_limit", "check_no_rows", "check_plan_after_tax_cap",
    "check_w2_box12", "deposits_of", "exit_code", "match_deposits", "money", "pay_items", "plan_after_tax_cap",
    "plan_years", "prior_fica_wages", "ref", "refs", "run_checks", "show", "split_deferrals", "year_has_rows",
]

CHECK_IDS = ("no_rows", "402g", "415c", "catch_up_roth", "comp_limit", "plan_after_tax_cap", "after_tax_unconverted",
             "conversion_lag", "deposit_match", "w2_box12", "ira_limit", "backdoor_pro_rata", "acp_risk")

# What each check's `scope` names: the person id, the employer group (`employer_group` in mbr.toml, by
# default the employer's name; for the checks made per employer, the group of that employer's plans) or
# the plan id. One kind per check, whatever the book holds.
CHECK_SCOPES: dict[str, str] = {
    "no_rows": "person", "402g": "person", "415c": "employer_group", "catch_up_roth": "employer_group", "comp_limit": "plan",
    "plan_after_tax_cap": "plan", "after_tax_unconverted": "plan", "conversion_lag": "plan",
    "deposit_match": "plan", "w2_box12": "employer_group", "ira_limit": "person", "backdoor_pro_rata": "person",
    "acp_risk": "employer_group",
}

Check = Callable[[AuditData], list[Finding]]

CHECKS: dict[str, Check] = {
    "no_rows": check_no_rows,
    "402g": check_402g,
    "415c": check_415c,
    "catch_up_roth": check_catch_up_roth,
    "comp_limit": check_comp_limit,
    "plan_after_tax_cap": check_plan_after_tax_cap,
    "after_tax_unconverted": check_after_tax_unconverted,
    "conversion_lag": check_conversion_lag,
    "deposit_match": check_deposit_match,
    "w2_box12": check_w2_box12,
    "ira_limit": check_ira_limit,
    "backdoor_pro_rata": check_backdoor_pro_rata,
    "acp_risk": check_acp_risk,
}


def run_checks(data: AuditData) -> list[Finding]:
    """Every check over one person's data, in the order of docs/rules.md section 2 (`no_rows` first).
    A person-year with no ledger rows (`no_rows`) keeps only the findings that are not "ok": an "ok"
    about nothing would read as an all-clear."""
    found: list[Finding] = []
    for check_id in CHECK_IDS:
        check = CHECKS.get(check_id)
        if check is not None:
            found += check(data)
    if any(f.id == "no_rows" for f in found):
        found = [f for f in found if f.id == "no_rows" or f.status != "ok"]
    return found + negative_contributions(data) + conversions_without_basis(data)


def exit_code(findings: list[Finding]) -> int:
    return 1 if any(f.status == "fail" for f in findings) else 0
