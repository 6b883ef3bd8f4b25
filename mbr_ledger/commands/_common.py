"""What the commands share: opening the book, the --format option, printing JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..book.book import Book
    from ..ledger.store import Ledger
    from ..profile import Profile

PROFILE_FILE = "mbr.toml"


def book_dir(ctx: click.Context) -> Path:
    obj = ctx.find_root().obj or {}
    return Path(obj.get("book") or ".")


def open_book(ctx: click.Context) -> tuple[Profile, Ledger]:
    from ..ledger.store import Ledger
    from ..profile import load_profile

    book = book_dir(ctx)
    profile = load_profile(book / PROFILE_FILE)
    return profile, Ledger.open(book)


def open_the_book(ctx: click.Context) -> Book:
    """The book of `--book` (the current folder by default), opened."""
    from ..book.book import Book

    return Book.open(book_dir(ctx))


def format_option(*choices: str) -> Any:
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=choices[0],
                        show_default=True, help="Output: " + ", ".join(choices) + ".")


def echo_json(obj: Any) -> None:
    from ..render.terminal import to_json

    click.echo(to_json(obj))


def check_person(profile: Profile, person: str | None) -> list[str]:
    """The persons a command reports on: the one asked for, or everyone in the book."""
    from ..core.errors import MbrError

    ids = profile.person_ids()
    if person is None:
        return ids
    if person not in ids:
        raise MbrError(f"--person {person}: unknown person (persons in mbr.toml: {', '.join(ids) or 'none'})")
    return [person]
