"""A Beancount file from directives made by the orchestration layer (`book/export.py`).

This module only writes text: the options, `open` directives, transactions with their metadata and
`balance` assertions, amounts in exact cents. It decides no account and adds up nothing. User text
(memos, file names) is escaped for Beancount's double-quoted strings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..core.money import fmt

MetaValue = str | int


@dataclass(frozen=True)
class Posting:
    """One leg of a transaction: an account and its signed amount in cents."""

    account: str
    cents: int


@dataclass(frozen=True)
class Open:
    """An `open` directive, with metadata naming what in mbr.toml the account stands for."""

    date: dt.date
    account: str
    meta: tuple[tuple[str, MetaValue], ...] = ()


@dataclass(frozen=True)
class Txn:
    """A transaction: its postings add up to zero (the orchestration layer makes them so)."""

    date: dt.date
    payee: str
    narration: str
    postings: tuple[Posting, ...]
    meta: tuple[tuple[str, MetaValue], ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Balance:
    """A `balance` assertion: the account (with its sub-accounts) holds `cents` at the start of `date`."""

    date: dt.date
    account: str
    cents: int
    meta: tuple[tuple[str, MetaValue], ...] = ()


@dataclass
class BeancountFile:
    """Everything the file holds: a title, the comment lines of its header, the accounts, the entries
    (transactions and assertions, in the order they are written); `warnings`, the header lines a
    command also prints on stderr."""

    title: str
    currency: str
    header: list[str] = field(default_factory=list)
    opens: list[Open] = field(default_factory=list)
    entries: list[Txn | Balance] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def quote(text: str) -> str:
    """`text` as a Beancount string literal: backslash, quote, newline, tab and CR escaped; the other
    control characters, which a Beancount string cannot spell, shown as U+FFFD."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\ufffd")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _meta(meta: tuple[tuple[str, MetaValue], ...]) -> list[str]:
    return [f"  {k}: {v}" if isinstance(v, int) else f"  {k}: {quote(v)}" for k, v in meta]


def _amount(cents: int, currency: str) -> str:
    return f"{fmt(cents)} {currency}"


def render_beancount(f: BeancountFile) -> str:
    """The file's text: header comments, options, `open` directives, then the entries."""
    lines = [f"; {h}" if h else ";" for h in f.header]
    lines += ["", f"option \"title\" {quote(f.title)}", f"option \"operating_currency\" {quote(f.currency)}", ""]
    if f.opens:
        lines.append(f"{f.opens[0].date.isoformat()} commodity {f.currency}")
    for o in f.opens:
        lines.append(f"{o.date.isoformat()} open {o.account} {f.currency}")
        lines += _meta(o.meta)
    for e in f.entries:
        lines.append("")
        if isinstance(e, Balance):
            lines.append(f"{e.date.isoformat()} balance {e.account}  {_amount(e.cents, f.currency)}")
            lines += _meta(e.meta)
            continue
        tags = "".join(f" #{t}" for t in e.tags)
        lines.append(f"{e.date.isoformat()} * {quote(e.payee)} {quote(e.narration)}{tags}")
        lines += _meta(e.meta)
        width = max(len(p.account) for p in e.postings)
        for p in e.postings:
            lines.append(f"  {p.account.ljust(width)}  {_amount(p.cents, f.currency).rjust(20)}")
    return "\n".join(lines) + "\n"
