"""The deferral checks: 402(g) across every plan and employer, the SECURE 2.0 Roth catch-up rule,
and W-2 box 12 D and AA against the year's deferrals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ...core.money import fmt
from ..corrective import refunds_402g
from ..findings import Finding
from .data import AuditData, against, as_cents, by_employer, group_of, money, rate_text, refs, show
from .totals import plan_years, prior_fica_wages, split_deferrals


def check_402g(data: AuditData) -> list[Finding]:
    """Pre-tax + Roth deferrals of the person across every plan and employer, against 402(g) plus
    the catch-up the age on Dec 31 allows. After-tax contributions are not deferrals.
    Scope: the person (402(g) is one limit per person)."""
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
    lim_text = f"the 402(g) limit {show(base)}" + (f"{cu_text} = {show(limit)}" if cu else "")
    rows = [r for py in pys.values()
            for r in (py.rows if py.from_payroll else refs(d.row for d in py.deposits if d.source in ("pretax", "roth")))]
    details: dict[str, Any] = {"by_plan": by_plan, "deferral_limit": base, "catch_up_limit": cu,
                               "age_dec31": data.age,
                               "split": {pid: {"deferrals": fmt(money(s.deferrals)), "regular": fmt(money(s.regular)),
                                               "catch_up": fmt(money(s.catch_up)), "excess": fmt(money(s.excess))}
                                         for pid, s in split.items()}}
    if excess <= 0:
        msg = f"Deferrals {show(amount)} ({parts}) are {against(limit - amount, lim_text)}."
        return [Finding("402g", "ok", data.person.id, msg, limit, amount, Decimal("0.00"), rows=rows,
                        details=details)]
    deadline = dt.date(data.year + 1, 4, 15)
    msg = f"Deferrals {show(amount)} ({parts}) are {against(limit - amount, lim_text)}."
    if len(employers) > 1 and all(money(py.deferrals) <= limit for py in pys.values()):
        msg += (" Each employer stayed within its own count; together they went over (402(g) is one "
                "limit per person across all employers, the classic job-change case).")
    late_plans = [pid for pid, s in split.items() if s.excess]
    on_time, late, crefs = refunds_402g(data.profile, data.events, data.year)
    if on_time or late:
        return [_refunded(data, msg, limit, amount, excess, on_time, late, rows + crefs, details, deadline)]
    fix = (f"Ask the plan ({', '.join(late_plans)}) to pay out the {show(excess)} excess deferral with its "
           f"earnings by {deadline.isoformat()} (April 15 of the next year; no extension). You will get a "
           f"Form 1099-R with code P for the excess (taxable for {data.year}, the year deferred) and one with "
           f"code 8 for the earnings (taxable in the year paid). Missed, the excess is taxed twice: now and "
           f"again when it is paid out, with no basis.")
    return [Finding("402g", "fail", data.person.id, msg, limit, amount, excess, fix=fix, deadline=deadline,
                    rows=rows, details=details)]


def _refunded(data: AuditData, msg: str, limit: Decimal, amount: Decimal, excess: Decimal, on_time: Decimal,
              late: Decimal, rows: list[str], details: dict[str, Any], deadline: dt.date) -> Finding:
    """The 402(g) finding when `corrective` rows (reason 402g) refund some of the excess: corrected when
    refunded in full by April 15 of the next year; else what is left and what it costs (Pub. 525
    "Excess deferrals": an excess not refunded by then is taxed in the year deferred and again when
    paid out)."""
    left = max(Decimal("0.00"), excess - on_time)
    details = {**details, "excess_deferral": excess, "refunded_by_deadline": on_time, "refunded_late": late}
    msg += f" Refunded by {deadline.isoformat()} (corrective rows, reason 402g): {show(on_time)}."
    if late:
        msg += (f" Refunded after {deadline.isoformat()}: {show(late)}, too late to correct: it is taxed for "
                f"{data.year} and again in the year paid (a plain distribution, no basis).")
    if left <= 0:
        msg += (f" The excess is corrected: {show(excess)} is income for {data.year} (Form 1040 line 1h unless the "
                f"W-2 box 1 includes it; Form 1099-R code P, or 8 when refunded in {data.year}), its earnings for "
                f"the year paid (code 8).")
        return Finding("402g", "info", data.person.id, msg, limit, amount, Decimal("0.00"), rows=rows,
                       details=details)
    msg += (f" Left uncorrected: {show(left)}: taxed twice, for {data.year} now and again when it is paid out"
            + rate_text(data, left) + ".")
    fix = (f"The {show(left)} left can no longer be refunded as a 402(g) correction after {deadline.isoformat()}; "
           f"include it in {data.year} income (Form 1040 line 1h) and expect it to be taxed again when paid out. "
           f"If the deadline has not passed, ask the plan to refund it with its earnings now.")
    return Finding("402g", "fail", data.person.id, msg, limit, amount, left, fix=fix, deadline=deadline, rows=rows,
                   details=details)


def check_catch_up_roth(data: AuditData) -> list[Finding]:
    """From 2026 (limits `roth_catch_up_enforced`), a catch-up-eligible person whose prior-year FICA
    wages from the plan's employer were strictly above the threshold must make every catch-up
    dollar Roth: fail when pre-tax deferrals at that employer exceed the 402(g) limit.
    One finding per employer; scope: the employer group of its plans (`group_of`)."""
    cu = data.limits.catch_up(data.age)
    if cu <= 0:
        return []
    pys = plan_years(data)
    base = data.limits.deferral
    enforced = data.limits.has("roth_catch_up_enforced") and data.limits["roth_catch_up_enforced"] > 0
    threshold = data.limits["roth_catch_up_wage_threshold"]
    out = []
    for employer, plans in by_employer(data.plans).items():
        members = [pys[p.id] for p in plans if p.id in pys]
        if not any(m.deferrals for m in members):
            continue
        scope = group_of(plans)
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
            where = (f"is at the {show(threshold)} threshold, not above it" if w == threshold
                     else f"is under the {show(threshold)} threshold")
            msg = f"Not subject: {wages.basis} {show(w)} {where}; catch-ups may be pre-tax."
            out.append(Finding("catch_up_roth", "ok", scope, msg, base, pretax, Decimal("0.00"),
                               rows=rows + wages.rows, details=details))
            continue
        if pretax_cu <= 0:
            where = ("at the 402(g) limit " + show(base) + ", not over it" if pretax == base
                     else "under the 402(g) limit " + show(base))
            msg = (f"Subject ({wages.basis} {show(w)} > {show(threshold)}): every catch-up dollar at {employer} "
                   f"must be Roth, and pre-tax deferrals {show(pretax)} are {where}.")
            out.append(Finding("catch_up_roth", "ok", scope, msg, base, pretax, Decimal("0.00"),
                               rows=rows + wages.rows, details=details, best_knowledge=bk))
            continue
        msg = (f"{wages.basis} {show(w)} > {show(threshold)}, so every catch-up dollar at {employer} must be "
               f"Roth; pre-tax deferrals {show(pretax)} are {show(pretax - base)} over the 402(g) limit {show(base)}: "
               f"{show(pretax_cu)} of the catch-up is pre-tax.")
        if bk:
            msg += " The Roth rule covers the age 60-63 catch-up too (best knowledge)."
        fix = (f"Ask the {employer} plan to correct the {show(pretax_cu)} pre-tax catch-up: the final regulations "
               f"(T.D. 10033) let a plan report it as Roth on the W-2 (a corrected W-2 if already issued) or "
               f"move it to the Roth account by an in-plan Roth rollover (taxable in the year moved). "
               f"Then elect Roth for catch-ups at {employer}.")
        out.append(Finding("catch_up_roth", "fail", scope, msg, base, pretax, pretax_cu, fix=fix,
                           rows=rows + wages.rows, details=details, best_knowledge=bk))
    return out


def check_w2_box12(data: AuditData) -> list[Finding]:
    """W-2 box 12 code D (pre-tax 401(k)) and AA (Roth 401(k)) against the year's deferrals at
    that employer. After-tax contributions are not on the W-2.
    One finding per employer (one W-2); scope: the employer group of its plans (`group_of`)."""
    pys = plan_years(data)
    w2 = [r for r in data.w2_rows if r["tax_year"] == data.year]
    out = []
    for employer, plans in by_employer(data.plans).items():
        ids = {p.id for p in plans}
        forms = [r for r in w2 if r["plan"] in ids]
        if not forms:
            continue
        distinct: dict[tuple[int, int, int, int], dict[str, Any]] = {}
        for r in forms:
            distinct.setdefault((as_cents(r["box1"]), as_cents(r["box3"]), as_cents(r["box12_d"]),
                                 as_cents(r["box12_aa"])), r)
        d = sum(k[2] for k in distinct)
        aa = sum(k[3] for k in distinct)
        members = [pys[p.id] for p in plans if p.id in pys]
        pretax = sum(m.pretax for m in members)
        roth = sum(m.roth for m in members)
        src = "payroll" if all(m.from_payroll for m in members) and members else "deposits"
        scope = group_of(plans)
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
