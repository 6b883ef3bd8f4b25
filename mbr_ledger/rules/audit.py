"""The year-end limit audit: one pure function per check of tax-rules.md section 2.

Every check takes an `AuditData` (the person's ledger frames, the year's limits and the profile)
and returns a list of `Finding`s. `run_audit` is the only function here that touches the ledger:
it loads the frames (and the after-tax lots and the Form 8606 figures other rules compute) and
runs every check for every person asked for.

Money is integer cents inside the checks and `Decimal` on the findings. Which rows a figure
comes from, in one place (`plan_years`):

- employee money (pre-tax, Roth, after-tax) and compensation come from the payroll rows when the
  plan has any in the year (what was withheld is what counts, whether or not it reached the plan);
  a plan without payroll rows falls back to its `contribution` deposits dated in the year;
- employer money (match, nonelective) is the payroll figure plus every employer deposit in the
  year that no payroll row explains (a true-up, a profit-sharing deposit).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from ..core.dates import add_business_days, age_at_year_end
from ..core.errors import MbrError
from ..core.money import fmt, fmt_table, from_cents, round_cents
from ..limits import YearLimits, limits_for
from ..profile import Person, Plan, Profile
from .findings import Finding

if TYPE_CHECKING:
    from ..ledger.store import Ledger

CHECK_IDS = ("402g", "415c", "catch_up_roth", "comp_limit", "plan_after_tax_cap", "after_tax_unconverted",
             "conversion_lag", "deposit_match", "w2_box12", "ira_limit", "backdoor_pro_rata", "acp_risk")

PAYROLL_SOURCES = {"pretax": "pretax_401k", "roth": "roth_401k", "after_tax": "after_tax_401k",
                   "match": "employer_match", "nonelective": "employer_nonelective"}
_SOURCE_ORDER = {s: i for i, s in enumerate(PAYROLL_SOURCES)}
EMPLOYEE_SOURCES = ("pretax", "roth", "after_tax")
EMPLOYER_SOURCES = ("match", "nonelective")
IRA_CONTRIBUTION_SOURCES = ("nondeductible", "deductible", "roth")
LATE_DEPOSIT_DAYS = 92  # a same-amount deposit up to this many calendar days after the window is "late"


# ---------------------------------------------------------------------------- input


@dataclass(frozen=True)
class AuditData:
    """What every check reads: one person's frames around one year, the limits and the profile.

    `payroll`, `w2`: the person's rows of `year - 1` and `year`. `events`: the person's rows from
    `year - 1` through `year + 1`, earnings rows left out (deposits of a December paycheck land in January; IRA
    contributions for the year may be made until April 15 of the next). `lots` and `backdoor` are the
    results of `rules.lots.audit_lots` (the year's view of `rules.lots.after_tax_history`: plan id ->
    `PlanYearLots`) and `forms.f8606.backdoor_details` (or the error text when Form 8606 cannot be
    computed), computed by `run_audit`.
    """

    profile: Profile
    person: Person
    year: int
    limits: YearLimits
    payroll: pl.DataFrame
    events: pl.DataFrame
    w2: pl.DataFrame
    prior_limits: YearLimits | None = None
    lots: Any = None
    backdoor: Any = None
    notes: list[str] = field(default_factory=list)
    _cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def payroll_rows(self) -> list[dict[str, Any]]:
        return self.cached("payroll", lambda: _dicts(self.payroll))  # type: ignore[no-any-return]

    @property
    def w2_rows(self) -> list[dict[str, Any]]:
        return self.cached("w2", lambda: _dicts(self.w2))  # type: ignore[no-any-return]

    @property
    def contribution_rows(self) -> list[dict[str, Any]]:
        """The `contribution` events (deposits to plans, IRA contributions), as dicts."""
        return self.cached("contributions", lambda: _dicts(  # type: ignore[no-any-return]
            self.events.filter(pl.col("kind") == "contribution") if self.events.height else self.events))

    def accounts_with_rows(self, year: int) -> set[str]:
        """Accounts with any event row dated in `year`."""
        def make() -> set[str]:
            if not self.events.height:
                return set()
            df = self.events.filter(pl.col("date").dt.year() == year)
            return set(df["account"].unique().to_list())
        return self.cached(("accounts", year), make)  # type: ignore[no-any-return]

    @property
    def age(self) -> int:
        return age_at_year_end(self.person.born, self.year)

    @property
    def plans(self) -> list[Plan]:
        return self.profile.plans_of(self.person.id)


# ---------------------------------------------------------------------------- small helpers


def ref(row: dict[str, Any]) -> str:
    return f"{row['source_file']}:{row['source_line']}"


def refs(rows: Iterable[dict[str, Any]]) -> list[str]:
    """file:line of each row, in the ledger's order, without repeats."""
    seen: dict[str, None] = {}
    for r in rows:
        seen.setdefault(ref(r), None)
    return list(seen)


def money(cents: int) -> Decimal:
    return from_cents(cents)


def show(cents: int | Decimal) -> str:
    return fmt_table(cents)


def _dicts(df: pl.DataFrame) -> list[dict[str, Any]]:
    return [] if df.is_empty() else list(df.iter_rows(named=True))


def _cents(v: Any) -> int:
    return int(v or 0)


def _pct_of(pct: Decimal, cents: int) -> Decimal:
    """pct % of an amount in cents, as an exact Decimal of dollars."""
    return pct / Decimal(100) * money(cents)


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
            amt = _cents(r.get(col))
            if amt:
                out.append(PayItem(r["pay_date"], r["plan"], source, amt, r))
    order = _SOURCE_ORDER
    out.sort(key=lambda p: (p.date, p.plan, order[p.source], p.row["source_line"]))
    return out


def deposits_of(event_rows: Iterable[dict[str, Any]], plan_ids: set[str]) -> list[Deposit]:
    out = [Deposit(r["date"], r["account"], r["source"] or "", _cents(r["amount"]), r) for r in event_rows
           if r["kind"] == "contribution" and r["account"] in plan_ids]
    out.sort(key=lambda d: (d.date, d.plan, d.source, d.row["source_file"], d.row["source_line"]))
    return out


_window_end = functools.lru_cache(maxsize=4096)(add_business_days)  # the same pay dates come again and again


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
        end = _window_end(item.date, window_days)
        found = find(item, item.date, end, True)
        if found is None:
            rest.append(item)
        else:
            used.add(found)
            res.matched.append((item, deposits[found]))
    still: list[PayItem] = []
    for item in rest:
        end = _window_end(item.date, window_days)
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


