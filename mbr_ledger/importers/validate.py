"""Checks every importer's output against the contract and the profile, the same for all formats.

Input to these functions is a frame in the ledger table's columns plus `source_line`; the output
is the frame normalised (signs of money leaving an account) and the list of problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..core.errors import InputProblem
from ..core.schema import DESTINATIONS, EVENT_KINDS, OUT_KINDS
from ..profile import IRA_SOURCES, PLAN_SOURCES, Profile
from .tabular import MAX_PROBLEMS

Check = tuple[pl.Expr, str, str]  # (bad-row expression, column, message template)


def collect_problems(df: pl.DataFrame, checks: list[Check], path: Path) -> list[InputProblem]:
    """Each check is (bad-row expression, column, message template with {value})."""
    problems: list[InputProblem] = []
    if df.is_empty():
        return problems
    # One pass to find which checks hit anything; only those are looked at row by row.
    hits = df.select([e.fill_null(False).any().alias(str(i)) for i, (e, _, _) in enumerate(checks)]).row(0)
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
    return problems


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
    fails one of them. The checks that read nothing but those columns can then be decided once per
    combination of values, not once per row (`keyed`)."""

    prepare: tuple[pl.Expr, ...]
    general: tuple[Check, ...]
    scoped: tuple[tuple[pl.Expr, tuple[Check, ...]], ...]
    finish: tuple[pl.Expr, ...]
    helpers: tuple[str, ...]  # the names `prepare` adds
    keys: tuple[tuple[str, tuple[str | None, ...]], ...] = ()

    def bad(self) -> pl.Expr:
        """True on a row any general check fails (nulls count as passing, as in `collect_problems`)."""
        return pl.any_horizontal([e.fill_null(False) for e, _, _ in self.general])

    def run(self, df: pl.DataFrame, path: Path) -> tuple[pl.DataFrame, list[InputProblem]]:
        work = df.with_columns(*self.prepare) if self.prepare else df
        problems = collect_problems(work, list(self.general), path)
        if self.scoped:
            present = work.select([scope.fill_null(False).any() for scope, _ in self.scoped]).row(0)
            for (scope, checks), any_rows in zip(self.scoped, present, strict=True):
                if any_rows:
                    problems += collect_problems(work.filter(scope.fill_null(False)), list(checks), path)
        problems.sort(key=lambda p: (p.line, p.column or ""))
        out = work.drop(list(self.helpers)) if self.helpers else work
        return (out.with_columns(*self.finish) if self.finish else out), problems

    def keyed(self) -> KeyedPlan:
        """The same checks, with those that read only key columns (and helpers made from them) turned
        into the list of key combinations that pass them all."""
        names = [k for k, _ in self.keys]
        assert not {e.meta.output_name() for e in self.prepare} & set(names), "a key column is made by prepare"
        made = {e.meta.output_name(): set(e.meta.root_names()) for e in self.prepare}
        from_keys = set(names) | {h for h, roots in made.items() if roots <= set(names)}

        def reads(*exprs: pl.Expr) -> set[str]:
            return {r for e in exprs for r in e.meta.root_names()}

        on_keys = [reads(c[0]) <= from_keys for c in self.general]
        scope_on_keys = [reads(sc, *[e for e, _, _ in ch]) <= from_keys for sc, ch in self.scoped]
        general = [c for c, k in zip(self.general, on_keys, strict=True) if k]
        scoped = [x for x, k in zip(self.scoped, scope_on_keys, strict=True) if k]
        rest_general = tuple(c for c, k in zip(self.general, on_keys, strict=True) if not k)
        rest_scoped = tuple(x for x, k in zip(self.scoped, scope_on_keys, strict=True) if not k)
        valid = self._valid_keys(general, scoped) if names else None
        needed = reads(*[e for e, _, _ in rest_general], *[e for sc, ch in rest_scoped for e in (sc, *[c[0] for c in ch])],
                       *self.finish)
        prepare = tuple(e for e in self.prepare if e.meta.output_name() in needed)
        helpers = tuple(h for h in self.helpers if h in {e.meta.output_name() for e in prepare})
        return KeyedPlan(names, valid, prepare, helpers, rest_general, rest_scoped)

    def _valid_keys(self, general: list[Check], scoped: list[tuple[pl.Expr, tuple[Check, ...]]]) -> pl.Series:
        """Every combination of key values that passes the keyed checks, as a struct series. The
        combinations are built one key at a time, and a combination a check already fails on is
        dropped as soon as the check can be read (it fails whatever the other keys are)."""
        done: set[str] = set()
        frame = pl.DataFrame()
        pending = [(e.fill_null(False), {*e.meta.root_names()}) for e, _, _ in general]
        pending += [(sc.fill_null(False) & pl.any_horizontal([e.fill_null(False) for e, _, _ in ch]),
                     {r for x in (sc, *[c[0] for c in ch]) for r in x.meta.root_names()}) for sc, ch in scoped]
        made = {e.meta.output_name(): e for e in self.prepare}
        for name, values in self.keys:
            col = pl.DataFrame({name: list(values)}, schema={name: pl.String})
            frame = col if frame.width == 0 else frame.join(col, how="cross")
            done.add(name)
            helpers = [h for h, e in made.items() if set(e.meta.root_names()) <= done and h not in frame.columns]
            if helpers:
                frame = frame.with_columns(made[h] for h in helpers)
                done.update(helpers)
            ready = [e for e, roots in pending if roots <= done]
            pending = [(e, roots) for e, roots in pending if not roots <= done]
            if ready:
                frame = frame.filter(~pl.any_horizontal(ready))
        return frame.select(pl.struct([k for k, _ in self.keys]).alias("key")).to_series()


