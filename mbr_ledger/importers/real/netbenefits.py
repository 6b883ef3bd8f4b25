"""Fidelity NetBenefits workplace-plan transaction history (`history.csv`).

Shape (NetBenefits -> the plan -> History -> download)::

    Plan name:,ACME CORP 401(K) PLAN
    Date Range,01/01/2026 - 03/31/2026,,,,

    Date,Investment,Transaction Type,Amount,Shares/Unit
    03/13/2026,VAN IS S&amp;P500 IDX TR,Contributions,"1,211.54","6.812"
    ...

    "disclaimer text"

The header is found by its text (the preamble varies); the table ends at the first blank line.
Amounts are quoted with thousands separators, fund names carry HTML entities, some files say
`Amount ($)`. The file has no money-source column: the source comes from `--source`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ...core.errors import MbrError
from ..base import Extracted, ImportContext, Sniff
from ..tabular import Col, decode, to_frame
from .common import (
    ensure_columns,
    find_header,
    fund_events,
    parse_fund_rows_counted,
    physical_lines,
    resolve_plan,
    split_fields,
    starts_with,
    table_after_header,
)

AMOUNT = ("Amount", "Amount ($)")
SHARES = ("Shares/Unit", "Shares/Units")


def _is_header(fields: list[str]) -> bool:
    return starts_with(fields, "Date", "Investment", "Transaction Type", AMOUNT, SHARES) and \
        not any(fields[5:])


def plan_name_of(lines: list[str], header_index: int) -> str:
    """The text after `Plan name:,` in the preamble (it may hold an unquoted comma)."""
    for line in lines[:header_index]:
        stripped = line.strip().lstrip("\ufeff")
        if split_fields(stripped)[:1] == ["Plan name:"]:
            rest = stripped.split(",", 1)[1] if "," in stripped else ""
            return rest.strip().strip('"').rstrip(", ").strip()
    return ""


class NetBenefitsHistory:
    name = "netbenefits"
    title = "Fidelity NetBenefits transaction history CSV (history.csv)"
    signature = "Date,Investment,Transaction Type,Amount,Shares/Unit  (after a Plan name: preamble)"

    def identify(self, sniff: Sniff) -> bool:
        return find_header(sniff.lines, _is_header) is not None

    def extract(self, path: Path, ctx: ImportContext) -> Extracted:
        text = decode(path, path.read_bytes())
        lines = physical_lines(text)
        idx = find_header(lines, _is_header)
        if idx is None:
            raise MbrError(f"{path}: no NetBenefits header row (Date,Investment,Transaction Type,Amount,Shares/Unit) "
                           f"in the first lines")
        plan_name = plan_name_of(lines, idx)
        plan = resolve_plan(path, ctx, [plan_name], said=f"Plan name: {plan_name}" if plan_name else "")
        table = table_after_header(path, text, idx)
        raw, problems = to_frame(table)
        amount = next(h for h in table.header if h in AMOUNT)
        shares = next(h for h in table.header if h in SHARES)
        cols = [Col("Date", "date", target="date"), Col("Investment", target="fund"),
                Col("Transaction Type", target="word"), Col(amount, "money", target="amount"),
                Col(shares, "text", required=False, target="shares")]
        parsed, more, found = parse_fund_rows_counted(path, raw, cols, shares_column=shares, unescape_funds=True)
        rows = ensure_columns(parsed, plan.id)
        return fund_events(path, self.name, ctx, rows.with_columns(pl.lit(None, dtype=pl.String).alias("source_name")),
                           problems=problems + more, unlisted=found - len(more), has_source_column=False)


NETBENEFITS = NetBenefitsHistory()
