"""Plain-text tables for the terminal and JSON/CSV for scripts.

On a terminal (or with $COLUMNS set) tables fit its width, their long text cells wrapped inside their
column so the columns stay aligned, and detail lines wrap at word boundaries; status words are in
colour unless $NO_COLOR is set (click strips colour from output that is not a terminal). Piped
output is never wrapped: one line per row or detail, as scripts and grep expect.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import click

from ..tuning.startup import terminal_columns

STATUS_COLOURS = {"FAIL": "red", "WARN": "yellow", "OK": "green"}
MIN_TEXT_COLUMN = 8  # a text column is never wrapped narrower than this (or than its longest word)


def output_width() -> int | None:
    """The width to fit text to: $COLUMNS, else the terminal's, or None when stdout is not a terminal."""
    if os.environ.get("COLUMNS", "").strip() or sys.stdout.isatty():
        return max(terminal_columns(), 20)
    return None


def colour_wanted() -> bool:
    """No colour when $NO_COLOR is set to anything (https://no-color.org)."""
    return not os.environ.get("NO_COLOR")


def status_word(word: str) -> str:
    """A status word (FAIL, WARN, OK) in its colour; click.echo drops the colour when not on a terminal."""
    colour = STATUS_COLOURS.get(word.strip("[]"))
    if colour is None or not colour_wanted():
        return word
    return click.style(word, fg=colour)


def wrap(text: str, indent: str = "", more: str = "  ") -> str:
    """`indent + text`, wrapped to the output width with continuation lines indented by `more` again;
    never inside a word, so file names, dates and `file:line` references stay whole."""
    width = output_width()
    if width is None or len(indent) + len(text) <= width:
        return indent + text
    lines = _wrap_cell(text, width - len(indent), width - len(indent) - len(more))
    cont = " " * len(indent) + more  # a bullet ("- ") is not repeated on its continuation lines
    return "\n".join([indent + lines[0], *(cont + ln for ln in lines[1:])])


_BREAK = re.compile(r"(?<=/)|(?<=[0-9],)(?=[0-9]+(?:[-,;]|$))")  # after a `/`; between a row list's lines


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The unbreakable pieces of a text: its words, split after each `/` of a path and after each
    comma of a `file:12,14,20` row list (never inside an amount such as 1,211.54); each with
    whether a space comes before it."""
    out: list[tuple[str, bool]] = []
    for word in text.split():
        parts = _BREAK.split(word) if ":" in word or "/" in word else [word]
        first = True
        for part in parts:
            if part:
                out.append((part, first))
                first = False
    return out


def _wrap_cell(text: str, width: int, rest: int | None = None) -> list[str]:
    """`text` on lines of at most `width` (`rest` after the first), broken between words or at the
    breaks of _pieces only: a piece longer than its line stays whole."""
    if len(text) <= width:
        return [text]
    lines: list[str] = []
    cur = ""
    for piece, spaced in _pieces(text):
        joined = (cur + " " + piece if spaced else cur + piece) if cur else piece
        room = width if not lines else (rest or width)
        if len(joined) <= room or not cur:
            cur = joined
        else:
            lines.append(cur)
            cur = piece
    lines.append(cur)
    return lines


def _fit(widths: list[int], floors: list[int], shrinkable: list[bool], width: int) -> list[int]:
    """Narrow the widest shrinkable columns until the table fits `width` (as far as the floors allow)."""
    out = list(widths)
    while sum(out) + 2 * (len(out) - 1) > width:
        over = sum(out) + 2 * (len(out) - 1) - width
        candidates = [i for i, w in enumerate(out) if shrinkable[i] and w > floors[i]]
        if not candidates:
            break
        i = max(candidates, key=lambda k: out[k])
        second = max((out[k] for k in candidates if k != i), default=0)
        out[i] = max(floors[i], out[i] - over, min(second, out[i] - 1))
    return out


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[bool] | None = None,
          title: str | None = None, width: int | None | bool = True,
          paint: Mapping[int, Callable[[str], str]] | None = None) -> str:
    """Columns padded to their widest cell. `width`: True fits the output width (see output_width),
    None or False never wraps, an int fits that many characters: the widest text columns are wrapped
    inside themselves (between words, or after a `/`), numbers never; a table that cannot fit even
    so is left unwrapped (one line per row: wrapping it would only make it taller). `paint[i]` styles column i's cells
    after padding (colour that takes no room)."""
    cells = [[("" if v is None else str(v)) for v in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in cells:
        for i, v in enumerate(r):
            widths[i] = max(widths[i], len(v))
    right = right or [False] * len(headers)
    limit = output_width() if width is True else (width or None)
    if limit is not None:
        floors = [max(len(h), MIN_TEXT_COLUMN, *(len(p) for r in cells for p, _ in _pieces(r[i])))
                  for i, h in enumerate(headers)]
        fitted = _fit(widths, floors, [not r for r in right], limit)
        if sum(fitted) + 2 * (len(fitted) - 1) <= limit:  # a table that cannot fit is left whole
            widths = fitted
    paint = paint or {}

    def pad(v: str, i: int) -> str:
        w = widths[i]
        padded = v.rjust(w) if right[i] else v.ljust(w)
        if i in paint and v:
            styled = paint[i](v)
            padded = padded.replace(v, styled, 1)
        return padded

    def lines(vals: Sequence[str]) -> list[str]:
        split = [_wrap_cell(v, widths[i]) for i, v in enumerate(vals)]
        out = []
        for k in range(max(len(s) for s in split)):
            out.append("  ".join(pad(s[k] if k < len(s) else "", i) for i, s in enumerate(split)).rstrip())
        return out

    parts = [title] if title else []
    parts += lines(list(headers)) + ["  ".join("-" * w for w in widths)]
    for r in cells:
        parts += lines(r)
    return "\n".join(parts)


def to_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, default=str)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> Any:
    """A text cell a spreadsheet would not run: text starting with = + - @ tab or CR gets a leading
    single quote (OWASP, CSV injection). Numbers are left alone: only text columns go through here."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]], text: Sequence[str] = ()) -> str:
    """CSV with a header row; the columns named in `text` hold user text and are neutralised (csv_text)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(headers)
    guard = [h in text for h in headers]
    for r in rows:
        w.writerow(["" if v is None else csv_text(v) if g else v for v, g in zip(r, guard, strict=True)])
    return buf.getvalue()
