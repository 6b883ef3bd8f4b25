"""The year-end packet: everything `mbr report` shows for one person and year, as one value.

`assemble_packet` puts together what the audit, the worksheets and the capacity planner made (the
orchestration layer, `book.report`, runs them). The Excel and PDF renderers read only the `Packet`,
so the two files cannot disagree with each other or with `mbr audit` / `mbr worksheet`.

Chart series are gathered here too (running sums of ledger rows, no tax rule): the renderers
only draw them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from .. import NOT_TAX_ADVICE
from ..core.money import ZERO, from_cents
from ..limits import Limit, limits_for
from ..rules.findings import Finding
from .model import Grid, Line, Worksheet

if TYPE_CHECKING:
    from ..profile import Profile

BEST_KNOWLEDGE = ("Marked best knowledge: the rule is our reading where official guidance is thin; "
                  "check it with a tax professional.")

# Checks whose `limit` and `amount` are contributions against a limit: the first chart.
LIMIT_CHECKS = {"402g": "402(g) deferrals", "415c": "415(c) additions", "plan_after_tax_cap": "after-tax cap",
                "ira_limit": "IRA contributions"}

STATUS_ORDER = {"fail": 0, "warn": 1, "info": 2, "ok": 3}

# The capacity planner's JSON keys (the contract's first, then the planner's own), with a label and a kind.
CAPACITY_FIELDS: list[tuple[str, str, str]] = [
    ("annual_additions_limit", "415(c) limit that applies (the lesser of the dollar limit and pay)", "money"),
    ("dollar_limit_415c", "415(c) dollar limit", "money"),
    ("compensation", "Compensation for the year", "money"),
    ("deferral_limit", "402(g) limit", "money"),
    ("catch_up_limit", "Catch-up limit", "money"),
    ("employee_deferrals", "Employee deferrals, pre-tax + Roth (catch-up included)", "money"),
    ("catch_up", "of which catch-up", "money"),
    ("employer_contributions", "Employer contributions", "money"),
    ("so_far.after_tax", "After-tax contributed so far", "money"),
    ("after_tax_capacity", "After-tax room left", "money"),
    ("total", "Total into the plan", "money"),
    ("room_415c", "415(c) room left", "money"),
    ("plan_cap", "Plan cap on after-tax contributions", "money"),
    ("binding", "Binding limit", "text"),
    ("pay_left", "Pay still to come", "money"),
    ("per_paycheck.paychecks", "Paychecks left", "count"),
    ("per_paycheck.deferral", "Next paycheck: deferral", "money"),
    ("per_paycheck.employer", "Next paycheck: employer", "money"),
    ("per_paycheck.after_tax", "Next paycheck: after-tax", "money"),
    ("after_tax_pct_of_pay", "After-tax election, % of pay", "text"),
]


# The year's ledger rows as the packet holds them (`Packet.ledger`, a Polars frame in the ledger's order):
# events and pay-stub deductions, money in integer cents, each with the file and line it came from.
LEDGER_COLUMNS = {"date": pl.Date, "account": pl.String, "kind": pl.String, "source": pl.String,
                  "amount": pl.Int64, "basis": pl.Int64, "taxable": pl.Int64, "destination": pl.String,
                  "for_year": pl.Int64, "memo": pl.String, "fund": pl.String, "source_file": pl.String,
                  "source_line": pl.Int64}


@dataclass(frozen=True)
class LimitBar:
    """Contributions against one limit (from an audit finding)."""

    label: str
    limit: Decimal
    amount: Decimal
    status: str


@dataclass(frozen=True)
class Series:
    """A named list of dated amounts."""

    name: str
    points: list[tuple[dt.date, Decimal]]


@dataclass
class Charts:
    limits: list[LimitBar] = field(default_factory=list)
    # After-tax source balance of each plan: Jan 1, then the balance after each day with activity, Dec 31.
    balances: list[Series] = field(default_factory=list)
    # Earnings in each move out of an after-tax source (one point per plan and date, from the lots
    # worksheet), and at Dec 31 the earnings still unconverted.
    earnings: list[Series] = field(default_factory=list)


@dataclass(frozen=True)
class CapacityView:
    """One capacity plan as rows of (key, label, value, kind); value Decimal for money."""

    label: str
    rows: list[tuple[str, str, Decimal | int | str | None, str]]
    notes: list[str] = field(default_factory=list)

    def value(self, key: str) -> Decimal | int | str | None:
        return next((v for k, _, v, _ in self.rows if k == key), None)


def capacity_table(views: list[CapacityView]) -> list[tuple[str, str, str, list[Decimal | int | str | None]]]:
    """(key, label, kind, one value per plan) for every figure at least one plan has."""
    if not views:
        return []
    out = []
    for key, label, _, kind in views[0].rows:
        values = [v.value(key) for v in views]
        if any(x is not None for x in values):
            out.append((key, label, kind, values))
    return out


@dataclass(frozen=True)
class Problem:
    """A line of the verdict: a failing or warning check, or a 1099-R difference."""

    status: str
    check: str
    scope: str
    message: str
    amount: Decimal | None = None
    excess: Decimal | None = None
    fix: str = ""
    deadline: dt.date | None = None


@dataclass
class Packet:
    year: int
    person: str
    person_name: str
    findings: list[Finding] = field(default_factory=list)
    worksheets: dict[str, Worksheet] = field(default_factory=dict)
    capacity: list[CapacityView] = field(default_factory=list)
    limits: list[Limit] = field(default_factory=list)
    ledger: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=LEDGER_COLUMNS))
    charts: Charts = field(default_factory=Charts)
    note: str = NOT_TAX_ADVICE

    @property
    def title(self) -> str:
        who = f"{self.person_name} ({self.person})" if self.person_name and self.person_name != self.person \
            else self.person
        return f"{who}, tax year {self.year}"

    def worksheet(self, ws_id: str) -> Worksheet | None:
        return self.worksheets.get(ws_id)

    def form_5329(self) -> Worksheet | None:
        """Form 5329 when it has something to say (a line neither blank nor 0), else None."""
        ws = self.worksheets.get("5329")
        return ws if ws is not None and any(ln.value for ln in ws.lines) else None

    def no_5329_text(self) -> str | None:
        """The one line that stands for Form 5329 when it has nothing to say (None when it has, or was not made)."""
        if "5329" not in self.worksheets or self.form_5329() is not None:
            return None
        return (f"Form 5329: no additional tax for {self.year} (nothing taxable from an early distribution and no "
                f"excess IRA contribution in the ledger).")

    def household(self) -> Worksheet | None:
        """The joint return's Form 1040 lines (both spouses), when the person files jointly, else None."""
        ws = self.worksheets.get("1040")
        return ws if ws is not None and "," in ws.person else None

    def problems(self) -> list[Problem]:
        """Every fail and warn in one place: audit findings first (fails first), then 1099-R differences."""
        out = [Problem(f.status, f.id, f.scope, f.message, f.amount, f.excess, f.fix, f.deadline)
               for f in sorted(self.findings, key=lambda f: STATUS_ORDER.get(f.status, 9))
               if f.status in ("fail", "warn")]
        diffs = self.differences()
        if diffs is not None:
            for row in diffs.rows:
                v = dict(zip(diffs.columns, row, strict=True))
                scope = str(v.get("payer_account") or "") + (f" ({v['level']})" if v.get("level") else "")
                expected, actual = (_money_text(v.get(k)) for k in ("expected", "actual"))
                message = f"{v.get('form') or ''}: {v.get('box') or ''} expected {expected}, form(s) {actual}"
                why = str(v.get("explanation") or "")
                if why:
                    message += ". " + why.split(". ")[0].rstrip(".") + "."
                amount = v.get("difference")
                out.append(Problem("fail", "1099r", scope, message,
                                   amount=amount if isinstance(amount, Decimal) else None,
                                   fix="Ask the payer for a corrected Form 1099-R, or file with the ledger's "
                                       "figures and keep this reconciliation."))
        return out

    def differences(self) -> Grid | None:
        ws = self.worksheets.get("1099r")
        return ws.grids.get("differences") if ws else None

    def differing_payers(self) -> list[str]:
        diffs = self.differences()
        if diffs is None or "payer_account" not in diffs.columns:
            return []
        i = diffs.columns.index("payer_account")
        return sorted({str(r[i]) for r in diffs.rows})

    def awaited_payers(self) -> list[str]:
        """The payers whose Forms 1099-R the ledger expects but the book has not received yet."""
        ws = self.worksheets.get("1099r")
        if ws is None or "expected" not in ws.grids or "status" not in ws.grids["expected"].columns:
            return []
        from .f1099r import awaited_payers

        return awaited_payers(ws)

    def expects_1099r(self) -> bool:
        ws = self.worksheets.get("1099r")
        return ws is not None and any(g.rows for name, g in ws.grids.items()
                                      if name in ("expected", "actual", "corrective"))

    @property
    def verdict(self) -> str:
        statuses = {p.status for p in self.problems()}
        return "fail" if "fail" in statuses else "warn" if "warn" in statuses else "ok"

    def verdict_text(self) -> str:
        fails = sum(1 for f in self.findings if f.status == "fail")
        warns = sum(1 for f in self.findings if f.status == "warn")
        parts = [f"{fails} check{'s' if fails != 1 else ''} fail{'' if fails != 1 else 's'}", f"{warns} warn"]
        if "1099r" in self.worksheets:
            payers = self.differing_payers()
            awaited = self.awaited_payers()
            if payers:
                parts.append(f"1099-R differences at {', '.join(payers)}")
            if awaited:
                parts.append(f"1099-R not received yet from {', '.join(awaited)}")
            if not payers and not awaited:
                parts.append("1099-R forms match" if self.expects_1099r() else "no Form 1099-R expected")
        return f"{self.verdict.upper()}: " + ", ".join(parts)