# ---------------------------------------------------------------------------- plan-year totals


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
    """Each plan of the person with any payroll row or deposit in `year` (default: the audit year)."""
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
            py.compensation = sum(_cents(r["plan_compensation"]) for r in prow)
            py.fica_wages = sum(_cents(r["fica_wages"]) for r in prow)
            py.pretax = sum(_cents(r["pretax_401k"]) for r in prow)
            py.roth = sum(_cents(r["roth_401k"]) for r in prow)
            py.after_tax = sum(_cents(r["after_tax_401k"]) for r in prow)
            py.match = sum(_cents(r["employer_match"]) for r in prow)
            py.nonelective = sum(_cents(r["employer_nonelective"]) for r in prow)
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


def _per_pay_date_max(rows: list[dict[str, Any]], col: str, key: Callable[[dict[str, Any]], Any]) -> int:
    """Sum over pay dates of the largest `col` among rows of that date and key: two plans of one
    employer repeat the same paycheck's pay, which must count once."""
    best: dict[tuple[Any, dt.date], int] = {}
    for r in rows:
        k = (key(r), r["pay_date"])
        best[k] = max(best.get(k, 0), _cents(r[col]))
    return sum(best.values())


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
            items += [(r["pay_date"], pid, _cents(r["pretax_401k"]) + _cents(r["roth_401k"])) for r in py.payroll]
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


# ---------------------------------------------------------------------------- 402(g)


def check_402g(data: AuditData) -> list[Finding]:
    """Pre-tax + Roth deferrals of the person across every plan and employer, against 402(g) plus
    the catch-up the age on Dec 31 allows. After-tax contributions are not deferrals."""
    pys = plan_years(data)
    if not any(py.deferrals for py in pys.values()):
        return []
    base = data.limits.deferral
    cu = data.limits.catch_up(data.age)
    limit = base + cu
    total = sum(py.deferrals for py in pys.values())
    amount = money(total)
    excess = max(Decimal("0.00"), amount - limit)
    split = split_deferrals(data, pys)
    by_plan = {pid: fmt(money(py.deferrals)) for pid, py in pys.items()}
    parts = " + ".join(f"{pid} {show(py.deferrals)}" for pid, py in pys.items())
    employers = {py.plan.employer for py in pys.values() if py.deferrals}
    cu_text = f" + {show(cu)} catch-up (age {data.age} on Dec 31)" if cu else ""
    lim_text = f"402(g) limit {show(base)}{cu_text} = {show(limit)}"
    rows = [r for py in pys.values()
            for r in (py.rows if py.from_payroll else refs(d.row for d in py.deposits if d.source in ("pretax", "roth")))]
    details: dict[str, Any] = {"by_plan": by_plan, "deferral_limit": base, "catch_up_limit": cu,
                               "age_dec31": data.age,
                               "split": {pid: {"deferrals": fmt(money(s.deferrals)), "regular": fmt(money(s.regular)),
                                               "catch_up": fmt(money(s.catch_up)), "excess": fmt(money(s.excess))}
                                         for pid, s in split.items()}}
    if excess <= 0:
        room = limit - amount
        msg = (f"Deferrals {show(amount)} ({parts}) against the {lim_text}: "
               + ("exactly at the limit." if room == 0 else f"{show(room)} of room left."))
        return [Finding("402g", "ok", data.person.id, msg, limit, amount, Decimal("0.00"), rows=rows,
                        details=details)]
    deadline = dt.date(data.year + 1, 4, 15)
    msg = f"Deferrals {show(amount)} ({parts}) are {show(excess)} over the {lim_text}."
    if len(employers) > 1 and all(money(py.deferrals) <= limit for py in pys.values()):
        msg += (" Each employer stayed within its own count; together they went over (402(g) is one "
                "limit per person across all employers, the classic job-change case).")
    late_plans = [pid for pid, s in split.items() if s.excess]
    fix = (f"Ask the plan ({', '.join(late_plans)}) to pay out the {show(excess)} excess deferral with its "
           f"earnings by {deadline.isoformat()} (April 15 of the next year; no extension). You will get a "
           f"Form 1099-R with code P for the excess (taxable for {data.year}, the year deferred) and one with "
           f"code 8 for the earnings (taxable in the year paid). Missed, the excess is taxed twice: now and "
           f"again when it is paid out, with no basis.")
    return [Finding("402g", "fail", data.person.id, msg, limit, amount, excess, fix=fix, deadline=deadline,
                    rows=rows, details=details)]


# ---------------------------------------------------------------------------- 415(c)


