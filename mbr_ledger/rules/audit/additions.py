"""The annual-additions checks per employer: 415(c), pay over 401(a)(17), the plan's own after-tax
cap, and the ACP refund risk of an HCE's after-tax money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ...core.money import round_cents
from ...profile import Plan
from ..corrective import corrective_rows
from ..findings import Finding
from .data import AuditData, against, as_cents, by_employer, group_of, money, per_pay_date_max, refs, show
from .totals import PlanYear, plan_years, prior_fica_wages, split_deferrals


def check_415c(data: AuditData) -> list[Finding]:
    """Per employer group: deferrals without catch-up (and without a 402(g) excess, which is paid
    out) + employer contributions + after-tax contributions, against the lesser of the 415(c)
    dollar limit and 100% of that employer's compensation. Scope: the employer group."""
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

        comp = per_pay_date_max(pay_rows, "plan_compensation", employer_key) if pay_rows else None
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
            msg = f"Annual additions {show(amount)} = {parts}: {against(limit - amount, basis, ',')}.{note}"
            out.append(Finding("415c", "ok", group, msg, limit, amount, Decimal("0.00"), rows=rows,
                               details=details))
            continue
        msg = f"Annual additions {show(amount)} = {parts}: {against(limit - amount, basis)}.{note}"
        ids = {m.plan.id for m in members}
        fixed = [c for c in corrective_rows(data.profile, data.events)
                 if c.reason == "415c" and c.for_year == data.year and c.account in ids]
        if fixed:
            # Returned under EPCRS (corrective rows, reason 415c): the contributions returned leave the
            # year's annual additions (Rev. Proc. 2021-30 section 6.06, best knowledge).
            back = sum((c.returned for c in fixed), Decimal("0.00"))
            left = max(Decimal("0.00"), excess - back)
            details["returned_under_epcrs"] = back
            msg += f" Returned under EPCRS (code E): {show(back)}."
            if left <= 0:
                out.append(Finding("415c", "info", group, msg + " The excess is corrected.", limit, amount,
                                   Decimal("0.00"), rows=rows + [c.ref for c in fixed], details=details,
                                   best_knowledge=True))
                continue
            excess = left
            msg += f" Still over: {show(left)}."
        fix = (f"Ask the plan to correct the {show(excess)} excess annual addition under EPCRS (Rev. Proc. "
               f"2021-30 section 6.06): usually after-tax contributions are returned first, then deferrals, "
               f"each with its earnings (the order is the plan's; best knowledge). Returned contributions "
               f"come on a Form 1099-R with code E (box 5: the contributions, box 2a: the earnings). "
               f"Do it as soon as you find it: the plan corrects it, there is no date for you to meet.")
        out.append(Finding("415c", "fail", group, msg, limit, amount, excess, fix=fix, rows=rows,
                           details=details, best_knowledge=True))
    return out


def check_comp_limit(data: AuditData) -> list[Finding]:
    """Employer contributions that are a percentage of pay may only use pay up to 401(a)(17).
    With the plan's `match_pct`: warn when the year's match exceeds that % of the capped pay.
    Without it: warn when paychecks after the year-to-date pay passed the limit still carry a match.
    Scope: the plan id."""
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
                    if ytd >= lim_c and (as_cents(r["employer_match"]) + as_cents(r["employer_nonelective"])):
                        over_rows.append(r)
                    ytd += as_cents(r["plan_compensation"])
                excess_c = sum(as_cents(r["employer_match"]) + as_cents(r["employer_nonelective"]) for r in over_rows)
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
            where = ("under" if py.compensation < lim_c else "at" if py.compensation == lim_c
                     else f"{show(py.compensation - lim_c)} over")
            msg = (f"Pay {show(comp)} is {where} the 401(a)(17) limit {show(lim)}"
                   + (", not over it" if py.compensation == lim_c else "")
                   + ("; the employer contributions stay within it" if py.compensation > lim_c else "") + ".")
            out.append(Finding("comp_limit", "ok", pid, msg, lim, comp, Decimal("0.00"), rows=rows,
                               details=details))
    return out