def _money_text(v: Any) -> str:
    return f"{v.quantize(Decimal('0.01')):,}" if isinstance(v, Decimal) else str(v or "")


def grid_totals(grid: Grid) -> dict[str, Decimal]:
    """The totals row of a grid: the sum of each money column listed in `grid.totals`."""
    out: dict[str, Decimal] = {}
    for col in grid.totals:
        if col not in grid.columns:
            continue
        i = grid.columns.index(col)
        out[col] = sum((r[i] for r in grid.rows if isinstance(r[i], Decimal)), ZERO)
    return out


def form_label(form: str, line: Line) -> str:
    """"Form 1040 line 4a: IRA distributions", whether or not the line's own label names the form."""
    return line.label if line.label.startswith(form) else f"{form} line {line.id}: {line.label}"


def flat_details(details: dict[str, Any]) -> dict[str, Any]:
    """The scalar entries of a finding's details (lists and tables are shown elsewhere in the packet)."""
    return {k: v for k, v in details.items() if v is not None and not isinstance(v, dict | list | tuple)}


def compact_refs(refs: list[str], most: int | None = None) -> str:
    """["a.csv:2", "a.csv:3", "a.csv:4", "a.csv:7", "b.csv:9"] -> "a.csv:2-4,7; b.csv:9": the style of
    `rules.lots.refs_text`, with runs of lines as ranges (files in first-seen order). With `most`, only
    the first `most` ranges, then how many rows are left out (the workbook lists them all)."""
    by_file: dict[str, list[int]] = {}
    other: list[str] = []
    for ref in refs:
        path, _, line = ref.rpartition(":")
        if path and line.isdigit():
            by_file.setdefault(path, []).append(int(line))
        else:
            other.append(ref)
    parts = []
    shown = 0         # ranges written so far (with `most`)
    left = 0          # rows not written
    for path, lines in by_file.items():
        nums = sorted(set(lines))
        spans: list[str] = []
        start = prev = nums[0]
        for n in [*nums[1:], None]:
            if n is not None and n == prev + 1:
                prev = n
                continue
            if most is None or shown < most:
                spans.append(str(start) if start == prev else f"{start}-{prev}")
                shown += 1
            else:
                left += prev - start + 1
            if n is not None:
                start = prev = n
        if spans:
            parts.append(f"{path}:{','.join(spans)}")
    if most is not None and len(other) > max(0, most - shown):
        left += len(other) - max(0, most - shown)
        other = other[:max(0, most - shown)]
    text = "; ".join(parts + other)
    if left:
        text += f" and {left:,} more row{'s' if left != 1 else ''} (the workbook lists every row)"
    return text


