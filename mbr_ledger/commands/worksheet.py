"""`mbr worksheet 1099r | 8606 | lots | 1040 | 5329`: the year-end worksheets, as tables or JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from ._common import YEAR, book_option, echo_json, format_option, open_the_book

if TYPE_CHECKING:
    from ..forms.model import Grid, Worksheet

DISCLAIMER = "Not tax advice: figures computed from the ledger to the best of the program's knowledge."


def _cell(value: Any, kind: str) -> str:
    from decimal import Decimal

    from ..core.money import fmt_table

    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, Decimal) and kind == "money":
        return fmt_table(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def render_grid(grid: Grid, columns: list[str] | None = None) -> str:
    """A grid as a text table (only `columns`, if given), with a total row for its money totals."""
    from decimal import Decimal

    from ..core.money import ZERO, fmt_table
    from ..render.terminal import table

    cols = columns or grid.columns
    idx = [grid.columns.index(c) for c in cols]
    kinds = [grid.kinds[i] for i in idx]
    rows = [[_cell(r[i], k) for i, k in zip(idx, kinds, strict=True)] for r in grid.rows]
    if grid.totals and grid.rows:
        total = []
        for i, c in zip(idx, cols, strict=True):
            if c in grid.totals:
                total.append(fmt_table(sum((r[i] for r in grid.rows if isinstance(r[i], Decimal)), ZERO)))
            else:
                total.append("")
        total[0] = total[0] or "total"
        rows.append(total)
    right = [k in ("money", "count", "ratio") for k in kinds]
    if not grid.rows:
        return f"{grid.title}\n(none)"
    return table(cols, rows, right=right, title=grid.title)


def render_lines(ws: Worksheet) -> str:
    from ..render.terminal import table

    rows = [[ln.id, ln.label, _cell(ln.value, ln.kind), ln.formula] for ln in ws.lines]
    return table(["line", "description", "amount", "how"], rows, right=[False, False, True, False], title=ws.title)


def render_notes(ws: Worksheet) -> str:
    from ..render.terminal import wrap

    notes = [*ws.notes, DISCLAIMER]
    return "Notes:\n" + "\n".join(wrap(n, "- ") for n in notes)


@click.group()
def worksheet() -> None:
    """Year-end worksheets: Form 1099-R reconciliation, Forms 8606, 1040 and 5329, after-tax lots.

    Each worksheet is computed from the ledger; the table and JSON views show the same figures:
    `1099r`, `8606`, `lots`, Form 1040 lines 4a-5b of each return (`1040`) and Form 5329's
    additional taxes (`5329`).
    Not tax advice.

    \b
    Example:
      mbr worksheet 1099r --year 2026
      mbr worksheet 8606 --year 2026 --person alex --format json
      mbr worksheet lots --year 2026
      mbr worksheet 1040 --year 2026
      mbr worksheet 5329 --year 2026 --person alex
    """


def _command(name: str, person_help: str) -> Callable[[Callable[..., None]], click.Command]:
    """A worksheet subcommand with the options every worksheet takes: --year, --person, --format, --book."""
    def wrap(f: Callable[..., None]) -> click.Command:
        for option in (click.pass_context, book_option, format_option("table", "json"),
                       click.option("--person", help=person_help),
                       click.option("--year", type=YEAR, required=True, help="Tax year, e.g. 2026.")):
            f = option(f)
        return worksheet.command(name)(f)
    return wrap


@_command("1099r", "Only this person (default: everyone in the book).")
def w1099r(ctx: click.Context, year: int, person: str | None, fmt: str) -> None:
    """Form 1099-R: the forms your plans and IRAs should issue against the forms you received.

    Expected forms come from the ledger (box 1, 2a, 5, 7 and the destination); received forms
    from `1099r` imports. Differences are listed per payer on the sums of boxes 1, 2a and 5, and
    per form where the forms pair up, each with the ledger rows behind the expected figure. Also
    prints Form 1040 lines 4a/4b (IRAs) and 5a/5b (plans). Code G never means "not taxable" by
    itself: box 2a decides. Exits 1 when there is a difference.

    \b
    Example:
      mbr worksheet 1099r --year 2026
      mbr worksheet 1099r --year 2026 --person alex --format json
    """
    from ..forms.f1099r import has_differences

    with open_the_book(ctx) as book:
        result = book.worksheet("1099r", year, person)
    ws = result.sheets[0]
    if fmt == "json":
        echo_json(result.to_dict())
    else:
        parts = [
            render_grid(ws.grids["expected"], ["person", "payer_account", "form", "destination", "date", "box1",
                                               "box2a", "box5", "box7", "matched_form"]),
            render_grid(ws.grids["actual"], ["person", "payer_account", "form_id", "box1", "box2a",
                                             "box2b_not_determined", "box5", "box7", "matched"]),
            render_grid(ws.grids["differences"], ["person", "payer_account", "level", "form", "box", "expected",
                                                  "actual", "difference"]),
            *([render_grid(ws.grids["corrective"], ["person", "payer_account", "date", "box1", "box2a", "box5",
                                                    "box7", "status", "taxable_in", "form1040_line"])]
              if "corrective" in ws.grids else []),
        ]
        from ..render.terminal import table, wrap

        for r in ws.grids["differences"].rows:
            parts.append(wrap(f"{r[1]} {r[4]} ({r[2]}): {r[8]}") + "\n" + wrap(f"rows: {r[9]}", "  "))

        parts.append(table(["line", "description", "amount", "how"],
                           [[ln.id, ln.label, _cell(ln.value, ln.kind), ln.formula] for ln in ws.lines],
                           right=[False, False, True, False], title=f"Form 1040 {year}"))
        parts.append(render_notes(ws))
        click.echo("\n\n".join(parts))
    if has_differences(ws):
        ctx.exit(1)


def _per_person(ctx: click.Context, kind: str, year: int, person: str | None, fmt: str,
                parts: Callable[[Worksheet], list[str]]) -> None:
    """One worksheet per person: its JSON (Book.worksheet: a list for several persons) or text tables."""
    with open_the_book(ctx) as book:
        result = book.worksheet(kind, year, person)
    if fmt == "json":
        echo_json(result.to_dict())
        return
    click.echo("\n\n".join("\n\n".join(parts(ws)) for ws in result.sheets))


@_command("8606", "Only this person (default: everyone in the book, one form each).")
def w8606(ctx: click.Context, year: int, person: str | None, fmt: str) -> None:
    """Form 8606 Parts I-III, line by line, for each person.

    Nondeductible contributions (including those made for this year up to its filing due date
    in the next), the Dec 31 value of the traditional IRAs (a warning names any account without a
    `balance` row), conversions, the line 10 ratio (rounded half-up to 5 places), and Roth IRA
    distributions with the ordering rules. Basis carries forward from the first year of the
    book: last year's line 14 is this year's line 2. With several persons and --format json the
    output is a list of forms.

    \b
    Example:
      mbr worksheet 8606 --year 2026
      mbr worksheet 8606 --year 2026 --person alex --format json
    """
    _per_person(ctx, "8606", year, person, fmt,
                lambda ws: [render_lines(ws), render_grid(ws.grids["line6"]),
                            render_grid(ws.grids["carry_forward"], ["key", "value"]),
                            render_grid(ws.grids["roth_layers"]), render_notes(ws)])


@_command("lots", "Only this person (default: everyone in the book).")
def wlots(ctx: click.Context, year: int, person: str | None, fmt: str) -> None:
    """The after-tax lots and the conversions, rollovers and distributions out of each plan's
    after-tax source: basis, earnings, the taxable part, days from deposit to conversion, and what
    is left unconverted at Dec 31. Split rollovers (several rollover rows of one plan on one date)
    are one distribution: earnings to the traditional IRA leg first.

    \b
    Example:
      mbr worksheet lots --year 2026
      mbr worksheet lots --year 2026 --person alex --format json
    """
    _per_person(ctx, "lots", year, person, fmt,
                lambda ws: [render_lines(ws), render_grid(ws.grids["lots"]),
                            render_grid(ws.grids["conversions"]), render_notes(ws)])



@_command("1040", "This person's return (with the spouse when filing jointly; default: every return).")
def w1040(ctx: click.Context, year: int, person: str | None, fmt: str) -> None:
    """Form 1040 lines 4a, 4b (IRAs) and 5a, 5b (plans), and the rollover boxes, for one return.

    A return is one person's, or a married couple's filing jointly (`spouse` and
    filing_status = "mfj" on both in mbr.toml): their amounts are added, and --person of either
    spouse gives the joint return. The lines are the ones `mbr worksheet 1099r` prints, from the
    expected Forms 1099-R and Form 8606 (4b = lines 15c + 18 + 25c). With several returns and
    --format json the output is a list of returns.

    \b
    Example:
      mbr worksheet 1040 --year 2026
      mbr worksheet 1040 --year 2026 --person sam --format json
    """
    def parts(ws: Worksheet) -> list[str]:
        from ..render.terminal import table

        boxes = table(["line", "next to", "checked", "forms"],
                      [[str(r[0]), str(r[1]), "yes" if r[2] else "no", str(r[3])] for r in ws.grids["rollover"].rows],
                      right=[False, False, False, False], title="Rollover boxes")
        return [render_lines(ws), render_grid(ws.grids["by_person"]), boxes, render_notes(ws)]

    _per_person(ctx, "1040", year, person, fmt, parts)


@_command("5329", "Only this person (default: everyone in the book, one form each).")
def w5329(ctx: click.Context, year: int, person: str | None, fmt: str) -> None:
    """Form 5329 Parts I, III and IV: the additional taxes on early distributions and on excess IRA
    contributions, for each person (spouses filing jointly each file their own).

    Part I: 10% of the taxable part of each distribution before age 59 1/2, plus the conversion
    or rollover money a Roth IRA distribution takes less than 5 years after it was taxed
    (rollovers, conversions and corrective distributions are not early distributions). Parts III
    and IV: 6% of the excess traditional and Roth IRA contributions the audit's ira_limit check
    finds, and of last year's excess not absorbed by this year's unused limit or distributions.
    With several persons and --format json the output is a list of forms.

    \b
    Example:
      mbr worksheet 5329 --year 2026
      mbr worksheet 5329 --year 2026 --person alex --format json
    """
    def parts(ws: Worksheet) -> list[str]:
        from dataclasses import replace

        filled = replace(ws, lines=[ln for ln in ws.lines if ln.value is not None])  # the parts it fills
        shown = [render_lines(filled)] if filled.lines else [ws.title]
        return [*shown, render_grid(ws.grids["early"], ["date", "account", "kind", "amount", "taxable", "recapture",
                                                        "early", "subject", "line1", "row"]), render_notes(ws)]

    _per_person(ctx, "5329", year, person, fmt, parts)
