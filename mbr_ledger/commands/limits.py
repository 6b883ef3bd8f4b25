"""`mbr limits`: the year's limits with their sources."""

from __future__ import annotations

import click

from ._common import YEAR, echo_json, format_option


@click.command()
@click.option("--year", type=YEAR, required=True, help="Tax year, e.g. 2026.")
@format_option("table", "json", "csv")
def limits(year: int, fmt: str) -> None:
    """Print the year's IRS limits, each with its code section and source.

    The last row is the year's filing due date (April 15 moved by IRC 7503, or the
    IRS's postponement): the deadline of IRA contributions and IRA corrections.

    \b
    Example:
      mbr limits --year 2026
      mbr limits --year 2025 --format json
    """
    from ..core.money import fmt as money
    from ..core.money import fmt_table
    from ..limits import filing_due_date, limits_for
    from ..render.terminal import table, to_csv

    lim = limits_for(year)
    rows = lim.rows()
    due = filing_due_date(year)
    if fmt == "json":
        echo_json({"year": year, "limits": {r.id: {"value": r.shown == "yes" if r.kind == "flag" else money(r.value),
                                                     "label": r.label,
                                                     "code_section": r.code_section, "source": r.source,
                                                     "note": r.note or None} for r in rows},
                   "filing_due_date": {"date": due.date.isoformat(), "rule": due.rule, "source": due.source,
                                       "note": due.note or None}})
        return
    headers = ["id", "limit", "value", "section", "source"]
    body = [[r.id, r.label, "n/a" if r.value is None else r.shown if r.kind == "flag" else fmt_table(r.value),
             r.code_section,
             r.source + (f" ({r.note})" if r.note else "")] for r in rows]
    body.append(["filing_due_date", f"Filing due date of the {year} return (IRA contributions and corrections)",
                 due.date.isoformat(), "7503" if due.rule == "irc7503" else "7508A",
                 due.source + (f" ({due.note})" if due.note else "")])
    if fmt == "csv":
        click.echo(to_csv(headers, body), nl=False)
        return
    click.echo(table(headers, body, right=[False, False, True, False, False], title=f"Limits for {year}"))
