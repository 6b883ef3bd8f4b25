"""The ledger's tables as every stage sees them: one column list per table, and the one sort order.

Money columns hold integer cents; dates are `pl.Date`. Every row also carries where it came from:
`source_file`, `source_sha256`, `source_line`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, type[pl.DataType] | pl.DataType]  # value columns, in order
    date_column: str | None
    year_column: str
    order: tuple[str, ...]  # the one sort order of this table

    @property
    def money(self) -> list[str]:
        return [c for c, t in self.columns.items() if t == pl.Int64 and c not in ("for_year", "tax_year")]


EVENT_KINDS = ("contribution", "earnings", "fee", "conversion", "rollover", "distribution", "balance", "corrective",
               "recharacterization")
OUT_KINDS = ("fee", "conversion", "rollover", "distribution", "corrective", "recharacterization")  # money leaving
DESTINATIONS = ("roth_ira", "traditional_ira")
# `corrective` rows: what the payment corrects (contract version 2). Plans: an excess deferral (402(g)),
# an excess annual addition (415(c)), an ACP or ADP test refund; IRAs: a contribution returned with its
# earnings by the due date (408(d)(4)), an excess removed after it.
PLAN_REASONS = ("402g", "415c", "acp", "adp")
IRA_REASONS = ("ira_return", "ira_excess")
REASONS = (*PLAN_REASONS, *IRA_REASONS)

EVENTS = Table(
    "events",
    {"date": pl.Date, "person": pl.String, "account": pl.String, "kind": pl.String, "source": pl.String,
     "amount": pl.Int64, "basis": pl.Int64, "taxable": pl.Int64, "destination": pl.String,
     "for_year": pl.Int64, "memo": pl.String, "fund": pl.String, "shares": pl.String, "reason": pl.String,
     "completed": pl.Date},
    "date", "date",
    ("date", "person", "account", "kind_order", "source", "destination", "amount", "source_file", "source_line"),
)

PAYROLL = Table(
    "payroll",
    {"pay_date": pl.Date, "person": pl.String, "plan": pl.String, "gross_pay": pl.Int64,
     "plan_compensation": pl.Int64, "fica_wages": pl.Int64, "pretax_401k": pl.Int64, "roth_401k": pl.Int64,
     "after_tax_401k": pl.Int64, "employer_match": pl.Int64, "employer_nonelective": pl.Int64},
    "pay_date", "pay_date",
    ("pay_date", "person", "plan", "source_file", "source_line"),
)

FORM_1099R = Table(
    "form_1099r",
    {"tax_year": pl.Int64, "person": pl.String, "payer_account": pl.String, "box1": pl.Int64,
     "box2a": pl.Int64, "box5": pl.Int64, "box7": pl.String, "box2b_not_determined": pl.Boolean,
     "box2b_total": pl.Boolean, "box4": pl.Int64, "ira_sep_simple": pl.Boolean, "form_id": pl.String},
    None, "tax_year",
    ("tax_year", "person", "payer_account", "box7", "source_file", "source_line"),
)

W2 = Table(
    "w2",
    {"tax_year": pl.Int64, "person": pl.String, "plan": pl.String, "box1": pl.Int64, "box3": pl.Int64,
     "box12_d": pl.Int64, "box12_aa": pl.Int64},
    None, "tax_year",
    ("tax_year", "person", "plan", "source_file", "source_line"),
)

TABLES: dict[str, Table] = {t.name: t for t in (EVENTS, PAYROLL, FORM_1099R, W2)}

PROVENANCE = {"source_file": pl.String, "source_sha256": pl.String, "source_line": pl.Int64}


KIND_ORDER = {"contribution": 0, "earnings": 1, "fee": 2, "balance": 3, "conversion": 4, "rollover": 5,
              "distribution": 6, "payroll": 7, "recharacterization": 8, "corrective": 9}


def sort_rows(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """The one sort order of a table; output is byte-for-byte stable for the same inputs."""
    t = TABLES[table]
    if df.is_empty():
        return df
    if "kind_order" in t.order:
        df = df.with_columns(pl.col("kind").replace_strict(KIND_ORDER, default=10, return_dtype=pl.Int64)
                             .alias("kind_order"))
        return df.sort(list(t.order), nulls_last=False).drop("kind_order")
    return df.sort(list(t.order), nulls_last=False)
