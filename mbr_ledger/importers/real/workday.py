"""Workday payslip "Export to Excel" (.xlsx): one payslip per file, many tables on one sheet.

Each table starts with a title row (only column A filled), then a header row, then data rows.
Titles vary by employer; the importer finds them by their words:

- `Payslip Information`: `Check Date` (the pay date).
- `Company Information`: the employer, matched against a plan's `employer` or `plan_name`.
- `Current and YTD Totals`: `Gross Pay` of the `Current` row (else the sum of `Earnings`).
- a title with "pre tax" (or just `Deductions`): pre-tax lines, e.g. `401k` -> pretax_401k.
- a title with "post tax": `401K Post Tax` -> after_tax_401k, `Roth 401k` -> roth_401k.
- a title with "employer": `401(k) Employer Match` -> employer_match.
- `Taxable Wages`: the OASDI / Social Security row -> fica_wages (else gross pay, noted).

Amounts are the `Amount` (or `Amount in Pay Group Currency`) column, as numbers or text; signs
are not reliable across tenants, so magnitudes are used. 415 compensation is not on a payslip:
plan_compensation is gross pay (noted). A formula cell without a saved value (a file written by
a program, never opened in Excel) is an error: its value is not in the file.

Before openpyxl opens the file, every zip part is checked: its uncompressed size, its compression
ratio and, for XML parts, that it declares no entities (a workbook never has a DTD).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ...core.dates import DateError, parse_date
from ...core.errors import InputProblem, MbrError
from ...core.money import MoneyError, parse_money, to_cents
from ..base import Extracted, ImportContext, Sniff
from .common import finish_payroll, norm_text, resolve_plan
from .payroll_names import COLUMN_OF_SOURCE, classify
from .sources import unknown_sources_message

MARKER = "Payslip Information"
AMOUNT_HEADERS = ("amount", "amount in pay group currency", "current")

# A payslip export is a few KB; even a 10,000-row sheet is ~2 MB of XML. Parts bigger than this are
# refused before openpyxl (which would build every row in memory) reads them.
XLSX_MAX_PART_BYTES = 50 * 1024 * 1024
# The whole workbook uncompressed, all parts together: the same reasoning.
XLSX_MAX_TOTAL_BYTES = 100 * 1024 * 1024
# Spreadsheet XML compresses 5-30 to 1; a zip bomb is hundreds or thousands to 1. Parts smaller than
# XLSX_RATIO_FLOOR are not judged by their ratio (a tiny part of blanks can compress very well).
XLSX_MAX_RATIO = 200
XLSX_RATIO_FLOOR = 1024 * 1024
# The compressed file itself.
XLSX_MAX_BYTES = 32 * 1024 * 1024
_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY")


def check_xlsx(path: Path) -> None:
    """Refuse a workbook whose parts are too big, compressed too well, or declare XML entities."""
    size = path.stat().st_size
    if size > XLSX_MAX_BYTES:
        raise MbrError(f"{path}: {size:,} bytes is more than a Workday payslip workbook may be "
                       f"({XLSX_MAX_BYTES:,} bytes); not read")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > XLSX_MAX_PART_BYTES:
                    raise MbrError(f"{path}: part {info.filename} expands to {info.file_size:,} bytes, more than "
                                   f"{XLSX_MAX_PART_BYTES:,} (a zip bomb, or not a payslip export); not read")
                ratio = info.file_size // max(info.compress_size, 1)
                if info.file_size >= XLSX_RATIO_FLOOR and ratio > XLSX_MAX_RATIO:
                    raise MbrError(f"{path}: part {info.filename} is compressed {ratio} to 1 (a workbook is at "
                                   f"most {XLSX_MAX_RATIO} to 1: a zip bomb); not read")
            if total > XLSX_MAX_TOTAL_BYTES:
                raise MbrError(f"{path}: the workbook expands to {total:,} bytes, more than "
                               f"{XLSX_MAX_TOTAL_BYTES:,} (a zip bomb, or not a payslip export); not read")
            for info in infos:
                if not info.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                tail = b""
                with z.open(info) as f:
                    while chunk := f.read(1 << 20):
                        window = (tail + chunk).upper()
                        if any(m in window for m in _DTD_MARKS):
                            raise MbrError(f"{path}: part {info.filename} declares XML entities (<!DOCTYPE>); "
                                           f"an Excel workbook never does, not read")
                        tail = chunk[-16:]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise MbrError(f"{path}: not a readable Excel workbook ({type(exc).__name__}: {exc})") from None


def _has_marker(path: Path) -> bool:
    try:
        check_xlsx(path)
    except MbrError:
        # a hostile workbook is claimed, so that extract() refuses it with a clear message
        try:
            with zipfile.ZipFile(path) as z:
                return "xl/workbook.xml" in z.namelist()
        except (zipfile.BadZipFile, OSError):
            return False
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if info.filename.startswith("xl/") and info.filename.endswith(".xml") and info.file_size < 20_000_000:
                    if MARKER.encode() in z.read(info):
                        return True
    except (zipfile.BadZipFile, OSError, KeyError):
        return False
    return False


class Table:
    def __init__(self, title: str, row: int):
        self.title = title
        self.row = row
        self.header: list[str] = []
        self.rows: list[tuple[int, list[Any]]] = []

    def col(self, *names: str) -> int | None:
        wanted = [norm_text(n) for n in names]
        for w in wanted:
            for i, h in enumerate(self.header):
                if norm_text(h) == w:
                    return i
        return None


def _formula_cells(path: Path) -> dict[tuple[int, int], tuple[str, str]]:
    """(row, column) -> (cell reference, formula) of each formula cell of the first sheet."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        out = {}
        for row in wb.worksheets[0].iter_rows():
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    out[(cell.row, cell.column)] = (cell.coordinate, str(cell.value))
        return out
    finally:
        wb.close()


