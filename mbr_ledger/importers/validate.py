"""Checks every importer's output against the contract and the profile, the same for all formats.

Input to these functions is a frame in the ledger table's columns plus `source_line`; the output
is the frame normalised (signs of money leaving an account) and the list of problems.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from ..core.errors import InputProblem
from ..core.schema import DESTINATIONS, EVENT_KINDS, IRA_REASONS, OUT_KINDS, PLAN_REASONS, REASONS, TABLES
from ..limits import filing_due_date
from ..profile import IRA_SOURCES, PLAN_SOURCES, Profile
from .tabular import MAX_PROBLEMS

Check = tuple[pl.Expr, str, str]  # (bad-row expression, column, message template)


def collect_problems(df: pl.DataFrame, checks: list[Check], path: Path) -> list[InputProblem]:
    """Each check is (bad-row expression, column, message template with {value})."""
    return collect_counted(df, checks, path)[0]


def collect_counted(df: pl.DataFrame, checks: list[Check], path: Path) -> tuple[list[InputProblem], int]:
    """`collect_problems`, and how many problems there are in all (only the first MAX_PROBLEMS are
    worded)."""
    problems: list[InputProblem] = []
    if df.is_empty() or not checks:
        return problems, 0
    # One pass to count what each check hits; only those that hit are looked at row by row.
    hits = df.select([e.fill_null(False).sum().alias(str(i)) for i, (e, _, _) in enumerate(checks)]).row(0)
    total = sum(int(h or 0) for h in hits)
    for (expr, column, message), hit in zip(checks, hits, strict=True):
        if not hit:
            continue
        bad = df.filter(expr.fill_null(False))
        for row in bad.head(MAX_PROBLEMS).iter_rows(named=True):
            shown = {k: ("" if v is None else v) for k, v in row.items()}
            problems.append(InputProblem(str(path), row["source_line"], message.format(**shown), column))
        if len(problems) >= MAX_PROBLEMS:
            break
    problems.sort(key=lambda p: (p.line, p.column or ""))
    return problems, total


def _owner_maps(profile: Profile) -> tuple[dict[str, str], dict[str, str]]:
    owner = {p.id: p.person for p in profile.plans} | {i.id: i.person for i in profile.iras}
    acct_type = {p.id: "plan" for p in profile.plans} | {i.id: i.type for i in profile.iras}
    return owner, acct_type


def _person_checks(profile: Profile, col: str = "person") -> list[tuple[pl.Expr, str, str]]:
    known = profile.person_ids()
    listing = ", ".join(known) or "none in mbr.toml"
    return [(~pl.col(col).is_in(known), col, f"unknown person {{{col}!r}} (persons in mbr.toml: {listing})")]


def _account_checks(profile: Profile, col: str, what: str, plans_only: bool) -> list[tuple[pl.Expr, str, str]]:
    owner, _ = _owner_maps(profile)
    ids = [p.id for p in profile.plans] if plans_only else list(owner)
    listing = ", ".join(sorted(ids)) or "none in mbr.toml"
    owner_expr = pl.col(col).replace_strict(owner, default=None, return_dtype=pl.String)
    return [
        (~pl.col(col).is_in(ids), col, f"unknown {what} {{{col}!r}} (in mbr.toml: {listing})"),
        (owner_expr != pl.col("person"), col,  # null, so no problem, for an unknown account
         f"{what} {{{col}!r}} belongs to another person than {{person!r}}"),
    ]


@dataclass(frozen=True)
class CheckPlan:
    """How one table is checked: helper columns added first (`prepare`, dropped after), checks on
    every row (`general`), checks on the rows a scope selects (`scoped`, so that checks which only
    concern a few rows look at those only), and the normalising of the checked rows (`finish`).

    `keys` names the columns whose values come from short lists (persons, accounts, kinds,
    sources, ...), each with every value that can pass the checks (null included): any other value
    fails one of them. The fast path decides the checks that read nothing but those columns once
    per combination of values, not once per row (`onepass.keyed`)."""

    prepare: tuple[pl.Expr, ...]
    general: tuple[Check, ...]
    scoped: tuple[tuple[pl.Expr, tuple[Check, ...]], ...]
    finish: tuple[pl.Expr, ...]
    helpers: tuple[str, ...]  # the names `prepare` adds
    keys: tuple[tuple[str, tuple[str | None, ...]], ...] = ()

    def run(self, df: pl.DataFrame, path: Path) -> tuple[pl.DataFrame, list[InputProblem]]:
        out, problems, _ = self.run_counted(df, path)
        return out, problems

    def run_counted(self, df: pl.DataFrame, path: Path) -> tuple[pl.DataFrame, list[InputProblem], int]:
        """`run`, and how many problems there are in all (not only those worded)."""
        work = df.with_columns(*self.prepare) if self.prepare else df
        problems, total = collect_counted(work, list(self.general), path)
        if self.scoped:
            present = work.select([scope.fill_null(False).any().alias(f"scope{i}")
                                   for i, (scope, _) in enumerate(self.scoped)]).row(0)
            for (scope, checks), any_rows in zip(self.scoped, present, strict=True):
                if any_rows:
                    more, n = collect_counted(work.filter(scope.fill_null(False)), list(checks), path)
                    problems += more
                    total += n
        problems.sort(key=lambda p: (p.line, p.column or ""))
        out = work.drop(list(self.helpers)) if self.helpers else work
        return (out.with_columns(*self.finish) if self.finish else out), problems, total


@cache
def _ira_due_dates() -> dict[int, dt.date]:
    """Each tax year's filing due date, the deadline of an IRA contribution for that year."""
    return {y: filing_due_date(y).date for y in range(1975, 2100)}