# ---------------------------------------------------------------- building the packet


def assemble_packet(profile: Profile, year: int, person: str, findings: list[Finding],
                    worksheets: dict[str, Worksheet], capacity: list[Any], rows: Any,
                    openings: dict[str, Decimal]) -> Packet:
    """The packet from what the rules and forms made: the audit's `findings`, the `worksheets`
    ("1099r", "8606", "lots"), the capacity plans, the year's ledger rows (`rows`, a frame as
    `mbr ledger --year` lists it) and each plan's after-tax balance at Jan 1 (`openings`)."""
    p = profile.person(person)
    packet = Packet(year=year, person=person, person_name=p.name or person, limits=limits_for(year).rows())
    packet.findings = list(findings)
    packet.worksheets = dict(worksheets)
    packet.capacity = [capacity_view(c) for c in capacity]
    packet.ledger = ledger_table(rows)
    plans = [plan.id for plan in profile.plans_of(person)]
    packet.charts = Charts(limits=limit_bars(packet.findings),
                           balances=after_tax_balances(openings, packet.ledger, plans, year),
                           earnings=earnings_between_conversions(packet.worksheets.get("lots"), year))
    return packet


def ledger_table(df: pl.DataFrame) -> pl.DataFrame:
    """The year's rows (a frame with the events' columns, money in cents) in `LEDGER_COLUMNS`, text
    columns without nulls."""
    out = df.select([pl.col(c).cast(t) if c in df.columns else pl.lit(None, dtype=t).alias(c)
                     for c, t in LEDGER_COLUMNS.items()])
    text = ["account", "kind", "source", "destination", "memo", "fund", "source_file"]
    return out.with_columns(pl.col(text).fill_null(""), pl.col("amount", "source_line").fill_null(0))