def read_tables(path: Path) -> list[Table]:
    from openpyxl import load_workbook

    check_xlsx(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        formulas = _formula_cells(path)
    except MbrError:
        raise
    except Exception as exc:  # openpyxl raises many kinds of error for a damaged workbook
        raise MbrError(f"{path}: not a readable Excel workbook ({type(exc).__name__}: {exc})") from None
    try:
        ws = wb.worksheets[0]
        tables: list[Table] = []
        current: Table | None = None
        try:
            rows = [list(values) for values in ws.iter_rows(values_only=True)]
        except Exception as exc:  # openpyxl reads a read-only sheet lazily: a damaged sheet fails here
            raise MbrError(f"{path}: not a readable Excel workbook ({type(exc).__name__}: {exc})") from None
        for (r, c), (ref, formula) in sorted(formulas.items()):
            if r <= len(rows) and (c > len(rows[r - 1]) or rows[r - 1][c - 1] is None):
                raise MbrError(f"{path}:{r}: sheet {ws.title!r} cell {ref}: a formula with no saved value "
                               f"({formula}); open the file in Excel and save it (or export values only), "
                               f"then import it again")
        for number, values in enumerate(rows, start=1):
            cells = list(values)
            while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
                cells.pop()
            if not cells:
                continue
            filled = [c for c in cells if c is not None and str(c).strip()]
            if len(filled) == 1 and isinstance(cells[0], str) and cells[0].strip():
                current = Table(cells[0].strip(), number)
                tables.append(current)
                continue
            if current is None:
                continue
            if not current.header:
                current.header = [str(c).strip() if c is not None else "" for c in cells]
            else:
                current.rows.append((number, cells))
        return tables
    finally:
        wb.close()


def _side(title: str) -> str | None:
    t = norm_text(title).replace("-", " ")
    if "pre tax" in t or "pretax" in t or "before tax" in t or t == "deductions":
        return "pretax"
    if "post tax" in t or "posttax" in t or "after tax" in t:
        return "posttax"
    if "employer" in t:
        return "employer"
    return None


class WorkdayPayslip:
    name = "workday"
    title = "Workday payslip Export to Excel (.xlsx)"
    signature = "xlsx with a 'Payslip Information' table (Check Date) and deduction tables"

    def identify(self, sniff: Sniff) -> bool:
        return sniff.head[:4] == b"PK\x03\x04" and _has_marker(sniff.path)

    def extract(self, path: Path, ctx: ImportContext) -> Extracted:
        tables = read_tables(path)
        by_title = {norm_text(t.title): t for t in tables}
        problems: list[InputProblem] = []
        notes: list[str] = []
        info = by_title.get(norm_text(MARKER))
        date_col = info.col("Check Date") if info else None
        if info is None or date_col is None or not info.rows:
            raise MbrError(f"{path}: no 'Payslip Information' table with a 'Check Date' column")
        if len(info.rows) > 1:  # the deductions below are one payslip's: the other rows would be lost
            raise MbrError(f"{path}:{info.rows[1][0]}: the 'Payslip Information' table holds {len(info.rows)} "
                           f"payslips; a payslip export holds one: export each payslip on its own (nothing "
                           f"imported)")
        line, first = info.rows[0]
        pay_date = self._date(first[date_col] if date_col < len(first) else None)
        if pay_date is None:
            raise MbrError(f"{path}:{line}: Check Date: not a date: {first[date_col] if date_col < len(first) else ''!r}")
        company = ""
        comp = by_title.get("company information")
        if comp and comp.rows:
            ci = comp.col("Company", "Company Name", "Name")
            row = comp.rows[0][1]
            company = str(row[ci if ci is not None else 0] or "").strip() if row else ""
        plan = resolve_plan(path, ctx, [company], employers=[company], said=f"company {company!r}" if company else "")

        def cents(value: Any, where: int, what: str) -> int | None:
            try:
                if isinstance(value, bool) or value is None:
                    raise MoneyError(f"not an amount: {value!r}")
                if isinstance(value, (int, Decimal)):
                    d = Decimal(value)
                elif isinstance(value, float):
                    d = Decimal(repr(value))  # float-ok: Excel stores numbers as binary floats; repr is the cell text
                else:
                    d = parse_money(str(value)) or Decimal("0")
                return abs(to_cents(d))
            except (MoneyError, InvalidOperation) as exc:
                problems.append(InputProblem(str(path), where, str(exc), what))
                return None

        def amount_of(t: Table, cells: list[Any], where: int, what: str) -> int | None:
            ai = t.col(*AMOUNT_HEADERS)
            if ai is None:
                problems.append(InputProblem(str(path), t.row + 1, "no Amount column", t.title))
                return None
            value = cells[ai] if ai < len(cells) else None
            return 0 if value is None or (isinstance(value, str) and not value.strip()) else cents(value, where, what)

        gross: int | None = None
        totals = by_title.get("current and ytd totals")
        gi = totals.col("Gross Pay") if totals else None
        if totals and gi is not None:
            for number, cells in totals.rows:
                if str(cells[0] or "").strip().lower() == "current" and gi < len(cells):
                    gross = cents(cells[gi], number, "Gross Pay")
        if gross is None and "earnings" in by_title:
            earn = by_title["earnings"]
            parts = [amount_of(earn, cells, n, "Earnings") for n, cells in earn.rows
                     if str(cells[0] or "").strip().lower() not in ("total", "totals")]
            gross = sum(p for p in parts if p is not None)
        if gross is None:
            raise MbrError(f"{path}: no gross pay (neither 'Current and YTD Totals' nor 'Earnings')")
        rec: dict[str, Any] = {"pay_date": pay_date, "person": plan.person, "plan": plan.id, "gross_pay": gross,
                               "plan_compensation": gross, "fica_wages": None, "pretax_401k": 0, "roth_401k": 0,
                               "after_tax_401k": 0, "employer_match": 0, "employer_nonelective": 0,
                               "source_line": line}
        unknown: dict[str, tuple[int, int]] = {}
        for t in tables:
            key = norm_text(t.title)
            if key == "taxable wages":
                for number, cells in t.rows:
                    desc = norm_text(str(cells[0] or ""))
                    if "oasdi" in desc or "social security" in desc:
                        rec["fica_wages"] = amount_of(t, cells, number, t.title)
                continue
            side = _side(t.title)
            if side is None:
                continue
            for number, cells in t.rows:
                label = str(cells[0] or "").strip()
                if not label or label.lower() in ("total", "totals"):
                    continue
                src = classify(label, plan, side)
                if src is None:
                    continue
                if src is False:
                    count, first_line = unknown.get(label, (0, number))
                    unknown[label] = (count + 1, min(first_line, number))
                    continue
                c = amount_of(t, cells, number, label)
                if c is not None:
                    rec[COLUMN_OF_SOURCE[str(src)]] += c
        if unknown:
            raise MbrError(unknown_sources_message(str(path), plan, unknown))
        notes.append("plan_compensation was taken as gross pay (a payslip does not show 415 compensation)")
        if rec["fica_wages"] is None:
            rec["fica_wages"] = gross
            notes.append("no Taxable Wages OASDI row: fica_wages taken as gross pay; W-2 box 3 is the authority")
        return finish_payroll(path, self.name, ctx, [rec], problems, notes, read=1)  # one payslip

    @staticmethod
    def _date(value: Any) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(str(value or ""))
        except DateError:
            return None


WORKDAY = WorkdayPayslip()
