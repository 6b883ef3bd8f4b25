"""Plain-text tables for the terminal and JSON/CSV for scripts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[bool] | None = None,
          title: str | None = None) -> str:
    cells = [[("" if v is None else str(v)) for v in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in cells:
        for i, v in enumerate(r):
            widths[i] = max(widths[i], len(v))
    right = right or [False] * len(headers)

    def line(vals: Sequence[str]) -> str:
        out = [v.rjust(w) if r else v.ljust(w) for v, w, r in zip(vals, widths, right, strict=True)]
        return "  ".join(out).rstrip()

    parts = [title] if title else []
    parts += [line(list(headers)), "  ".join("-" * w for w in widths)]
    parts += [line(r) for r in cells]
    return "\n".join(parts)


def to_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, default=str)


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(headers)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()
