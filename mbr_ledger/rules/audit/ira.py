"""The IRA checks: the year's contributions against the IRA limit and taxable pay, and the pro-rata
cost of a backdoor Roth conversion (from the Form 8606 figures `AuditData.backdoor` carries)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ...core.money import fmt
from ...limits import filing_due_date
from ..corrective import corrective_rows
from ..findings import Finding
from .data import AuditData, against, as_cents, money, rate_text, refs, show

IRA_CONTRIBUTION_SOURCES = ("nondeductible", "deductible", "roth")


def check_ira_limit(data: AuditData) -> list[Finding]:
    """IRA contributions for the year (traditional + Roth, by the year they are *for*, including
    those made by the year's filing due date, `limits.filing_due_date`) against the IRA limit plus
    catch-up, and against taxable compensation (W-2 box 1; else payroll pay minus pre-tax deferrals).
    Scope: the person."""
    iras = {i.id for i in data.profile.iras_of(data.person.id)}
    if not iras:
        return []
    contribs = []
    late = []
    due = filing_due_date(data.year)
    for r in data.contribution_rows:
        if r["account"] not in iras:
            continue
        if r["source"] not in IRA_CONTRIBUTION_SOURCES:
            continue
        for_year = r["for_year"] if r["for_year"] is not None else r["date"].year
        if for_year != data.year:
            continue
        contribs.append(r)
        if r["date"] > due.date:
            late.append(r)
    if not contribs:
        return []
    # A contribution returned with its earnings by the due date (section 408(d)(4)) counts as never made
    # (Pub. 590-A); one removed later still counts.
    returned = [c for c in corrective_rows(data.profile, data.events)
                if c.reason == "ira_return" and c.for_year == data.year and c.timely and c.account in iras]
    total = sum(as_cents(r["amount"]) for r in contribs) - sum(int(c.returned * 100) for c in returned)
    amount = money(total)
    dollar = data.limits.ira_limit(data.age)
    w2 = [r for r in data.w2_rows if r["tax_year"] == data.year]
    pay = [r for r in data.payroll_rows if r["pay_date"].year == data.year]
    comp: int | None
    if w2:
        comp, comp_basis = sum(as_cents(r["box1"]) for r in w2), "W-2 box 1"
    elif pay:
        comp = sum(as_cents(r["gross_pay"]) - as_cents(r["pretax_401k"]) for r in pay)
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
    rows = refs(contribs) + [c.ref for c in returned]
    details: dict[str, Any] = {"dollar_limit": dollar,
                               "compensation": money(comp) if comp is not None else None,
                               "by_account": {a: fmt(money(sum(as_cents(r['amount']) for r in contribs
                                                                if r['account'] == a)))
                                              for a in sorted({r['account'] for r in contribs})}}
    if returned:
        details["returned"] = fmt(money(sum(int(c.returned * 100) for c in returned)))
    if excess > 0:
        msg = f"IRA contributions for {data.year} {show(amount)} are {against(limit - amount, basis)}."
        deadline = due.date
        fix = (f"Withdraw the {show(excess)} excess with its earnings before the {data.year} return is due "
               f"({deadline.isoformat()}, the filing due date; with an extension, by the extended due date), or "
               f"recharacterize it; otherwise a 6% "
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
               f"{len(late)} of them were made after {due.date.isoformat()}, the {data.year} filing due date, "
               f"too late to count for {data.year}.")
        return [Finding("ira_limit", "warn", data.person.id, msg, limit, amount, Decimal("0.00"),
                        fix="Check the `for_year` of those rows with the IRA custodian's Form 5498.",
                        rows=refs(late), details=details)]
    msg = f"IRA contributions for {data.year} {show(amount)} are {against(limit - amount, basis)}."
    return [Finding("ira_limit", "ok", data.person.id, msg, limit, amount, Decimal("0.00"), rows=rows,
                    details=details)]


def check_backdoor_pro_rata(data: AuditData) -> list[Finding]:
    """A traditional-to-Roth IRA conversion in a year that ends with money in a traditional, SEP or
    SIMPLE IRA is partly taxable through the IRA pro-rata rule (Form 8606 line 10). Reads
    `forms.f8606.backdoor_details`: warn with the taxable amount, the part the rule causes, and the
    account and the plan move responsible (a split rollover's earnings leg is the usual one).
    Scope: the person (the pro-rata rule looks at all of the person's IRAs)."""
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
           + rate_text(data, bd.pro_rata_taxable) + ".")
    fix = ("Keep traditional, SEP and SIMPLE IRAs empty at Dec 31 of a year with a backdoor conversion: roll the "
           "pre-tax money into a 401(k) that accepts roll-ins before Dec 31, and in a split rollover send the "
           "earnings leg to the 401(k) or convert it too. The basis left over carries to next year's Form 8606.")
    rows = bd.rows + [s.rsplit(" ", 1)[-1] for s in bd.sources]
    return [Finding("backdoor_pro_rata", "warn", data.person.id, msg, None, bd.taxable, bd.pro_rata_taxable,
                    fix=fix, rows=rows, details=details)]
