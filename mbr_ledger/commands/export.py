"""`mbr export beancount`: the ledger as a Beancount file, for Fava and the rest of a household's books."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import YEAR, book_option, open_the_book


@click.group()
def export() -> None:
    """Export the ledger to other tools' file formats.

    \b
    Example:
      mbr export beancount --year 2026 --out mbr-2026.beancount
      fava mbr-2026.beancount
    """


@export.command()
@click.option("--year", type=YEAR, help="Only this year, the rows before it as opening balances "
                                        "(default: every year of the ledger).")
@click.option("--person", help="Only this person (default: every person in mbr.toml).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the file here (replaced whole once complete); default: stdout.")
@book_option
@click.pass_context
def beancount(ctx: click.Context, year: int | None, person: str | None, out: Path | None) -> None:
    """Write the ledger as a Beancount file (for bean-check and Fava).

    One account per plan and money source and per IRA (`Assets:Retirement:Alex:Acme:Pretax`,
    `Assets:Retirement:Alex:Alex-Roth`), the after-tax source split into `...:AfterTax:Basis` and
    `...:AfterTax:Earnings` by the lots engine; one transaction per ledger row with its file and line
    as metadata; a balance assertion per `balance` row, dated the day after (Beancount checks a
    balance at the start of a day). A statement value the ledger's rows do not add up to is booked to
    `<account>:Unbooked` and counted in the file's header. Payroll rows (pay-stub deductions) are not
    money in an account and are left out, counted. See docs/beancount.md.

    \b
    Example:
      mbr export beancount --year 2026 --out mbr-2026.beancount
      bean-check mbr-2026.beancount && fava mbr-2026.beancount
      mbr export beancount --person alex > alex.beancount
    """
    from ..book.export import export_beancount
    from ..core.errors import MbrError
    from ..render.beancount import render_beancount
    from .report import write_atomic

    book = open_the_book(ctx)
    try:
        got = export_beancount(book, year, person)
    finally:
        book.close()
    text = render_beancount(got)
    for line in got.warnings:
        click.echo(f"warning: {line}", err=True)
    if not got.entries:
        click.echo("mbr: no ledger rows to export: the file holds no transactions", err=True)
    if out is None:
        click.echo(text, nl=False)
        return
    if out.is_dir():
        raise MbrError(f"--out {out}: is a folder; give a file name")
    try:
        write_atomic(out, text.encode("utf-8"))
    except OSError as exc:
        raise MbrError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    click.echo(str(out))
