"""What every audit check reads (`AuditData`: one person's frames, the year's limits, the profile) and
the small helpers they share; money is integer cents inside the checks and `Decimal` on the findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl

from ...core.dates import age_at_year_end
from ...core.money import fmt_table, from_cents, round_cents
from ...limits import YearLimits
from ...profile import Person, Plan, Profile
from ..findings import Finding
from ..history import refs_text

EMPLOYEE_SOURCES = ("pretax", "roth", "after_tax")
EMPLOYER_SOURCES = ("match", "nonelective")


@dataclass(frozen=True)
class AuditData:
    """What every check reads: one person's frames around one year, the limits and the profile.

    `payroll`, `w2`: the person's rows of `year - 1` and `year`. `events`: the person's rows from
    `year - 1` through `year + 1`, earnings rows left out (deposits of a December paycheck land in January; IRA
    contributions for the year may be made until its filing due date). `lots` and `backdoor` are the
    results of `rules.facts.PersonYear.audit_lots` (plan id -> `PlanYearLots`) and
    `rules.basis.backdoor_details` (or the error text when Form 8606 cannot be computed), computed by
    `book.audit.audit_data`. `rows_elsewhere`: the person's rows of the year these frames leave out
    (earnings rows, Forms 1099-R), counted only when the frames hold none of the year. `spouse_w2`: filing
    jointly with a spouse in the book, the spouse's W-2 rows of `year - 1` and `year` (None otherwise).
    """

    profile: Profile
    person: Person
    year: int
    limits: YearLimits
    payroll: pl.DataFrame
    events: pl.DataFrame
    w2: pl.DataFrame
    prior_limits: YearLimits | None = None
    lots: Any = None
    backdoor: Any = None
    notes: list[str] = field(default_factory=list)
    rows_elsewhere: int = 0
    spouse_w2: pl.DataFrame | None = None
    _cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def payroll_rows(self) -> list[dict[str, Any]]:
        return self.cached("payroll", lambda: _dicts(self.payroll))  # type: ignore[no-any-return]

    @property
    def w2_rows(self) -> list[dict[str, Any]]:
        return self.cached("w2", lambda: _dicts(self.w2))  # type: ignore[no-any-return]

    @property
    def spouse_w2_rows(self) -> list[dict[str, Any]] | None:
        """The joint filer's spouse's W-2 rows (None: not filing jointly with a spouse in the book)."""
        if self.spouse_w2 is None:
            return None
        return self.cached("spouse_w2", lambda: _dicts(self.spouse_w2))  # type: ignore[arg-type,no-any-return]

    @property
    def contribution_rows(self) -> list[dict[str, Any]]:
        """The `contribution` events (deposits to plans, IRA contributions), as dicts."""
        return self.cached("contributions", lambda: _dicts(  # type: ignore[no-any-return]
            self.events.filter(pl.col("kind") == "contribution") if self.events.height else self.events))

    def accounts_with_rows(self, year: int) -> set[str]:
        """Accounts with any event row dated in `year`."""
        def make() -> set[str]:
            if not self.events.height:
                return set()
            df = self.events.filter(pl.col("date").dt.year() == year)
            return set(df["account"].unique().to_list())
        return self.cached(("accounts", year), make)  # type: ignore[no-any-return]

    @property
    def age(self) -> int:
        return age_at_year_end(self.person.born, self.year)

    @property
    def plans(self) -> list[Plan]:
        return self.profile.plans_of(self.person.id)


def ref(row: dict[str, Any]) -> str:
    return f"{row['source_file']}:{row['source_line']}"


def refs(rows: Iterable[dict[str, Any]]) -> list[str]:
    """file:line of each row, in the ledger's order, without repeats."""
    seen: dict[str, None] = {}
    for r in rows:
        seen.setdefault(ref(r), None)
    return list(seen)


def money(cents: int) -> Decimal:
    return from_cents(cents)


def show(cents: int | Decimal) -> str:
    return fmt_table(cents)


def _dicts(df: pl.DataFrame) -> list[dict[str, Any]]:
    return [] if df.is_empty() else list(df.iter_rows(named=True))


def as_cents(v: Any) -> int:
    return int(v or 0)


def per_pay_date_max(rows: list[dict[str, Any]], col: str, key: Callable[[dict[str, Any]], Any]) -> int:
    """Sum over pay dates of the largest `col` among rows of that date and key: two plans of one
    employer repeat the same paycheck's pay, which must count once."""
    best: dict[tuple[Any, dt.date], int] = {}
    for r in rows:
        k = (key(r), r["pay_date"])
        best[k] = max(best.get(k, 0), as_cents(r[col]))
    return sum(best.values())


