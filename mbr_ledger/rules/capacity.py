"""The capacity planner: how much after-tax room is left this year (docs/rules.md section 3).

```
after-tax room = min(415(c) limit, compensation)
               - deferrals excluding catch-up
               - employer contributions (match computed on pay capped at 401(a)(17))
               - plan-specific cap, if lower
```

`plan_capacity` is the pure planner: what is already in the year (zero for the standalone
planner), the pay and paychecks left, and the elections for the rest of the year go in; a
`CapacityPlan` comes out, with per-paycheck amounts in cents that add up exactly to the year's
figures and the percentage-of-pay election that reaches the after-tax room. The after-tax room is
also held to the pay that is left after the deferrals (money has to come from a paycheck).

`capacity_for_person` is the book-aware planner: from the audit's frames of the year (through
`rules.audit`'s plan totals, so the audit and the planner count the same money) it plans the rest
of the year for each plan the person has in that year, over the paychecks its pay calendar still has
(`rules.paydays`: the frequency and the anchor the payroll rows show, weekend dates paid the Friday
before, never a paycheck after the last one the year can have).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any

from ..core.dates import age_at_year_end
from ..core.errors import MbrError
from ..core.money import fmt, fmt_table, from_cents, round_cents, to_cents
from ..limits import YearLimits, limits_for
from .paydays import PERIODS, PaySchedule, default_schedule, frequency_of, infer_schedule, remaining_pay_dates

if TYPE_CHECKING:
    from .audit import AuditData

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Paycheck:
    number: int
    deferral: Decimal
    employer: Decimal
    after_tax: Decimal


def spread(total: Decimal, n: int) -> list[Decimal]:
    """`total` over `n` paychecks in cents that add up exactly: each check gets the amount rounded
    half-up to the cent, the last one the remainder (as payroll does); when rounding up would leave
    the last check negative, each gets the amount rounded down and the last the remainder."""
    if n <= 0:
        return []
    cents = to_cents(total)
    each = to_cents(round_cents(total / n))
    if each * (n - 1) > cents:
        each = cents // n
    last = cents - each * (n - 1)
    return [from_cents(each)] * (n - 1) + [from_cents(last)]


@dataclass
class CapacityPlan:
    """A year's plan for one person (and one plan in the book-aware planner).

    Year figures: `employee_deferrals` (pre-tax + Roth, catch-up included), `catch_up` (the part of
    them above the 402(g) limit), `employer_contributions`, `after_tax_capacity` (after-tax room
    still to put in), `total` = deferrals + employer + after-tax already in + after-tax room.
    `annual_additions_limit` is the 415(c) limit that applies: the lesser of the dollar limit and
    the compensation. The schedule spreads the rest of the year over `paychecks` checks.
    """

    year: int
    annual_additions_limit: Decimal
    deferral_limit: Decimal
    catch_up_limit: Decimal
    employee_deferrals: Decimal
    catch_up: Decimal
    employer_contributions: Decimal
    after_tax_capacity: Decimal
    total: Decimal
    paychecks: int
    schedule: list[Paycheck]
    after_tax_pct_of_pay: Decimal | None
    compensation: Decimal
    dollar_limit_415c: Decimal
    comp_limit: Decimal
    age: int | None
    binding: str
    room_415c: Decimal
    plan_cap: Decimal | None = None
    pay_left: Decimal = ZERO
    deferral_rest: Decimal = ZERO
    employer_rest: Decimal = ZERO
    after_tax_so_far: Decimal = ZERO
    deferrals_so_far: Decimal = ZERO
    employer_so_far: Decimal = ZERO
    compensation_so_far: Decimal = ZERO
    person: str | None = None
    plan: str | None = None
    employer_group: str | None = None
    as_of: dt.date | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def first(self) -> Paycheck | None:
        return self.schedule[0] if self.schedule else None

    def as_json(self) -> dict[str, Any]:
        first = self.first
        out: dict[str, Any] = {
            "year": self.year,
            "annual_additions_limit": fmt(self.annual_additions_limit),
            "deferral_limit": fmt(self.deferral_limit),
            "catch_up_limit": fmt(self.catch_up_limit),
            "employee_deferrals": fmt(self.employee_deferrals),
            "catch_up": fmt(self.catch_up),
            "employer_contributions": fmt(self.employer_contributions),
            "after_tax_capacity": fmt(self.after_tax_capacity),
            "total": fmt(self.total),
            "per_paycheck": {
                "paychecks": self.paychecks,
                "deferral": fmt(first.deferral if first else ZERO),
                "employer": fmt(first.employer if first else ZERO),
                "after_tax": fmt(first.after_tax if first else ZERO),
                "last": ({"deferral": fmt(self.schedule[-1].deferral), "employer": fmt(self.schedule[-1].employer),
                          "after_tax": fmt(self.schedule[-1].after_tax)} if self.schedule else None),
            },
            "after_tax_pct_of_pay": str(self.after_tax_pct_of_pay) if self.after_tax_pct_of_pay is not None else None,
            "schedule": [{"paycheck": p.number, "deferral": fmt(p.deferral), "employer": fmt(p.employer),
                          "after_tax": fmt(p.after_tax)} for p in self.schedule],
            "compensation": fmt(self.compensation),
            "dollar_limit_415c": fmt(self.dollar_limit_415c),
            "comp_limit_401a17": fmt(self.comp_limit),
            "room_415c": fmt(self.room_415c),
            "plan_cap": fmt(self.plan_cap),
            "binding": self.binding,
            "age": self.age,
            "pay_left": fmt(self.pay_left),
            "so_far": {"compensation": fmt(self.compensation_so_far), "deferrals": fmt(self.deferrals_so_far),
                       "employer": fmt(self.employer_so_far), "after_tax": fmt(self.after_tax_so_far)},
            "rest_of_year": {"deferral": fmt(self.deferral_rest), "employer": fmt(self.employer_rest),
                             "after_tax": fmt(self.after_tax_capacity)},
            "warnings": self.warnings,
            "notes": self.notes,
        }
        if self.person is not None:
            out["person"] = self.person
            out["plan"] = self.plan
            out["employer_group"] = self.employer_group
            out["as_of"] = self.as_of.isoformat() if self.as_of else None
        return out


def _pct_down(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole as a percentage, rounded down to hundredths (an election never overshoots)."""
    if whole <= 0:
        return None
    return (part * HUNDRED / whole).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def plan_capacity(year: int, *, pay_left: Decimal, paychecks: int, age: int | None,
                  deferral_rest: Decimal | None = None, match_pct: Decimal | None = None,
                  employer_rest: Decimal | None = None, after_tax_cap_pct: Decimal | None = None,
                  after_tax_cap: Decimal | None = None, true_up: bool = False,
                  compensation_so_far: Decimal = ZERO, person_deferrals_so_far: Decimal = ZERO,
                  plan_deferrals_so_far: Decimal = ZERO, plan_catch_up_so_far: Decimal = ZERO,
                  group_additions_so_far: Decimal = ZERO, group_compensation_so_far: Decimal | None = None,
                  employer_so_far: Decimal = ZERO, after_tax_so_far: Decimal = ZERO,
                  limits: YearLimits | None = None) -> CapacityPlan:
    """The after-tax room for the rest of `year` and how to spread it.

    - `pay_left`, `paychecks`: the pay (plan compensation) still to come and over how many checks.
    - `deferral_rest`: pre-tax + Roth deferrals still to come (default: all the 402(g) + catch-up room
      the person has left, up to the pay left).
    - employer money still to come: `employer_rest`, else `match_pct` % of the pay left that is still
      under the 401(a)(17) limit (rounded half-up to the cent), else nothing.
    - `*_so_far`: what the year already holds (zero for the standalone planner). `group_*`: of the
      whole employer group, which shares one 415(c) limit.
    """
    lim = limits or limits_for(year)
    warnings: list[str] = []
    notes: list[str] = []
    base = lim.deferral
    cu_limit = lim.catch_up(age) if age is not None else ZERO
    dollar = lim.annual_additions
    comp_limit = lim.comp_limit
    if age is None:
        notes.append("no age given: no catch-up assumed (give --age or --born)")
    if paychecks < 0:
        raise MbrError("--paychecks must be 0 or more")
    if pay_left < 0:
        raise MbrError("the pay must not be negative")

    person_room = max(ZERO, base + cu_limit - person_deferrals_so_far)
    if person_deferrals_so_far > base + cu_limit:
        warnings.append(f"deferrals this year are already {fmt_table(person_deferrals_so_far - base - cu_limit)} over "
                        f"the 402(g) limit {fmt_table(base + cu_limit)} (all plans together): run `mbr audit`")
    if deferral_rest is None:
        deferral_rest = min(person_room, pay_left) if paychecks else ZERO
    elif deferral_rest < 0:
        raise MbrError("deferrals must not be negative")
    if deferral_rest > pay_left:
        raise MbrError(f"deferrals of {fmt_table(deferral_rest)} are more than the pay {fmt_table(pay_left)}")
    if deferral_rest > person_room:
        raise MbrError(f"deferrals of {fmt_table(deferral_rest)} are over the {year} limit: "
                       f"{fmt_table(base)} + {fmt_table(cu_limit)} catch-up"
                       + (f" - {fmt_table(person_deferrals_so_far)} already deferred" if person_deferrals_so_far else "")
                       + f" leaves {fmt_table(person_room)}")
    regular_rest = max(ZERO, min(deferral_rest, base - person_deferrals_so_far))
    cu_rest = deferral_rest - regular_rest

    comp_year = compensation_so_far + pay_left
    group_comp = (group_compensation_so_far if group_compensation_so_far is not None else compensation_so_far) + pay_left
    if employer_rest is None:
        if match_pct is not None:
            matchable = max(ZERO, min(pay_left, comp_limit - compensation_so_far))
            employer_rest = round_cents(match_pct / HUNDRED * matchable)
            if comp_year > comp_limit:
                notes.append(f"match computed on pay up to the 401(a)(17) limit {fmt_table(comp_limit)}, not on "
                             f"{fmt_table(comp_year)}")
            if match_pct > 0 and deferral_rest < round_cents(match_pct / HUNDRED * pay_left):
                warnings.append(f"the {match_pct}% match assumes you defer at least {match_pct}% of each paycheck; "
                                f"the deferrals planned are less, so the match may be lower")
        else:
            employer_rest = ZERO
    elif employer_rest < 0:
        raise MbrError("employer contributions must not be negative")

    ceiling = min(dollar, group_comp)
    used = group_additions_so_far + regular_rest + employer_rest
    room_415 = ceiling - used
    caps: list[Decimal] = []
    if after_tax_cap is not None:
        caps.append(after_tax_cap)
    if after_tax_cap_pct is not None:
        caps.append(round_cents(after_tax_cap_pct / HUNDRED * comp_year))
    plan_cap = min(caps) if caps else None
    candidates: list[tuple[Decimal, str]] = [(room_415, "415c" if dollar <= group_comp else "compensation")]
    if plan_cap is not None:
        candidates.append((plan_cap - after_tax_so_far, "plan_cap"))
    candidates.append((pay_left - deferral_rest, "pay"))
    best, binding = min(candidates, key=lambda c: c[0])
    after_tax = max(ZERO, best)
    if paychecks == 0:
        if after_tax > 0:
            notes.append(f"{fmt_table(after_tax)} of room is left but no paycheck is: after-tax money comes out "
                         f"of pay")
        after_tax, binding = ZERO, "no paychecks left"
    if room_415 < 0:
        warnings.append(f"the year is already {fmt_table(-room_415)} over the 415(c) limit that applies "
                        f"({fmt_table(ceiling)}): run `mbr audit`")
    if employer_rest > 0 and not true_up and paychecks > 1:
        warnings.append("spread your deferrals over every paycheck: the plan matches per paycheck and has no "
                        "true-up (mbr.toml `true_up`), so reaching the deferral limit early (front-loading) loses "
                        "the match on the later paychecks")

    pct = _pct_down(after_tax, pay_left)
    if pct is not None and after_tax > 0:
        reach = round_cents(pct / HUNDRED * pay_left)
        if reach != after_tax:
            notes.append(f"an after-tax election of {pct}% of pay gives {fmt_table(reach)}; the per-paycheck amounts "
                         f"reach {fmt_table(after_tax)} exactly")
    d_sched = spread(deferral_rest, paychecks)
    e_sched = spread(employer_rest, paychecks)
    a_sched = spread(after_tax, paychecks)
    schedule = [Paycheck(i + 1, d, e, a) for i, (d, e, a) in enumerate(zip(d_sched, e_sched, a_sched, strict=True))]

    employee = plan_deferrals_so_far + deferral_rest
    employer = employer_so_far + employer_rest
    catch_up = plan_catch_up_so_far + cu_rest
    return CapacityPlan(
        year=year, annual_additions_limit=ceiling, deferral_limit=base, catch_up_limit=cu_limit,
        employee_deferrals=employee, catch_up=catch_up, employer_contributions=employer,
        after_tax_capacity=after_tax, total=employee + employer + after_tax_so_far + after_tax,
        paychecks=paychecks, schedule=schedule, after_tax_pct_of_pay=pct,
        compensation=comp_year, dollar_limit_415c=dollar, comp_limit=comp_limit, age=age, binding=binding,
        room_415c=room_415, plan_cap=plan_cap, pay_left=pay_left, deferral_rest=deferral_rest,
        employer_rest=employer_rest, after_tax_so_far=after_tax_so_far, deferrals_so_far=plan_deferrals_so_far,
        employer_so_far=employer_so_far, compensation_so_far=compensation_so_far, warnings=warnings, notes=notes)


