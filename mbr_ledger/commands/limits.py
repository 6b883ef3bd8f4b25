"""`mbr limits`: the year's limits with their sources."""

from __future__ import annotations

import click

from ._common import YEAR, echo_json, format_option


@click.command()
@click.option("--year", type=YEAR, required=True, help="Tax year, e.g. 2026.")
@format_option("table", "json", "csv")
def limits(year: int, fmt: str) -> None:
    """Print the year's IRS limits, each with its code section and source.

    \b
    Example:
      mbr limits --year 2026
      mbr limits --year 2025 --format json
    """
    from ..core.money import fmt as money
    from ..core.money import fmt_table
    from ..limits import limits_for
    from ..render.terminal import table, to_csv

    lim = limits_for(year)
    rows = lim.rows()
    if fmt == "json":
        echo_json({"year": year, "limits": {r.id: {"value": r.shown == "yes" if r.kind == "flag" else money(r.value),
                                                     "label": r.label,
                                                     "code_section": r.code_section, "source": r.source,
                                                     "note": r.note or None} for r in rows}})
        return
    headers = ["id", "limit", "value", "section", "source"]
    body = [[r.id, r.label, "n/a" if r.value is None else r.shown if r.kind == "flag" else fmt_table(r.value),
             r.code_section,
             r.source + (f" ({r.note})" if r.note else "")] for r in rows]
    if fmt == "csv":
        click.echo(to_csv(headers, body), nl=False)
        return
    click.echo(table(headers, body, right=[False, False, True, False, False], title=f"Limits for {year}"))
