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
import functools
import tomllib
from pathlib import Path

import polars as pl

from ..core.errors import InputProblem, MbrError
from ..core.money import from_cents
from ..profile import ALL_SOURCES, CsvMapping, Ira, MappingRule, Plan, Profile, parse_mapping
from .base import Extracted, ImportContext, Sniff, merge_left_out
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
from .real.sources import kind_action, source_for
from .tabular import MAX_PROBLEMS, Col, decode, to_frame
from .validate import validate_events

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


def blank_placeholders(raw: pl.DataFrame, placeholders: tuple[str, ...]) -> pl.DataFrame:
    """Cells holding a placeholder (`--`, `n/a`, ..., compared without case) read as empty."""
    if not placeholders:
        return raw
    words = [w.casefold() for w in placeholders]
    text = [c for c, t in raw.schema.items() if t == pl.String]
    return raw.with_columns([pl.when(pl.col(c).str.to_lowercase().is_in(words)).then(pl.lit("")).otherwise(pl.col(c))
                             .alias(c) for c in text])


def _rule_hits(raw: pl.DataFrame, rule: MappingRule) -> pl.Expr:
    """The rows whose `rule.column` cell the rule's regular expression is found in (Python's `re`)."""
    values = [v for v in raw[rule.column].unique().to_list() if v is not None and rule.pattern.search(v)]
    return pl.col(rule.column).is_in(values)


def decide_rows(path: Path, raw: pl.DataFrame, spec: CsvMapping) -> tuple[pl.DataFrame, list[InputProblem]]:
    """Each row's kind (`_action`), the source a rule gives it (`_source`) and, without a kind
    column, the text the deciding rule matched (`_word`), by `source_line`.

    The first rule that matches and sets a kind decides the kind; the first that matches and sets
    a source decides the source. A row no rule decides takes the kind of its word (`kinds`, then
    the built-in words). With rules, a row nothing decides is a problem naming its value; without,
    the word is left for the usual *unknown transaction type* problem."""
    kind_col = spec.columns.get("kind")
    first = [pl.lit(None, dtype=pl.String)]
    kind_rules = [r for r in spec.rules if r.kind]
    src_rules = [r for r in spec.rules if r.source]
    hits = {id(r): _rule_hits(raw, r) for r in spec.rules}
    rule_kind = pl.coalesce([*(pl.when(hits[id(r)]).then(pl.lit(r.kind)) for r in kind_rules), *first])
    rule_src = pl.coalesce([*(pl.when(hits[id(r)]).then(pl.lit(r.source)) for r in src_rules), *first])
    rule_word = pl.coalesce([*(pl.when(hits[id(r)]).then(pl.col(r.column)) for r in kind_rules), *first])
    if kind_col:
        words = {w: kind_action(w, spec.kinds) for w in raw[kind_col].unique().to_list() if w is not None}
        by_word = pl.col(kind_col).replace_strict(words, default=None, return_dtype=pl.String)
    else:
        by_word = pl.lit(None, dtype=pl.String)
    looked_at = list(dict.fromkeys([*([kind_col] if kind_col else []), *(r.column for r in kind_rules)]))
    out = raw.select(pl.col("source_line"), pl.coalesce(rule_kind, by_word).alias("_action"),
                     rule_src.alias("_source"), rule_word.alias("_word"), *(pl.col(c) for c in looked_at))
    keep = ["source_line", "_action", "_source", "_word"]
    if not spec.rules:
        return out.select(keep), []
    bad = out.filter(pl.col("_action").is_null())
    problems = []
    for row in bad.head(MAX_PROBLEMS).iter_rows(named=True):
        values = ", ".join(f"{c} {row[c]!r}" for c in looked_at)
        problems.append(InputProblem(str(path), row["source_line"], f"no rule of {spec.where} ([[mapping.rules]]) "
                                     f"and no [mapping.kinds] entry decides the kind of this row ({values}); add a "
                                     f"rule or a kinds entry for it", looked_at[0]))
    return out.filter(pl.col("_action").is_not_null()).select(keep), problems


