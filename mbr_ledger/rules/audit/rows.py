"""The `no_rows` check: a person-year with no ledger rows at all has nothing to audit, and the audit
says so plainly instead of reading as an all-clear."""

from __future__ import annotations

import polars as pl

from ..findings import Finding
from .data import AuditData


def year_has_rows(data: AuditData) -> bool:
    """Whether the person has any ledger row of the audit year in the frames the checks read: a payroll
    row paid in the year, a W-2 for the year, or an event dated in the year or made for it (`for_year`,
    an IRA contribution made by the year's filing due date).

    `events` holds no earnings rows and `AuditData` no Forms 1099-R: those of the year are counted in
    `rows_elsewhere` (a year with only earnings rows, or only a form, is not empty)."""
    def make() -> bool:
        y = data.year
        if data.rows_elsewhere:
            return True
        if data.payroll.height and data.payroll.filter(pl.col("pay_date").dt.year() == y).height:
            return True
        if data.w2.height and data.w2.filter(pl.col("tax_year") == y).height:
            return True
        if not data.events.height:
            return False
        return data.events.filter((pl.col("date").dt.year() == y) | (pl.col("for_year") == y)).height > 0
    return data.cached("year_has_rows", make)  # type: ignore[no-any-return]


def check_no_rows(data: AuditData) -> list[Finding]:
    """Warn when the person has no ledger rows of the year (`year_has_rows`): every other check would
    find nothing to look at, and an audit of nothing is not an all-clear. `run_checks` then keeps only
    the other checks' findings that are not "ok". Scope: the person."""
    if year_has_rows(data):
        return []
    pid, year = data.person.id, data.year
    msg = (f"No ledger rows for {pid} in {year}: nothing to audit, and not an all-clear. Import the year's files "
           f"(mbr import FILE...) and audit again.")
    fix = (f"Import {pid}'s {year} files: the payroll export, the plan and IRA activity, the W-2 "
           f"(mbr import FILE...; `mbr formats` lists what it reads). If {pid} had no pay and no plan or "
           f"IRA money in {year}, there is nothing to audit for that year.")
    return [Finding("no_rows", "warn", pid, msg, fix=fix)]
