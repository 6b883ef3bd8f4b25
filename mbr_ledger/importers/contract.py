"""The four input formats fixed by the contract: payroll, activity, 1099r, w2."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..core.errors import InputProblem, MbrError
from ..tuning import paths
from ..tuning.threads import read_ahead
from . import onepass
from .base import Extracted, ImportContext, Sniff
from .blocks import CsvFile
from .tabular import MAX_PROBLEMS, Col, check_columns, parse_frame_counted
from .validate import check_plan, table_columns


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
        """The file in consecutive batches of rows, each checked on its own (every check is per row).

        On the fast path (`tuning.paths.FAST_IMPORT`), free-text columns are stripped as they are
        read and the others only when a check fails (see `CsvBlock`): a block with a problem is
        checked again, stripped, for the real messages; a block without one goes through
        `onepass`. Otherwise every block is read by the csv module and checked step by step."""
        fast = paths.FAST_IMPORT
        free = [c.name for c in self.cols if c.kind == "text" and c.name in self.free_text]
        f = CsvFile(path, strip=free if fast else None, fast=fast)
        try:
            check_columns(f.table(), self.required, self.optional)
        except MbrError:
            f.close()
            raise
        rows = 0
        count = listed = 0  # problems found and problems worded in the batches
        kept: list[InputProblem] = []
        with read_ahead(f.blocks()) as blocks:  # the next block is read while this one is checked
            if fast:  # the queries are built while the first block is read
                self._query(ctx, (*f.header, "source_line"), True)
            for block in blocks:
                got = None if block.problems or not fast else self._one_pass(path, ctx, block.frame)
                found = 0
                if got is None:
                    got, found = self._batch_counted(path, ctx, block.frame, block.problems)
                    if got.problems and block.partial:
                        block = block.complete()
                        got, found = self._batch_counted(path, ctx, block.frame, block.problems)
                rows += block.frame.height + len(block.problems)
                del block  # the raw block is not kept while its rows wait to be handed over
                count += found
                listed += len(got.problems)
                kept += got.problems[: max(0, MAX_PROBLEMS - len(kept))]
                yield got
        if rows == 0:
            raise MbrError(f"{path}:{f.header_line}: the file has a header but no rows")
        if count > listed:
            # A batch worded only its first problems: the file's headline counts them all, the same
            # however the file was cut into batches.
            raise MbrError(f"{path}: {count} problem(s); nothing was imported", sorted(kept, key=lambda p: p.line))

    def _one_pass(self, path: Path, ctx: ImportContext, raw: pl.DataFrame) -> Extracted | None:
        """`onepass.one_pass` of the block: what `_batch` gives when no row has a problem, else None."""
        table = onepass.one_pass(self.name, self.table, self.cols, ctx.profile, raw)
        return None if table is None else Extracted(self.name, {self.table: table}, [])

    def _query(self, ctx: ImportContext, columns: tuple[str, ...], plain: bool) -> onepass.OnePass:
        return onepass.query(self.name, self.table, self.cols, ctx.profile, columns, plain)

    def _batch(self, path: Path, ctx: ImportContext, raw: pl.DataFrame, problems: list[InputProblem]) -> Extracted:
        return self._batch_counted(path, ctx, raw, problems)[0]

    def _batch_counted(self, path: Path, ctx: ImportContext, raw: pl.DataFrame,
                       problems: list[InputProblem]) -> tuple[Extracted, int]:
        """`_batch`, and how many problems the batch has in all (only the first are worded)."""
        parsed, more, total = parse_frame_counted(raw, self.cols, path)
        total += len(problems)
        problems = problems + more
        parsed = parsed.with_columns([pl.col(c.name).fill_null(False) for c in self.cols if c.kind == "flag"])
        if problems:
            bad_lines = sorted({p.line for p in problems})
            ok = parsed.filter(~pl.col("source_line").is_in(bad_lines))
        else:
            ok = parsed
        checked, more, n = check_plan(self.table, ctx.profile).run_counted(ok, path)
        problems += more
        total += n
        if not problems:
            parsed = checked
        frame = parsed.select(table_columns(self.table, parsed.columns))
        return Extracted(self.name, {self.table: frame}, sorted(problems, key=lambda p: p.line)), total


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
    _c("reason", "text", False), _c("completed", "date", False),
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