def check_415c(data: AuditData) -> list[Finding]:
    """Per employer group: deferrals without catch-up (and without a 402(g) excess, which is paid
    out) + employer contributions + after-tax contributions, against the lesser of the 415(c)
    dollar limit and 100% of that employer's compensation."""
    pys = plan_years(data)
    split = split_deferrals(data, pys)
    groups: dict[str, list[PlanYear]] = {}
    for py in pys.values():
        groups.setdefault(py.plan.employer_group, []).append(py)
    dollar = data.limits.annual_additions
    out = []
    for group, members in groups.items():
        if not any(m.has_money for m in members):
            continue
        regular = sum(split[m.plan.id].regular for m in members)
        catch_up = sum(split[m.plan.id].catch_up for m in members)
        excess_def = sum(split[m.plan.id].excess for m in members)
        employer = sum(m.employer for m in members)
        after_tax = sum(m.after_tax for m in members)
        total = regular + employer + after_tax
        pay_rows = [r for m in members for r in m.payroll]
        employer_of = {p.id: p.employer for p in data.plans}

        def employer_key(r: dict[str, Any], _e: dict[str, str] = employer_of) -> str:
            return _e[r["plan"]]

        comp = _per_pay_date_max(pay_rows, "plan_compensation", employer_key) if pay_rows else None
        if comp is not None and money(comp) < dollar:
            limit, basis = money(comp), f"100% of compensation {show(comp)} (below the {show(dollar)} dollar limit)"
        else:
            limit, basis = dollar, f"the 415(c) limit {show(dollar)}"
        amount = money(total)
        excess = max(Decimal("0.00"), amount - limit)
        parts = (f"{show(regular)} deferrals without catch-up + {show(employer)} employer + "
                 f"{show(after_tax)} after-tax")
        notes = []
        if catch_up:
            notes.append(f"{show(catch_up)} catch-up, which is not an annual addition")
        if excess_def:
            notes.append(f"{show(excess_def)} excess deferral, which is paid out under 402(g)")
        if comp is None:
            comp_note = " No payroll rows: the 100%-of-pay cap was not checked."
        else:
            comp_note = ""
        if any(m.extra_employer for m in members):
            comp_note += (f" Counted: {show(sum(m.extra_employer for m in members))} of employer deposits no "
                          f"paycheck explains (true-up, profit sharing).")
        note = (f" Left out: {'; '.join(notes)}." if notes else "") + comp_note
        rows = [r for m in members for r in m.rows]
        details = {"plans": [m.plan.id for m in members], "regular_deferrals": money(regular),
                   "catch_up": money(catch_up), "excess_deferrals": money(excess_def),
                   "employer_contributions": money(employer), "after_tax": money(after_tax),
                   "compensation": money(comp) if comp is not None else None, "dollar_limit": dollar}
        if excess <= 0:
            room = limit - amount
            msg = (f"Annual additions {show(amount)} = {parts}, against {basis}: "
                   + ("exactly at the limit" if room == 0 else f"{show(room)} of room left") + f".{note}")
            out.append(Finding("415c", "ok", group, msg, limit, amount, Decimal("0.00"), rows=rows,
                               details=details))
            continue
        msg = f"Annual additions {show(amount)} = {parts}: {show(excess)} over {basis}.{note}"
        fix = (f"Ask the plan to correct the {show(excess)} excess annual addition under EPCRS (Rev. Proc. "
               f"2021-30 section 6.06): usually after-tax contributions are returned first, then deferrals, "
               f"each with its earnings (the order is the plan's; best knowledge). Returned contributions "
               f"come on a Form 1099-R with code E (box 5: the contributions, box 2a: the earnings). "
               f"Do it as soon as you find it: the plan corrects it, there is no date for you to meet.")
        out.append(Finding("415c", "fail", group, msg, limit, amount, excess, fix=fix, rows=rows,
                           details=details, best_knowledge=True))
    return out


# ---------------------------------------------------------------------------- Roth catch-up (SECURE 2.0 s.603)


def _employers(plans: Iterable[Plan]) -> dict[str, list[Plan]]:
    out: dict[str, list[Plan]] = {}
    for p in plans:
        out.setdefault(p.employer, []).append(p)
    return out


def _scope(plans: list[Plan]) -> str:
    return plans[0].id if len(plans) == 1 else plans[0].employer


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
        distinct = {(_cents(r["box1"]), _cents(r["box3"]), _cents(r["box12_d"]), _cents(r["box12_aa"])) for r in w2}
        cents = sum(v[1] for v in distinct)
        return PriorWages(cents, f"{prior} W-2 box 3 from {employer}", refs(w2))
    pay = [r for r in data.payroll_rows if r["pay_date"].year == prior and r["plan"] in ids]
    if pay:
        cents = _per_pay_date_max(pay, "fica_wages", lambda r: employer)
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


def check_catch_up_roth(data: AuditData) -> list[Finding]:
    """From 2026 (limits `roth_catch_up_enforced`), a catch-up-eligible person whose prior-year FICA
    wages from the plan's employer were strictly above the threshold must make every catch-up
    dollar Roth: fail when pre-tax deferrals at that employer exceed the 402(g) limit."""
    cu = data.limits.catch_up(data.age)
    if cu <= 0:
        return []
    pys = plan_years(data)
    base = data.limits.deferral
    enforced = data.limits.has("roth_catch_up_enforced") and data.limits["roth_catch_up_enforced"] > 0
    threshold = data.limits["roth_catch_up_wage_threshold"]
    out = []
    for employer, plans in _employers(data.plans).items():
        members = [pys[p.id] for p in plans if p.id in pys]
        if not any(m.deferrals for m in members):
            continue
        scope = _scope(plans)
        pretax = money(sum(m.pretax for m in members))
        pretax_cu = min(max(Decimal("0.00"), pretax - base), cu)
        rows = [r for m in members for r in m.rows]
        wages = prior_fica_wages(data, plans)
        details: dict[str, Any] = {"employer": employer, "pre_tax_catch_up": pretax_cu, "threshold": threshold,
                                   "prior_year_fica_wages": money(wages.cents) if wages.cents is not None else None,
                                   "wages_basis": wages.basis, "wage_rows": wages.rows, "enforced": enforced}
        super_cu = 60 <= data.age <= 63 and data.limits.has("catch_up_60_63")
        bk = bool(super_cu)
        if not enforced:
            subject = ("" if wages.cents is None else
                       f" (prior-year wages {show(wages.cents)} {'>' if money(wages.cents) > threshold else '<='} "
                       f"{show(threshold)})")
            msg = (f"{data.year} is a transition year (Notice 2023-62): catch-ups may still be pre-tax. "
                   f"Pre-tax catch-up at {employer}: {show(pretax_cu)}{subject}. From 2026 a catch-up of someone "
                   f"whose prior-year FICA wages from the employer exceed the threshold must be Roth.")
            out.append(Finding("catch_up_roth", "info", scope, msg, base, pretax, None, rows=rows + wages.rows,
                               details=details, best_knowledge=bk))
            continue
        if wages.new_hire:
            msg = f"Not subject: {wages.basis}; with no prior-year FICA wages from {employer} the Roth rule does not apply."
            out.append(Finding("catch_up_roth", "ok", scope, msg, base, pretax, Decimal("0.00"), rows=rows,
                               details=details))
            continue
        if wages.cents is None:
            msg = (f"Cannot tell whether catch-ups at {employer} must be Roth: {wages.basis}. Needed: "
                   f"W-2 box 3 for {data.year - 1} from {employer} (import that W-2). Pre-tax deferrals "
                   f"{show(pretax)}, of which {show(pretax_cu)} pre-tax catch-up.")
            fix = (f"Import the {data.year - 1} W-2 from {employer} (or its {data.year - 1} payroll rows) and "
                   f"audit again. If box 3 is above {show(threshold)}, every catch-up dollar must be Roth.")
            status = "warn"
            out.append(Finding("catch_up_roth", status, scope, msg, base, pretax, None, fix=fix,
                               rows=rows + wages.rows, details=details, best_knowledge=bk))
            continue
        w = money(wages.cents)
        if w <= threshold:
            msg = (f"Not subject: {wages.basis} {show(w)} is not above the {show(threshold)} threshold; "
                   f"catch-ups may be pre-tax.")
            out.append(Finding("catch_up_roth", "ok", scope, msg, base, pretax, Decimal("0.00"),
                               rows=rows + wages.rows, details=details))
            continue
        if pretax_cu <= 0:
            msg = (f"Subject ({wages.basis} {show(w)} > {show(threshold)}): every catch-up dollar at {employer} "
                   f"must be Roth, and pre-tax deferrals {show(pretax)} stay within the {show(base)} 402(g) "
                   f"limit.")
            out.append(Finding("catch_up_roth", "ok", scope, msg, base, pretax, Decimal("0.00"),
                               rows=rows + wages.rows, details=details, best_knowledge=bk))
            continue
        msg = (f"{wages.basis} {show(w)} > {show(threshold)}, so every catch-up dollar at {employer} must be "
               f"Roth; pre-tax deferrals {show(pretax)} exceed the {show(base)} 402(g) limit: {show(pretax_cu)} "
               f"of the catch-up is pre-tax.")
        if bk:
            msg += " The Roth rule covers the age 60-63 catch-up too (best knowledge)."
        fix = (f"Ask the {employer} plan to correct the {show(pretax_cu)} pre-tax catch-up: the final regulations "
               f"(T.D. 10033) let a plan report it as Roth on the W-2 (a corrected W-2 if already issued) or "
               f"move it to the Roth account by an in-plan Roth rollover (taxable in the year moved). "
               f"Then elect Roth for catch-ups at {employer}.")
        out.append(Finding("catch_up_roth", "fail", scope, msg, base, pretax, pretax_cu, fix=fix,
                           rows=rows + wages.rows, details=details, best_knowledge=bk))
    return out


