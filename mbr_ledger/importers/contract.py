"""The four input formats fixed by the contract: payroll, activity, 1099r, w2."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ..core.ahead import read_ahead
from ..core.errors import InputProblem, MbrError
from ..core.schema import TABLES
from .base import Extracted, ImportContext, Sniff
from .tabular import Col, CsvFile, check_columns, column_exprs, parse_frame
from .validate import VALIDATORS, CheckPlan, check_plan


@dataclass(frozen=True)
class _OnePass:
    """`ContractCsv._one_pass`'s queries, each a list of consecutive selects: `parse` gives the
    parsed columns, the check plan's helper columns, and per row whether a value could not be read
    (`_parse_bad`) or a check on every row failed (`_check_bad`); `scoped` is, per scope, which rows
    it selects and whether one of its checks fails on a row; `finish` gives the ledger table's
    columns and `source_line`. When the scoped checks read no column the normalising changes,
    `parse` normalises too and gives the table's columns itself (`finish` is then None)."""

    parse: list[list[pl.Expr | str]]
    scoped: list[tuple[pl.Expr, pl.Expr]]
    finish: list[list[pl.Expr | str]] | None  # None: `parse` normalises too
    helpers: tuple[str, ...]  # helper columns `parse` leaves for `scoped`


def _run(lf: pl.LazyFrame, stages: list[list[pl.Expr | str]]) -> pl.LazyFrame:
    for stage in stages:
        lf = lf.select(stage)
    return lf


# A batch is a few tens of thousands of rows: the in-memory engine runs such a query with less
# overhead than the streaming one. The parse-and-check query is written as it should run
# (consecutive selects of the columns it needs) and is not re-planned for each batch; with the
# optimizer it measured no faster. (The queries that filter rows keep the optimizer: it narrows
# them to the columns they read.)
_SMALL: dict[str, Any] = {"engine": "in-memory", "optimizations": pl.QueryOptFlags.none()}

_QUERIES: dict[tuple[str, tuple[str, ...], bool], tuple[CheckPlan, _OnePass]] = {}