def apply_signs(path: Path, df: pl.DataFrame, signs: dict[str, str], column: str
                ) -> tuple[pl.DataFrame, list[InputProblem]]:
    """`signs`: for a file that writes a kind's amounts without a sign, the sign they have.

    The amount becomes its absolute value with the sign given. A file that writes an amount of
    the kind negative (a minus or parentheses) says the sign itself, so an amount against the
    sign given is a problem, never flipped quietly: with `+`, any negative amount; with `-`, a
    positive amount when other amounts of the kind are written negative (a refund, a reversal)."""
    if not signs or df.height == 0:
        return df, []
    plus = [k for k, v in signs.items() if v == "+"]
    minus = [k for k, v in signs.items() if v == "-"]
    signed_minus = df.filter(pl.col("_action").is_in(minus) & (pl.col("amount") < 0))["_action"].unique().to_list()
    bad = df.filter((pl.col("_action").is_in(plus) & (pl.col("amount") < 0))
                    | (pl.col("_action").is_in(signed_minus) & (pl.col("amount") > 0)))
    problems = []
    for ln, kind, cents in bad.select("source_line", "_action", "amount").head(MAX_PROBLEMS).iter_rows():
        if cents < 0:
            why = f"the amount is written negative ({from_cents(cents)}) but signs.{kind} = \"+\""
        else:
            why = (f"the amount is written positive ({from_cents(cents)}) but signs.{kind} = \"-\" and other "
                   f"{kind} rows of this file are written negative")
        problems.append(InputProblem(str(path), ln, f"{why}: the file gives this row its own sign; check the row, "
                                                    f"or remove {kind} from signs", column))
    out = df.filter(~pl.col("source_line").is_in(bad["source_line"].to_list())).with_columns(
        pl.when(pl.col("_action").is_in(minus)).then(-pl.col("amount").abs())
        .when(pl.col("_action").is_in(plus)).then(pl.col("amount").abs())
        .otherwise(pl.col("amount")).alias("amount"))
    return out, problems