def _events_plan(profile: Profile) -> CheckPlan:
    _, acct_type = _owner_maps(profile)
    kind, src = pl.col("kind"), pl.col("source").fill_null("")
    typ = pl.col("_typ")
    general = _person_checks(profile) + _account_checks(profile, "account", "account", plans_only=False) + [
        (~kind.is_in(list(EVENT_KINDS)), "kind", "unknown kind {kind!r} (kinds: " + ", ".join(EVENT_KINDS) + ")"),
        ((typ == "plan") & (kind != "balance") & ~src.is_in(list(PLAN_SOURCES)), "source",
         "plan rows need a source (" + ", ".join(PLAN_SOURCES) + "), found {source!r}"),
        ((typ == "plan") & (kind == "balance") & (src != "") & ~src.is_in(list(PLAN_SOURCES)), "source",
         "unknown source {source!r}"),
        ((kind == "rollover") & ~pl.col("destination").fill_null("").is_in(list(DESTINATIONS)), "destination",
         "a rollover needs destination roth_ira or traditional_ira, found {destination!r}"),
    ]
    ira = [
        ((kind == "contribution") & ~src.is_in(list(IRA_SOURCES)), "source",
         "IRA contributions need a source (" + ", ".join(IRA_SOURCES) + "), found {source!r}"),
        ((kind != "contribution") & (src != ""), "source",
         "leave source empty on IRA {kind} rows (the IRA pro-rata rule looks at the whole IRA)"),
        ((kind == "contribution") & (typ == "roth") & (src != "roth"), "source",
         "a Roth IRA takes only `roth` contributions"),
        ((kind == "contribution") & (typ != "roth") & (src == "roth"), "source",
         "a `roth` contribution must go to a Roth IRA, not {account!r}"),
        ((typ == "roth") & (kind == "conversion"), "kind",
         "a Roth IRA cannot convert; put the conversion on the traditional IRA it comes from"),
    ]
    year = pl.col("date").dt.year()
    for_year = [
        (~kind.is_in(["contribution", *FOR_YEAR_KINDS]), "for_year",
         "for_year is only for contributions, corrective and recharacterization rows"),
        (kind.is_in(["contribution", "recharacterization"]) & ~pl.col("for_year").is_between(year - 1, year),
         "for_year", "for_year {for_year} must be the year of the date or the year before"),
        ((kind == "corrective") & (pl.col("for_year") > year), "for_year",
         "for_year {for_year} is after the year of the date: a corrective payment is for an earlier or the same year"),
        # An IRA contribution for the prior year is due by that year's filing due date (IRC 7503, or the
        # IRS's postponement); a plan contribution booked for the prior year is a plan matter.
        ((typ != "plan") & (kind == "contribution") & (pl.col("for_year") == year - 1)
         & (pl.col("date") > pl.col("_due")), "for_year",
         "an IRA contribution for {for_year} must be made by the {for_year} return's filing due date {_due}"),
    ]
    destination = [(~kind.is_in(["rollover", "recharacterization"]), "destination",
                     "destination is only for rollover and recharacterization rows")]
    basis = [
        (~kind.is_in(["conversion", "rollover", "distribution", "corrective", "recharacterization"]), "basis",
         "basis and taxable are only for conversion, rollover, distribution, corrective and recharacterization rows"),
        (pl.col("basis") < 0, "basis", "basis cannot be negative"),
        (pl.col("taxable") < 0, "taxable", "taxable cannot be negative"),
    ]
    # The account's type is looked up once; the checks that only concern some rows (IRA rows, rows
    # with a for_year, a destination, a basis or a taxable amount) look at those rows only.
    return CheckPlan(
        prepare=(pl.col("account").replace_strict(acct_type, default="", return_dtype=pl.String).alias("_typ"),
                 pl.col("for_year").replace_strict(_ira_due_dates(), default=None, return_dtype=pl.Date).alias("_due")),
        general=tuple(general),
        scoped=(((typ != "plan") & (typ != ""), tuple(ira)), (pl.col("for_year").is_not_null(), tuple(for_year)),
                (pl.col("destination").is_not_null(), tuple(destination)),
                (pl.col("basis").is_not_null() | pl.col("taxable").is_not_null(), tuple(basis)),
                (kind == "recharacterization", tuple(_recharacterization_checks(typ))),
                (kind.is_in(list(FOR_YEAR_KINDS)) | pl.col("reason").is_not_null() | pl.col("completed").is_not_null(),
                 tuple(_version2_checks(typ)))),
        finish=(pl.when(kind.is_in(list(OUT_KINDS))).then(-pl.col("amount").abs()).otherwise(pl.col("amount"))
                .alias("amount"),
                pl.when(src == "").then(None).otherwise(src).alias("source")),
        helpers=("_typ", "_due"),
        keys=(*_owner_keys(profile, "account", plans_only=False),
              ("kind", (*EVENT_KINDS, None)), ("source", (*dict.fromkeys((*PLAN_SOURCES, *IRA_SOURCES)), None)),
              ("destination", (*DESTINATIONS, None))),
    )


