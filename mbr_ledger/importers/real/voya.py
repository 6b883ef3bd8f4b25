"""Voya (my.voya.com) transaction history CSV.

Shape (verbatim layout of a real download, CRLF)::

    "771234 ACME CORP 401(K) PLAN "
    Date Range :<TAB>01/01/2026 - 03/31/2026
    "
    "
    "
    "
    Activity Date,Activity,Fund,Money Source,"# of Units",Unit Price,Amount
    2026-01-21,CONTRIBUTION,0899 Vanguard 500 Index Fund Adm,Employee PreTax,2.0571,583.345102,1200.00

One row per fund and money source; ISO dates; plain amounts, negative = money out. The first line
names the plan (a plan id, then the plan's name), matched against `plan_name` in mbr.toml.
"""

from __future__ import annotations

import re
from pathlib import Path

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
    starts_with,
    table_after_header,
)

HEADER = ("Activity Date", "Activity", "Fund", "Money Source", "# of Units", "Unit Price", "Amount")


def _is_header(fields: list[str]) -> bool:
    return starts_with(fields, *HEADER)


def plan_hints(lines: list[str], header_index: int) -> list[str]:
    """The plan line of the preamble, whole and without its leading plan number."""
    first = next((ln.strip().strip('"').strip() for ln in lines[:header_index] if ln.strip().strip('"').strip()), "")
    if not first or first.lower().startswith("date range"):
        return []
    return [first, re.sub(r"^\S+\s+", "", first)]


class VoyaHistory:
    name = "voya"
    title = "Voya transaction history CSV"
    signature = 'Activity Date,Activity,Fund,Money Source,"# of Units",Unit Price,Amount'

    def identify(self, sniff: Sniff) -> bool:
        return find_header(sniff.lines, _is_header) is not None

    def extract(self, path: Path, ctx: ImportContext) -> Extracted:
        text = decode(path, path.read_bytes())
        lines = physical_lines(text)
        idx = find_header(lines, _is_header)
        if idx is None:
            raise MbrError(f"{path}: no Voya header row ({self.signature}) in the first lines")
        hints = plan_hints(lines, idx)
        plan = resolve_plan(path, ctx, hints, said=repr(hints[0]) if hints else "")
        table = table_after_header(path, text, idx)
        raw, problems = to_frame(table)
        cols = [Col("Activity Date", "date", target="date"), Col("Activity", target="word"),
                Col("Fund", target="fund"), Col("Money Source", allow_empty=True, target="source_name"),
                Col("Amount", "money", target="amount"), Col("# of Units", required=False, target="shares")]
        parsed, more, found = parse_fund_rows_counted(path, raw, cols, shares_column="# of Units")
        return fund_events(path, self.name, ctx, ensure_columns(parsed, plan.id), problems=problems + more,
                           unlisted=found - len(more),
                           has_source_column=True, word_column="Activity", source_column="Money Source")


VOYA = VoyaHistory()
