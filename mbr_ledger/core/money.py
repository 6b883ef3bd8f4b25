"""Exact money: Decimal in Python, integer cents in storage and in Polars. Never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest amount accepted, in absolute value: 10^13 dollars is 10^15 cents, so any amount and
# the sum of some 9,000 of them stay inside the Int64 cents of storage and Polars (about 9.2 * 10^18).
MAX_AMOUNT = Decimal(10) ** 13
MAX_CENTS = 10**15
_BOUND = f"{MAX_AMOUNT:,.2f}"

_MINUS_SIGNS = "\u2212\u2013"  # U+2212 minus, en dash seen in some exports
_CLEAN = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)(\.\d*)?$|^\.\d+$")


class MoneyError(ValueError):
    """A text that is not an amount of money."""


def parse_money(text: str, *, allow_empty: bool = False) -> Decimal | None:
    """Parse an amount as statements write it.

    Accepts `$`, thousands separators, `(1,234.56)` and trailing-minus negatives, U+2212 minus.
    At most two decimals: a third decimal is an error, never silently rounded.
    """
    raw = text.strip()
    if raw == "":
        if allow_empty:
            return None
        raise MoneyError("empty amount")
    s = raw
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    for ch in _MINUS_SIGNS:
        s = s.replace(ch, "-")
    if s.endswith("-") and not s.startswith("-"):
        negative, s = not negative, s[:-1].strip()
    if s.startswith("-"):
        negative, s = not negative, s[1:].strip()
    elif s.startswith("+"):
        s = s[1:].strip()
    if s.startswith("$"):
        s = s[1:].strip()
        if s.startswith("-"):  # $-12.00
            negative, s = not negative, s[1:].strip()
    if not s or not _CLEAN.match(s):
        raise MoneyError(f"not an amount: {raw!r}")
    s = s.replace(",", "")
    whole = s.split(".", 1)[0].lstrip("0")
    if len(whole) > len(str(int(MAX_AMOUNT))):  # before any arithmetic, which a long number overflows
        raise MoneyError(beyond_bound(raw))
    try:
        value = Decimal(s)
    except InvalidOperation as exc:  # pragma: no cover - the regex guards it
        raise MoneyError(f"not an amount: {raw!r}") from exc
    if value > MAX_AMOUNT:
        raise MoneyError(beyond_bound(raw))
    if value != value.quantize(CENT):
        raise MoneyError(f"more than two decimals: {raw!r}")
    value = value.quantize(CENT)
    return -value if negative else value


def beyond_bound(raw: str) -> str:
    return f"beyond the bound (at most {_BOUND} in absolute value): {raw!r}"


def round_cents(value: Decimal) -> Decimal:
    """Round half-up to the cent: the one rounding the forms ask for."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal) -> int:
    q = value.quantize(CENT)
    if q != value:
        raise MoneyError(f"not a whole number of cents: {value}")
    return int(q * 100)


def from_cents(cents: int) -> Decimal:
    """Integer cents as Decimal dollars with two places (`12345` -> `123.45`, `0` -> `0.00`)."""
    return Decimal(cents).scaleb(-2)


def fmt(value: Decimal | int | None) -> str | None:
    """Money for JSON: a string with exactly two decimals."""
    if value is None:
        return None
    if isinstance(value, int):
        value = from_cents(value)
    return str(value.quantize(CENT))


def fmt_table(value: Decimal | int | None) -> str:
    """Money for people: thousands separators, minus sign in front."""
    if value is None:
        return ""
    if isinstance(value, int):
        value = from_cents(value)
    return f"{value.quantize(CENT):,}"


def dec(text: str | int | Decimal) -> Decimal:
    """A Decimal from a literal such as "0.24" (profile rates, limits data)."""
    return Decimal(str(text))


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal] | None:
    """Split `total` over `weights` in proportion, cents exact (largest remainder, ties to the first).

    None when there is nothing to weigh by (no weights or all zero)."""
    wc = [int(w * 100) for w in weights]
    denom = sum(wc)
    if not wc or denom <= 0:
        return None
    tc = int(total * 100)
    sign = -1 if tc < 0 else 1
    tc = abs(tc)
    shares = [tc * w // denom for w in wc]
    rema = sorted(range(len(wc)), key=lambda i: (-(tc * wc[i] % denom), i))
    left = tc - sum(shares)
    for i in rema[:left]:
        shares[i] += 1
    return [from_cents(sign * s) for s in shares]