FOR_YEAR_KINDS = ("corrective", "recharacterization")  # kinds that need a for_year


def _version2_checks(typ: pl.Expr) -> list[Check]:
    """The rows of contract version 2: `corrective` (with its `reason`), `recharacterization`, and the
    `completed` date of a 60-day rollover."""
    kind, reason = pl.col("kind"), pl.col("reason")
    amount, basis, taxable = pl.col("amount").abs(), pl.col("basis"), pl.col("taxable")
    return [
        ((kind == "corrective") & reason.is_null(), "reason",
         "a corrective row needs a reason (" + ", ".join(REASONS) + ")"),
        (reason.is_not_null() & ~reason.is_in(list(REASONS)), "reason",
         "unknown reason {reason!r} (reasons: " + ", ".join(REASONS) + ")"),
        (reason.is_not_null() & (kind != "corrective"), "reason", "reason is only for corrective rows"),
        ((typ == "plan") & reason.is_in(list(IRA_REASONS)), "reason",
         "reason {reason!r} is for IRAs; {account!r} is a plan (plan reasons: " + ", ".join(PLAN_REASONS) + ")"),
        ((typ != "plan") & reason.is_in(list(PLAN_REASONS)), "reason",
         "reason {reason!r} is for plans; {account!r} is an IRA (IRA reasons: " + ", ".join(IRA_REASONS) + ")"),
        (kind.is_in(list(FOR_YEAR_KINDS)) & pl.col("for_year").is_null(), "for_year",
         "a {kind} row needs for_year: the tax year the contribution or the excess was for"),
        ((kind == "corrective") & basis.is_null() & taxable.is_null(), "taxable",
         "a corrective row needs taxable (its earnings) or basis (the contributions returned), or both"),
        ((kind == "corrective") & (basis + taxable != amount), "taxable",
         "basis + taxable is not the amount (give one of them and the other is the rest)"),
        (kind.is_in(list(FOR_YEAR_KINDS)) & ((basis > amount) | (taxable > amount)), "basis",
         "basis or taxable is larger than the amount"),
        ((kind == "recharacterization") & taxable.is_not_null(), "taxable",
         "leave taxable empty on a recharacterization (nothing in it is taxed; basis is the contribution moved)"),
        (pl.col("completed").is_not_null() & (kind != "rollover"), "completed",
         "completed is only for rollover rows (the day a 60-day rollover reached its destination)"),
        (pl.col("completed") < pl.col("date"), "completed", "completed {completed} is before the date {date}"),
    ]


def _recharacterization_checks(typ: pl.Expr) -> list[Check]:
    """The checks of a recharacterization that read only the key columns (account, kind, destination):
    decided once per combination on the fast path."""
    dest = pl.col("destination").fill_null("")
    return [
        (typ == "plan", "kind", "a recharacterization moves an IRA contribution; {account!r} is a plan"),
        (~dest.is_in(list(DESTINATIONS)), "destination",
         "a recharacterization needs destination roth_ira or traditional_ira, found {destination!r}"),
        ((typ == "roth") & (dest == "roth_ira"), "destination",
         "a recharacterization goes to the other kind of IRA: from the Roth IRA {account!r} to traditional_ira"),
        ((typ != "roth") & (typ != "plan") & (dest == "traditional_ira"), "destination",
         "a recharacterization goes to the other kind of IRA: from {account!r} to roth_ira"),
    ]


