"""`mbr project`: growth of yearly after-tax contributions converted to Roth."""

from __future__ import annotations

from decimal import Decimal

import click

from ._common import Money, Rate, echo_json, format_option

LARGEST = Decimal(10) ** 18  # a projection whose figures would pass this is refused: cents stay exact


@click.command()
@click.option("--annual", type=Money(), required=True, help="Contribution each year, e.g. 42700.")
@click.option("--years", type=click.IntRange(1, 100), required=True, help="How many years (1 to 100).")
@click.option("--rate", type=Rate(Decimal("-0.99"), Decimal(1), "a yearly return"), required=True,
              help="Yearly return as a fraction (0.07) or a percentage (7%), from -99% to 100%.")
@click.option("--timing", type=click.Choice(["end", "start"]), default="end", show_default=True,
              help="end: each year's money goes in at the year's end; start: at its start.")
@click.option("--marginal-rate", type=Rate(Decimal(0), Decimal(1), "a tax rate"),
              help="Your marginal tax rate (0.24 or 24%): adds the tax conversion lag costs.")
@click.option("--lag-days", type=click.IntRange(0, 3660),
              help="Days each contribution waits before its conversion (with --marginal-rate: the tax on the "
                   "earnings made meanwhile).")
@format_option("table", "json", "csv")
def project(annual: Decimal, years: int, rate: Decimal, timing: str, marginal_rate: Decimal | None,
            lag_days: int | None, fmt: str) -> None:
    """Project the Roth value of yearly after-tax contributions converted right away.

    Each year's contribution goes in at the year's end (or start, --timing start) and grows at
    --rate, compounded yearly. With --marginal-rate, two columns show what waiting costs: the tax
    on the earnings made during --lag-days before each conversion (lag_tax), and the tax on all the
    earnings had the money never been converted (tax_if_unconverted).

    --annual is at most 10^13 dollars, --years 1 to 100, --rate from -99% to 100%; a projection whose
    figures would pass 10^18 dollars is refused.

    \b
    Example:
      mbr project --annual 42700 --years 20 --rate 0.07
      mbr project --annual 42700 --years 20 --rate 7% --timing start --marginal-rate 0.32 --lag-days 30
      mbr project --annual 42700 --years 10 --rate 0.05 --format json
    """
    from ..core.money import fmt_table, round_cents
    from ..render.terminal import table, to_csv
    from ..rules.projection import project as run

    amount, r, m = annual, rate, marginal_rate
    if not within_reach(amount, years, r):
        raise click.UsageError(f"the projection grows past {LARGEST:,.0f} dollars; lower --annual, --years or --rate")
    proj = run(amount, years, r, timing, marginal_rate=m, lag_days=lag_days)
    if fmt == "json":
        echo_json(proj.as_json())
        return
    heads = ["year", "contributions", "value", "earnings"]
    if lag_days is not None:
        heads.append("lag_earnings")
    if m is not None:
        if lag_days is not None:
            heads.append("lag_tax")
        heads.append("tax_if_unconverted")
    rows = []
    for row in proj.rows:
        j = row.as_json()
        rows.append([j[h] if fmt == "csv" or h == "year" else fmt_table(round_cents(getattr(row, h)))
                     for h in heads])
    if fmt == "csv":
        click.echo(to_csv(heads, rows), nl=False)
        return
    title = (f"{fmt_table(amount)} a year for {years} years at {r * 100:.4g}% a year, contributed at each year's "
             f"{timing}")
    click.echo(table(heads, rows, right=[True] * len(heads), title=title))
    click.echo("Not tax advice: a projection at a constant return, not a forecast.")



def within_reach(annual: Decimal, years: int, rate: Decimal) -> bool:
    """Whether every figure of the projection stays under LARGEST: at most years x annual x (1 + rate) ** years."""
    from decimal import localcontext

    with localcontext() as dc:
        dc.prec = 60
        return annual * (years + 1) * max(Decimal(1), 1 + rate) ** (years + 1) < LARGEST
