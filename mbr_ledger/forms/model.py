"""Worksheets are data before they are pictures.

A `Worksheet` is a list of `Line`s (official line ids with label, value, the inputs they came
from and, for a computed line, its expression) plus named `Grid`s for the parts that are lists
(expected forms, lots). The terminal table, JSON, the Excel workbook and the PDF are views of the same object, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..core.money import fmt


@dataclass
class Line:
    id: str                       # official line id ("10", "25c") or a key ("4a" of Form 1040)
    label: str
    value: Decimal | str | None   # money as Decimal; a ratio as str ("0.93516"); None = blank
    inputs: list[str] = field(default_factory=list)  # other line ids and ledger rows ("file:line")
    formula: str = ""             # how it is computed, in the form's words: "line 5 / line 9"
    kind: str = "money"           # money | ratio | text | count
    expr: str = ""                # a computed line's expression (`core.formula`); "" for a line from a source

    def json_value(self) -> Any:
        if isinstance(self.value, Decimal) and self.kind == "money":
            return fmt(self.value)
        if isinstance(self.value, Decimal):
            return str(self.value)
        return self.value


@dataclass
class Grid:
    """A table inside a worksheet: column ids, their kinds (money, date, text, ratio), rows of values."""

    title: str
    columns: list[str]
    kinds: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    totals: list[str] = field(default_factory=list)  # money columns that have a total row

    def as_json(self) -> list[dict[str, Any]]:
        out = []
        for r in self.rows:
            item = {}
            for c, k, v in zip(self.columns, self.kinds, r, strict=True):
                item[c] = fmt(v) if k == "money" and isinstance(v, Decimal) else (
                    v.isoformat() if hasattr(v, "isoformat") else v)
            out.append(item)
        return out


@dataclass
class Worksheet:
    id: str                       # "8606", "1099r", ...
    title: str
    year: int
    person: str
    lines: list[Line] = field(default_factory=list)
    grids: dict[str, Grid] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)   # warnings, best-knowledge remarks

    def line(self, line_id: str) -> Line | None:
        return next((ln for ln in self.lines if ln.id == line_id), None)

    def value(self, line_id: str) -> Decimal | str | None:
        ln = self.line(line_id)
        return ln.value if ln else None