@dataclass
class ContractCsv:
    name: str
    title: str
    table: str
    cols: list[Col]
    free_text: tuple[str, ...] = ()  # text columns no check looks at (stored as written, stripped)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.cols if c.required]

    @property
    def optional(self) -> list[str]:
        return [c.name for c in self.cols if not c.required]

    @property
    def signature(self) -> str:
        opt = f" (optional: {','.join(self.optional)})" if self.optional else ""
        return ",".join(self.required) + opt

    def identify(self, sniff: Sniff) -> bool:
        if sniff.suffix not in (".csv", ".txt", ""):
            return False
        first = next((ln for ln in sniff.lines if ln.strip()), "")
        fields = {f.strip().strip('"') for f in first.split(",")}
        return set(self.required) <= fields

    def extract(self, path: Path, ctx: ImportContext) -> Extracted:
        """The whole file at once (see `extract_batches`, which `mbr import` uses)."""
        parts = list(self.extract_batches(path, ctx))
        frame = pl.concat([p.tables[self.table] for p in parts])
        problems = [pr for p in parts for pr in p.problems]
        return Extracted(self.name, {self.table: frame}, sorted(problems, key=lambda p: p.line))

    def extract_batches(self, path: Path, ctx: ImportContext) -> Iterator[Extracted]:
        """The file in consecutive batches of rows, each checked on its own (every check is per row)."""
        # Free-text columns are stripped as they are read; the others only when a check fails (see
        # `CsvBlock`): a block with a problem is checked again, stripped, for the real messages.
        f = CsvFile(path, strip=[c.name for c in self.cols if c.kind == "text" and c.name in self.free_text])
        try:
            check_columns(f.table(), self.required, self.optional)
        except MbrError:
            f.close()
            raise
        rows = 0
        with read_ahead(f.blocks()) as blocks:  # the next block is read while this one is checked
            self._query(ctx, (*f.header, "source_line"), True)  # built while the first block is read
            for block in blocks:
                got = None if block.problems else self._one_pass(path, ctx, block.frame)
                if got is None:
                    got = self._batch(path, ctx, block.frame, block.problems)
                    if got.problems and block.partial:
                        block = block.complete()
                        got = self._batch(path, ctx, block.frame, block.problems)
                rows += block.frame.height + len(block.problems)
                del block  # the raw block is not kept while its rows wait to be handed over
                yield got
        if rows == 0:
            raise MbrError(f"{path}:{f.header_line}: the file has a header but no rows")

    def _one_pass(self, path: Path, ctx: ImportContext, raw: pl.DataFrame) -> Extracted | None:
        """The batch parsed, checked and normalised in a few Polars queries, as `_batch` would give
        it, when none of its rows has a problem; None when one has (`_batch` then finds and words
        them).

        Money and date columns are first read in their plain form only (`-1234.56`, `2026-01-31`);
        when a value is in another form (`$1,234.56`, `01/31/2026`), the batch is read again with
        every form the contract allows."""
        for plain in (True, False):
            q = self._query(ctx, tuple(raw.columns), plain)
            df = _run(raw.lazy(), q.parse).collect(**_SMALL)
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
            table = got.pop(0) if q.finish else df.drop("_parse_bad", "_check_bad", *q.helpers)
            if any(g.item() for g in got):
                return None
            return Extracted(self.name, {self.table: table}, [])
        return None

    def _query(self, ctx: ImportContext, columns: tuple[str, ...], plain: bool) -> _OnePass:
        """The queries of `_one_pass` over raw columns `columns`. They depend only on the header and
        the profile, so they are built once for all the batches of a file."""
        plan = check_plan(self.table, ctx.profile)
        key = (self.name, columns, plain)
        got = _QUERIES.get(key)
        if got is not None and got[0] is plan:
            return got[1]
        keyed = plan.keyed()
        exprs, parse_bad = column_exprs(columns, self.cols, plain=None if plain else ())
        names = [c.target or c.name for c in self.cols]
        parsed = [(pl.col(f"parsed::{c.name}").fill_null(False) if c.kind == "flag" else pl.col(f"parsed::{c.name}"))
                  .alias(n) for c, n in zip(self.cols, names, strict=True)]
        keep = [*names, "source_line", "_parse_bad"]

        def over(exprs: tuple[pl.Expr, ...], *kept: str) -> list[pl.Expr | str]:  # `exprs` replace or add columns
            out = {e.meta.output_name() for e in exprs}
            return [*[n for n in kept if n not in out], *exprs]

        parse: list[list[pl.Expr | str]] = [[*columns, *exprs], [*parsed, "source_line", parse_bad.alias("_parse_bad")]]
        if keyed.prepare:
            parse.append(over(keyed.prepare, *keep))
        check: list[pl.Expr | str] = [*keep, *keyed.helpers, keyed.bad().alias("_check_bad")]
        scoped_reads = {r for sc, ch in keyed.scoped for x in (sc, *[c[0] for c in ch]) for r in x.meta.root_names()}
        finish: list[list[pl.Expr | str]] | None
        if not scoped_reads & {e.meta.output_name() for e in plan.finish}:
            # The checks and the normalising read the same columns, so one select does both.
            parse.append([*self._normalised(parse, columns, plan.finish, names),
                          "_parse_bad", check[-1], *keyed.helpers])
            finish = None
        else:
            parse.append(check)
            finish = [[*self._normalised(parse, columns, plan.finish, names)]]
        q = _OnePass(
            parse=parse,
            scoped=[(scope.fill_null(False), pl.any_horizontal([e.fill_null(False) for e, _, _ in checks]))
                    for scope, checks in keyed.scoped],
            finish=finish, helpers=keyed.helpers)
        _QUERIES[key] = (plan, q)
        return q

    def _normalised(self, stages: list[list[pl.Expr | str]], columns: tuple[str, ...],
                    finish: tuple[pl.Expr, ...], present: list[str]) -> list[pl.Expr]:
        """`_table_columns` of what `stages` give, normalised by `finish`, cast only where the type
        is not already the table's (found on an empty frame of the raw columns)."""
        empty = pl.DataFrame(schema={c: pl.Int64 if c == "source_line" else pl.String for c in columns})
        got = _run(empty.lazy(), stages).select(self._table_columns(present, finish)).collect_schema()
        return self._table_columns(present, finish, got)

    def _table_columns(self, present: list[str], finish: tuple[pl.Expr, ...] = (),
                       types: pl.Schema | None = None) -> list[pl.Expr]:
        """The ledger table's columns (nulls for those the file has not; `finish` replaces those it
        makes), each cast to the table's type unless `types` says it has it already, and
        `source_line`."""
        t = TABLES[self.table]
        made = {e.meta.output_name(): e for e in finish}
        out = []
        for c, ty in t.columns.items():
            if c not in present:
                out.append(pl.lit(None, dtype=ty).alias(c))
            elif types is not None and types[c] == ty:
                out.append(made.get(c, pl.col(c)))
            else:
                out.append(made.get(c, pl.col(c)).cast(ty).alias(c))
        return [*out, pl.col("source_line")]

    def _batch(self, path: Path, ctx: ImportContext, raw: pl.DataFrame, problems: list[InputProblem]) -> Extracted:
        parsed, more = parse_frame(raw, self.cols, path)
        problems = problems + more
        parsed = parsed.with_columns([pl.col(c.name).fill_null(False) for c in self.cols if c.kind == "flag"])
        if problems:
            bad_lines = sorted({p.line for p in problems})
            ok = parsed.filter(~pl.col("source_line").is_in(bad_lines))
        else:
            ok = parsed
        checked, more = VALIDATORS[self.table](ok, ctx.profile, path)
        problems += more
        if not problems:
            parsed = checked
        frame = parsed.select(self._table_columns(parsed.columns))
        return Extracted(self.name, {self.table: frame}, sorted(problems, key=lambda p: p.line))