def merge_extracted(fmt: str, parts: list[Extracted]) -> Extracted:
    """One result from the batches of one file: events in file order, problems, notes and the
    rows left out (when the results count them)."""
    frame = pl.concat([p.tables["events"] for p in parts], how="vertical_relaxed").sort("source_line",
                                                                                       maintain_order=True)
    return Extracted(fmt, {"events": frame}, sorted([q for p in parts for q in p.problems],
                                                    key=lambda q: (q.line, q.column or "")),
                     [n for p in parts for n in p.notes], merge_left_out([g for p in parts for g in p.left_out]),
                     sum(p.rows_read() for p in parts))


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
        raw = blank_placeholders(raw, spec.placeholders)
        role_col = dict(spec.columns)
        decided, more = decide_rows(path, raw, spec)
        problems += more
        frame = raw.select([pl.col(c).alias(role) for role, c in role_col.items()] + [pl.col("source_line")])
        if "kind" not in role_col:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("kind"))
        frame = frame.join(decided, on="source_line", how="inner").with_columns(
            pl.coalesce(pl.col("kind"), pl.col("_word"), pl.lit("")).alias("kind")).drop("_word")
        date_kind = "date"
        if spec.date_format:
            frame, more = self._dates(path, frame, spec.date_format, role_col["date"])
            problems += more
            date_kind = "parsed"
        kinds = {"date": date_kind, "amount": "money"}
        cols = []
        for role in [*role_col, *(["kind"] if "kind" not in role_col else [])]:
            kind = kinds.get(role, "text")
            if kind == "parsed":
                continue
            required = role in ("amount", "date") or (role == "kind" and not spec.rules)
            cols.append(Col(role, kind, required=required, allow_empty=not required, target=ROLE_TARGET[role]))
        parsed, more = parse_fund_rows(path, frame, cols, shares_column=role_col.get("shares"))
        problems += [dataclasses.replace(p, column=role_col.get(p.column or "", p.column)) for p in more]
        parsed = parsed.join(frame.select("source_line", "_action", "_source"), on="source_line", how="left")
        if spec.date_format:
            parsed = parsed.join(frame.select("source_line", "date"), on="source_line", how="inner")
        if spec.negate:
            parsed = parsed.with_columns(-pl.col("amount"))
        parsed, more = apply_signs(path, parsed, spec.signs, role_col["amount"])
        problems += more
        ira = self._ira(ctx)
        if ira is not None:
            return self._ira_events(path, ctx, ira, parsed, problems, role_col)
        parsed, more = self._plans(path, ctx, parsed, role_col.get("plan"))
        problems += more
        return self._events(path, ctx, parsed, problems, role_col, ctx.profile)

    def _events(self, path: Path, ctx: ImportContext, parsed: pl.DataFrame, problems: list[InputProblem],
                role_col: dict[str, str], profile: Profile, default_source: str | None = None) -> Extracted:
        """`fund_events` on the rows, each with the kind the rules or the words gave it.

        A word is one kind unless rules say otherwise row by row; then the rows are read in one
        batch per kind (all the exchanges of a day stay in one batch, so they still net)."""
        spec = self.spec
        by_rule = parsed["_source"].is_not_null().any()
        rows = ensure_columns(parsed).with_columns(parsed["_action"], parsed["_source"])
        rows = rows.with_columns(pl.when(pl.col("_source").is_not_null()).then(pl.col("_source"))
                                   .otherwise(pl.col("source_name")).alias("source_name"))
        sources = {**spec.sources, **{s: s for s in ALL_SOURCES}} if by_rule else spec.sources
        pairs = rows.select("word", "_action").unique()
        run_ctx = ImportContext(profile, ctx.person, ctx.plan, ctx.source, ctx.mapping) \
            if profile is not ctx.profile else ctx
        common = dict(has_source_column="source" in role_col or bool(by_rule), sources=sources,
                      word_column=role_col.get("kind") or (spec.rules[0].column if spec.rules else "kind"),
                      source_column=role_col.get("source", "source"), default_source=default_source or spec.source)
        if pairs["word"].n_unique() == pairs.height:  # each word one kind: the usual case
            kinds = {w: a for w, a in pairs.iter_rows() if a is not None} if spec.rules else dict(spec.kinds)
            return fund_events(path, self.name, run_ctx, ensure_columns(rows), problems=problems, kinds=kinds,
                               **common)  # type: ignore[arg-type]
        parts = []
        for i, (action,) in enumerate(rows.select("_action").unique(maintain_order=True).iter_rows()):
            part = rows.filter(pl.col("_action") == action)
            kinds = {w: action for w in part["word"].unique().to_list()}
            parts.append(fund_events(path, self.name, run_ctx, ensure_columns(part), problems=problems if i == 0
                                     else [], kinds=kinds, **common))  # type: ignore[arg-type]
        return merge_extracted(self.name, parts)

    def _ira(self, ctx: ImportContext) -> Ira | None:
        """The IRA the mapping's `account` names (None when it names a plan, or --plan is given)."""
        if ctx.plan or not self.spec.account:
            return None
        ira = ctx.profile.ira(self.spec.account)
        if ira is None:
            if ctx.profile.plan(self.spec.account) is None:
                raise MbrError(f"{self.spec.where}.account: unknown account {self.spec.account!r} (plans and IRAs: "
                               f"{', '.join(sorted(ctx.profile.account_ids())) or 'none in mbr.toml'})")
            return None
        if ctx.person and ira.person != ctx.person:
            raise MbrError(f"{self.spec.where}.account: {ira.id!r} belongs to {ira.person!r}, not to --person "
                           f"{ctx.person}")
        return ira

    def _ira_events(self, path: Path, ctx: ImportContext, ira: Ira, parsed: pl.DataFrame,
                    problems: list[InputProblem], role_col: dict[str, str]) -> Extracted:
        """Rows of an IRA: read as the rows of one plan, then given the IRA's sources (a contribution's
        source only: nondeductible, deductible or roth; the other rows have none) and checked as IRA rows."""
        spec = self.spec
        contribution_source: dict[int, str] = {}
        fixed = ctx.source or spec.source or ("roth" if ira.type == "roth" else None)
        names = pl.col("source_name") if "source_name" in parsed.columns else pl.lit(None, dtype=pl.String)
        for line, action, rule_src, name in parsed.select("source_line", "_action", "_source",
                                                          names.alias("n")).iter_rows():
            if action != "contribution":
                continue
            src = rule_src or (source_for(name, None, spec.sources) if name else None) or fixed
            if src is None:
                problems = [*problems, InputProblem(
                    str(path), line, f"the source of this contribution to IRA {ira.id!r} is unknown: give "
                    f"--source nondeductible (or deductible, roth), or set source in {spec.where}",
                    role_col.get("source") or role_col["amount"])]
            else:
                contribution_source[line] = src
        as_plan = Plan(id=ira.id, person=ira.person, employer=f"IRA {ira.id}", employer_group=f"IRA {ira.id}")
        stand_in = dataclasses.replace(ctx.profile, plans=(*ctx.profile.plans, as_plan),
                                       iras=tuple(i for i in ctx.profile.iras if i.id != ira.id))
        rows = parsed.with_columns(pl.lit(ira.id, dtype=pl.String).alias("plan"),
                                   pl.lit(None, dtype=pl.String).alias("source_name"),
                                   pl.lit(None, dtype=pl.String).alias("_source"))
        plain = ImportContext(stand_in, ctx.person, None, None, ctx.mapping)
        spec_no_src = dataclasses.replace(spec, source=None, sources={}, columns={
            k: v for k, v in spec.columns.items() if k != "source"})
        ex = MappedCsv(spec_no_src)._events(path, plain, rows, problems, {k: v for k, v in role_col.items()
                                                                          if k != "source"},
                                            stand_in, default_source="pretax")
        ev = ex.tables["events"]
        ev = ev.with_columns(pl.when(pl.col("kind") == "contribution")
                             .then(pl.col("source_line").replace_strict(contribution_source, default=None,
                                                                        return_dtype=pl.String))
                             .otherwise(None).alias("source"))
        flagged = [q.line for q in problems if q.line not in contribution_source]
        checked, more = validate_events(ev.filter(~((pl.col("kind") == "contribution")
                                                    & pl.col("source_line").is_in(flagged))), ctx.profile, path)
        ex.problems = sorted([*ex.problems, *more], key=lambda p: (p.line, p.column or ""))
        ex.tables["events"] = checked if not ex.problems else ev
        return ex

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
            elif self.spec.plan or self.spec.account:
                plan_id = self.spec.plan or self.spec.account or ""
                if ctx.profile.plan(plan_id) is None:
                    key = "plan" if self.spec.plan else "account"
                    raise MbrError(f"{self.spec.where}.{key}: unknown plan {plan_id!r}")
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
            dict(extra), "mapping[0]", "--mapping file", plan_ids=[p.id for p in profile.plans],
            ira_ids=[i.id for i in profile.iras])
        return [spec]
    return list(profile.mappings)


