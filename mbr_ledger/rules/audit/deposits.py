"""Deposit matching: each payroll deduction paired with the plan deposit that carried it, and the
`deposit_match` check of what never arrived, came late, differed or matches no paycheck."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ...core.dates import add_business_days
from ...core.money import fmt
from ..findings import Finding
from .data import EMPLOYER_SOURCES, AuditData, as_cents, money, ref, refs, show

PAYROLL_SOURCES = {"pretax": "pretax_401k", "roth": "roth_401k", "after_tax": "after_tax_401k",
                   "match": "employer_match", "nonelective": "employer_nonelective"}
_SOURCE_ORDER = {s: i for i, s in enumerate(PAYROLL_SOURCES)}
LATE_DEPOSIT_DAYS = 92  # a same-amount deposit up to this many calendar days after the window is "late"


@dataclass
class PayItem:
    """One payroll deduction (one source of one pay-stub row)."""

    date: dt.date
    plan: str
    source: str
    amount: int
    row: dict[str, Any]


@dataclass
class Deposit:
    date: dt.date
    plan: str
    source: str
    amount: int
    row: dict[str, Any]


@dataclass
class DepositMatch:
    """The result of pairing payroll deductions with plan deposits."""

    matched: list[tuple[PayItem, Deposit]] = field(default_factory=list)
    late: list[tuple[PayItem, Deposit]] = field(default_factory=list)
    different: list[tuple[PayItem, Deposit]] = field(default_factory=list)
    missing: list[PayItem] = field(default_factory=list)
    unexplained: list[Deposit] = field(default_factory=list)


def pay_items(payroll_rows: Iterable[dict[str, Any]]) -> list[PayItem]:
    out = []
    for r in payroll_rows:
        for source, col in PAYROLL_SOURCES.items():
            amt = as_cents(r.get(col))
            if amt:
                out.append(PayItem(r["pay_date"], r["plan"], source, amt, r))
    order = _SOURCE_ORDER
    out.sort(key=lambda p: (p.date, p.plan, order[p.source], p.row["source_line"]))
    return out


def deposits_of(event_rows: Iterable[dict[str, Any]], plan_ids: set[str]) -> list[Deposit]:
    out = [Deposit(r["date"], r["account"], r["source"] or "", as_cents(r["amount"]), r) for r in event_rows
           if r["kind"] == "contribution" and r["account"] in plan_ids]
    out.sort(key=lambda d: (d.date, d.plan, d.source, d.row["source_file"], d.row["source_line"]))
    return out




def match_deposits(items: list[PayItem], deposits: list[Deposit], window_days: int) -> DepositMatch:
    """Pair each payroll deduction with a deposit of the same plan, source and amount made within
    `window_days` business days after the pay date (earliest first). What is left is then paired as
    a late deposit (same amount, later) or a different amount (within the window); the rest is
    missing (payroll) or unexplained (deposit)."""
    res = DepositMatch()
    used: set[int] = set()
    by_key: dict[tuple[str, str], list[int]] = {}
    for i, d in enumerate(deposits):   # deposits come in date order
        by_key.setdefault((d.plan, d.source), []).append(i)
    dates = {k: [deposits[i].date for i in idx] for k, idx in by_key.items()}

    def find(item: PayItem, lo: dt.date, hi: dt.date, same_amount: bool) -> int | None:
        key = (item.plan, item.source)
        idx = by_key.get(key)
        if not idx:
            return None
        for j in range(bisect.bisect_left(dates[key], lo), len(idx)):
            d = deposits[idx[j]]
            if d.date > hi:
                break
            if idx[j] not in used and (d.amount == item.amount or not same_amount):
                return idx[j]
        return None

    rest: list[PayItem] = []
    for item in items:
        end = add_business_days(item.date, window_days)
        found = find(item, item.date, end, True)
        if found is None:
            rest.append(item)
        else:
            used.add(found)
            res.matched.append((item, deposits[found]))
    still: list[PayItem] = []
    for item in rest:
        end = add_business_days(item.date, window_days)
        found = find(item, end + dt.timedelta(days=1), end + dt.timedelta(days=LATE_DEPOSIT_DAYS), True)
        if found is not None:
            used.add(found)
            res.late.append((item, deposits[found]))
            continue
        found = find(item, item.date, end, False)
        if found is not None:
            used.add(found)
            res.different.append((item, deposits[found]))
            continue
        still.append(item)
    res.missing = still
    res.unexplained = [d for i, d in enumerate(deposits) if i not in used]
    return res


def check_deposit_match(data: AuditData) -> list[Finding]:
    """Every payroll deduction (deferral, after-tax, and the employer's match and nonelective) must
    reach the plan as a `contribution` of the same source and amount within the window (business
    days after the pay date). Missing, late or different deposits warn; so do employee-money
    deposits that no paycheck explains. Scope: the plan id."""
    window = data.profile.audit.deposit_window_days
    prior_dec = dt.date(data.year - 1, 12, 1)
    pay = [r for r in data.payroll_rows if r["pay_date"] >= prior_dec]
    evs = [r for r in data.contribution_rows if r["date"] >= prior_dec]
    out = []
    for plan in data.plans:
        prow = [r for r in pay if r["plan"] == plan.id]
        if not any(r["pay_date"].year == data.year for r in prow):
            continue
        items = pay_items(prow)
        deps = deposits_of(evs, {plan.id})
        res = match_deposits(items, deps, window)
        in_year = [i for i in items if i.date.year == data.year]
        # The year's paychecks bound the window of deposits looked at: those with plan money, or, when
        # none carries any (pay without deferrals or match), every paycheck of the year.
        pay_dates = [i.date for i in in_year] or [r["pay_date"] for r in prow if r["pay_date"].year == data.year]
        first_pay = min(pay_dates)
        last_pay = max(pay_dates)
        last_window = add_business_days(last_pay, window)
        problems: list[dict[str, Any]] = []
        missing_c = 0

        def problem(kind: str, item: PayItem | None, dep: Deposit | None, text: str,
                    _out: list[dict[str, Any]] = problems) -> None:
            _out.append({
                "kind": kind, "pay_date": item.date.isoformat() if item else None,
                "source": item.source if item else (dep.source if dep else None),
                "payroll_amount": fmt(money(item.amount)) if item else None,
                "deposit_date": dep.date.isoformat() if dep else None,
                "deposit_amount": fmt(money(dep.amount)) if dep else None,
                "rows": ([ref(item.row)] if item else []) + ([ref(dep.row)] if dep else []),
                "text": text})

        for item in res.missing:
            if item.date.year != data.year:
                continue
            missing_c += item.amount
            problem("missing", item, None, f"{show(item.amount)} {item.source} of pay date {item.date.isoformat()} "
                                           f"never reached the plan")
        for item, dep in res.late:
            if item.date.year != data.year:
                continue
            days = _business_days_between(item.date, dep.date)
            missing_c += item.amount
            problem("late", item, dep, f"{show(item.amount)} {item.source} of pay date {item.date.isoformat()} "
                                       f"deposited {dep.date.isoformat()}, {days} business days later")
        for item, dep in res.different:
            if item.date.year != data.year:
                continue
            missing_c += abs(item.amount - dep.amount)
            problem("different", item, dep, f"{item.source} of pay date {item.date.isoformat()}: payroll "
                                            f"{show(item.amount)}, deposit {show(dep.amount)} on {dep.date.isoformat()}")
        extra_employer = 0
        for dep in res.unexplained:
            if dep.date.year != data.year or not first_pay <= dep.date <= last_window:
                continue
            if dep.source in EMPLOYER_SOURCES:
                extra_employer += dep.amount
                continue
            problem("unexplained", None, dep, f"deposit {show(dep.amount)} {dep.source} on {dep.date.isoformat()} "
                                              f"matches no paycheck")
        total = sum(i.amount for i in in_year)
        n_checks = len({i.row["source_line"] for i in in_year})
        n_matched = sum(1 for i, _ in res.matched if i.date.year == data.year)
        details: dict[str, Any] = {"window_business_days": window, "paychecks": n_checks,
                                   "amounts": len(in_year), "matched": n_matched, "problems": problems}
        if extra_employer:
            details["employer_deposits_without_paycheck"] = money(extra_employer)
        if not in_year and not problems:
            continue  # pay without plan money, and no deposit: nothing to match
        if not problems:
            msg = (f"All {len(in_year)} payroll amounts of {n_checks} paychecks ({show(total)}) reached the plan "
                   f"within {window} business days, same source and amount.")
            if extra_employer:
                msg += f" Employer deposits no paycheck explains (true-up?): {show(extra_employer)}."
            out.append(Finding("deposit_match", "ok", plan.id, msg, None, money(total), Decimal("0.00"),
                               rows=refs(i.row for i in in_year), details=details))
            continue
        if in_year:
            head = f"{n_matched} of {len(in_year)} payroll amounts reached the plan within {window} business days"
        else:
            n_rows = len({r["source_line"] for r in prow if r["pay_date"].year == data.year})
            head = f"The payroll shows pay but no plan money on {n_rows} paycheck(s) of {data.year}"
        msg = head + "; " + "; ".join(p["text"] for p in problems) + "."
        fix = (f"Ask the payroll of {plan.employer} or the recordkeeper where the money went and have it deposited "
               f"with lost earnings. Late deposits of withheld pay are also a Department of Labor issue for the "
               f"employer. If a deposit is in a file you have not imported, import it and audit again.")
        rows = [r for p in problems for r in p["rows"]]
        out.append(Finding("deposit_match", "warn", plan.id, msg, None, money(total), money(missing_c), fix=fix,
                           rows=rows, details=details))
    return out


def _business_days_between(a: dt.date, b: dt.date) -> int:
    n, cur = 0, a
    while cur < b:
        cur += dt.timedelta(days=1)
        if cur.weekday() < 5:
            n += 1
    return n