def capacity_view(plan: Any) -> CapacityView:
    """A capacity plan (anything with `as_json()` giving the contract keys) as labelled rows."""
    data = plan.as_json()
    label = next((str(getattr(plan, a)) for a in ("plan", "plan_id", "employer_group", "scope", "label")
                  if getattr(plan, a, None)), "")
    if not label:
        label = next((str(data[k]) for k in ("plan", "employer_group", "scope") if data.get(k)), "")
    rows: list[tuple[str, str, Decimal | int | str | None, str]] = []
    for key, text, kind in CAPACITY_FIELDS:
        head, _, tail = key.partition(".")
        value = data.get(head)
        if tail:
            value = value.get(tail) if isinstance(value, dict) else None
        if value is None:
            rows.append((key, text, None, kind))
        elif kind == "money":
            rows.append((key, text, Decimal(str(value)), kind))
        elif kind == "count":
            rows.append((key, text, int(value), kind))
        else:
            rows.append((key, text, str(value), kind))
    notes = [str(n) for n in [*(data.get("warnings") or []), *(data.get("notes") or [])]]
    return CapacityView(label=label or "plan", rows=rows, notes=notes)


def limit_bars(findings: list[Finding]) -> list[LimitBar]:
    out = []
    for f in findings:
        if f.id in LIMIT_CHECKS and f.limit is not None and f.amount is not None:
            out.append(LimitBar(f"{LIMIT_CHECKS[f.id]}, {f.scope}", f.limit, f.amount, f.status))
    return out


def after_tax_balances(openings: dict[str, Decimal], year_rows: pl.DataFrame, plans: list[str],
                       year: int) -> list[Series]:
    """Each plan's after-tax balance through the year, from its opening balance (the sum of its
    after-tax rows before the year) and the year's rows: one point at Jan 1, one at the end of each
    day with a row, and one at Dec 31."""
    rows = year_rows.filter((pl.col("source") == "after_tax") & ~pl.col("kind").is_in(["payroll", "balance"]))
    out = []
    for plan in plans:
        days = (rows.filter(pl.col("account") == plan).group_by("date", maintain_order=True)
                .agg(pl.col("amount").sum()).with_columns(pl.col("amount").cum_sum()))
        opening = openings.get(plan, ZERO)
        if not days.height and opening == ZERO:
            continue
        points = [(dt.date(year, 1, 1), opening)]
        for d, cents in days.iter_rows():
            balance = opening + from_cents(int(cents))
            if points[-1][0] == d:
                points[-1] = (d, balance)
            else:
                points.append((d, balance))
        balance = points[-1][1]
        if points[-1][0] != dt.date(year, 12, 31):
            points.append((dt.date(year, 12, 31), balance))
        out.append(Series(plan, points))
    return out


def earnings_between_conversions(lots: Worksheet | None, year: int) -> list[Series]:
    """From the lots worksheet: the earnings in each move out of an after-tax source (the legs of a split
    on one date together), and the earnings still unconverted at Dec 31."""
    if lots is None:
        return []
    by_plan: dict[str, dict[dt.date, Decimal]] = {}
    grid = lots.grids.get("conversions")
    if grid is not None and {"plan", "date", "earnings"} <= set(grid.columns):
        ip, idate, iearn = (grid.columns.index(c) for c in ("plan", "date", "earnings"))
        for row in grid.rows:
            days = by_plan.setdefault(str(row[ip]), {})
            days[row[idate]] = days.get(row[idate], ZERO) + (row[iearn] or ZERO)
    for ln in lots.lines:
        plan, _, what = ln.id.partition(".")
        if what == "unconverted_earnings" and isinstance(ln.value, Decimal) and ln.value != ZERO:
            days = by_plan.setdefault(plan, {})
            dec31 = dt.date(year, 12, 31)
            days[dec31] = days.get(dec31, ZERO) + ln.value
    return [Series(plan, sorted(days.items())) for plan, days in by_plan.items()]
