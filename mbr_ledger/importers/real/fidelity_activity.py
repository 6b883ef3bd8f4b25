"""Fidelity.com "Activity & Orders" CSV (All accounts -> Activity & Orders -> Download), the rows of
workplace plans.

The file lists brokerage accounts and workplace plans together. Workplace rows carry the
NetBenefits word in `Action` (`Contributions`, `Transfer`, `Dividend`), an empty `Symbol` and
`Quantity`, and the share count in the `Price` column. Brokerage rows (`YOU BOUGHT ... (Cash)`)
are left out and counted. UTF-8 BOM, a trailing empty column, and a footer after blank lines
(`Date downloaded ...` and legal text). No money source: it comes from `--source`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ...core.errors import MbrError
from ..base import Extracted, ImportContext, Sniff, left_out_group
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

PRICE = ("Price", "Price ($)")
AMOUNT = ("Amount", "Amount ($)")


def _is_header(fields: list[str]) -> bool:
    return starts_with(fields, "Run Date", "Account", "Account Number", "Action", "Symbol")


class FidelityActivity:
    name = "fidelity-activity"
    title = "Fidelity.com Activity & Orders CSV (workplace-plan rows)"
    signature = "Run Date,Account,Account Number,Action,Symbol,Description,Type,...,Price,Quantity,...,Amount"

    def identify(self, sniff: Sniff) -> bool:
        return find_header(sniff.lines, _is_header, limit=10) is not None

    def extract(self, path: Path, ctx: ImportContext) -> Extracted:
        text = decode(path, path.read_bytes())
        idx = find_header(physical_lines(text), _is_header, limit=10)
        if idx is None:
            raise MbrError(f"{path}: no Fidelity activity header row (Run Date,Account,Account Number,Action,Symbol,...)")
        table = table_after_header(path, text, idx, stop=("Date downloaded",))
        price = next((h for h in table.header if h in PRICE), None)
        amount = next((h for h in table.header if h in AMOUNT), None)
        missing = [n for n, h in (("Price", price), ("Amount", amount)) if h is None]
        missing += [h for h in ("Quantity", "Description") if h not in table.header]
        if missing:
            raise MbrError(f"{path}:{idx + 1}: missing column(s): {', '.join(missing)}")
        assert price is not None and amount is not None
        raw, problems = to_frame(table)
        action = pl.col("Action")
        workplace = ((pl.col("Symbol") == "") & (pl.col("Quantity") == "")
                     & ~action.str.ends_with(")") & (action != ""))
        others = raw.filter(~workplace)
        raw = raw.filter(workplace)
        notes, left = [], []
        if others.height:
            left.append(left_out_group("brokerage row(s) (not a workplace plan) were left out",
                                       others["source_line"].to_list()))
            notes.append(left[-1].note())
        accounts = raw.select("Account", "Account Number").unique(maintain_order=True).rows()
        if len(accounts) > 1 and ctx.plan:
            names = ", ".join(f"{a} ({n})" for a, n in accounts)
            raise MbrError(f"{path}: the file holds several workplace accounts ({names}); instead of --plan, write "
                           f"plan_name = \"<account name>\" in each plan's [[plan]] table in mbr.toml")
        plan_of = {}
        for acct, number in accounts:
            plan = resolve_plan(path, ctx, [acct, number], said=f"account {acct!r} {number}")
            plan_of[f"{acct}\x1f{number}"] = plan.id
        raw = raw.with_columns(pl.concat_str([pl.col("Account"), pl.col("Account Number")], separator="\x1f")
                               .replace_strict(plan_of, default=None, return_dtype=pl.String).alias("plan"))
        cols = [Col("Run Date", "date", target="date"), Col("Description", target="fund"),
                Col("Action", target="word"), Col(amount, "money", target="amount"),
                Col(price, "text", required=False, target="shares"), Col("plan", required=False)]
        parsed, more, found = parse_fund_rows_counted(path, raw, cols, shares_column=price, unescape_funds=True)
        return fund_events(path, self.name, ctx, ensure_columns(parsed), problems=problems + more,
                           unlisted=found - len(more),
                           has_source_column=False, word_column="Action", notes=notes, left_out=left)


FIDELITY_ACTIVITY = FidelityActivity()
