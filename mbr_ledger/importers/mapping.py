"""Any CSV, read by a `[[mapping]]` table (in mbr.toml, or a TOML file named by `--mapping`).

In the spirit of hledger's CSV rules, a mapping says which column holds the date, amount,
transaction word, money source, fund, shares, memo and plan, and what the recordkeeper's words
mean. It needs no code, so an Empower, Schwab, Principal or Alight export can be imported as
soon as someone writes its mapping. Example (the README, section Importing the files has the worked one)::

    [[mapping]]
    name = "plan-history"
    date_format = "%m/%d/%Y %I:%M:%S %p"
    [mapping.columns]
    date = "Transaction Date"
    amount = "Amount"
    kind = "Activity"
    source = "Contribution"
    fund = "Investment"
    [mapping.kinds]
    "Cash Receipts" = "contribution"
    "Purchase" = "exchange"

The file is identified by its header row holding every column the mapping names (searched for
in the first lines, so a preamble is fine). Rows go through the same pipeline as the built-in
fund-level formats: money-source names map through the mapping's `sources`, the plan's
`source_names` and the built-in table; words through the mapping's `kinds` and the built-in table.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from ..core.errors import InputProblem, MbrError
from ..profile import CsvMapping, Profile, parse_mapping
from .base import Extracted, ImportContext, Sniff
from .real.common import (
    ensure_columns,
    find_header,
    fund_events,
    norm_text,
    parse_fund_rows,
    physical_lines,
    resolve_plan,
    table_after_header,
)
from .tabular import Col, decode, to_frame

ROLE_TARGET = {"date": "date", "amount": "amount", "kind": "word", "source": "source_name", "fund": "fund",
               "shares": "shares", "memo": "memo", "plan": "plan"}


def _decode(path: Path, data: bytes, encoding: str) -> str:
    if encoding == "utf-8":
        return decode(path, data)
    if b"\x00" in data[:65536]:
        raise MbrError(f"{path}:1: this is a binary file, not a CSV text file")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise MbrError(f"{path}:{line}: not {encoding} text: byte 0x{data[exc.start]:02x}") from None


class MappedCsv:
    """The importer one [[mapping]] table describes."""

    def __init__(self, spec: CsvMapping):
        self.spec = spec
        self.name = spec.name
        self.title = spec.title or f"CSV read by the [[mapping]] {spec.name!r}"
        self.signature = ",".join(spec.header_names)

    def _is_header(self, fields: list[str]) -> bool:
        return set(self.spec.header_names) <= set(fields)

    def identify(self, sniff: Sniff) -> bool:
        try:
            text = sniff.head.decode("utf-8-sig" if self.spec.encoding == "utf-8" else self.spec.encoding,
                                     errors="replace")
        except LookupError:  # pragma: no cover - the encoding is validated with the profile
            return False
        return find_header(physical_lines(text), self._is_header, self.spec.delimiter) is not None

    def extract(self, path: Path, ctx: ImportContext) -> Extracted:
        spec = self.spec
        text = _decode(path, path.read_bytes(), spec.encoding)
        idx = find_header(physical_lines(text), self._is_header, spec.delimiter)
        if idx is None:
            raise MbrError(f"{path}: no header row with the columns of {spec.where} ({', '.join(spec.header_names)}) "
                           f"in the first lines")
        table = table_after_header(path, text, idx, delimiter=spec.delimiter, stop_at_blank=spec.stop_at_blank,
                                   stop=spec.footer)
        raw, problems = to_frame(table)
        role_col = dict(spec.columns)
        frame = raw.select([pl.col(c).alias(role) for role, c in role_col.items()] + [pl.col("source_line")])
        date_kind = "date"
        if spec.date_format:
            frame, more = self._dates(path, frame, spec.date_format, role_col["date"])
            problems += more
            date_kind = "parsed"
        kinds = {"date": date_kind, "amount": "money"}
        cols = []
        for role in role_col:
            kind = kinds.get(role, "text")
            if kind == "parsed":
                continue
            required = role in ("amount", "kind") or (role == "date")
            cols.append(Col(role, kind, required=required, allow_empty=not required, target=ROLE_TARGET[role]))
        parsed, more = parse_fund_rows(path, frame, cols, shares_column=role_col.get("shares"))
        problems += [dataclasses.replace(p, column=role_col.get(p.column or "", p.column)) for p in more]
        if spec.date_format:
            parsed = parsed.join(frame.select("source_line", "date"), on="source_line", how="inner")
        if spec.negate:
            parsed = parsed.with_columns(-pl.col("amount"))
        parsed, more = self._plans(path, ctx, parsed, role_col.get("plan"))
        problems += more
        return fund_events(path, self.name, ctx, ensure_columns(parsed), problems=problems,
                           has_source_column="source" in role_col, kinds=spec.kinds, sources=spec.sources,
                           word_column=role_col["kind"], source_column=role_col.get("source", "source"),
                           default_source=spec.source)

    @staticmethod
    def _dates(path: Path, frame: pl.DataFrame, fmt: str, column: str) -> tuple[pl.DataFrame, list[InputProblem]]:
        text = pl.col("date").str.strip_chars()
        parsed = frame.with_columns(text.str.to_datetime(fmt, strict=False).dt.date().alias("_d"))
        bad = parsed.filter(pl.col("_d").is_null())
        problems = [InputProblem(str(path), ln, f"not a date in the format {fmt!r}: {v!r}" if v else "value is required",
                                 column) for ln, v in bad.select("source_line", "date").head(200).iter_rows()]
        out = parsed.filter(pl.col("_d").is_not_null()).with_columns(pl.col("_d").alias("date")).drop("_d")
        return out, problems

    def _plans(self, path: Path, ctx: ImportContext, df: pl.DataFrame, column: str | None
               ) -> tuple[pl.DataFrame, list[InputProblem]]:
        if column is None:
            if ctx.plan:
                plan_id = resolve_plan(path, ctx).id
            elif self.spec.plan:
                plan_id = self.spec.plan
                if ctx.profile.plan(plan_id) is None:
                    raise MbrError(f"{self.spec.where}.plan: unknown plan {plan_id!r}")
            else:
                plan_id = resolve_plan(path, ctx, said=f"nothing about its plan ({self.spec.where} has no plan)").id
            return df.with_columns(pl.lit(plan_id, dtype=pl.String).alias("plan")), []
        lookup: dict[str, str] = {}
        problems = []
        for value in df["plan"].drop_nulls().unique().to_list():
            plan = next((p for p in ctx.profile.plans if value == p.id or (p.plan_name and norm_text(p.plan_name)
                                                                          == norm_text(value))), None)
            if plan is None:
                first = df.filter(pl.col("plan") == value)["source_line"].min()
                problems.append(InputProblem(str(path), int(first) if isinstance(first, int) else 0,
                                             f"unknown plan {value!r}: write a plan id, or set plan_name = {value!r} "
                                             f"on the plan in mbr.toml", column))
            else:
                lookup[value] = plan.id
        empty = df.filter(pl.col("plan").is_null())
        problems += [InputProblem(str(path), ln, "the plan is empty", column) for ln in empty["source_line"].to_list()]
        out = df.filter(pl.col("plan").is_not_null()).with_columns(
            pl.col("plan").replace_strict(lookup, default=None, return_dtype=pl.String))
        return out.filter(pl.col("plan").is_not_null()), problems


def mapping_specs(profile: Profile, extra: dict[str, object] | CsvMapping | None = None) -> list[CsvMapping]:
    """The mappings in force: the one given with --mapping (checked here), else the profile's."""
    if extra is not None:
        spec = extra if isinstance(extra, CsvMapping) else parse_mapping(
            dict(extra), "mapping[0]", "--mapping file", plan_ids=[p.id for p in profile.plans])
        return [spec]
    return list(profile.mappings)