# ---------------------------------------------------------------------------- 401(a)(17)


def check_comp_limit(data: AuditData) -> list[Finding]:
    """Employer contributions that are a percentage of pay may only use pay up to 401(a)(17).
    With the plan's `match_pct`: warn when the year's match exceeds that % of the capped pay.
    Without it: warn when paychecks after the year-to-date pay passed the limit still carry a match."""
    pys = plan_years(data)
    lim = data.limits.comp_limit
    lim_c = int(lim * 100)
    out = []
    for pid, py in pys.items():
        if not py.from_payroll or py.compensation is None:
            continue
        employer_pay = py.match + py.nonelective
        comp = money(py.compensation)
        rows = refs(py.payroll)
        details: dict[str, Any] = {"compensation": comp, "employer_contributions": money(employer_pay)}
        over_rows: list[dict[str, Any]] = []
        excess_c = 0
        how = ""
        if py.compensation > lim_c and employer_pay:
            if py.plan.match_pct is not None:
                allowed = round_cents(py.plan.match_pct / Decimal(100) * lim)
                details["match_allowed"] = allowed
                tol = len(py.payroll)  # one cent per paycheck of rounding
                if employer_pay - int(allowed * 100) > tol:
                    excess_c = employer_pay - int(allowed * 100)
                    how = (f"employer contributions {show(employer_pay)} exceed {py.plan.match_pct}% of the "
                           f"capped pay ({show(allowed)})")
            else:
                ytd = 0
                for r in sorted(py.payroll, key=lambda r: (r["pay_date"], r["source_line"])):
                    if ytd >= lim_c and (_cents(r["employer_match"]) + _cents(r["employer_nonelective"])):
                        over_rows.append(r)
                    ytd += _cents(r["plan_compensation"])
                excess_c = sum(_cents(r["employer_match"]) + _cents(r["employer_nonelective"]) for r in over_rows)
                if excess_c:
                    how = (f"{len(over_rows)} paycheck(s) after the year's pay passed {show(lim)} still carry "
                           f"{show(excess_c)} of employer contributions (first {over_rows[0]['pay_date'].isoformat()})")
        if excess_c:
            msg = (f"Pay {show(comp)} is above the 401(a)(17) limit {show(lim)}, and {how}: the employer "
                   f"contribution looks computed on pay above the limit.")
            fix = ("Ask the plan administrator how the employer contribution was computed; a contribution on pay "
                   "above the 401(a)(17) limit is a plan error the employer corrects (and it also uses 415(c) room).")
            out.append(Finding("comp_limit", "warn", pid, msg, lim, comp, money(excess_c), fix=fix,
                               rows=refs(over_rows) or rows, details=details))
        else:
            msg = (f"Pay {show(comp)} " + ("is within" if py.compensation <= lim_c else "is above")
                   + f" the 401(a)(17) limit {show(lim)}"
                   + ("" if py.compensation <= lim_c else "; the employer contributions stay within it") + ".")
            out.append(Finding("comp_limit", "ok", pid, msg, lim, comp, Decimal("0.00"), rows=rows,
                               details=details))
    return out


# ---------------------------------------------------------------------------- plan's own after-tax cap


def plan_after_tax_cap(plan: Plan, compensation: int | None) -> tuple[Decimal | None, str]:
    """The plan's cap on after-tax contributions for a year's pay: the lower of `after_tax_cap`
    (dollars) and `after_tax_cap_pct` of pay (rounded to the cent)."""
    caps: list[tuple[Decimal, str]] = []
    if plan.after_tax_cap is not None:
        caps.append((plan.after_tax_cap, f"the plan's {show(plan.after_tax_cap)} cap"))
    if plan.after_tax_cap_pct is not None and compensation is not None:
        v = round_cents(_pct_of(plan.after_tax_cap_pct, compensation))
        caps.append((v, f"{plan.after_tax_cap_pct}% x pay {show(compensation)}"))
    if not caps:
        return None, ""
    return min(caps, key=lambda c: c[0])