SHIPPED_DIR = Path(__file__).resolve().parent.parent / "data" / "mappings"


@functools.cache
def shipped_specs() -> tuple[CsvMapping, ...]:
    """The mappings shipped with mbr_ledger (data/mappings/*.toml), for layouts whose headers are public."""
    out = []
    for f in sorted(SHIPPED_DIR.glob("*.toml")):
        doc = tomllib.loads(f.read_text(encoding="utf-8"))
        for i, t in enumerate(doc.get("mapping", [])):
            out.append(parse_mapping(t, f"mapping[{i}]", f"{f.name} (shipped with mbr_ledger)"))
    return tuple(out)


class ShippedCsv(MappedCsv):
    """A shipped mapping: it claims a file only when none of the book's own mappings does (and a
    mapping of the book with its name replaces it)."""

    def __init__(self, spec: CsvMapping, own: list[MappedCsv]):
        super().__init__(spec)
        self.own = own

    def identify(self, sniff: Sniff) -> bool:
        return super().identify(sniff) and not any(m.identify(sniff) for m in self.own)


def mapping_importers(ctx: ImportContext, builtin_names: set[str] | None = None) -> list[MappedCsv]:
    """One importer per mapping in force; a mapping may not take a built-in format's name."""
    out = []
    for spec in mapping_specs(ctx.profile, ctx.mapping):
        if builtin_names and spec.name in builtin_names:
            raise MbrError(f"{spec.where}.name: {spec.name!r} is the name of a built-in format; choose another")
        out.append(MappedCsv(spec))
    return out


def shipped_importers(own: list[MappedCsv]) -> list[MappedCsv]:
    """The shipped mappings that none of the mappings in force (`own`) replaces by name."""
    names = {m.name for m in own}
    return [ShippedCsv(spec, own) for spec in shipped_specs() if spec.name not in names]


class AnyMappedCsv:
    """`--from mapping`: read a file with whichever [[mapping]] recognises its header."""

    name = "mapping"
    title = "Any other CSV, read by a [[mapping]] table (mbr.toml or --mapping FILE)"
    signature = "the header columns its [[mapping]] names (use --from mapping, or the mapping's name)"

    def identify(self, sniff: Sniff) -> bool:
        return False  # a mapping lives in the book's profile, which identify() cannot see

    def extract(self, path: Path, ctx: ImportContext) -> Extracted:
        from . import sniff

        own = mapping_importers(ctx)
        found = [*own, *shipped_importers(own)]
        s = sniff(path)
        if not any(m.identify(s) for m in found if isinstance(m, ShippedCsv)) and \
                not any(not isinstance(m, ShippedCsv) for m in found):
            raise MbrError(f"{path}: no [[mapping]] table in mbr.toml and no --mapping FILE; "
                           f"see the README, section Importing the files to write one")
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