def mapping_importers(ctx: ImportContext, builtin_names: set[str] | None = None) -> list[MappedCsv]:
    """One importer per mapping in force; a mapping may not take a built-in format's name."""
    out = []
    for spec in mapping_specs(ctx.profile, ctx.mapping):
        if builtin_names and spec.name in builtin_names:
            raise MbrError(f"{spec.where}.name: {spec.name!r} is the name of a built-in format; choose another")
        out.append(MappedCsv(spec))
    return out


class AnyMappedCsv:
    """`--from mapping`: read a file with whichever [[mapping]] recognises its header."""

    name = "mapping"
    title = "Any other CSV, read by a [[mapping]] table (mbr.toml or --mapping FILE)"
    signature = "the header columns its [[mapping]] names (use --from mapping, or the mapping's name)"

    def identify(self, sniff: Sniff) -> bool:
        return False  # a mapping lives in the book's profile, which identify() cannot see

    def extract(self, path: Path, ctx: ImportContext) -> Extracted:
        from . import sniff

        found = mapping_importers(ctx)
        if not found:
            raise MbrError(f"{path}: no [[mapping]] table in mbr.toml and no --mapping FILE; "
                           f"see the README, section Importing the files to write one")
        s = sniff(path)
        claims = [m for m in found if m.identify(s)]
        if len(claims) > 1:
            raise MbrError(f"{path}: more than one [[mapping]] claims this file "
                           f"({', '.join(m.name for m in claims)}); choose one with --from NAME")
        if not claims:
            first = next((ln for ln in s.lines if ln.strip()), "")[:200]
            wants = "; ".join(f"{m.name}: {m.signature}" for m in found)
            raise MbrError(f"{path}: no [[mapping]] recognises this file (its first line is {first!r}); "
                           f"the mappings look for a header row with: {wants}")
        return claims[0].extract(path, ctx)


ANY_MAPPED_CSV = AnyMappedCsv()
