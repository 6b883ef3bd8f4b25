"""`mbr capacity`: how much after-tax room is left this year, and per paycheck."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import click

from ._common import YEAR, Money, Percent, book_option, echo_json, format_option, open_the_book

if TYPE_CHECKING:
    from ..rules.capacity import CapacityPlan


def render(plan: CapacityPlan, title: str) -> str:
    from ..render.terminal import table, wrap
    from ..rules.capacity import as_rows

    lines = [table(["", "amount"], as_rows(plan), right=[False, True], title=title)]
    for w in plan.warnings:
        lines.append(wrap(f"warning: {w}"))
    for n in plan.notes:
        lines.append(wrap(f"note: {n}"))
    return "\n".join(lines)


def born_in(year: int, born: str | None) -> dt.date | None:
    """--born as a date that agrees with --year: a birth date after Dec 31 of the year (an age below
    0) or more than 130 years before it (the --age range) contradicts the year and is refused (exit 2)."""
    if born is None:
        return None
    from ..core.dates import DateError, parse_date

    try:
        date = parse_date(born)
    except DateError as exc:
        raise click.BadParameter(str(exc), param_hint="'--born'") from None
    if date > dt.date(year, 12, 31):
        raise click.BadParameter(f"{born} is after the tax year --year {year} ends (Dec 31, {year})",
                                 param_hint="'--born'")
    if year - date.year > 130:
        raise click.BadParameter(f"{born} makes the age on Dec 31, {year} {year - date.year}, over 130",
                                 param_hint="'--born'")
    return date


@click.command()
@click.option("--year", type=YEAR, required=True, help="Tax year, e.g. 2026.")
@click.option("--age", type=click.IntRange(0, 130), help="Age on Dec 31 of the year (for the catch-up).")
@click.option("--born", help="Birth date YYYY-MM-DD (instead of --age); on or before Dec 31 of --year, "
                              "at most 130 years before it.")
@click.option("--salary", type=Money(), help="Pay for the year (plan compensation), e.g. 150000.")
@click.option("--deferral", type=Money(), help="Pre-tax + Roth deferrals for the year, catch-up included "
                                  "(default: the 402(g) limit plus the catch-up the age allows).")
@click.option("--match-pct", type=Percent(), help="Employer match as % of pay, e.g. 4 (computed on pay up to the 401(a)(17) limit).")
@click.option("--employer-amount", type=Money(), help="Employer contributions for the year in dollars (instead of --match-pct).")
@click.option("--paychecks", type=click.IntRange(0, 366), help="Paychecks to spread over (standalone default: 26; "
                                                                "with --person: the ones left, counted from payroll).")
@click.option("--after-tax-cap-pct", type=Percent(), help="The plan's own cap on after-tax contributions, % of pay.")
@click.option("--after-tax-cap", type=Money(), help="The plan's own cap on after-tax contributions, in dollars.")
@click.option("--true-up", is_flag=True, help="The plan trues up the match at year end (no front-loading warning).")
@click.option("--person", help="Plan from the book: the room left after what the ledger holds for this person.")
@format_option("table", "json")
@book_option
@click.pass_context
def capacity(ctx: click.Context, year: int, age: int | None, born: str | None, salary: Decimal | None,
             deferral: Decimal | None, match_pct: Decimal | None, employer_amount: Decimal | None,
             paychecks: int | None, after_tax_cap_pct: Decimal | None, after_tax_cap: Decimal | None,
             true_up: bool, person: str | None, fmt: str) -> None:
    """How much after-tax (mega backdoor Roth) room is left, and how much per paycheck.

    after-tax room = min(415(c) limit, pay) - deferrals without catch-up - employer money
    (match on pay up to the 401(a)(17) limit), and never more than the plan's own cap. The
    per-paycheck amounts are cents that add up exactly to the year's figures.

    Standalone (no book needed): give --salary and optionally --age or --born, --deferral,
    --match-pct or --employer-amount, --paychecks. With --person the plan reads the book:
    what each of the person's plans already holds this year, and the paychecks left.

    Amounts are dollars from 0 to 10,000,000,000,000 (10^13); percentages from 0 to 100.

    \b
    Example:
      mbr capacity --year 2026 --age 40 --salary 120000 --match-pct 4
      mbr capacity --year 2026 --born 1975-03-10 --salary 150000 --match-pct 5 --paychecks 24 --format json
      mbr --book ~/taxes/book capacity --year 2026 --person alex
    """
    from ..core.errors import MbrError
    from ..rules.capacity import age_for, standalone

    if match_pct is not None and employer_amount is not None:
        raise MbrError("give --match-pct or --employer-amount, not both")
    if age is not None and born is not None:
        raise MbrError("give --age or --born, not both")
    born_date = born_in(year, born)
    sal, dfr, emp, mpct = salary, deferral, employer_amount, match_pct
    cap_pct, cap = after_tax_cap_pct, after_tax_cap

    if person is not None:
        with open_the_book(ctx) as book:
            book.persons(person)
            plans = book.capacity(year, person, paychecks=paychecks, salary=sal, deferral=dfr, match_pct=mpct,
                                  employer_amount=emp)
        if fmt == "json":
            echo_json({"year": year, "person": person, "plans": [p.as_json() for p in plans]})
            return
        if not plans:
            from ..render.terminal import wrap

            click.echo(wrap(f"No payroll or contributions for {person} in {year}: nothing to plan from the book. "
                            f"Use the standalone planner (--salary ...)."))
            return
        blocks = [render(p, f"Capacity {year}: {person}, plan {p.plan} (as of "
                            f"{p.as_of.isoformat() if p.as_of else 'no paycheck yet'})") for p in plans]
        click.echo("\n\n".join(blocks))
        return

    if sal is None:
        raise MbrError("give --salary (or --person to plan from the book)")
    plan = standalone(year, salary=sal, age=age_for(year, age, born_date), deferral=dfr, match_pct=mpct,
                      employer_amount=emp, paychecks=26 if paychecks is None else paychecks,
                      after_tax_cap_pct=cap_pct, after_tax_cap=cap, true_up=true_up)
    if fmt == "json":
        echo_json(plan.as_json())
        return
    click.echo(render(plan, f"Capacity {year}"))