@dataclass(frozen=True)
class KeyedPlan:
    """`CheckPlan.keyed()`: a row passes the keyed checks when its key columns, as a struct, are
    one of `valid`; `prepare` makes only the helpers (`helpers`, the columns it adds) and the
    columns the other checks (`general`, `scoped`) and the plan's `finish` read."""

    keys: list[str]
    valid: pl.Series | None
    prepare: tuple[pl.Expr, ...]
    helpers: tuple[str, ...]
    general: tuple[Check, ...]
    scoped: tuple[tuple[pl.Expr, tuple[Check, ...]], ...]

    def bad(self) -> pl.Expr:
        """True on a row a keyed check or a general one fails."""
        parts = [e.fill_null(False) for e, _, _ in self.general]
        if self.valid is not None:
            parts.append(~pl.struct(self.keys).is_in(self.valid.implode(), nulls_equal=True))
        return pl.any_horizontal(parts) if parts else pl.lit(False)


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
        (kind != "contribution", "for_year", "for_year is only for contributions"),
        (~pl.col("for_year").is_between(year - 1, year), "for_year",
         "for_year {for_year} must be the year of the date or the year before"),
        ((pl.col("for_year") == year - 1)
         & ((pl.col("date").dt.month() > 4) | ((pl.col("date").dt.month() == 4) & (pl.col("date").dt.day() > 15))),
         "for_year", "a contribution for the prior year must be made by April 15"),
    ]
    destination = [((kind != "rollover"), "destination", "destination is only for rollover rows")]
    basis = [
        (~kind.is_in(["conversion", "rollover", "distribution"]), "basis",
         "basis and taxable are only for conversion, rollover and distribution rows"),
        (pl.col("basis") < 0, "basis", "basis cannot be negative"),
        (pl.col("taxable") < 0, "taxable", "taxable cannot be negative"),
    ]
    # The account's type is looked up once; the checks that only concern some rows (IRA rows, rows
    # with a for_year, a destination, a basis or a taxable amount) look at those rows only.
    return CheckPlan(
        prepare=(pl.col("account").replace_strict(acct_type, default="", return_dtype=pl.String).alias("_typ"),),
        general=tuple(general),
        scoped=(((typ != "plan") & (typ != ""), tuple(ira)), (pl.col("for_year").is_not_null(), tuple(for_year)),
                (pl.col("destination").is_not_null(), tuple(destination)),
                (pl.col("basis").is_not_null() | pl.col("taxable").is_not_null(), tuple(basis))),
        finish=(pl.when(kind.is_in(list(OUT_KINDS))).then(-pl.col("amount").abs()).otherwise(pl.col("amount"))
                .alias("amount"),
                pl.when(src == "").then(None).otherwise(src).alias("source")),
        helpers=("_typ",),
        keys=(*_owner_keys(profile, "account", plans_only=False),
              ("kind", (*EVENT_KINDS, None)), ("source", (*dict.fromkeys((*PLAN_SOURCES, *IRA_SOURCES)), None)),
              ("destination", (*DESTINATIONS, None))),
    )


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


VALIDATORS = {"events": validate_events, "payroll": validate_payroll, "form_1099r": validate_1099r,
              "w2": validate_w2}
