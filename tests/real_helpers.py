"""Helpers for the real-format importer tests (tests/test_import_real_*.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from mbr_ledger.core.money import from_cents
from mbr_ledger.importers import ImportContext, detect
from mbr_ledger.importers.base import Extracted
from mbr_ledger.ledger.store import Ledger
from mbr_ledger.profile import load_profile, parse_profile

from conftest import run

FIX = Path(__file__).resolve().parent / "fixtures" / "real"
PROFILE_TEXT = (FIX / "profile.toml").read_text(encoding="utf-8")


def profile(text: str = PROFILE_TEXT):
    import tomllib

    return parse_profile(tomllib.loads(text)) if text != PROFILE_TEXT else load_profile(FIX / "profile.toml")


def extract(path: Path, *, profile_text: str = PROFILE_TEXT, fmt: str | None = None, **ctx: Any) -> Extracted:
    imp = detect(path, fmt)
    return imp.extract(path, ImportContext(profile(profile_text), **ctx))


def event_rows(ex: Extracted) -> list[tuple[Any, ...]]:
    """(date, account, kind, source, amount, fund, shares, line) per row, amounts as text."""
    df = ex.tables["events"]
    return [(d.isoformat(), a, k, s, str(from_cents(m)), f, sh, ln) for d, a, k, s, m, f, sh, ln in
            df.select("date", "account", "kind", "source", "amount", "fund", "shares", "source_line").iter_rows()]


def totals(df: pl.DataFrame) -> dict[tuple[str, str | None], str]:
    """Sum of amount per (kind, source), as exact text."""
    out = df.group_by("kind", "source").agg(pl.col("amount").sum()).sort("kind", "source")
    return {(k, s): str(from_cents(a)) for k, s, a in out.iter_rows()}


def import_json(book: Path, *args: str) -> dict[str, Any]:
    res = run(book, "import", "--format", "json", *args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["files"][0]


def book_events(book: Path) -> pl.DataFrame:
    led = Ledger.open(book)
    try:
        return led.frame("events")
    finally:
        led.close()


def book_payroll(book: Path) -> pl.DataFrame:
    led = Ledger.open(book)
    try:
        return led.frame("payroll")
    finally:
        led.close()


def imports_idempotently(make_book: Callable[..., Path], path: Path, *args: str) -> Path:
    """Import `path` into a new book twice: all rows the first time, none the second."""
    book = make_book(PROFILE_TEXT)
    first = import_json(book, *args, str(path))
    assert first["imported"] == first["rows"] > 0 and first["duplicates"] == 0
    again = import_json(book, *args, str(path))
    assert (again["imported"], again["duplicates"]) == (0, first["rows"])
    return book


def cents_sum(values: list[str]) -> str:
    return str(sum((Decimal(v) for v in values), Decimal("0.00")))
