"""`mbr report`: the year-end packet, an Excel workbook and a PDF per person."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import click

from ._common import YEAR, book_option, open_the_book


def packet_paths(out: Path, year: int, person: str) -> tuple[Path, Path]:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", person)
    stem = f"mbr-{year}-{safe}"
    return out / f"{stem}.xlsx", out / f"{stem}.pdf"


def clashing_names(out: Path, year: int, persons: list[str]) -> str | None:
    """Two persons whose packets would share a file (ids that differ only in characters a file name
    cannot hold, or only in case, which a macOS or Windows folder does not tell apart): the refusal."""
    seen: dict[str, str] = {}
    for pid in persons:
        name = packet_paths(out, year, pid)[0].stem
        other = seen.setdefault(name.casefold(), pid)
        if other != pid:
            return (f"persons {other!r} and {pid!r} would write the same file {name}.xlsx/.pdf; "
                    f"give each a distinct id in mbr.toml, or write one at a time with --person")
    return None


def coloured_verdict(text: str) -> str:
    """The verdict line with its first word (FAIL, WARN, OK) in its status colour, as `mbr audit`
    shows it; click.echo drops the colour when stderr is not a terminal, and NO_COLOR turns it off."""
    from ..render.terminal import status_word

    word, sep, rest = text.partition(":")
    return status_word(word) + sep + rest if sep else text


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a new temporary file beside `path`, then rename: a reader never sees half a file.
    The temporary file is created exclusively (O_CREAT | O_EXCL, which never follows a symlink), so
    a link planted under its name cannot redirect the write; a name taken already is skipped."""
    import secrets

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    for attempt in range(100):
        suffix = f"{os.getpid()}" if attempt == 0 else f"{os.getpid()}.{secrets.token_hex(4)}"
        tmp = path.with_name(f".{path.name}.{suffix}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        break
    else:  # pragma: no cover - a hundred names all taken
        raise FileExistsError(f"{path}: no free temporary name beside it")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@click.command()
@click.option("--year", type=YEAR, required=True, help="Tax year, e.g. 2026.")
@click.option("--person", help="Only this person (default: every person in the book, two files each).")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="Folder for the files (created if missing).")
@book_option
@click.pass_context
def report(ctx: click.Context, year: int, person: str | None, out: Path) -> None:
    """Write the year-end packet: mbr-YEAR-PERSON.xlsx and mbr-YEAR-PERSON.pdf.

    The workbook is for a CPA to audit: the audit, the 1099-R reconciliation, Form 8606, the
    after-tax lots and conversions, the capacity plan, the limits with their sources and every
    ledger row with its file and line; totals and form lines are live formulas. The PDF is for
    reading: a cover page with the year's verdict, then the same sections and charts.

    Each file is written to a temporary name and renamed when complete. Two persons whose ids would
    give one file name (`a b` and `a_b`, or `Alex` and `alex`) are refused before anything is written. The paths written are
    printed; the verdict goes to stderr. Exit code 0 once the files are written, whatever the
    verdict (`mbr audit` exits 1 on a failing check). Not tax advice.

    \b
    Example:
      mbr report --year 2026 --out reports/
      mbr report --year 2026 --person alex --out ~/taxes/2026
    """
    from ..core.errors import MbrError
    from ..limits import limits_for
    from ..render.pdf import render_pdf
    from ..render.xlsx import render_xlsx

    book = open_the_book(ctx)
    try:
        persons = book.persons(person)
        limits_for(year)  # a year without limits data is an error before anything is written
        clash = clashing_names(out, year, persons)
        if clash:
            raise MbrError(clash)
        if out.exists() and not out.is_dir():
            raise MbrError(f"--out {out}: not a folder")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MbrError(f"--out {out}: cannot create the folder: {exc.strerror}") from None
        renderers: list[tuple[int, Callable[..., bytes]]] = [(0, render_xlsx), (1, render_pdf)]
        for pid in persons:
            packet = book.packet(year, pid)
            paths = packet_paths(out, year, pid)
            for i, render in renderers:
                try:
                    write_atomic(paths[i], render(packet))
                except OSError as exc:
                    raise MbrError(f"{paths[i]}: cannot write: {exc.strerror}") from None
                click.echo(str(paths[i]))
            click.echo(f"{pid} {year}: {coloured_verdict(packet.verdict_text())}", err=True)
    finally:
        book.close()
