"""The after-tax conversion checks, over the after-tax lots of `rules.lots`: money left unconverted at
Dec 31, and how long each converted lot waited (the taxable earnings it built up meanwhile)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ...core.money import fmt
from ..findings import Finding
from .data import AuditData, rate_text, show, tax_at_rate


def check_after_tax_unconverted(data: AuditData) -> list[Finding]:
    """After-tax money still in the plan at Dec 31 (basis and the earnings it has made): warn, with
    the tax those earnings will cost at the person's marginal rate. Reads the after-tax lots of
    `rules.lots.audit_lots`. Scope: the plan id."""
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
        tax = tax_at_rate(data, ye.earnings)
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
               + rate_text(data, ye.earnings) + ".")
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
    `audit.conversion_lag_warn_days` (default 30 calendar days). Scope: the plan id."""
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
                                   "earnings": earnings, "tax_on_earnings": tax_at_rate(data, earnings),
                                   "open_at_year_end": len(still_open)}
        open_text = (f" {len(still_open)} lot(s) are still unconverted at Dec 31 (see after_tax_unconverted)."
                     if still_open else "")
        if not slow:
            msg = (f"{len(lots)} after-tax lot(s) converted in {data.year}, {min(days)}-{max(days)} days after the "
                   f"deposit, with {show(earnings)} of earnings before conversion (pre-tax money, taxed when it reaches a "
                   f"Roth account){rate_text(data, earnings)}."
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
               f"account{rate_text(data, slow_e)}.{rest_text}"
               + open_text)
        how = {"in_plan_auto": "the automatic in-plan Roth rollover stopped for these lots: ask the plan why",
               "rollover_roth_ira": "roll the after-tax source out more often (or ask for an in-plan option)"}
        fix = how.get(plan.conversion, "convert after-tax contributions soon after each deposit") + \
            "; earnings made before conversion are taxed when converted."
        rows = [r for lot in slow for r in (lot.ref, lot.conversion_ref) if r]
        out.append(Finding("conversion_lag", "warn", plan.id, msg, None, slow_e, None, fix=fix, rows=rows,
                           details=details))
    return out
