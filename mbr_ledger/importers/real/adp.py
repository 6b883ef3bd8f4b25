"""ADP pay statement JSON (my.adp.com / Workforce Now employee portal).

The portal's own endpoint returns one JSON document per pay statement::

    {"payStatement": {"payDate": "2026-01-02",
                      "earnings": [{"earningCodeName": "Regular", "earningAmount": {"amountValue": 8076.92, ...}}],
                      "deductions": [{"deductionCategoryCodeName": "Retirement", "CodeName": "401K Plan ",
                                      "deductionAmount": {"amountValue": -2000.00, ...}}, ...],
                      "memos": [{"nameCode": {"codeValue": "grouptermlife", "shortName": "Group Term Life"},
                                 "memoAmount": {...}}]}}

A file may also hold a list of such documents. Deductions are negative, earnings positive; code
names may have trailing spaces and the key is `CodeName` (the portal) or `codeName` (ADP's
published Pay Statements API); an amount is a JSON number or a string (`"-2000.00"`), read exactly;
entries without an amount key are skipped (year-to-date-only lines), but a plan line whose amount
cannot be read is a problem, and `NaN` / `Infinity` anywhere refuse the file. Plan deductions are found
by name (built-in table plus the plan's `source_names`); a line that looks like plan money but is
not named stops the import. Gross pay is `grossPayAmount` when present, else the sum of the
earnings. The statement shows neither 415 compensation nor Social Security wages: both are taken
as gross pay (noted), and the employer match only if a memo names it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from ...core.errors import InputProblem, MbrError
from ...core.money import MoneyError, parse_money, to_cents
from ..base import Extracted, ImportContext, Sniff
from .common import finish_payroll, resolve_plan
from .payroll_names import COLUMN_OF_SOURCE, classify
from .sources import unknown_sources_message

# A pay statement is a few KB and a list of 300 of them (the portal's maximum) about 5 MB; anything
# far bigger is not an ADP download, and json.loads of it would hold the whole file in memory many times.
MAX_BYTES = 64 * 1024 * 1024
# A pay statement nests 4 deep; json.loads recurses per level (RecursionError near 1,000 levels).
MAX_JSON_DEPTH = 64

_CONSTANT_RE = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')
_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET_RE = re.compile(r"[^\[\]{}]+")
_PAIR_RE = re.compile(r"\[\]|\{\}")


class _Constant:
    """NaN / Infinity as json.loads found it (never a number in a ledger)."""

    def __init__(self, text: str):
        self.text = text


class _Unreadable:
    """An amount that is there but cannot be read as money."""

    def __init__(self, value: Any, why: str):
        self.value = value
        self.why = why


def _amount(node: Any) -> Decimal | _Unreadable | None:
    """The amountValue of an amount node: None when the node is absent, else the exact Decimal or why not."""
    if node is None:
        return None
    value = node.get("amountValue") if isinstance(node, dict) else node
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        try:
            money = parse_money(value)
        except MoneyError as exc:
            return _Unreadable(value, str(exc))
        if money is not None:
            return money
    return _Unreadable(value, "")


def _too_deep(text: str) -> bool:
    """The JSON nests deeper than MAX_JSON_DEPTH (strings are not counted)."""
    brackets = _NOT_BRACKET_RE.sub("", _STRING_RE.sub("", text))
    for _ in range(MAX_JSON_DEPTH):
        if not brackets:
            return False
        shorter = _PAIR_RE.sub("", brackets)
        if shorter == brackets:
            return False  # unbalanced: json.loads says where
        brackets = shorter
    return bool(brackets) and _PAIR_RE.search(brackets) is not None


def _constant_path(node: Any, path: str = "") -> str | None:
    if isinstance(node, _Constant):
        return path or "(top)"
    if isinstance(node, dict):
        for k, v in node.items():
            found = _constant_path(v, f"{path}.{k}" if path else str(k))
            if found:
                return found
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found = _constant_path(v, f"{path}[{i}]")
            if found:
                return found
    return None


class AdpPayStatement:
    name = "adp"
    title = "ADP pay statement JSON (my.adp.com)"
    signature = '{"payStatement": {"payDate", "earnings", "deductions", ...}} (.json)'

    def identify(self, sniff: Sniff) -> bool:
        text = "\n".join(sniff.lines).lstrip()
        return text[:1] in ("{", "[") and '"payStatement"' in text and '"payDate"' in text

    def extract(self, path: Path, ctx: ImportContext) -> Extracted:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise MbrError(f"{path}: {size:,} bytes is more than an ADP pay statement file may be "
                           f"({MAX_BYTES:,} bytes); split it into smaller files")
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise MbrError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        if _too_deep(text):
            raise MbrError(f"{path}: JSON nested deeper than {MAX_JSON_DEPTH} levels; not an ADP pay statement, "
                           f"not read")
        try:
            data = json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_Constant)
        except json.JSONDecodeError as exc:
            raise MbrError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})") from None
        except RecursionError:  # pragma: no cover - _too_deep refuses such files first
            raise MbrError(f"{path}: JSON nested too deep; not read") from None
        where = _constant_path(data)
        if where is not None:
            m = next(m for m in _CONSTANT_RE.finditer(text) if m.group(1))
            raise MbrError(f"{path}:{text.count(chr(10), 0, m.start()) + 1}: {where}: {m.group(1)} is not an "
                           f"amount (JSON has no NaN or Infinity); nothing imported")
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
        for number, (st, line) in enumerate(zip(statements, lines, strict=True)):
            assert isinstance(st, dict)
            prefix = f"[{number}].payStatement" if isinstance(data, list) else "payStatement"

            def cents(v: Decimal | _Unreadable, what: str, json_path: str, line: int = line) -> int | None:
                if isinstance(v, _Unreadable):
                    why = f" ({v.why})" if v.why else ""
                    problems.append(InputProblem(str(path), line, f"{what}: not an amount: {json.dumps(v.value, default=str)}{why}",
                                                 json_path))
                    return None
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
            gross_path = f"{prefix}.grossPayAmount.amountValue"
            if gross_node is None:
                earn = [(i, _amount(e.get("earningAmount"))) for i, e in enumerate(st.get("earnings") or [])
                        if isinstance(e, dict)]
                bad = [(i, e) for i, e in earn if isinstance(e, _Unreadable)]
                if bad:
                    gross_node, gross_path = bad[0][1], f"{prefix}.earnings[{bad[0][0]}].earningAmount.amountValue"
                else:
                    gross_node = sum((e for _, e in earn if isinstance(e, Decimal)), Decimal("0"))
            gross = cents(gross_node, "earnings", gross_path)
            rec: dict[str, Any] = {"pay_date": pay_date, "person": plan.person, "plan": plan.id,
                                   "gross_pay": gross, "plan_compensation": gross, "fica_wages": gross,
                                   "pretax_401k": 0, "roth_401k": 0, "after_tax_401k": 0, "employer_match": 0,
                                   "employer_nonelective": 0, "source_line": line}
            lines_of = [("deduction", f"{prefix}.deductions[{i}].deductionAmount.amountValue",
                         str(d.get("CodeName", d.get("codeName")) or "").strip(), _amount(d.get("deductionAmount")))
                        for i, d in enumerate(st.get("deductions") or []) if isinstance(d, dict)]
            for i, m in enumerate(st.get("memos") or []):
                if isinstance(m, dict):
                    code = m.get("nameCode")
                    code = code if isinstance(code, dict) else {}
                    label = str(code.get("shortName") or code.get("codeValue") or "").strip()
                    lines_of.append(("employer", f"{prefix}.memos[{i}].memoAmount.amountValue", label,
                                     _amount(m.get("memoAmount"))))
            for side, json_path, label, value in lines_of:
                if value is None or not label:
                    continue
                src = classify(label, plan, side)
                if src is None:
                    continue
                if src is False:
                    count, first = unknown.get(label, (0, line))
                    unknown[label] = (count + 1, min(first, line))
                    continue
                c = cents(value, label, json_path)
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
        return finish_payroll(path, self.name, ctx, records, problems, notes, read=len(statements))


def _find_all(text: str, needle: str) -> list[int]:
    out, i = [], text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


ADP = AdpPayStatement()