def check_plan_after_tax_cap(data: AuditData) -> list[Finding]:
    pys = plan_years(data)
    out = []
    for pid, py in pys.items():
        cap, how = plan_after_tax_cap(py.plan, py.compensation)
        if cap is None:
            if py.plan.after_tax_cap_pct is not None and py.after_tax:
                out.append(Finding("plan_after_tax_cap", "info", pid,
                                   f"The plan caps after-tax at {py.plan.after_tax_cap_pct}% of pay, but the book "
                                   f"has no payroll rows with pay for {data.year}: not checked.",
                                   None, money(py.after_tax), None, rows=py.rows))
            continue
        amount = money(py.after_tax)
        excess = max(Decimal("0.00"), amount - cap)
        src = "payroll" if py.from_payroll else "deposits"
        details = {"cap_pct": py.plan.after_tax_cap_pct, "cap_dollars": py.plan.after_tax_cap, "counted_from": src}
        if excess <= 0:
            msg = (f"After-tax contributions {show(amount)} ({src}) against {how} = {show(cap)}: "
                   + ("exactly at the cap." if amount == cap else f"{show(cap - amount)} of room left."))
            out.append(Finding("plan_after_tax_cap", "ok", pid, msg, cap, amount, Decimal("0.00"), rows=py.rows,
                               details=details))
        else:
            msg = f"After-tax contributions {show(amount)} ({src}) are {show(excess)} over {how} = {show(cap)}."
            fix = ("Ask the plan to refund the after-tax contributions above its cap with their earnings "
                   "(refunded after-tax money is basis; its earnings are taxable), and lower the after-tax "
                   "election. Check the plan document: the cap is the plan's rule, not a tax limit.")
            out.append(Finding("plan_after_tax_cap", "fail", pid, msg, cap, amount, excess, fix=fix,
                               rows=py.rows, details=details))
    return out


# ---------------------------------------------------------------------------- deposits


def check_deposit_match(data: AuditData) -> list[Finding]:
    """Every payroll deduction (deferral, after-tax, and the employer's match and nonelective) must
    reach the plan as a `contribution` of the same source and amount within the window (business
    days after the pay date). Missing, late or different deposits warn; so do employee-money
    deposits that no paycheck explains."""
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
        first_pay = min(i.date for i in in_year)
        last_pay = max(i.date for i in in_year)
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
        if not problems:
            msg = (f"All {len(in_year)} payroll amounts of {n_checks} paychecks ({show(total)}) reached the plan "
                   f"within {window} business days, same source and amount.")
            if extra_employer:
                msg += f" Employer deposits no paycheck explains (true-up?): {show(extra_employer)}."
            out.append(Finding("deposit_match", "ok", plan.id, msg, None, money(total), Decimal("0.00"),
                               rows=refs(i.row for i in in_year), details=details))
            continue
        msg = (f"{n_matched} of {len(in_year)} payroll amounts reached the plan within {window} business days; "
               + "; ".join(p["text"] for p in problems) + ".")
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


# ---------------------------------------------------------------------------- W-2 box 12


def check_w2_box12(data: AuditData) -> list[Finding]:
    """W-2 box 12 code D (pre-tax 401(k)) and AA (Roth 401(k)) against the year's deferrals at
    that employer. After-tax contributions are not on the W-2."""
    pys = plan_years(data)
    w2 = [r for r in data.w2_rows if r["tax_year"] == data.year]
    out = []
    for employer, plans in _employers(data.plans).items():
        ids = {p.id for p in plans}
        forms = [r for r in w2 if r["plan"] in ids]
        if not forms:
            continue
        distinct: dict[tuple[int, int, int, int], dict[str, Any]] = {}
        for r in forms:
            distinct.setdefault((_cents(r["box1"]), _cents(r["box3"]), _cents(r["box12_d"]),
                                 _cents(r["box12_aa"])), r)
        d = sum(k[2] for k in distinct)
        aa = sum(k[3] for k in distinct)
        members = [pys[p.id] for p in plans if p.id in pys]
        pretax = sum(m.pretax for m in members)
        roth = sum(m.roth for m in members)
        src = "payroll" if all(m.from_payroll for m in members) and members else "deposits"
        scope = _scope(plans)
        diff = abs(d - pretax) + abs(aa - roth)
        rows = refs(forms) + [r for m in members for r in m.rows]
        details = {"box12_d": money(d), "ledger_pretax": money(pretax), "box12_aa": money(aa),
                   "ledger_roth": money(roth), "counted_from": src}
        texts = []
        for code, form_v, led_v in (("D", d, pretax), ("AA", aa, roth)):
            if form_v == led_v:
                texts.append(f"box 12 {code} {show(form_v)} = {src} {show(led_v)}")
            else:
                word = "too high" if form_v > led_v else "too low"
                texts.append(f"box 12 {code} {show(form_v)} vs {src} {show(led_v)}: {show(abs(form_v - led_v))} {word}")
        if diff == 0:
            out.append(Finding("w2_box12", "ok", scope, f"{employer} W-2: " + "; ".join(texts) + ".",
                               money(pretax + roth), money(d + aa), Decimal("0.00"), rows=rows, details=details))
            continue
        msg = f"{employer} W-2 disagrees with the year's deferrals: " + "; ".join(texts) + "."
        fix = (f"Ask {employer} for a corrected W-2 (Form W-2c). Box 12 D and AA must equal the year's pre-tax and "
               f"Roth 401(k) deferrals; if your payroll file is the one that is wrong, fix and re-import it.")
        out.append(Finding("w2_box12", "warn", scope, msg, money(pretax + roth), money(d + aa), money(diff),
                           fix=fix, rows=rows, details=details))
    return out


# ---------------------------------------------------------------------------- IRA limit


