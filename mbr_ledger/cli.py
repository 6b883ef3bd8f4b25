"""The `mbr` command: a thin click layer. Each subcommand lives in `mbr_ledger.commands` and is
imported only when it runs (or when help lists it), so `mbr --help` starts fast.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from .tuning.process import at_exit
from .tuning.startup import terminal_columns

# name -> ("module:function" under mbr_ledger.commands, the first line of its help).
# The help lines are kept here so `mbr --help` lists the commands without importing them;
# a test checks that each equals the first line of the command's own help.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("book:init", "Create a book in DIRECTORY: a commented mbr.toml and an empty ledger."),
    "import": ("imports:import_cmd", "Import statement files into the ledger."),
    "formats": ("imports:formats", "List the input formats `mbr import` reads, with what identifies each."),
    "forget": ("forget:forget", "Remove the rows of imported files from the ledger, each in one transaction."),
    "ledger": ("ledgerview:ledger", "List ledger rows in the one fixed order, each with its source file and line."),
    "limits": ("limits:limits", "Print the year's IRS limits, each with its code section and source."),
    "audit": ("audit:audit", "Audit a year's contributions against every limit, before the IRS or the plan does."),
    "capacity": ("capacity:capacity",
                 "How much after-tax (mega backdoor Roth) room is left, and how much per paycheck."),
    "project": ("project:project", "Project the Roth value of yearly after-tax contributions converted right away."),
    "worksheet": ("worksheet:worksheet",
                  "Year-end worksheets: Form 1099-R reconciliation, Forms 8606, 1040 and 5329, after-tax lots."),
    "report": ("report:report", "Write the year-end packet: mbr-YEAR-PERSON.xlsx and mbr-YEAR-PERSON.pdf."),
    "export": ("export:export", "Export the ledger to other tools' file formats."),
}


class _Context(click.Context):
    def make_formatter(self) -> click.HelpFormatter:
        width = self.terminal_width
        if width is None:  # click's own rule, from the same figure
            width = max(min(terminal_columns(), self.max_content_width or 80) - 2, 50)
        return self.formatter_class(width=width, max_width=self.max_content_width)


class LazyGroup(click.Group):
    context_class = _Context

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, help_line) for name, (_, help_line) in COMMANDS.items()])

    @staticmethod
    def _load(name: str) -> click.Command | None:
        entry = COMMANDS.get(name)
        if entry is None:
            return None
        module, attr = entry[0].split(":")
        try:
            mod = importlib.import_module(f"mbr_ledger.commands.{module}")
        except ModuleNotFoundError as exc:
            if exc.name == f"mbr_ledger.commands.{module}":
                return None
            raise
        cmd = getattr(mod, attr, None)
        return cmd if isinstance(cmd, click.Command) else None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:  # only MbrError is ours to report; imported late to keep --help fast
            from .core.errors import MbrError

            if not isinstance(exc, MbrError):
                exc = _store_fault(ctx, exc)
            click.echo(f"mbr: {exc.render()}", err=True)
            ctx.exit(exc.exit_code)


def _store_fault(ctx: click.Context, exc: Exception) -> Any:
    """A Polars error from a damaged segment of the book's ledger as its one-line store fault (exit 2);
    any other error is raised again."""
    from .commands.faults import as_user_error

    mapped = as_user_error(exc, (ctx.obj or {}).get("book"))
    if mapped is None:
        raise exc
    return mapped


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--book", type=click.Path(file_okay=False), envvar="MBR_BOOK",
              default=None, help="The book folder (mbr.toml + ledger). Default: $MBR_BOOK, else the current folder.")
@click.version_option(package_name="mbr_ledger", prog_name="mbr")
@click.pass_context
def cli(ctx: click.Context, book: str | None) -> None:
    """mbr: a ledger and year-end tax worksheets for the mega backdoor Roth.

    Import your payroll and 401(k) exports, then audit the year's limits and print the
    Form 1099-R and Form 8606 worksheets. Not tax advice.

    \b
    Example:
      mbr init ~/taxes/book && cd ~/taxes/book
      mbr import ~/Downloads/payroll-2026.csv ~/Downloads/activity-2026.csv
      mbr ledger --year 2026
      mbr audit --year 2026
    """
    ctx.obj = {"book": book or os.getcwd()}


def main(argv: list[str] | None = None) -> Any:
    try:
        return cli.main(args=argv, prog_name="mbr")
    except BrokenPipeError:  # `mbr ledger | head`
        sys.exit(0)
    finally:
        at_exit()


if __name__ == "__main__":  # pragma: no cover
    main()
