"""The fast path's checks of a contract CSV block: parsed, checked and normalised in a few Polars
queries when none of its rows has a problem, with the checks on key columns decided once per
combination of values (`keyed`). It gives exactly what the step-by-step path gives
(`ContractCsv._batch`), and declines every block that path finds a problem in; the switch between
the two is `tuning.paths.FAST_IMPORT`."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ..profile import Profile
from ..tuning.queries import BATCH_COLLECT
from .tabular import Col, column_exprs
from .validate import Check, CheckPlan, check_plan, table_columns

# ------------------------------------------------------------------ keyed checks


@dataclass(frozen=True)
class KeyedPlan:
    """`keyed(plan)`: a row passes the keyed checks when its key columns, as a struct, are one of
    `valid`; `prepare` makes only the helpers (`helpers`, the columns it adds) and the columns the
    other checks (`general`, `scoped`) and the plan's `finish` read."""

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


def _reads(*exprs: pl.Expr) -> set[str]:
    return {r for e in exprs for r in e.meta.root_names()}


def keyed(plan: CheckPlan) -> KeyedPlan:
    """The plan's checks, with those that read only key columns (and helpers made from them)
    turned into the list of key combinations that pass them all."""
    names = [k for k, _ in plan.keys]
    assert not {e.meta.output_name() for e in plan.prepare} & set(names), "a key column is made by prepare"
    made = {e.meta.output_name(): set(e.meta.root_names()) for e in plan.prepare}
    from_keys = set(names) | {h for h, roots in made.items() if roots <= set(names)}
    on_keys = [_reads(c[0]) <= from_keys for c in plan.general]
    scope_on_keys = [_reads(sc, *[e for e, _, _ in ch]) <= from_keys for sc, ch in plan.scoped]
    general = [c for c, k in zip(plan.general, on_keys, strict=True) if k]
    scoped = [x for x, k in zip(plan.scoped, scope_on_keys, strict=True) if k]
    rest_general = tuple(c for c, k in zip(plan.general, on_keys, strict=True) if not k)
    rest_scoped = tuple(x for x, k in zip(plan.scoped, scope_on_keys, strict=True) if not k)
    valid = _valid_keys(plan, general, scoped) if names else None
    needed = _reads(*[e for e, _, _ in rest_general],
                    *[e for sc, ch in rest_scoped for e in (sc, *[c[0] for c in ch])], *plan.finish)
    prepare = tuple(e for e in plan.prepare if e.meta.output_name() in needed)
    helpers = tuple(h for h in plan.helpers if h in {e.meta.output_name() for e in prepare})
    return KeyedPlan(names, valid, prepare, helpers, rest_general, rest_scoped)


def _valid_keys(plan: CheckPlan, general: list[Check], scoped: list[tuple[pl.Expr, tuple[Check, ...]]]) -> pl.Series:
    """Every combination of key values that passes the keyed checks, as a struct series. The
    combinations are built one key at a time, and a combination a check already fails on is
    dropped as soon as the check can be read (it fails whatever the other keys are)."""
    done: set[str] = set()
    frame = pl.DataFrame()
    pending = [(e.fill_null(False), {*e.meta.root_names()}) for e, _, _ in general]
    pending += [(sc.fill_null(False) & pl.any_horizontal([e.fill_null(False) for e, _, _ in ch]),
                 _reads(sc, *[c[0] for c in ch])) for sc, ch in scoped]
    made = {e.meta.output_name(): e for e in plan.prepare}
    for name, values in plan.keys:
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
    return frame.select(pl.struct([k for k, _ in plan.keys]).alias("key")).to_series()


# ------------------------------------------------------------------ the one-pass query

Stages = list[list[pl.Expr | str]]


@dataclass(frozen=True)
class OnePass:
    """The queries of `one_pass`, each a list of consecutive selects: `parse` gives the parsed
    columns, the check plan's helper columns, and per row whether a value could not be read
    (`_parse_bad`) or a check on every row failed (`_check_bad`); `scoped` is, per scope, which rows
    it selects and whether one of its checks fails on a row; `finish` gives the ledger table's
    columns and `source_line`. When the scoped checks read no column the normalising changes,
    `parse` normalises too and gives the table's columns itself (`finish` is then None)."""

    parse: Stages
    scoped: list[tuple[pl.Expr, pl.Expr]]
    finish: Stages | None  # None: `parse` normalises too
    helpers: tuple[str, ...]  # helper columns `parse` leaves for `scoped`