def check_ira_limit(data: AuditData) -> list[Finding]:
    """IRA contributions for the year (traditional + Roth, by the year they are *for*, including
    those made by April 15 of the next year) against the IRA limit plus catch-up, and against
    taxable compensation (W-2 box 1; else payroll pay minus pre-tax deferrals)."""
    iras = {i.id for i in data.profile.iras_of(data.person.id)}
    if not iras:
        return []
    contribs = []
    late = []
    for r in data.contribution_rows:
        if r["account"] not in iras:
            continue
        if r["source"] not in IRA_CONTRIBUTION_SOURCES:
            continue
        for_year = r["for_year"] if r["for_year"] is not None else r["date"].year
        if for_year != data.year:
            continue
        contribs.append(r)
        if r["date"] > dt.date(data.year + 1, 4, 15):
            late.append(r)
    if not contribs:
        return []
    total = sum(_cents(r["amount"]) for r in contribs)
    amount = money(total)
    dollar = data.limits.ira_limit(data.age)
    w2 = [r for r in data.w2_rows if r["tax_year"] == data.year]
    pay = [r for r in data.payroll_rows if r["pay_date"].year == data.year]
    comp: int | None
    if w2:
        comp, comp_basis = sum(_cents(r["box1"]) for r in w2), "W-2 box 1"
    elif pay:
        comp = sum(_cents(r["gross_pay"]) - _cents(r["pretax_401k"]) for r in pay)
        comp_basis = "payroll pay minus pre-tax deferrals"
    else:
        comp, comp_basis = None, ""
    limit, basis = dollar, (f"the IRA limit {show(data.limits['ira_limit'])}"
                            + (f" + {show(data.limits['ira_catch_up'])} catch-up (age {data.age})"
                               if data.age >= 50 else ""))
    spousal = data.person.filing_status == "mfj"
    if comp is not None and money(comp) < dollar and not spousal:
        limit, basis = money(comp), f"taxable compensation {show(comp)} ({comp_basis})"
    excess = max(Decimal("0.00"), amount - limit)
    rows = refs(contribs)
    details: dict[str, Any] = {"dollar_limit": dollar,
                               "compensation": money(comp) if comp is not None else None,
                               "by_account": {a: fmt(money(sum(_cents(r['amount']) for r in contribs
                                                                if r['account'] == a)))
                                              for a in sorted({r['account'] for r in contribs})}}
    if excess > 0:
        msg = f"IRA contributions for {data.year} {show(amount)} are {show(excess)} over {basis}."
        deadline = dt.date(data.year + 1, 4, 15)
        fix = (f"Withdraw the {show(excess)} excess with its earnings before the {data.year} return is due "
               f"({deadline.isoformat()}, or October 15 with an extension), or recharacterize it; otherwise a 6% "
               f"excise tax applies each year it stays (Form 5329). Best knowledge: the IRA excess rules are not "
               f"in this program's reference rules.")
        return [Finding("ira_limit", "fail", data.person.id, msg, limit, amount, excess, fix=fix,
                        deadline=deadline, rows=rows, details=details, best_knowledge=True)]
    if comp is not None and spousal and money(comp) < amount:
        msg = (f"IRA contributions for {data.year} {show(amount)} are above your own taxable compensation "
               f"{show(comp)} ({comp_basis}); filing jointly, a spousal IRA may use your spouse's pay.")
        return [Finding("ira_limit", "warn", data.person.id, msg, limit, amount, Decimal("0.00"),
                        fix="Check that your spouse's compensation covers the difference.", rows=rows,
                        details=details)]
    if late:
        msg = (f"IRA contributions for {data.year} {show(amount)} are within {basis}, but "
               f"{len(late)} of them were made after April 15, {data.year + 1}, too late to count for {data.year}.")
        return [Finding("ira_limit", "warn", data.person.id, msg, limit, amount, Decimal("0.00"),
                        fix="Check the `for_year` of those rows with the IRA custodian's Form 5498.",
                        rows=refs(late), details=details)]
    room = limit - amount
    msg = (f"IRA contributions for {data.year} {show(amount)} against {basis}: "
           + ("exactly at the limit." if room == 0 else f"{show(room)} of room left."))
    return [Finding("ira_limit", "ok", data.person.id, msg, limit, amount, Decimal("0.00"), rows=rows,
                    details=details)]


# ---------------------------------------------------------------------------- after-tax lots


def _tax_at_rate(data: AuditData, earnings: Decimal) -> Decimal | None:
    rate = data.person.marginal_rate
    return None if rate is None else round_cents(earnings * rate)


def _rate_text(data: AuditData, earnings: Decimal) -> str:
    tax = _tax_at_rate(data, earnings)
    if tax is None:
        return " (set marginal_rate for this person in mbr.toml to see the tax on them)"
    return f"; at your {data.person.marginal_rate} marginal rate that is {show(tax)} of tax"


def check_after_tax_unconverted(data: AuditData) -> list[Finding]:
    """After-tax money still in the plan at Dec 31 (basis and the earnings it has made): warn, with
    the tax those earnings will cost at the person's marginal rate. Reads the after-tax lots of
    `rules.lots.audit_lots`."""
    lots = data.lots
    if lots is None:
        return []
    out = []
    year = data.year
    for plan in data.plans:
        ph = lots.get(plan.id)
        if ph is None:
            continue
        ye = ph.unconverted
        moved = ph.moved
        if not (ph.contributed or moved or ye.value):
            continue
        open_lots = ph.open_lots
        tax = _tax_at_rate(data, ye.earnings)
        details: dict[str, Any] = {"basis": ye.basis, "earnings": ye.earnings, "open_lots": ye.open_lots,
                                   "tax_on_earnings": tax, "marginal_rate": (str(data.person.marginal_rate)
                                                                             if data.person.marginal_rate else None)}
        if ye.value == 0:
            last = moved[-1] if moved else None
            msg = ("No after-tax money left unconverted at Dec 31"
                   + (f" (the last move, {last.date.isoformat()}, emptied the source)." if last else "."))
            out.append(Finding("after_tax_unconverted", "ok", plan.id, msg, None, Decimal("0.00"), None,
                               rows=last.refs if last else [], details=details))
            continue
        oldest = min((lot.contributed_on for lot in open_lots), default=None)
        msg = (f"{show(ye.value)} of after-tax money is still unconverted at Dec 31, {year}: basis {show(ye.basis)}"
               + (f" in {ye.open_lots} lot(s), the oldest from {oldest.isoformat()}" if oldest else "")
               + f", earnings {show(ye.earnings)}. The earnings are taxable when converted or rolled out"
               + _rate_text(data, ye.earnings) + ".")
        how = {"in_plan_auto": "check why the automatic in-plan Roth rollover did not run, and request one",
               "in_plan_manual": "request an in-plan Roth rollover",
               "rollover_roth_ira": "roll the after-tax source out to your Roth IRA (earnings to a traditional "
                                    "IRA if you want them untaxed now; they then count in the IRA pro-rata rule)"}
        fix = (how.get(plan.conversion, "convert it (in-plan Roth rollover or rollover to a Roth IRA)")
               + "; every day it waits adds taxable earnings.")
        out.append(Finding("after_tax_unconverted", "warn", plan.id, msg, None, ye.value, None, fix=fix,
                           rows=[lot.ref for lot in open_lots], details=details))
    return out