def _payroll_plan(profile: Profile) -> CheckPlan:
    checks = _person_checks(profile) + _account_checks(profile, "plan", "plan", plans_only=True)
    for c in ("plan_compensation", "fica_wages", "pretax_401k", "roth_401k", "after_tax_401k", "employer_match"):
        checks.append((pl.col(c) < 0, c, f"{c} cannot be negative ({{{c}}})"))
    return CheckPlan((), tuple(checks), (), (), (), keys=_owner_keys(profile, "plan", plans_only=True))


def _owner_keys(profile: Profile, col: str, plans_only: bool) -> tuple[tuple[str, tuple[str | None, ...]], ...]:
    """The person and account key columns of `_person_checks` and `_account_checks`."""
    owner, _ = _owner_maps(profile)
    ids = [p.id for p in profile.plans] if plans_only else list(owner)
    return (("person", (*profile.person_ids(), None)), (col, (*ids, None)))


def _1099r_plan(profile: Profile) -> CheckPlan:
    checks = _person_checks(profile) + _account_checks(profile, "payer_account", "account", plans_only=False) + [
        (~pl.col("box7").str.contains(r"^[1-9A-HJ-NP-UWY]{1,2}$"), "box7",
         "box 7 distribution code {box7!r} is not a code of Form 1099-R"),
        (pl.col("box2a") > pl.col("box1"), "box2a", "box 2a is larger than box 1"),
        ((pl.col("tax_year") < 1990) | (pl.col("tax_year") > 2100), "tax_year", "impossible tax year {tax_year}"),
    ]
    return CheckPlan((pl.col("box7").str.to_uppercase(),), tuple(checks), (), (), (),
                     keys=_owner_keys(profile, "payer_account", plans_only=False))


def _w2_plan(profile: Profile) -> CheckPlan:
    checks = _person_checks(profile) + _account_checks(profile, "plan", "plan", plans_only=True) + [
        ((pl.col("tax_year") < 1990) | (pl.col("tax_year") > 2100), "tax_year", "impossible tax year {tax_year}"),
    ]
    return CheckPlan((), tuple(checks), (), (), (), keys=_owner_keys(profile, "plan", plans_only=True))


_PLANS = {"events": _events_plan, "payroll": _payroll_plan, "form_1099r": _1099r_plan, "w2": _w2_plan}
_BUILT: dict[tuple[str, int], tuple[Profile, CheckPlan]] = {}


def check_plan(table: str, profile: Profile) -> CheckPlan:
    """The table's checks for this profile, built once per profile object (a file is checked in
    many batches)."""
    key = (table, id(profile))
    got = _BUILT.get(key)
    if got is None or got[0] is not profile:
        got = _BUILT[key] = (profile, _PLANS[table](profile))
    return got[1]


def validate_events(df: pl.DataFrame, profile: Profile, path: Path) -> tuple[pl.DataFrame, list[InputProblem]]:
    return check_plan("events", profile).run(df, path)


def validate_payroll(df: pl.DataFrame, profile: Profile, path: Path) -> tuple[pl.DataFrame, list[InputProblem]]:
    return check_plan("payroll", profile).run(df, path)


def validate_1099r(df: pl.DataFrame, profile: Profile, path: Path) -> tuple[pl.DataFrame, list[InputProblem]]:
    return check_plan("form_1099r", profile).run(df, path)


def validate_w2(df: pl.DataFrame, profile: Profile, path: Path) -> tuple[pl.DataFrame, list[InputProblem]]:
    return check_plan("w2", profile).run(df, path)


def table_columns(table: str, present: list[str], finish: tuple[pl.Expr, ...] = (),
                  types: pl.Schema | None = None) -> list[pl.Expr]:
    """The ledger table's columns (nulls for those not `present`; `finish` replaces those it
    makes), each cast to the table's type unless `types` says it has it already, and
    `source_line`."""
    made = {e.meta.output_name(): e for e in finish}
    out = []
    for c, ty in TABLES[table].columns.items():
        if c not in present:
            out.append(pl.lit(None, dtype=ty).alias(c))
        elif types is not None and types[c] == ty:
            out.append(made.get(c, pl.col(c)))
        else:
            out.append(made.get(c, pl.col(c)).cast(ty).alias(c))
    return [*out, pl.col("source_line")]


VALIDATORS = {"events": validate_events, "payroll": validate_payroll, "form_1099r": validate_1099r,
              "w2": validate_w2}
