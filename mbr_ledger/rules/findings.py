"""A finding of the year-end audit, as a value every view reads (terminal, JSON, Excel, PDF)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..core.money import fmt

STATUSES = ("ok", "info", "warn", "fail")


@dataclass
class Finding:
    id: str                      # check id, as in docs/rules.md section 2 (`402g`, `415c`, ...)
    status: str                  # ok | info | warn | fail
    scope: str                   # the person, employer group or plan the finding is about
    message: str
    limit: Decimal | None = None
    amount: Decimal | None = None
    excess: Decimal | None = None
    fix: str = ""                # what to do
    deadline: dt.date | None = None
    rows: list[str] = field(default_factory=list)   # ledger rows behind it, "file:line"
    details: dict[str, Any] = field(default_factory=dict)
    best_knowledge: bool = False  # the rule is marked *best knowledge* in docs/rules.md

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "status": self.status, "scope": self.scope,
            "limit": fmt(self.limit), "amount": fmt(self.amount), "excess": fmt(self.excess),
            "message": self.message, "fix": self.fix or None,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "rows": self.rows, "best_knowledge": self.best_knowledge,
        }
        for k, v in self.details.items():
            out.setdefault(k, fmt(v) if isinstance(v, Decimal) else v)
        return out
