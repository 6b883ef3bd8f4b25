"""`mbr import` and `mbr formats`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ._common import book_option, echo_json, format_option, open_book


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--from", "fmt_name", metavar="NAME", help="Read every file as this format (see `mbr formats`).")
@click.option("--person", help="Person id for files that do not name one.")
@click.option("--plan", help="Plan id for files that do not name one.")
@click.option("--source", help="Money source for files that have none (e.g. after_tax for a NetBenefits export).")
@click.option("--mapping", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A TOML file with a [[mapping]] table for a CSV no built-in format reads.")
@click.option("--dry-run", is_flag=True, help="Check the files and count what would be imported; change nothing.")
@format_option("table", "json")
@book_option
@click.pass_context
def import_cmd(ctx: click.Context, files: tuple[Path, ...], fmt_name: str | None, person: str | None,
               plan: str | None, source: str | None, mapping: Path | None, dry_run: bool, fmt: str) -> None:
    """Import statement files into the ledger.

    Each file's format is found from its header. Every file is checked before anything is
    written; each is then added whole, in one transaction. Importing a file again adds nothing;
    a longer version of a file adds only its new rows. Every row read is accounted for: read =
    imported + duplicates + left out, each left-out group with its reason and first line.

    \b
    Example:
      mbr import payroll-2026.csv activity-2026.csv 1099r-2026.csv
      mbr import --from netbenefits --plan acme --source after_tax history.csv
      mbr import --dry-run --format json statements/*.csv
    """
    import functools

    from ..tuning.process import collector_off, for_import

    for_import()  # before Polars loads
    # The files are hashed (for the ledger's record of them) while Python loads the rest.
    from ..core.filehash import file_sha256
    from ..tuning.threads import in_thread

    def hash_all(paths: list[Path]) -> dict[Path, str]:
        got = {}
        for path in paths:
            try:
                got[path] = file_sha256(path)
            except OSError:
                pass  # not readable: the import says so, with the file's name
        return got

    hashed = in_thread(hash_all, list(dict.fromkeys(files)))

    def sha_of(path: Path) -> str:
        return hashed().get(path) or file_sha256(path)

    hashes = {path: functools.partial(sha_of, path) for path in dict.fromkeys(files)}
    from ..book.importing import import_files
    from ..core.errors import MbrError
    from ..importers import ImportContext
    from ..render.terminal import table, wrap

    profile, ledger = open_book(ctx, reading=False)
    mapping_table: dict[str, Any] | None = None
    if mapping is not None:
        import tomllib

        try:
            doc = tomllib.loads(mapping.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise MbrError(f"{mapping}: {exc}") from None
        maps = doc.get("mapping")
        if isinstance(maps, list) and maps and isinstance(maps[0], dict):
            mapping_table = maps[0]
        else:
            raise MbrError(f"{mapping}: expected a [[mapping]] table")
    if person and person not in profile.person_ids():
        raise MbrError(f"--person {person}: unknown person (persons in mbr.toml: {', '.join(profile.person_ids())})")
    if plan and profile.plan(plan) is None:
        raise MbrError(f"--plan {plan}: unknown plan (plans in mbr.toml: {', '.join(p.id for p in profile.plans)})")
    ictx = ImportContext(profile, person=person, plan=plan, source=source, mapping=mapping_table)
    show_progress = fmt != "json" and stderr_is_terminal()
    bar: Any = None

    def on_file(label: str, rows: int) -> None:
        nonlocal bar
        if not show_progress:
            return
        if bar is not None:
            bar.render_finish()
            bar = None
        if rows >= 20_000:
            bar = click.progressbar(length=rows, label=label, file=sys.stderr)
        else:
            click.echo(label, err=True)

    def on_rows(n: int) -> None:
        if bar is not None:
            bar.update(n)

    try:
        with collector_off():
            results = import_files(ledger, list(files), ictx, fmt=fmt_name, dry_run=dry_run,
                                   on_file=on_file if show_progress else None,
                                   on_rows=on_rows, hashes=hashes)
    finally:
        if bar is not None:
            bar.render_finish()
        ledger.close()
    if fmt == "json":
        echo_json({"dry_run": dry_run, "files": [r.as_json() for r in results]})
        return
    rows = [[r.path, r.format, r.read, r.imported, r.duplicates, r.left_out_rows] for r in results]
    title = "Dry run: nothing was written" if dry_run else None
    click.echo(table(["file", "format", "read", "added", "duplicates", "left out"], rows,
                     right=[False, False, True, True, True, True], title=title))
    for r in results:
        for g in r.left_out:
            click.echo(wrap(f"left out: {r.path}:{g.first_line}: {g.note()}"))
        shown = {g.note() for g in r.left_out}
        for note in r.notes:
            if note.startswith(f"{r.path}:"):  # a warning about a row, naming its line
                click.echo(wrap(f"warning: {note}"), err=True)
            elif note not in shown:
                click.echo(wrap(f"note: {r.path}: {note}"), err=True)


@click.group(invoke_without_command=True)
@format_option("table", "json")
@click.pass_context
def formats(ctx: click.Context, fmt: str) -> None:
    """List the input formats `mbr import` reads, with what identifies each.

    `mbr formats guess FILE` writes a [[mapping]] skeleton for a CSV none of them reads.

    \b
    Example:
      mbr formats
      mbr formats --format json
      mbr formats guess history.csv > history-mapping.toml
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..importers import registry
    from ..importers.mapping import shipped_importers
    from ..render.terminal import table

    built_in = [(i.name, i.title, i.signature) for i in registry()]
    shipped = [(i.name, i.title, i.signature) for i in shipped_importers([])]  # before `mapping`, the generic
    cut = next((k for k, item in enumerate(built_in) if item[0] == "mapping"), len(built_in))
    items = [*built_in[:cut], *shipped, *built_in[cut:]]
    if fmt == "json":
        echo_json([{"name": n, "title": t, "signature": s} for n, t, s in items])
        return
    click.echo(table(["name", "file", "identified by"], items))


@formats.command("guess")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def formats_guess(file: Path) -> None:
    """Print a [[mapping]] skeleton (TOML) for FILE, a CSV no format reads yet.

    The header row, the date, amount and shares columns recognised, and one rule per distinct
    transaction type and money source, filled in where a built-in name is known; fill in each
    kind = "" and source = "", then use it with --mapping FILE (or put it in mbr.toml).

    \b
    Example:
      mbr formats guess history.csv > history-mapping.toml
      mbr import --from mapping --mapping history-mapping.toml --plan acme history.csv
    """
    from ..importers.guess import guess_file, skeleton

    click.echo(skeleton(guess_file(file)), nl=False)
