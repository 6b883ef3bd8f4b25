"""Queries over the store that several commands share, returned as Polars frames."""

from __future__ import annotations

import polars as pl

from ..core.schema import EVENTS, sort_rows
from .store import Ledger

PAYROLL_SOURCES = {"pretax_401k": "pretax", "roth_401k": "roth", "after_tax_401k": "after_tax",
                   "employer_match": "match", "employer_nonelective": "nonelective"}


def payroll_as_events(payroll: pl.DataFrame) -> pl.DataFrame:
    """Pay-stub deductions in the events' columns: kind `payroll`, one row per nonzero source."""
    parts = []
    for col, source in PAYROLL_SOURCES.items():
        parts.append(payroll.filter(pl.col(col).fill_null(0) != 0).select(
            pl.col("pay_date").alias("date"), "person", pl.col("plan").alias("account"),
            pl.lit("payroll").alias("kind"), pl.lit(source).alias("source"), pl.col(col).alias("amount"),
            "source_file", "source_sha256", "source_line"))
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts)


def ledger_rows(led: Ledger, *, year: int | None = None, person: str | None = None, account: str | None = None,
                kind: str | None = None) -> pl.DataFrame:
    frames = []
    if kind in (None, "payroll"):
        pay = payroll_as_events(led.frame("payroll", year=year, person=person))
        if pay.height:
            frames.append(pay)
    if kind != "payroll":
        ev = led.frame("events", year=year, person=person)
        if kind:
            ev = ev.filter(pl.col("kind") == kind)
        frames.append(ev)
    df = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    for c, ty in EVENTS.columns.items():
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=ty).alias(c))
    if account:
        df = df.filter(pl.col("account") == account)
    return sort_rows("events", df)


def summary(df: pl.DataFrame) -> pl.DataFrame:
    """Totals per person, year, account and source, by kind, in the amounts' unit (integer cents, or
    Decimal dollars as `Book.ledger` gives them). Exact for any number of rows within the amount
    bound (core.money.MAX_AMOUNT): cents are summed as Int128, where Int64 would wrap after some
    9,000 rows at the bound; Decimal sums have 38 digits."""
    if df.is_empty():
        return df
    amount = pl.col("amount").cast(pl.Int128) if df.schema["amount"].is_integer() else pl.col("amount")

    def total(kind: str) -> pl.Expr:
        return amount.filter(pl.col("kind") == kind).sum().alias(kind)

    out = (df.with_columns(pl.col("date").dt.year().alias("year"))
           .group_by(["person", "year", "account", "source"])
           .agg(total("payroll"), total("contribution").alias("contributions"), total("earnings"),
                total("fee").alias("fees"), total("conversion").alias("converted"),
                total("rollover").alias("rolled_out"), total("distribution").alias("distributed"))
           .sort(["person", "year", "account", "source"], nulls_last=False))
    return out
