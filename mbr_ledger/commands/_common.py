"""What the commands share: opening the book, the --format option, printing JSON, and the ranges click
checks on every numeric option (out of range: exit 2 with one line naming the option, never a traceback)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..book.book import Book
    from ..ledger.store import Ledger
    from ..profile import Profile

PROFILE_FILE = "mbr.toml"

FIRST_YEAR, LAST_YEAR = 1900, 2100
# Every --year: the calendar years the program handles. Commands that need the year's limits then
# refuse a year the limits data does not hold (`mbr limits`: one line, exit 2).
YEAR = click.IntRange(FIRST_YEAR, LAST_YEAR)
MAX_DOLLARS = Decimal(10) ** 13  # any money option: 0 to ten trillion dollars


class Money(click.ParamType):
    """A dollar amount as statements write it (`150000`, `$150,000.00`), from 0 to MAX_DOLLARS."""

    name = "amount"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        from decimal import InvalidOperation

        from ..core.money import MoneyError, parse_money

        try:
            amount = parse_money(str(value))
        except MoneyError as exc:
            self.fail(str(exc), param, ctx)
        except InvalidOperation:  # more digits than an exact Decimal holds
            self.fail(f"{value}: at most {MAX_DOLLARS:,.2f} dollars", param, ctx)
        assert amount is not None
        if amount < 0:
            self.fail(f"{value}: must not be negative", param, ctx)
        if amount > MAX_DOLLARS:
            self.fail(f"{value}: at most {MAX_DOLLARS:,.2f} dollars", param, ctx)
        return amount


class Percent(click.ParamType):
    """A percentage of pay: `4` or `4%` for four percent, from 0 to 100."""

    name = "percent"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        from decimal import InvalidOperation

        raw = str(value).strip().rstrip("%").strip()
        try:
            pct = Decimal(raw)
        except InvalidOperation:
            self.fail(f"not a percentage: {value!r} (write 4 or 4% for four percent)", param, ctx)
        if not pct.is_finite() or not Decimal(0) <= pct <= Decimal(100):
            self.fail(f"{value!r} is not a percentage from 0 to 100", param, ctx)
        return pct


class Rate(click.ParamType):
    """A yearly rate as a fraction (`0.07`) or a percentage (`7%`), within [low, high] (fractions)."""

    name = "rate"

    def __init__(self, low: Decimal, high: Decimal, what: str) -> None:
        self.low, self.high, self.what = low, high, what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        from ..core.errors import MbrError
        from ..rules.projection import parse_rate

        option = param.opts[0] if param is not None and param.opts else "--rate"
        try:
            rate = parse_rate(str(value), option)
        except MbrError as exc:
            self.fail(str(exc).removeprefix(option).lstrip(": "), param, ctx)
        if not self.low <= rate <= self.high:
            self.fail(f"{value}: {self.what} from {(self.low * 100).normalize():f}% to {(self.high * 100).normalize():f}%", param, ctx)
        return rate


def _set_book(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        root = ctx.find_root()
        root.obj = {**(root.obj or {}), "book": value}


def book_option(f: Any) -> Any:
    """`--book DIR` after the subcommand too (`mbr audit --book DIR`); it wins over one before it."""
    return click.option("--book", type=click.Path(file_okay=False), expose_value=False, callback=_set_book,
                        help="The book folder (as `mbr --book DIR`).")(f)


def book_dir(ctx: click.Context) -> Path:
    obj = ctx.find_root().obj or {}
    return Path(obj.get("book") or ".")


def open_book(ctx: click.Context, *, reading: bool = True) -> tuple[Profile, Ledger]:
    """The profile and ledger of `--book`; for a command that reads the ledger (`reading`), with a
    warning about rows whose ids are not in mbr.toml."""
    from ..ledger.store import Ledger
    from ..profile import load_profile

    book = book_dir(ctx)
    profile = load_profile(book / PROFILE_FILE)
    ledger = Ledger.open(book)
    if reading:
        try:
            warn_orphans(profile, ledger)
        except BaseException:
            ledger.close()
            raise
    return profile, ledger


def open_the_book(ctx: click.Context) -> Book:
    """The book of `--book` (the current folder by default), opened for a command that reads it: rows
    whose person, plan or IRA is not in mbr.toml are warned about on stderr."""
    from ..book.book import Book

    book = Book.open(book_dir(ctx))
    try:
        warn_orphans(book.profile, book.store)
    except BaseException:
        book.close()
        raise
    return book


def warn_orphans(profile: Profile, ledger: Ledger) -> None:
    """One `warning:` line on stderr per id of ledger rows the profile does not have (book/orphans.py)."""
    from ..book.orphans import orphan_warnings

    for line in orphan_warnings(ledger, profile):
        click.echo(line, err=True)


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
