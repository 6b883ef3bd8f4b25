"""What the checks count: each plan's money for the year (`plan_years`, where every figure comes from),
the 402(g) split of deferrals across plans, and the prior-year FICA wages from an employer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ...profile import Plan
from .data import EMPLOYER_SOURCES, AuditData, as_cents, per_pay_date_max, refs
from .deposits import Deposit, DepositMatch, deposits_of, match_deposits, pay_items


@dataclass
class PlanYear:
    """One plan's money for one year, in cents, and the rows behind it."""

    plan: Plan
    year: int
    from_payroll: bool
    payroll: list[dict[str, Any]]
    deposits: list[Deposit]
    compensation: int | None = None
    fica_wages: int | None = None
    pretax: int = 0
    roth: int = 0
    after_tax: int = 0
    match: int = 0
    nonelective: int = 0
    extra_employer: int = 0       # employer deposits no payroll row explains (true-up, profit sharing)
    extra_rows: list[str] = field(default_factory=list)

    @property
    def deferrals(self) -> int:
        return self.pretax + self.roth

    @property
    def employer(self) -> int:
        return self.match + self.nonelective + self.extra_employer

    @property
    def rows(self) -> list[str]:
        if self.from_payroll:
            return refs(self.payroll) + self.extra_rows
        return refs(d.row for d in self.deposits)

    @property
    def has_money(self) -> bool:
        return bool(self.deferrals or self.after_tax or self.employer or self.payroll)


def _in_year(d: dt.date, year: int) -> bool:
    return d.year == year


def plan_years(data: AuditData, year: int | None = None) -> dict[str, PlanYear]:
    """Each plan of the person with any payroll row or deposit in `year` (default: the audit year).

    Which rows a figure comes from, in this one place:

    - employee money (pre-tax, Roth, after-tax) and compensation come from the payroll rows when the
      plan has any in the year (what was withheld is what counts, whether or not it reached the plan);
      a plan without payroll rows falls back to its `contribution` deposits dated in the year;
    - employer money (match, nonelective) is the payroll figure plus every employer deposit in the
      year that no payroll row explains (a true-up, a profit-sharing deposit).
    """
    year = data.year if year is None else year
    key = ("plan_years", year)
    if key in data._cache:
        return data._cache[key]  # type: ignore[no-any-return]
    pay = [r for r in data.payroll_rows if _in_year(r["pay_date"], year)]
    out: dict[str, PlanYear] = {}
    all_deps, matching = data.cached("matching", lambda: _matching(data))
    for plan in data.plans:
        prow = [r for r in pay if r["plan"] == plan.id]
        deps = [d for d in all_deps if d.plan == plan.id and _in_year(d.date, year)]
        if not prow and not deps:
            continue
        py = PlanYear(plan, year, bool(prow), prow, deps)
        if prow:
            py.compensation = sum(as_cents(r["plan_compensation"]) for r in prow)
            py.fica_wages = sum(as_cents(r["fica_wages"]) for r in prow)
            py.pretax = sum(as_cents(r["pretax_401k"]) for r in prow)
            py.roth = sum(as_cents(r["roth_401k"]) for r in prow)
            py.after_tax = sum(as_cents(r["after_tax_401k"]) for r in prow)
            py.match = sum(as_cents(r["employer_match"]) for r in prow)
            py.nonelective = sum(as_cents(r["employer_nonelective"]) for r in prow)
            extra = [d for d in matching.unexplained
                     if d.plan == plan.id and d.source in EMPLOYER_SOURCES and _in_year(d.date, year)]
            py.extra_employer = sum(d.amount for d in extra)
            py.extra_rows = refs(d.row for d in extra)
        else:
            for d in deps:
                if d.source == "pretax":
                    py.pretax += d.amount
                elif d.source == "roth":
                    py.roth += d.amount
                elif d.source == "after_tax":
                    py.after_tax += d.amount
                elif d.source == "match":
                    py.match += d.amount
                elif d.source == "nonelective":
                    py.nonelective += d.amount
        out[plan.id] = py
    data._cache[key] = out
    return out


def _matching(data: AuditData) -> tuple[list[Deposit], DepositMatch]:
    """Every deposit to the person's plans, and every payroll deduction paired with them (all years)."""
    all_deps = deposits_of(data.contribution_rows, {p.id for p in data.plans})
    return all_deps, match_deposits(pay_items(data.payroll_rows), all_deps, data.profile.audit.deposit_window_days)


