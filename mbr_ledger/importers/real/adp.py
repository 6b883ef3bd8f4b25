"""ADP pay statement JSON (my.adp.com / Workforce Now employee portal).

The portal's own endpoint returns one JSON document per pay statement::

    {"payStatement": {"payDate": "2026-01-02",
                      "earnings": [{"earningCodeName": "Regular", "earningAmount": {"amountValue": 8076.92, ...}}],
                      "deductions": [{"deductionCategoryCodeName": "Retirement", "CodeName": "401K Plan ",
                                      "deductionAmount": {"amountValue": -2000.00, ...}}, ...],
                      "memos": [{"nameCode": {"codeValue": "grouptermlife", "shortName": "Group Term Life"},
                                 "memoAmount": {...}}]}}

A file may also hold a list of such documents. Deductions are negative, earnings positive; code
names may have trailing spaces; entries without an amount are skipped. Plan deductions are found
by name (built-in table plus the plan's `source_names`); a line that looks like plan money but is
not named stops the import. Gross pay is `grossPayAmount` when present, else the sum of the
earnings. The statement shows neither 415 compensation nor Social Security wages: both are taken
as gross pay (noted), and the employer match only if a memo names it.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from ...core.errors import InputProblem, MbrError
from ...core.money import MoneyError, to_cents
from ..base import Extracted, ImportContext, Sniff
from .common import finish_payroll, resolve_plan
from .payroll_names import COLUMN_OF_SOURCE, classify
from .sources import unknown_sources_message


def _amount(node: Any) -> Decimal | None:
    if isinstance(node, dict) and isinstance(node.get("amountValue"), Decimal):
        return node["amountValue"]
    return None


class AdpPayStatement:
    name = "adp"
    title = "ADP pay statement JSON (my.adp.com)"
    signature = '{"payStatement": {"payDate", "earnings", "deductions", ...}} (.json)'

    def identify(self, sniff: Sniff) -> bool:
        text = "\n".join(sniff.lines).lstrip()
        return text[:1] in ("{", "[") and '"payStatement"' in text and '"payDate"' in text

    def extract(self, path: Path, ctx: ImportContext) -> Extracted:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
            data = json.loads(text, parse_float=Decimal, parse_int=Decimal)
        except UnicodeDecodeError as exc:
            raise MbrError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise MbrError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})") from None
        docs = data if isinstance(data, list) else [data]
        statements = [d.get("payStatement") if isinstance(d, dict) else None for d in docs]
        if not statements or any(not isinstance(s, dict) for s in statements):
            raise MbrError(f"{path}:1: expected an ADP pay statement ({{\"payStatement\": {{...}}}}) or a list of them")
        lines = [text.count("\n", 0, i) + 1 for i in _find_all(text, '"payDate"')]
        if len(lines) != len(statements):
            lines = [1] * len(statements)
        plan = resolve_plan(path, ctx)
        records: list[dict[str, Any]] = []
        problems: list[InputProblem] = []
        unknown: dict[str, tuple[int, int]] = {}
        found_match = False
        for st, line in zip(statements, lines, strict=True):
            assert isinstance(st, dict)

            def cents(v: Decimal, what: str, line: int = line) -> int | None:
                try:
                    return abs(to_cents(v))
                except MoneyError:
                    problems.append(InputProblem(str(path), line, f"{v} is not a whole number of cents", what))
                    return None

            try:
                pay_date = dt.date.fromisoformat(str(st.get("payDate", "")).strip())
            except ValueError:
                problems.append(InputProblem(str(path), line, f"not a date: {st.get('payDate')!r}", "payDate"))
                continue
            gross_node = _amount(st.get("grossPayAmount"))
            if gross_node is None:
                earn = [_amount(e.get("earningAmount")) for e in st.get("earnings") or [] if isinstance(e, dict)]
                gross_node = sum((e for e in earn if e is not None), Decimal("0"))
            gross = cents(gross_node, "earnings")
            rec: dict[str, Any] = {"pay_date": pay_date, "person": plan.person, "plan": plan.id,
                                   "gross_pay": gross, "plan_compensation": gross, "fica_wages": gross,
                                   "pretax_401k": 0, "roth_401k": 0, "after_tax_401k": 0, "employer_match": 0,
                                   "employer_nonelective": 0, "source_line": line}
            lines_of = [("deduction", d, str(d.get("CodeName", "")).strip(), _amount(d.get("deductionAmount")))
                        for d in st.get("deductions") or [] if isinstance(d, dict)]
            for m in st.get("memos") or []:
                if isinstance(m, dict):
                    code = m.get("nameCode")
                    code = code if isinstance(code, dict) else {}
                    label = str(code.get("shortName") or code.get("codeValue") or "").strip()
                    lines_of.append(("employer", m, label, _amount(m.get("memoAmount"))))
            for side, _node, label, value in lines_of:
                if value is None or not label:
                    continue
                src = classify(label, plan, side)
                if src is None:
                    continue
                if src is False:
                    count, first = unknown.get(label, (0, line))
                    unknown[label] = (count + 1, min(first, line))
                    continue
                c = cents(value, label)
                if c is not None:
                    col = COLUMN_OF_SOURCE[str(src)]
                    rec[col] += c
                    found_match = found_match or col == "employer_match"
            records.append(rec)
        if unknown:
            raise MbrError(unknown_sources_message(str(path), plan, unknown))
        notes = ["plan_compensation and fica_wages were taken as gross pay (an ADP statement shows neither); "
                 "W-2 box 3 is the authority for Social Security wages"]
        if not found_match:
            notes.append("no employer match on the statement(s): employer_match recorded as 0.00")
        return finish_payroll(path, self.name, ctx, records, problems, notes)


def _find_all(text: str, needle: str) -> list[int]:
    out, i = [], text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


ADP = AdpPayStatement()