def check_conversion_lag(data: AuditData) -> list[Finding]:
    """Days from each after-tax contribution to its conversion (lots converted this year) and the
    earnings that built up meanwhile: info, warn when a lot waited longer than the profile's
    `audit.conversion_lag_warn_days` (default 30 calendar days)."""
    by_plan = data.lots
    if by_plan is None:
        return []
    limit_days = data.profile.audit.conversion_lag_warn_days
    out = []
    for plan in data.plans:
        ph = by_plan.get(plan.id)
        if ph is None:
            continue
        lots = ph.converted
        if not lots:
            continue
        still_open = ph.still_open
        slow = [lot for lot in lots if (lot.days or 0) > limit_days]
        earnings = sum((lot.earnings for lot in lots), Decimal("0.00"))
        days = [lot.days or 0 for lot in lots]
        table = [{"contributed_on": lot.contributed_on.isoformat(), "converted_on": lot.converted_on.isoformat()
                  if lot.converted_on else None, "days": lot.days, "basis": fmt(lot.amount),
                  "earnings": fmt(lot.earnings), "destination": lot.destination, "row": lot.ref,
                  "conversion_row": lot.conversion_ref} for lot in lots]
        details: dict[str, Any] = {"threshold_days": limit_days, "lots": table, "max_days": max(days),
                                   "earnings": earnings, "tax_on_earnings": _tax_at_rate(data, earnings),
                                   "open_at_year_end": len(still_open)}
        open_text = (f" {len(still_open)} lot(s) are still unconverted at Dec 31 (see after_tax_unconverted)."
                     if still_open else "")
        if not slow:
            msg = (f"{len(lots)} after-tax lot(s) converted in {data.year}, {min(days)}-{max(days)} days after the "
                   f"deposit, with {show(earnings)} of earnings before conversion (pre-tax money, taxed when it reaches a "
                   f"Roth account){_rate_text(data, earnings)}."
                   + open_text)
            out.append(Finding("conversion_lag", "info", plan.id, msg, None, earnings, None,
                               rows=[lot.conversion_ref or lot.ref for lot in lots], details=details))
            continue
        slow_e = sum((lot.earnings for lot in slow), Decimal("0.00"))
        parts = "; ".join(f"{lot.contributed_on.isoformat()} -> {lot.converted_on.isoformat()}: {lot.days} days, "
                          f"earnings {show(lot.earnings)}" for lot in slow if lot.converted_on)
        rest = [lot for lot in lots if lot not in slow]
        rest_text = (f" The other {len(rest)} lot(s): {min(lot.days or 0 for lot in rest)}-"
                     f"{max(lot.days or 0 for lot in rest)} days, {show(sum((lot.earnings for lot in rest), Decimal('0.00')))} "
                     f"of earnings." if rest else "")
        msg = (f"{len(slow)} of {len(lots)} after-tax lot(s) waited more than {limit_days} days for conversion "
               f"({parts}): {show(slow_e)} of earnings built up, pre-tax money that is taxed when it reaches a Roth "
               f"account{_rate_text(data, slow_e)}.{rest_text}"
               + open_text)
        how = {"in_plan_auto": "the automatic in-plan Roth rollover stopped for these lots: ask the plan why",
               "rollover_roth_ira": "roll the after-tax source out more often (or ask for an in-plan option)"}
        fix = how.get(plan.conversion, "convert after-tax contributions soon after each deposit") + \
            "; earnings made before conversion are taxed when converted."
        rows = [r for lot in slow for r in (lot.ref, lot.conversion_ref) if r]
        out.append(Finding("conversion_lag", "warn", plan.id, msg, None, slow_e, None, fix=fix, rows=rows,
                           details=details))
    return out


# ---------------------------------------------------------------------------- backdoor Roth IRA


def check_backdoor_pro_rata(data: AuditData) -> list[Finding]:
    """A traditional-to-Roth IRA conversion in a year that ends with money in a traditional, SEP or
    SIMPLE IRA is partly taxable through the IRA pro-rata rule (Form 8606 line 10). Reads
    `forms.f8606.backdoor_details`: warn with the taxable amount, the part the rule causes, and the
    account and the plan move responsible (a split rollover's earnings leg is the usual one)."""
    bd = data.backdoor
    if bd is None:
        return []
    if isinstance(bd, str):  # the Form 8606 figures could not be computed
        return [Finding("backdoor_pro_rata", "warn", data.person.id,
                        f"Form 8606 could not be computed, so the IRA pro-rata rule was not checked: {bd}",
                        fix="Fix the problem named and audit again (see `mbr worksheet 8606`).")]
    if not bd.converted:
        return []
    details: dict[str, Any] = {"converted": bd.converted, "taxable": bd.taxable,
                               "pro_rata_taxable": bd.pro_rata_taxable, "dec31_traditional_value": bd.dec31_value,
                               "accounts": bd.responsible, "sources": bd.sources}
    if bd.dec31_value <= 0:
        msg = (f"Conversion {show(bd.converted)} to the Roth IRA; the traditional IRAs held 0.00 on Dec 31, "
               f"{data.year}, so the IRA pro-rata rule costs nothing: {show(bd.taxable)} is taxable (Form 8606 "
               f"line 18), what the money earned before the conversion.")
        return [Finding("backdoor_pro_rata", "ok", data.person.id, msg, None, bd.taxable, Decimal("0.00"),
                        rows=bd.rows, details=details)]
    moves = [x.split(" ", 2) for x in bd.sources]
    src = ("; it came from " + ", ".join(f"the {m[0]} rollover of {m[1]} ({m[2]})" if len(m) == 3 else " ".join(m)
                                         for m in moves)) if moves else ""
    msg = (f"Conversion {show(bd.converted)}: {', '.join(bd.responsible)} held {show(bd.dec31_value)} on Dec 31, "
           f"{data.year}{src}. Through the IRA pro-rata rule (Form 8606 line 10 below 1) {show(bd.taxable)} of the "
           f"conversion is taxable, {show(bd.pro_rata_taxable)} of it only because of that balance"
           + _rate_text(data, bd.pro_rata_taxable) + ".")
    fix = ("Keep traditional, SEP and SIMPLE IRAs empty at Dec 31 of a year with a backdoor conversion: roll the "
           "pre-tax money into a 401(k) that accepts roll-ins before Dec 31, and in a split rollover send the "
           "earnings leg to the 401(k) or convert it too. The basis left over carries to next year's Form 8606.")
    rows = bd.rows + [s.rsplit(" ", 1)[-1] for s in bd.sources]
    return [Finding("backdoor_pro_rata", "warn", data.person.id, msg, None, bd.taxable, bd.pro_rata_taxable,
                    fix=fix, rows=rows, details=details)]


