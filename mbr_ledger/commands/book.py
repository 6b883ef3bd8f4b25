"""`mbr init`: a new book."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from ..core.errors import MbrError


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--profile", "profile_src", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Start from this mbr.toml instead of the commented template (it is checked first).")
def init(directory: Path, profile_src: Path | None) -> None:
    """Create a book in DIRECTORY: a commented mbr.toml and an empty ledger.

    Refuses to overwrite an existing profile or ledger. A folder that holds only an mbr.toml gets
    the ledger beside it (the mbr.toml is checked first and kept as it is).

    \b
    Example:
      mbr init ~/taxes/book
      mbr init ~/taxes/book --profile my-mbr.toml
    """
    from ..ledger.store import LEDGER_FILE, Ledger
    from ..profile import TEMPLATE, load_profile
    from ._common import PROFILE_FILE

    target = directory / PROFILE_FILE
    ledger_file = directory / LEDGER_FILE
    beside = profile_src is None and target.is_file() and not ledger_file.exists()
    for existing in ([ledger_file] if beside else [target, ledger_file]):
        if existing.exists():
            raise MbrError(f"{existing} exists already; mbr init never overwrites a book")
    if beside:
        load_profile(target)
        Ledger.create(directory).close()
        click.echo(f"Created {ledger_file} beside the existing {target} (kept as it was).")
        click.echo(f"Next: `mbr --book {directory} import FILE...`.")
        return
    if profile_src is not None:
        load_profile(profile_src)
    directory.mkdir(parents=True, exist_ok=True)
    if profile_src is not None:
        shutil.copyfile(profile_src, target)
    else:
        target.write_text(TEMPLATE, encoding="utf-8")
    Ledger.create(directory).close()
    click.echo(f"Created {target} and {ledger_file}.")
    if profile_src is None:
        click.echo(f"Next: edit {target} (persons, plans, IRAs), then `mbr --book {directory} import FILE...`.")