def standalone(year: int, *, salary: Decimal, age: int | None, deferral: Decimal | None = None,
               match_pct: Decimal | None = None, employer_amount: Decimal | None = None, paychecks: int = 26,
               after_tax_cap_pct: Decimal | None = None, after_tax_cap: Decimal | None = None,
               true_up: bool = False) -> CapacityPlan:
    """The whole year from scratch: `salary` over `paychecks` checks, nothing contributed yet."""
    if paychecks < 1:
        raise MbrError("--paychecks must be at least 1")
    if salary <= 0:
        raise MbrError("--salary must be more than 0")
    return plan_capacity(year, pay_left=salary, paychecks=paychecks, age=age, deferral_rest=deferral,
                         match_pct=match_pct, employer_rest=employer_amount, after_tax_cap_pct=after_tax_cap_pct,
                         after_tax_cap=after_tax_cap, true_up=true_up)


# ---------------------------------------------------------------------------- book-aware


def cadence(dates: list[dt.date]) -> str | None:
    """The pay frequency of a plan's pay dates (`paydays.frequency_of`), or None with fewer than two dates."""
    return frequency_of(dates)


def paychecks_left(last: dt.date, freq: str, year: int, schedule: PaySchedule | None = None) -> int:
    """Paychecks still to come after `last` through Dec 31 of `year` at frequency `freq`.

    The pay calendar is `schedule` (from the plan's pay dates, `paydays.infer_schedule`), else the one
    `last` alone shows (`paydays.default_schedule`: weekly and biweekly on its weekday, semi-monthly on
    the 15th and the last day, monthly on its day of the month). Weekend dates are paid the Friday before;
    a pay date paid early (for a weekend or a holiday) is that period's, and no paycheck is counted after
    the last one the year can have."""
    sched = schedule or default_schedule(last, freq)
    return len(remaining_pay_dates(sched, last, year))