# ---------------------------------------------------------------------------- ACP (info)


def prior_year_pay(data: AuditData, plans: list[Plan]) -> tuple[int | None, str]:
    """Pay from this employer in `year - 1` (HCE test): payroll `plan_compensation`, else W-2 box 1 +
    box 12 D (wages before pre-tax deferrals)."""
    prior = data.year - 1
    ids = {p.id for p in plans}
    pay = [r for r in data.payroll_rows if r["pay_date"].year == prior and r["plan"] in ids]
    if pay:
        return _per_pay_date_max(pay, "plan_compensation", lambda r: 0), f"{prior} payroll"
    w2 = [r for r in data.w2_rows if r["tax_year"] == prior and r["plan"] in ids]
    if w2:
        distinct = {(_cents(r["box1"]), _cents(r["box12_d"])) for r in w2}
        return sum(a + b for a, b in distinct), f"{prior} W-2 box 1 + box 12 D"
    return None, ""


def check_acp_risk(data: AuditData) -> list[Finding]:
    """Info: an HCE (prior-year pay from the employer above the 414(q) threshold) making after-tax
    contributions may get part of them refunded after the plan's ACP test."""
    pys = plan_years(data)
    out = []
    for employer, plans in _employers(data.plans).items():
        members = [pys[p.id] for p in plans if p.id in pys and pys[p.id].after_tax]
        if not members:
            continue
        after_tax = sum(m.after_tax for m in members)
        scope = _scope([m.plan for m in members])
        pay, basis = prior_year_pay(data, plans)
        new_hire = pay is None and prior_fica_wages(data, plans).new_hire
        thr = data.prior_limits["hce_threshold"] if data.prior_limits and data.prior_limits.has("hce_threshold") else None
        tail = (" If the plan fails its ACP test it refunds after-tax (and match) money to HCEs, normally within "
                "2 1/2 months after the plan year (March 15 for a calendar-year plan): refunded after-tax money is "
                "basis, its earnings are taxable; if it was already converted, how the plan unwinds it is the "
                "plan's (best knowledge).")
        details: dict[str, Any] = {"prior_year_pay": money(pay) if pay is not None else None,
                                   "hce_threshold": thr, "hce": None}
        if new_hire:
            details["hce"] = False
            msg = (f"After-tax contributions {show(after_tax)} at {employer}; a new hire with no {data.year - 1} pay "
                   f"from {employer} is not an HCE by the prior-year pay test, so an ACP refund is unlikely (a 5% "
                   f"owner is an HCE regardless).")
        elif pay is None or thr is None:
            msg = (f"After-tax contributions {show(after_tax)} at {employer}. HCE status for {data.year} depends on "
                   f"{data.year - 1} pay from {employer}, which the book does not hold." + tail)
        elif money(pay) > thr:
            details["hce"] = True
            msg = (f"After-tax contributions {show(after_tax)} at {employer}; you are an HCE for {data.year} "
                   f"({basis} {show(pay)} > {show(thr)})." + tail)
        else:
            details["hce"] = False
            msg = (f"After-tax contributions {show(after_tax)} at {employer}; not an HCE by the prior-year pay "
                   f"test ({basis} {show(pay)} <= {show(thr)}), so an ACP refund is unlikely (a 5% owner is an "
                   f"HCE regardless).")
        out.append(Finding("acp_risk", "info", scope, msg, None, money(after_tax), None,
                           rows=[r for m in members for r in m.rows], details=details, best_knowledge=True))
    return out


# ---------------------------------------------------------------------------- running it all

Check = Callable[[AuditData], list[Finding]]

CHECKS: dict[str, Check] = {
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
    """Every check over one person's data, in the order of tax-rules.md section 2."""
    found: list[Finding] = []
    for check_id in CHECK_IDS:
        check = CHECKS.get(check_id)
        if check is not None:
            found += check(data)
    return found


def load_audit_data(profile: Profile, ledger: Ledger, year: int, person: str, *,
                    with_lots: bool = True) -> AuditData:
    """The frames and limits one person's audit reads (the only ledger access of the audit), and the
    after-tax lots of `rules.lots` (`with_lots`)."""
    from ..ledger.queries import year_events

    limits = limits_for(year)
    try:
        prior = limits_for(year - 1)
    except MbrError:
        prior = None
    pay = ledger.frame("payroll", person=person,
                       filter=pl.col("pay_date").is_between(dt.date(year - 1, 1, 1), dt.date(year, 12, 31)))
    w2 = ledger.frame("w2", person=person, filter=pl.col("tax_year").is_between(year - 1, year))
    lots = None
    backdoor: Any = None
    if with_lots:
        from ..forms.f8606 import backdoor_details
        from .lots import audit_lots

        lots = audit_lots(profile, ledger, person, year)
        if profile.iras_of(person):
            try:
                backdoor = backdoor_details(profile, ledger, year, person)
            except MbrError as exc:
                backdoor = str(exc)
    # Every check reads contributions, and which accounts had rows in a year; the daily earnings rows
    # (the bulk of a ledger) are left out. Read after the lots: the rows the lots engine read (when it
    # computed anything) hold these too.
    events = year_events(ledger, person, year - 1, year + 1)
    return AuditData(profile, profile.person(person), year, limits, pay, events, w2, prior_limits=prior,
                     lots=lots, backdoor=backdoor)


def run_audit(profile: Profile, ledger: Ledger, year: int, person: str | None) -> list[Finding]:
    """The year-end audit of one person (or of everyone in the book): every check, as values."""
    from ..ledger.queries import reading_many

    persons = [person] if person else profile.person_ids()
    reading_many(ledger, persons)
    found: list[Finding] = []
    for pid in persons:
        data = load_audit_data(profile, ledger, year, pid)
        found += run_checks(data)
    return found


def exit_code(findings: list[Finding]) -> int:
    return 1 if any(f.status == "fail" for f in findings) else 0