def _run(lf: pl.LazyFrame, stages: Stages) -> pl.LazyFrame:
    for stage in stages:
        lf = lf.select(stage)
    return lf


_QUERIES: dict[tuple[str, tuple[str, ...], bool], tuple[CheckPlan, OnePass]] = {}


def query(name: str, table: str, cols: list[Col], profile: Profile, columns: tuple[str, ...],
          plain: bool) -> OnePass:
    """The queries of `one_pass` for importer `name` over raw columns `columns`. They depend only on
    the header and the profile, so they are built once for all the batches of a file."""
    plan = check_plan(table, profile)
    key = (name, columns, plain)
    got = _QUERIES.get(key)
    if got is not None and got[0] is plan:
        return got[1]
    kp = keyed(plan)
    exprs, parse_bad = column_exprs(columns, cols, plain=None if plain else ())
    names = [c.target or c.name for c in cols]
    parsed = [(pl.col(f"parsed::{c.name}").fill_null(False) if c.kind == "flag" else pl.col(f"parsed::{c.name}"))
              .alias(n) for c, n in zip(cols, names, strict=True)]
    keep = [*names, "source_line", "_parse_bad"]

    def over(exprs: tuple[pl.Expr, ...], *kept: str) -> list[pl.Expr | str]:  # `exprs` replace or add columns
        out = {e.meta.output_name() for e in exprs}
        return [*[n for n in kept if n not in out], *exprs]

    parse: Stages = [[*columns, *exprs], [*parsed, "source_line", parse_bad.alias("_parse_bad")]]
    if kp.prepare:
        parse.append(over(kp.prepare, *keep))
    check: list[pl.Expr | str] = [*keep, *kp.helpers, kp.bad().alias("_check_bad")]
    scoped_reads = {r for sc, ch in kp.scoped for r in _reads(sc, *[c[0] for c in ch])}
    finish: Stages | None
    if not scoped_reads & {e.meta.output_name() for e in plan.finish}:
        # The checks and the normalising read the same columns, so one select does both.
        parse.append([*_normalised(table, parse, columns, plan.finish, names),
                      "_parse_bad", check[-1], *kp.helpers])
        finish = None
    else:
        parse.append(check)
        finish = [[*_normalised(table, parse, columns, plan.finish, names)]]
    q = OnePass(
        parse=parse,
        scoped=[(scope.fill_null(False), pl.any_horizontal([e.fill_null(False) for e, _, _ in checks]))
                for scope, checks in kp.scoped],
        finish=finish, helpers=kp.helpers)
    _QUERIES[key] = (plan, q)
    return q


def _normalised(table: str, stages: Stages, columns: tuple[str, ...], finish: tuple[pl.Expr, ...],
                present: list[str]) -> list[pl.Expr]:
    """`table_columns` of what `stages` give, normalised by `finish`, cast only where the type is
    not already the table's (found on an empty frame of the raw columns)."""
    empty = pl.DataFrame(schema={c: pl.Int64 if c == "source_line" else pl.String for c in columns})
    got = _run(empty.lazy(), stages).select(table_columns(table, present, finish)).collect_schema()
    return table_columns(table, present, finish, got)


def one_pass(name: str, table: str, cols: list[Col], profile: Profile, raw: pl.DataFrame) -> pl.DataFrame | None:
    """The block's ledger table, parsed, checked and normalised, when none of its rows has a
    problem; None when one has (the step-by-step path then finds and words them).

    Money and date columns are first read in their plain form only (`-1234.56`, `2026-01-31`);
    when a value is in another form (`$1,234.56`, `01/31/2026`), the block is read again with
    every form the contract allows."""
    for plain in (True, False):
        q = query(name, table, cols, profile, tuple(raw.columns), plain)
        df = _run(raw.lazy(), q.parse).collect(**BATCH_COLLECT)
        parse_bad = df["_parse_bad"].any()
        if parse_bad and plain:
            continue
        if parse_bad or df["_check_bad"].any():
            return None
        # The checks that concern a few rows only look at those; the rows are normalised (in the
        # query already when those checks read nothing the normalising changes).
        work = df.lazy()
        queries = ([_run(work, q.finish)] if q.finish else []) + [
            work.filter(scope).select(bad.any()) for scope, bad in q.scoped]
        got = pl.collect_all(queries) if queries else []
        out = got.pop(0) if q.finish else df.drop("_parse_bad", "_check_bad", *q.helpers)
        if any(g.item() for g in got):
            return None
        return out
    return None