def _pct_of(pct: Decimal, cents: int) -> Decimal:
    """pct % of an amount in cents, as an exact Decimal of dollars."""
    return pct / Decimal(100) * money(cents)


def pct_text(pct: Decimal | None) -> str | None:
    """A percentage for the details, as mbr.toml writes it ("10", "12.5"): a string, never money."""
    return None if pct is None else str(pct)


def plan_after_tax_cap(plan: Plan, compensation: int | None) -> tuple[Decimal | None, str]:
    """The plan's cap on after-tax contributions for a year's pay: the lower of `after_tax_cap`
    (dollars) and `after_tax_cap_pct` of pay (rounded to the cent), with the words that name it."""
    caps: list[tuple[Decimal, str]] = []
    if plan.after_tax_cap is not None:
        caps.append((plan.after_tax_cap, f"the plan's dollar cap {show(plan.after_tax_cap)}"))
    if plan.after_tax_cap_pct is not None and compensation is not None:
        v = round_cents(_pct_of(plan.after_tax_cap_pct, compensation))
        caps.append((v, f"the cap {plan.after_tax_cap_pct}% x pay {show(compensation)} = {show(v)}"))
    if not caps:
        return None, ""
    return min(caps, key=lambda c: c[0])


def check_plan_after_tax_cap(data: AuditData) -> list[Finding]:
    """After-tax contributions of the year against the plan's own cap (`plan_after_tax_cap`): fail
    above it. Scope: the plan id."""
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
        details = {"cap_pct": pct_text(py.plan.after_tax_cap_pct), "cap_dollars": py.plan.after_tax_cap, "counted_from": src}
        if excess <= 0:
            msg = f"After-tax contributions {show(amount)} ({src}) are {against(cap - amount, how)}."
            out.append(Finding("plan_after_tax_cap", "ok", pid, msg, cap, amount, Decimal("0.00"), rows=py.rows,
                               details=details))
        else:
            msg = f"After-tax contributions {show(amount)} ({src}) are {against(cap - amount, how)}."
            fix = ("Ask the plan to refund the after-tax contributions above its cap with their earnings "
                   "(refunded after-tax money is basis; its earnings are taxable), and lower the after-tax "
                   "election. Check the plan document: the cap is the plan's rule, not a tax limit.")
            out.append(Finding("plan_after_tax_cap", "fail", pid, msg, cap, amount, excess, fix=fix,
                               rows=py.rows, details=details))
    return out


def prior_year_pay(data: AuditData, plans: list[Plan]) -> tuple[int | None, str]:
    """Pay from this employer in `year - 1` (HCE test): payroll `plan_compensation`, else W-2 box 1 +
    box 12 D (wages before pre-tax deferrals)."""
    prior = data.year - 1
    ids = {p.id for p in plans}
    pay = [r for r in data.payroll_rows if r["pay_date"].year == prior and r["plan"] in ids]
    if pay:
        return per_pay_date_max(pay, "plan_compensation", lambda r: 0), f"{prior} payroll"
    w2 = [r for r in data.w2_rows if r["tax_year"] == prior and r["plan"] in ids]
    if w2:
        distinct = {(as_cents(r["box1"]), as_cents(r["box12_d"])) for r in w2}
        return sum(a + b for a, b in distinct), f"{prior} W-2 box 1 + box 12 D"
    return None, ""


def check_acp_risk(data: AuditData) -> list[Finding]:
    """Info: an HCE (prior-year pay from the employer above the 414(q) threshold) making after-tax
    contributions may get part of them refunded after the plan's ACP test. One finding per employer;
    scope: the employer group of its plans (`group_of`)."""
    pys = plan_years(data)
    out = []
    for employer, plans in by_employer(data.plans).items():
        members = [pys[p.id] for p in plans if p.id in pys and pys[p.id].after_tax]
        if not members:
            continue
        after_tax = sum(m.after_tax for m in members)
        scope = group_of(plans)
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
