"""`mbr project`: growth of yearly after-tax contributions converted to Roth."""

from __future__ import annotations

import click

from ._common import echo_json, format_option


@click.command()
@click.option("--annual", required=True, help="Contribution each year, e.g. 42700.")
@click.option("--years", type=int, required=True, help="How many years.")
@click.option("--rate", required=True, help="Yearly return as a fraction (0.07) or a percentage (7%).")
@click.option("--timing", type=click.Choice(["end", "start"]), default="end", show_default=True,
              help="end: each year's money goes in at the year's end; start: at its start.")
@click.option("--marginal-rate", help="Your marginal tax rate (0.24 or 24%): adds the tax conversion lag costs.")
@click.option("--lag-days", type=click.IntRange(0, 3660),
              help="Days each contribution waits before its conversion (with --marginal-rate: the tax on the "
                   "earnings made meanwhile).")
@format_option("table", "json", "csv")
def project(annual: str, years: int, rate: str, timing: str, marginal_rate: str | None, lag_days: int | None,
            fmt: str) -> None:
    """Project the Roth value of yearly after-tax contributions converted right away.

    Each year's contribution goes in at the year's end (or start, --timing start) and grows at
    --rate, compounded yearly. With --marginal-rate, two columns show what waiting costs: the tax
    on the earnings made during --lag-days before each conversion (lag_tax), and the tax on all the
    earnings had the money never been converted (tax_if_unconverted).

    \b
    Example:
      mbr project --annual 42700 --years 20 --rate 0.07
      mbr project --annual 42700 --years 20 --rate 7% --timing start --marginal-rate 0.32 --lag-days 30
      mbr project --annual 42700 --years 10 --rate 0.05 --format json
    """
    from ..core.errors import MbrError
    from ..core.money import MoneyError, fmt_table, parse_money, round_cents
    from ..render.terminal import table, to_csv
    from ..rules.projection import parse_rate
    from ..rules.projection import project as run

    try:
        amount = parse_money(annual)
    except MoneyError as exc:
        raise MbrError(f"--annual: {exc}") from None
    assert amount is not None
    r = parse_rate(rate)
    m = parse_rate(marginal_rate, "--marginal-rate") if marginal_rate is not None else None
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

