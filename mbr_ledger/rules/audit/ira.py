"""The IRA checks: the year's contributions against the IRA limit and taxable pay, and the pro-rata
cost of a backdoor Roth conversion (from the Form 8606 figures `AuditData.backdoor` carries)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from ...core.money import fmt
from ...limits import filing_due_date
from ..corrective import corrective_rows, extended_due_date
from ..findings import Finding
from ..roth import reduced_roth_limit
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
    contribs += _recharacterized(data, iras)
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
    income = roth_income_limit(data, contribs, returned, limit)
    reduced = income is not None and income.allowed is not None and income.allowed < limit
    if reduced and income is not None and income.allowed is not None:
        limit, basis = income.allowed, income.basis
        excess = max(Decimal("0.00"), amount - limit)
    rows = refs(contribs) + [c.ref for c in returned]
    details: dict[str, Any] = {"dollar_limit": dollar,
                               "compensation": money(comp) if comp is not None else None,
                               "by_account": {a: fmt(money(sum(as_cents(r['amount']) for r in contribs
                                                                if r['account'] == a)))
                                              for a in sorted({r['account'] for r in contribs})}}
    if returned:
        details["returned"] = fmt(money(sum(int(c.returned * 100) for c in returned)))
    if income is not None:
        details["roth_income_limit"] = income.details
    if excess > 0 and reduced:
        msg = f"IRA contributions for {data.year} {show(amount)} are {against(limit - amount, basis)}."
        return [Finding("ira_limit", "fail", data.person.id, msg, limit, amount, excess,
                        fix=_roth_excess_fix(data.year, excess, due.date), deadline=due.date, rows=rows,
                        details=details, best_knowledge=True)]
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
    if income is not None and income.allowed is None:  # direct Roth IRA contributions, MAGI unknown
        return [Finding("ira_limit", "warn", data.person.id, f"{msg} {income.basis}", limit, amount,
                        Decimal("0.00"), fix=f'Give magi = {{ "{data.year}" = "..." }} for {data.person.id} in '
                                             f"mbr.toml (modified AGI, Pub. 590-A Worksheet 2-1) and audit again.",
                        rows=rows, details=details, best_knowledge=True)]
    return [Finding("ira_limit", "ok", data.person.id, msg, limit, amount, Decimal("0.00"), rows=rows,
                    details=details, best_knowledge=income is not None and income.estimated)]


@dataclass(frozen=True)
class RothIncomeLimit:
    """What the Roth IRA income limit allows for the year: `allowed` (traditional contributions up to the
    limit plus the reduced Roth IRA limit; None when MAGI is unknown), the words for it, and its figures."""

    allowed: Decimal | None
    basis: str
    details: dict[str, Any]
    estimated: bool = False


PHASE_OUT_KEYS = {"mfj": "mfj", "mfs": "mfs"}  # any other filing status: single / head of household


def roth_income_limit(data: AuditData, contribs: list[dict[str, Any]], returned: list[Any],
                      limit: Decimal) -> RothIncomeLimit | None:
    """The Roth IRA income limit (IRC 408A(c)(3); Pub. 590-A Table 2-1 and Worksheet 2-2) on the year's
    direct Roth IRA contributions (None without any): MAGI from `magi` in mbr.toml, else estimated from
    W-2 box 1, filing jointly both spouses' (best knowledge); the phase-out range by filing status from the
    cited limits."""
    roth_ids = {i.id for i in data.profile.iras_of(data.person.id, "roth")}

    def total(roth: bool) -> Decimal:
        paid = sum(as_cents(r["amount"]) for r in contribs if (r["account"] in roth_ids) == roth)
        back = sum(int(c.returned * 100) for c in returned if (c.account in roth_ids) == roth)
        return money(paid - back)

    roth_paid, trad_paid = total(True), total(False)
    if roth_paid <= 0:
        return None
    status = data.person.filing_status
    key = PHASE_OUT_KEYS.get(status or "", "single")
    start = data.limits[f"roth_ira_phaseout_{key}_start"]
    end = data.limits[f"roth_ira_phaseout_{key}_end"]
    assumed = "" if status else "; no filing_status in mbr.toml: single assumed"
    if key == "mfs":
        assumed += "; married filing separately and living with the spouse assumed"
    magi = data.person.magi_for(data.year)
    if magi is not None:
        where, estimated = f"MAGI {show(magi)} (magi in mbr.toml)", False
    else:
        w2 = [r for r in data.w2_rows if r["tax_year"] == data.year]
        joint = data.spouse_w2_rows
        spouse_w2 = [r for r in joint or [] if r["tax_year"] == data.year]
        if not w2 and not spouse_w2:
            return RothIncomeLimit(None, f"The Roth IRA income limit is not checked: no magi for {data.year} in "
                                         f"mbr.toml and no W-2 to estimate it from.", {"magi": None})
        magi = money(sum(as_cents(r["box1"]) for r in w2 + spouse_w2))
        where, estimated = (f"MAGI estimated at {show(magi)} from W-2 box 1 (best knowledge: other income and "
                            f"adjustments are not in the ledger" + _spouse_pay(data, status, joint, spouse_w2)
                            + ")"), True
    w = reduced_roth_limit(magi, start, end, limit, min(trad_paid, limit))
    details = {"magi": fmt(magi), "magi_from": "mbr.toml" if not estimated else "W-2 box 1 (estimate)",
               "phase_out": [fmt(start), fmt(end)], "filing_status": status or "single",
               "worksheet_2_2": {k: str(v) if k == "5" else fmt(v) for k, v in w.items()}}
    if estimated and status == "mfj" and data.spouse_w2_rows is not None:
        details["spouse_w2_box1"] = fmt(money(sum(as_cents(r["box1"]) for r in data.spouse_w2_rows
                                                  if r["tax_year"] == data.year)))
    basis = (f"the Roth IRA income limit: {where}, phase-out {show(start)}-{show(end)} ({key}{assumed}); "
             f"reduced Roth IRA limit {show(w['11'])} (Pub. 590-A Worksheet 2-2)"
             + (f" + traditional IRA contributions {show(min(trad_paid, limit))}" if trad_paid > 0 else ""))
    return RothIncomeLimit(min(trad_paid, limit) + w["11"], basis, details, estimated)


def _spouse_pay(data: AuditData, status: str | None, joint: list[dict[str, Any]] | None,
                spouse_w2: list[dict[str, Any]]) -> str:
    """What the MAGI estimate says of a joint return's other spouse: W-2 box 1 added (a joint return's MAGI
    is the couple's, Pub. 590-A Worksheet 2-1), no W-2 of the spouse for the year, or no spouse in the book."""
    if status != "mfj":
        return ""
    if joint is None:
        return "; the spouse's pay is not in it (no spouse in mbr.toml)"
    spouse = data.person.spouse
    if not spouse_w2:
        return f"; filing jointly: {spouse} has no W-2 for {data.year}, so none of {spouse}'s pay is in it"
    return f"; filing jointly: {spouse}'s W-2 box 1 {show(sum(as_cents(r['box1']) for r in spouse_w2))} included"


