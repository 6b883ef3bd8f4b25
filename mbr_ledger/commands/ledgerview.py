"""`mbr ledger`: the ledger rows, filtered, with a summary; or the rows as a Parquet file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._common import YEAR, book_option, echo_json, format_option, open_the_book

if TYPE_CHECKING:
    import polars as pl

# Columns of user text in `--format csv`: a cell starting with = + - @ tab or CR gets a leading '
# (render.terminal.csv_text), so a spreadsheet shows it instead of running it. amount, for_year,
# source_line and shares are numbers and stay as they are.
TEXT_COLUMNS = ("person", "account", "kind", "source", "destination", "memo", "source_file", "fund", "reason")
KINDS = ["contribution", "earnings", "fee", "conversion", "rollover", "distribution", "balance", "corrective",
         "recharacterization", "payroll"]


@click.command()
@click.option("--year", type=YEAR, help="Only this calendar year.")
@click.option("--person", help="Only this person.")
@click.option("--account", help="Only this plan or IRA id.")
@click.option("--kind", type=click.Choice(KINDS), help="Only this kind (payroll: the deductions on pay stubs).")
@format_option("table", "csv", "json", "parquet")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="With --format parquet (and only then): the Parquet file to write.")
@book_option
@click.pass_context
def ledger(ctx: click.Context, year: int | None, person: str | None, account: str | None, kind: str | None,
           fmt: str, out_file: Path | None) -> None:
    """List ledger rows in the one fixed order, each with its source file and line.

    Amounts are signed as money into the account: contributions and earnings positive; fees,
    conversions, rollovers and distributions negative. Payroll deductions show as kind
    `payroll`. The table view ends with totals per person, year, account and source. In the CSV a
    text cell starting with = + - @ tab or CR gets a leading ' so a spreadsheet does not run it.

    `--format parquet --out FILE` writes the same rows and columns as a Parquet file for Polars,
    DuckDB or pandas: `amount` is an exact decimal(18, 2) (never a float), dates are dates. The
    file appears whole or not at all (written to a temporary file beside it, then renamed).

    \b
    Example:
      mbr ledger --year 2026 --person alex
      mbr ledger --account acme --kind conversion --format csv > conversions.csv
      mbr ledger --year 2026 --format parquet --out ledger-2026.parquet
    """
    from ..core.money import fmt as money
    from ..core.money import fmt_table
    from ..ledger.queries import summary
    from ..render.terminal import table, to_csv

    if fmt == "parquet" and out_file is None:
        raise click.UsageError("--format parquet needs --out FILE (a Parquet file is not printed)")
    if fmt != "parquet" and out_file is not None:
        raise click.UsageError(f"--out is only for --format parquet (--format {fmt} prints to stdout)")
    with open_the_book(ctx) as book:
        df = book.ledger(year=year, person=person, account=account, kind=kind)
    if out_file is not None:
        write_parquet(df, out_file)
        what = f"{df.height} rows" if df.height else "no rows match (the file holds the columns only)"
        click.echo(f"{out_file}: {what}", err=True)
        return
    cols = list(df.columns)
    if fmt == "json":
        out = []
        for r in df.select(cols).iter_rows(named=True):
            r["date"] = r["date"].isoformat()
            r["completed"] = r["completed"].isoformat() if r["completed"] else None
            r["amount"] = money(r["amount"])
            out.append(r)
        echo_json(out)
        return
    if fmt == "csv":
        rows = [[r[0].isoformat(), *r[1:5], money(r[5]), *r[6:]] for r in df.select(cols).iter_rows()]
        click.echo(to_csv(cols, rows, text=TEXT_COLUMNS), nl=False)
        return
    rows = [[r[0].isoformat(), r[1], r[2], r[3], r[4] or "", fmt_table(r[5]), r[6] or "", r[8] or "",
             f"{r[9]}:{r[10]}"] for r in df.select(cols).iter_rows()]
    click.echo(table(["date", "person", "account", "kind", "source", "amount", "destination", "memo", "from"],
                     rows, right=[False, False, False, False, False, True, False, False, False]))
    s = summary(df)
    if s.height:
        click.echo("")
        heads = ["person", "year", "account", "source", "payroll", "contributions", "earnings", "fees",
                 "converted", "rolled_out", "distributed"]
        body = [[r["person"], r["year"], r["account"], r["source"] or "",
                 *[fmt_table(r[h]) for h in heads[4:]]] for r in s.iter_rows(named=True)]
        click.echo(table(heads, body, right=[False, True, False, False] + [True] * 7, title="Summary"))
    click.echo(f"\n{df.height} rows", err=True)


def write_parquet(df: pl.DataFrame, out: Path) -> None:
    """Write `df` to `out` as Parquet the way `mbr report` writes its files (report.write_atomic): a
    temporary file created exclusively beside it, then renamed, so a failure leaves `out` as it was."""
    import io

    from ..core.errors import MbrError
    from .report import write_atomic

    if not out.parent.is_dir():
        raise MbrError(f"--out {out}: no folder {out.parent} to write in (create it first)")
    buf = io.BytesIO()
    df.write_parquet(buf)
    try:
        write_atomic(out, buf.getvalue())
    except OSError as exc:
        raise MbrError(f"--out {out}: cannot write the Parquet file: {exc.strerror or exc}") from None