def _c(name: str, kind: str = "text", required: bool = True, **kw: object) -> Col:
    return Col(name, kind, required, **kw)  # type: ignore[arg-type]


PAYROLL = ContractCsv("payroll", "Payroll deductions (contract format)", "payroll", [
    _c("pay_date", "date"), _c("person"), _c("plan"), _c("gross_pay", "money"),
    _c("plan_compensation", "money"), _c("fica_wages", "money"), _c("pretax_401k", "money"),
    _c("roth_401k", "money"), _c("after_tax_401k", "money"), _c("employer_match", "money"),
    _c("employer_nonelective", "money", False),
])

ACTIVITY = ContractCsv("activity", "Plan and IRA activity (contract format)", "events", [
    _c("date", "date"), _c("person"), _c("account"), _c("kind"), _c("source", "text", True, allow_empty=True),
    _c("amount", "money"), _c("basis", "money", False), _c("taxable", "money", False),
    _c("destination", "text", False), _c("for_year", "int", False), _c("memo", "text", False),
], free_text=("memo",))

FORM_1099R = ContractCsv("1099r", "Forms 1099-R received (contract format)", "form_1099r", [
    _c("tax_year", "int"), _c("person"), _c("payer_account"), _c("box1", "money"), _c("box2a", "money"),
    _c("box5", "money"), _c("box7"), _c("box2b_not_determined", "flag", False),
    _c("box2b_total", "flag", False), _c("box4", "money", False),
    _c("ira_sep_simple", "flag", False), _c("form_id", "text", False),
], free_text=("form_id",))

W2 = ContractCsv("w2", "Forms W-2 received (contract format)", "w2", [
    _c("tax_year", "int"), _c("person"), _c("plan"), _c("box1", "money"), _c("box3", "money"),
    _c("box12_d", "money"), _c("box12_aa", "money"),
])

CONTRACT_IMPORTERS = [PAYROLL, ACTIVITY, FORM_1099R, W2]