def _roth_excess_fix(year: int, excess: Decimal, due: dt.date) -> str:
    return (f"Recharacterize the {show(excess)} excess Roth IRA contribution, with its earnings, as a traditional "
            f"IRA contribution, or withdraw it with its earnings, by {due.isoformat()} (the {year} filing due date; "
            f"with an extension, by the extended due date); otherwise a 6% excise tax applies each year it stays "
            f"(Form 5329 Part IV). Above the income limit the backdoor route is open: a nondeductible traditional "
            f"IRA contribution converted to the Roth IRA (Form 8606), with the traditional IRAs empty at Dec 31.")


def _recharacterized(data: AuditData, iras: set[str]) -> list[dict[str, Any]]:
    """A contribution for the year recharacterized by the due date with extensions counts as made to
    the other kind of IRA (Pub. 590-A): it leaves the first IRA's contributions (a negative row) and
    joins the second's, as a nondeductible or a Roth contribution dated Dec 31 of the year."""
    out: list[dict[str, Any]] = []
    rows = data.events.filter(pl.col("kind") == "recharacterization") if data.events.height else data.events
    for r in rows.iter_rows(named=True):
        if r["for_year"] != data.year or r["account"] not in iras or r["date"] > extended_due_date(data.year):
            continue
        part = int(r["basis"]) if r["basis"] is not None else abs(int(r["amount"]))
        to_roth = r["destination"] == "roth_ira"
        other = data.profile.iras_of(data.person.id, "roth" if to_roth else "traditional")
        day = dt.date(data.year, 12, 31)
        base = {**r, "kind": "contribution", "date": day, "for_year": data.year}
        out.append({**base, "source": "nondeductible" if to_roth else "roth", "amount": -part})
        out.append({**base, "account": other[0].id if other else r["account"],
                    "source": "roth" if to_roth else "nondeductible", "amount": part})
    return out


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