@dataclass
class DeferralSplit:
    """A plan's deferrals split into regular, catch-up and excess over the person's 402(g) limit."""

    deferrals: int = 0
    regular: int = 0
    catch_up: int = 0
    excess: int = 0


def split_deferrals(data: AuditData, pys: dict[str, PlanYear]) -> dict[str, DeferralSplit]:
    """Walk every deferral of the year in date order across all plans: the dollars above the 402(g)
    limit are catch-up (up to the catch-up limit), those above both are excess. Each plan keeps the
    catch-up and excess of its own paychecks, so the plan (employer) where the person crossed the
    limit carries them. On one pay date, plans go in id order."""
    limit = int(data.limits.deferral * 100)
    cu_limit = int(data.limits.catch_up(data.age) * 100)
    items: list[tuple[dt.date, str, int]] = []
    for pid, py in pys.items():
        if py.from_payroll:
            items += [(r["pay_date"], pid, as_cents(r["pretax_401k"]) + as_cents(r["roth_401k"])) for r in py.payroll]
        else:
            items += [(d.date, pid, d.amount) for d in py.deposits if d.source in ("pretax", "roth")]
    items.sort(key=lambda t: (t[0], t[1]))
    out = {pid: DeferralSplit() for pid in pys}
    total = 0
    for _, pid, amt in items:
        if amt <= 0:
            out[pid].deferrals += amt
            out[pid].regular += amt
            total += amt
            continue
        s = out[pid]
        s.deferrals += amt
        reg = max(0, min(amt, limit - total))
        cu = max(0, min(amt - reg, limit + cu_limit - max(total, limit)))
        s.regular += reg
        s.catch_up += cu
        s.excess += amt - reg - cu
        total += amt
    return out


@dataclass
class PriorWages:
    """FICA wages (W-2 box 3) the person had from one employer in the year before the audit year."""

    cents: int | None          # None: unknown
    basis: str                 # how it was found, or why it is unknown
    rows: list[str]
    new_hire: bool = False


def prior_fica_wages(data: AuditData, plans: list[Plan]) -> PriorWages:
    """W-2 box 3 of `year - 1` from this employer; else the sum of that year's payroll `fica_wages`.
    No figure: a new hire (first paycheck of the year after January, nothing from the employer the
    year before) has none; otherwise the figure is unknown."""
    prior = data.year - 1
    ids = {p.id for p in plans}
    employer = plans[0].employer
    w2 = [r for r in data.w2_rows if r["tax_year"] == prior and r["plan"] in ids]
    if w2:
        distinct = {(as_cents(r["box1"]), as_cents(r["box3"]), as_cents(r["box12_d"]), as_cents(r["box12_aa"])) for r in w2}
        cents = sum(v[1] for v in distinct)
        return PriorWages(cents, f"{prior} W-2 box 3 from {employer}", refs(w2))
    pay = [r for r in data.payroll_rows if r["pay_date"].year == prior and r["plan"] in ids]
    if pay:
        cents = per_pay_date_max(pay, "fica_wages", lambda r: employer)
        return PriorWages(cents, f"{prior} payroll fica_wages from {employer}", refs(pay))
    prior_accounts = sorted(ids & data.accounts_with_rows(prior))
    this_pay = sorted(r["pay_date"] for r in data.payroll_rows
                      if r["pay_date"].year == data.year and r["plan"] in ids)
    this_deps = sorted(r["date"] for r in data.contribution_rows
                       if r["date"].year == data.year and r["account"] in ids)
    first = this_pay[0] if this_pay else (this_deps[0] if this_deps else None)
    if not prior_accounts and first is not None and first.month > 1:
        return PriorWages(0, f"no {prior} wages from {employer}: first paycheck {first.isoformat()}, "
                             f"a new hire", [], new_hire=True)
    why = (f"the book holds {employer} plan activity in {prior} but no wages" if prior_accounts
           else f"the first {data.year} paycheck from {employer} is in January, so you likely worked there "
                f"in {prior}")
    return PriorWages(None, f"W-2 box 3 for {prior} from {employer} is missing ({why})", [])
