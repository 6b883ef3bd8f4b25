"""`mbr forget`: remove one imported file's rows from the ledger, to mend a wrong import."""

from __future__ import annotations

import click

from ._common import echo_json, format_option, open_book


@click.command("forget")
@click.argument("files", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Show what would be removed and change nothing.")
@format_option("table", "json")
@click.pass_context
def forget(ctx: click.Context, files: tuple[str, ...], dry_run: bool, fmt: str) -> None:
    """Remove the rows of imported files from the ledger, each in one transaction.

    Name a file by the path it was imported with (as `mbr ledger` lists it in `source_file`) or by
    its SHA-256 (12 hex digits or more). Then import it again with the right options, if needed.
    Nothing else in the ledger changes; a file that is not in the ledger is an error (exit 2).

    \b
    Example:
      mbr forget statements/netbenefits-2026.csv --dry-run
      mbr forget 3f9a1c0b2e4d
    """
    from ..core.errors import MbrError
    from ..render.terminal import table

    profile, ledger = open_book(ctx, reading=False)
    try:
        keys = list(dict.fromkeys(files))
        for key in keys:  # every name must be known before anything is removed
            ledger.forget(key, dry_run=True)
        removed = [f for key in keys for f in ledger.forget(key, dry_run=dry_run)]
    except MbrError:
        ledger.close()
        raise
    ledger.close()
    if fmt == "json":
        echo_json({"dry_run": dry_run, "files": removed})
        return
    rows = [[f["path"], f["sha256"][:12], f["format"], *[str(n) for n in f["rows"].values()]] for f in removed]
    heads = ["file", "sha256", "format", *removed[0]["rows"]] if removed else ["file"]
    click.echo(table(heads, rows, title="Would remove (dry run)" if dry_run else "Removed"))