def by_employer(plans: Iterable[Plan]) -> dict[str, list[Plan]]:
    out: dict[str, list[Plan]] = {}
    for p in plans:
        out.setdefault(p.employer, []).append(p)
    return out


def group_of(plans: list[Plan]) -> str:
    """The scope of a check about one employer's plans: their employer group (`employer_group` in
    mbr.toml, by default the employer's name), the scope 415(c) uses too, however many plans the
    employer has. (An employer is one controlled group; plans set in several are named together.)"""
    groups = sorted({p.employer_group for p in plans})
    return groups[0] if len(groups) == 1 else " + ".join(groups)


def against(room: Decimal | int, limit: str, sep: str = ":") -> str:
    """Where an amount stands against `limit` (a noun phrase naming the limit and its figure), given the
    room left (limit - amount; cents when an int): "under the X: R of room left", "at the X: no room left,
    and not over it" (exactly at a limit is not over it), or "E over the X"."""
    cents = room if isinstance(room, int) else int(room * 100)
    if cents > 0:
        return f"under {limit}{sep} {show(cents)} of room left"
    if cents == 0:
        return f"at {limit}{sep} no room left, and not over it"
    return f"{show(-cents)} over {limit}"


def negative_contributions(data: AuditData) -> list[Finding]:
    """A warning naming the year's negative `contribution` rows (dated in it, or made for it): a
    reversal is real, but it lowers the contributions every check counts, so it is shown to be
    checked against the deposit it reverses. Nothing when there is none."""
    rows = [r for r in data.contribution_rows if as_cents(r["amount"]) < 0
            and (r.get("for_year") or r["date"].year) == data.year]
    if not rows:
        return []
    total = sum(as_cents(r["amount"]) for r in rows)
    accounts = ", ".join(sorted({str(r["account"]) for r in rows}))
    return [Finding(
        "negative_contribution", "warn", data.person.id,
        f"{len(rows)} negative contribution row(s) for {data.year} ({accounts}), {show(total)} in all: each "
        f"lowers the contributions the other checks count (a reversal or a correction of a deposit)",
        amount=money(total), rows=refs(rows),
        fix="check that each reverses a deposit that is in the ledger; a corrective payout of an excess is a "
            "distribution, not a negative contribution")]


def conversions_without_basis(data: AuditData) -> list[Finding]:
    """A warning per plan whose after-tax source had money moved out in the year (an in-plan Roth
    rollover, a rollover or a distribution) while the ledger held no after-tax basis for it: all
    of such a move is counted as taxable earnings, which is right only if no after-tax money went
    in before it. A split rollover is one move (its earnings leg carries no basis by design); a row
    that states its `basis` is taken at its word and not warned about."""
    out = []
    for plan_id, py in sorted((data.lots or {}).items()):
        groups: dict[object, list[Any]] = {}
        for m in py.moved:
            if m.source == "after_tax":
                groups.setdefault(m.split_group or id(m), []).append(m)
        moves = [m for legs in groups.values()
                 if sum(m.amount for m in legs) > 0 and all(m.basis == 0 and m.stated_basis is None for m in legs)
                 for m in legs]
        if not moves:
            continue
        total = sum((m.amount for m in moves), Decimal("0"))
        taxable = sum((m.taxable for m in moves), Decimal("0"))
        rows = sorted({r for m in moves for r in m.refs}, key=_ref_key)
        where = refs_text(rows)
        out.append(Finding(
            "conversion_no_basis", "warn", plan_id,
            f"{where}: {show(total)} moved out of the {plan_id} after-tax source in {data.year} with no after-tax "
            f"basis recorded in the ledger, so all of it is counted as earnings, {show(taxable)} of it taxable now",
            amount=total, rows=rows,
            fix="import the after-tax contributions behind it (activity rows of kind contribution, source "
                "after_tax, also those of earlier years), or give the row its basis (the `basis` column) as the "
                "plan's statement or Form 1099-R box 5 shows it"))
    return out


def _ref_key(ref: str) -> tuple[str, int]:
    """`file:line` in file, then line order."""
    path, _, line = ref.rpartition(":")
    return (path, int(line) if line.isdigit() else 0)


def tax_at_rate(data: AuditData, earnings: Decimal) -> Decimal | None:
    rate = data.person.marginal_rate
    return None if rate is None else round_cents(earnings * rate)


def rate_text(data: AuditData, earnings: Decimal) -> str:
    tax = tax_at_rate(data, earnings)
    if tax is None:
        return " (set marginal_rate for this person in mbr.toml to see the tax on them)"
    return f"; at your {data.person.marginal_rate} marginal rate that is {show(tax)} of tax"