def _dates_text(dates: list[dt.date]) -> str:
    if len(dates) <= 4:
        return ", ".join(d.isoformat() for d in dates)
    return f"{dates[0].isoformat()} .. {dates[-1].isoformat()}"


def capacity_for_person(data: AuditData, *, paychecks: int | None = None, salary: Decimal | None = None,
                        deferral: Decimal | None = None, match_pct: Decimal | None = None,
                        employer_amount: Decimal | None = None) -> list[CapacityPlan]:
    """For each plan `person` has in `year`: the room left after what the ledger already holds,
    spread over the paychecks still to come.

    Paychecks left: `paychecks`, else counted on the plan's pay calendar (`paydays.infer_schedule`: the
    frequency and the anchor its pay dates of the year and the end of last year show) after its last pay
    date through Dec 31 (none when a later paycheck from another employer shows the person left). Pay per check: the
    last paycheck's plan compensation (or `salary` / periods a year). Deferrals for the rest: the
    last paycheck's, within the person's room (or `deferral`, the plan's total for the year).
    Employer money for the rest: the plan's `match_pct` of pay, else the last paycheck's employer
    contribution as a share of its pay (or `employer_amount`, the plan's total for the year)."""
    from .audit import plan_years, split_deferrals

    year, person = data.year, data.person.id
    pys = plan_years(data)
    split = split_deferrals(data, pys)
    age = data.age
    person_so_far = from_cents(sum(py.deferrals for py in pys.values()))
    last_any = max((r["pay_date"] for py in pys.values() for r in py.payroll), default=None)
    out: list[CapacityPlan] = []
    for pid, py in pys.items():
        plan = py.plan
        warnings: list[str] = []
        members = [m for m in pys.values() if m.plan.employer_group == plan.employer_group]
        group_so_far = from_cents(sum(split[m.plan.id].regular + m.employer + m.after_tax for m in members))
        best: dict[tuple[str, dt.date], int] = {}
        for m in members:
            for r in m.payroll:
                k = (m.plan.employer, r["pay_date"])
                best[k] = max(best.get(k, 0), int(r["plan_compensation"] or 0))
        group_comp = from_cents(sum(best.values()))
        comp_so_far = from_cents(py.compensation or 0)
        rows = sorted(py.payroll, key=lambda r: (r["pay_date"], r["source_line"]))
        dates = [r["pay_date"] for r in rows]
        prior_dates = sorted(r["pay_date"] for r in data.payroll.iter_rows(named=True)
                             if r["plan"] == pid and r["pay_date"].year == year - 1) if data.payroll.height else []
        # The pay calendar from this year's pay dates and the end of last year's.
        schedule = infer_schedule(prior_dates[-3:] + dates)
        freq = schedule.frequency if schedule else None
        last = rows[-1] if rows else None
        calendar_notes: list[str] = []
        ended = False
        n = paychecks
        if n is None:
            if last is None or schedule is None:
                n = 0
                warnings.append(f"cannot tell how many paychecks are left at {plan.id} (too few payroll rows): "
                                f"give --paychecks")
            elif last_any is not None and last_any > last["pay_date"] + dt.timedelta(days=schedule.step_days + 5):
                n = 0
                warnings.append(f"no paycheck from {plan.employer} since {last['pay_date'].isoformat()} while "
                                f"another employer paid you later: assuming you left (give --paychecks if not)")
            else:
                left = remaining_pay_dates(schedule, last["pay_date"], year)
                n = len(left)
                ended = not left
                calendar_notes.append(
                    f"pay calendar from the payroll rows: {schedule.describe()}; paychecks left after "
                    f"{last['pay_date'].isoformat()}: {n}" + (f" ({_dates_text(left)})" if left else "")
                    + " (a weekend date paid the Friday before; holidays are not known: best knowledge)")
        if salary is not None:
            per_check = round_cents(salary / PERIODS.get(freq or "biweekly", 26))
        elif last is not None:
            per_check = from_cents(int(last["plan_compensation"] or 0))
        else:
            per_check = ZERO
        pay_left = per_check * n
        room = max(ZERO, data.limits.deferral + data.limits.catch_up(age) - person_so_far)
        if deferral is not None:
            d_rest = max(ZERO, deferral - from_cents(py.deferrals))
        elif last is not None:
            d_rest = min(room, from_cents(int(last["pretax_401k"] or 0) + int(last["roth_401k"] or 0)) * n, pay_left)
        else:
            d_rest = ZERO
        e_rest: Decimal | None
        pct = match_pct if match_pct is not None else plan.match_pct
        if employer_amount is not None:
            e_rest = max(ZERO, employer_amount - from_cents(py.employer))
        elif pct is not None:
            e_rest = None
        elif last is not None and int(last["plan_compensation"] or 0) > 0:
            # No match formula in mbr.toml: the last paycheck's employer money as a share of its pay. A match
            # needs deferrals to match: none planned, none projected.
            matched = int(last["employer_match"] or 0) if d_rest > 0 else 0
            rate = Decimal(matched + int(last["employer_nonelective"] or 0)) / Decimal(int(last["plan_compensation"]))
            matchable = max(ZERO, min(pay_left, data.limits.comp_limit - comp_so_far))
            e_rest = round_cents(rate * matchable)
            if n and int(last["employer_match"] or 0) and not d_rest:
                warnings.append("no deferrals left to make this year, so no match is projected for the paychecks "
                                "left" + ("" if plan.true_up else " (the plan has no true-up in mbr.toml)"))
        else:
            e_rest = ZERO
        cp = plan_capacity(
            year, pay_left=pay_left, paychecks=n, age=age, deferral_rest=d_rest, match_pct=pct, employer_rest=e_rest,
            after_tax_cap_pct=plan.after_tax_cap_pct, after_tax_cap=plan.after_tax_cap, true_up=plan.true_up,
            compensation_so_far=comp_so_far, person_deferrals_so_far=person_so_far,
            plan_deferrals_so_far=from_cents(py.deferrals), plan_catch_up_so_far=from_cents(split[pid].catch_up),
            group_additions_so_far=group_so_far, group_compensation_so_far=group_comp,
            employer_so_far=from_cents(py.employer), after_tax_so_far=from_cents(py.after_tax), limits=data.limits)
        cp.person, cp.plan, cp.employer_group = person, pid, plan.employer_group
        cp.as_of = last["pay_date"] if last else None
        cp.warnings = warnings + cp.warnings
        if ended and last is not None:
            calendar_notes.append(f"the last paycheck of {year} is paid ({last['pay_date'].isoformat()}): no paycheck "
                                  f"is left to put after-tax money in"
                                  + (f", and {fmt_table(cp.room_415c)} of 415(c) room stays unused"
                                     if cp.room_415c > 0 else ""))
        cp.notes = calendar_notes + cp.notes
        if not py.from_payroll:
            cp.warnings.append(f"no payroll rows for {plan.id} in {year}: figures come from the deposits, and the "
                               f"100%-of-pay cap and the paychecks left are unknown")
        if len(members) > 1:
            cp.notes.append(f"plans {', '.join(m.plan.id for m in members)} share one 415(c) limit "
                            f"({plan.employer_group}); the room shown is for this plan alone")
        out.append(cp)
    return out


def as_rows(plan: CapacityPlan) -> list[tuple[str, str]]:
    """Label / value pairs of a plan, for tables."""
    first = plan.first
    rows = [
        ("415(c) limit that applies", fmt_table(plan.annual_additions_limit)),
        ("402(g) deferral limit", fmt_table(plan.deferral_limit)),
        ("catch-up limit" + (f" (age {plan.age})" if plan.age is not None else ""), fmt_table(plan.catch_up_limit)),
        ("employee deferrals", fmt_table(plan.employee_deferrals)),
        ("  of which catch-up", fmt_table(plan.catch_up)),
        ("employer contributions", fmt_table(plan.employer_contributions)),
    ]
    if plan.after_tax_so_far:
        rows.append(("after-tax already in", fmt_table(plan.after_tax_so_far)))
    rows += [
        ("after-tax room" + (" left" if plan.person else ""), fmt_table(plan.after_tax_capacity)),
        ("total", fmt_table(plan.total)),
        ("paychecks", str(plan.paychecks)),
    ]
    if first is not None:
        rows += [("per paycheck: deferral", fmt_table(first.deferral)),
                 ("per paycheck: employer", fmt_table(first.employer)),
                 ("per paycheck: after-tax", fmt_table(first.after_tax))]
        last = plan.schedule[-1]
        if (last.deferral, last.employer, last.after_tax) != (first.deferral, first.employer, first.after_tax):
            rows.append(("last paycheck (remainder)", f"{fmt_table(last.deferral)} / {fmt_table(last.employer)} / "
                                                      f"{fmt_table(last.after_tax)}"))
    if plan.after_tax_pct_of_pay is not None:
        rows.append(("after-tax election, % of pay", f"{plan.after_tax_pct_of_pay}%"))
    rows.append(("limited by", plan.binding))
    return rows


def age_for(year: int, age: int | None, born: dt.date | None) -> int | None:
    if born is not None:
        return age_at_year_end(born, year)
    return age
