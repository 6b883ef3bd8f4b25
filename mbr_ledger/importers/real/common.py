"""What the real-export importers share: finding a header in a preamble, naming the plan, and
turning fund-level rows (one per fund and money source) into ledger events.

Fund-level rows stay fund-level in the ledger (`fund` and `shares` filled), so a total per date,
account, kind and source is a group-by, and the fund detail can still be queried.
Exchanges and transfers between funds of one source are not contributions and move no basis:
they are netted per plan, date and source and left out (counted in the notes). A net that is not
zero is a problem, except one recognisable pattern: after-tax (or pre-tax) money leaving and the
same amount arriving in the Roth source on one day, which is an in-plan Roth conversion.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import polars as pl

from ...core.errors import InputProblem, MbrError
from ...core.money import from_cents
from ...core.schema import EVENTS, PAYROLL
from ...profile import PLAN_SOURCES, Plan
from ..base import Extracted, ImportContext, LeftOut, left_out_group
from ..tabular import MAX_PROBLEMS, Col, CsvTable, parse_exprs, parse_frame_counted, read_csv_table
from ..validate import check_plan
from .sources import kind_action, source_for, unknown_sources_message

HEADER_SCAN_LINES = 80
EVENT_ROW_COLUMNS = {"date": pl.Date, "word": pl.String, "fund": pl.String, "source_name": pl.String,
                     "amount": pl.Int64, "shares": pl.String, "plan": pl.String, "memo": pl.String,
                     "source_line": pl.Int64}


# ---------------------------------------------------------------- text and headers

def physical_lines(text: str) -> list[str]:
    """The file's lines as `csv` and line numbers count them (\\n, \\r\\n or \\r), without their ends."""
    return [ln.rstrip("\r\n") for ln in io.StringIO(text, newline="").readlines()]


def split_fields(line: str, delimiter: str = ",") -> list[str]:
    """One line read as CSV fields, stripped and unquoted (a broken quote gives the raw split)."""
    try:
        row = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        row = line.split(delimiter)
    return [c.strip().strip('"').strip() for c in row]


def find_header(lines: Iterable[str], test: Callable[[list[str]], bool], delimiter: str = ",",
                limit: int = HEADER_SCAN_LINES) -> int | None:
    """0-based index of the first of the first `limit` lines whose fields pass `test`."""
    for i, line in enumerate(lines):
        if i >= limit:
            break
        if line.strip() and test(split_fields(line, delimiter)):
            return i
    return None


def starts_with(fields: list[str], *names: str | tuple[str, ...]) -> bool:
    """The first fields are `names` in order (a tuple allows variants)."""
    if len(fields) < len(names):
        return False
    for got, want in zip(fields, names, strict=False):
        options = want if isinstance(want, tuple) else (want,)
        if got not in options:
            return False
    return True


def table_after_header(path: Path, text: str, header_index: int, *, delimiter: str = ",",
                       stop_at_blank: bool = True, stop: Iterable[str] = ()) -> CsvTable:
    """The CSV table whose header is physical line `header_index + 1`.

    With `stop_at_blank`, the table ends at the first blank line after it (the footer that
    follows is never read). A row with one trailing empty field more than the header has (the
    trailing comma of Fidelity's files) is trimmed.
    """
    body = text
    if stop_at_blank:
        buf = io.StringIO(text, newline="")
        offset = 0
        for i, line in enumerate(buf):
            if i > header_index and not line.strip():
                body = text[:offset]
                break
            offset += len(line)
    t = read_csv_table(path, body, header_line=header_index + 1, delimiter=delimiter, stop=stop)
    n = len(t.header)
    if t.header and t.header[-1] == "":
        t.header = t.header[:-1]
        n -= 1
    t.rows = [r[:n] if len(r) > n and not any(c.strip() for c in r[n:]) else r for r in t.rows]
    return t


def norm_text(s: str) -> str:
    return " ".join(s.split()).casefold()


# ---------------------------------------------------------------- plan and source

def resolve_plan(path: Path, ctx: ImportContext, hints: Iterable[str] = (), employers: Iterable[str] = (),
                 said: str = "") -> Plan:
    """The plan a file is for: --plan, else the plan whose `plan_name` (or employer) the file
    names, else the only plan (of --person, if given). Otherwise an error saying what to give."""
    prof = ctx.profile
    if ctx.plan:
        plan = prof.plan(ctx.plan)
        if plan is None:
            raise MbrError(f"--plan {ctx.plan}: unknown plan (plans in mbr.toml: "
                           f"{', '.join(p.id for p in prof.plans) or 'none'})")
        if ctx.person and plan.person != ctx.person:
            raise MbrError(f"--plan {plan.id} belongs to {plan.person!r}, not to --person {ctx.person}")
        return plan
    pool = prof.plans_of(ctx.person) if ctx.person else list(prof.plans)
    keys = {norm_text(h) for h in hints if h and h.strip()}
    found = [p for p in pool if p.plan_name and norm_text(p.plan_name) in keys]
    if not found:
        emp = {norm_text(e) for e in employers if e and e.strip()}
        found = [p for p in pool if norm_text(p.employer) in emp]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise MbrError(f"{path}: plans {', '.join(p.id for p in found)} all match what the file says "
                       f"({said or ', '.join(keys)}); give --plan")
    if len(pool) == 1:
        return pool[0]
    ids = ", ".join(p.id for p in pool) or "none in mbr.toml"
    name = next((h.strip() for h in hints if h and h.strip()), "")
    tip = f', or write plan_name = "{name}" in that plan\'s [[plan]] table in mbr.toml' if name else ""
    says = f" (the file says {said})" if said else ""
    raise MbrError(f"{path}: this file does not say which plan it is for{says}; give --plan (plans: {ids}){tip}")


def option_source(ctx: ImportContext, plan: Plan | None) -> str | None:
    """--source as a ledger source: a source itself, or a name the plan or the table maps."""
    if not ctx.source:
        return None
    src = source_for(ctx.source, plan)
    if src is None:
        raise MbrError(f"--source {ctx.source}: not a money source (sources: {', '.join(PLAN_SOURCES)}, or a name "
                       f"in the plan's source_names)")
    return src


# ---------------------------------------------------------------- fund-level rows -> events

def _word_problems(path: Path, df: pl.DataFrame, column: str, message: str) -> list[InputProblem]:
    out = []
    for row in (df.group_by("word").agg(pl.len().alias("n"), pl.col("source_line").min().alias("first"))
                .sort("first").iter_rows(named=True)):
        out.append(InputProblem(str(path), row["first"], message.format(word=row["word"], n=row["n"]), column))
    return out


def fund_events(path: Path, fmt: str, ctx: ImportContext, rows: pl.DataFrame, *, problems: list[InputProblem],
                has_source_column: bool, kinds: Mapping[str, str] | None = None,
                sources: Mapping[str, str] | None = None, word_column: str = "Transaction Type",
                source_column: str = "source", notes: list[str] | None = None,
                default_source: str | None = None, left_out: list[LeftOut] | None = None,
                read: int | None = None, unlisted: int = 0) -> Extracted:
    """Ledger events from fund-level rows (columns of `EVENT_ROW_COLUMNS`, `plan` a plan id).

    Every row becomes an event or is counted in a left-out group (`left_out` holds those the
    caller left out already); `read` is the file's data rows (default: `rows` and those).
    `unlisted`: problems the caller found beyond those in `problems` (all are counted)."""
    notes = list(notes or [])
    problems = list(problems)
    left = list(left_out or [])
    read = read if read is not None else rows.height + sum(g.rows for g in left)
    prof = ctx.profile
    if rows.height == 0:
        return _finish_events(path, fmt, ctx, rows.head(0), problems, notes, left, read, unlisted)
    # -- transaction words
    words = rows["word"].unique().to_list()
    actions = {w: kind_action(w, kinds) for w in words}
    unknown = rows.filter(pl.col("word").replace_strict(actions, default=None, return_dtype=pl.String).is_null())
    if unknown.height:
        known = "see the README, section Importing the files" if kinds is None else "or add it under [mapping.kinds]"
        problems += _word_problems(path, unknown, word_column,
                                   "unknown transaction type {word!r} ({n} row(s)); " + f"not read ({known})")
    rows = rows.with_columns(pl.col("word").replace_strict(actions, default=None, return_dtype=pl.String)
                             .alias("action")).filter(pl.col("action").is_not_null())
    # -- rows not imported
    for action, why in (("loan", "loan row(s): not contributions, not imported"),
                        ("rollover", "rollover row(s) not imported: a rollover needs its destination and "
                                     "basis; enter it in an activity file"),
                        ("skip", "row(s) with no ledger event, not imported")):
        part = rows.filter(pl.col("action") == action)
        if part.height:
            counts = ", ".join(f"{w!r} x{n}" for w, n in part.group_by("word").len().sort("word").iter_rows())
            group = left_out_group(f"{why} ({counts})", part["source_line"].to_list())
            notes.append(group.note())
            left.append(group)
    rows = rows.filter(~pl.col("action").is_in(["loan", "rollover", "skip"]))
    # -- money sources
    plans = {p.id: p for p in prof.plans}
    plan_ids = rows["plan"].unique().to_list()
    default = option_source(ctx, plans.get(plan_ids[0]) if len(plan_ids) == 1 else None) or default_source
    if has_source_column:
        empty = rows.filter(pl.col("source_name").is_null() & (pl.col("action") != "balance"))
        if empty.height and default is None:
            problems += [InputProblem(str(path), ln, "the money source is empty", source_column)
                         for ln in empty["source_line"].head(50).to_list()]
            unlisted += max(0, empty.height - 50)
            rows = rows.filter(~pl.col("source_line").is_in(empty["source_line"].to_list()))
        pairs = rows.filter(pl.col("source_name").is_not_null()).select("plan", "source_name").unique()
        mapped: dict[tuple[str, str], str | None] = {
            (p, n): source_for(n, plans.get(p), sources) for p, n in pairs.iter_rows()}
        bad = {k for k, v in mapped.items() if v is None}
        if bad:
            messages = []
            for plan_id in sorted({p for p, _ in bad}):
                names = sorted(n for p, n in bad if p == plan_id)
                stats = (rows.filter((pl.col("plan") == plan_id) & pl.col("source_name").is_in(names))
                         .group_by("source_name").agg(pl.len(), pl.col("source_line").min()))
                info = {n: (c, f) for n, c, f in stats.sort("source_line").iter_rows()}
                messages.append(unknown_sources_message(str(path), plans.get(plan_id), info))
            raise MbrError("\n".join(messages))
        key = pl.concat_str([pl.col("plan"), pl.col("source_name")], separator="\x1f")
        lookup = {f"{p}\x1f{n}": v for (p, n), v in mapped.items()}
        rows = rows.with_columns(key.replace_strict(lookup, default=default, return_dtype=pl.String)
                                 .alias("source"))
    else:
        if default is None and rows.filter(pl.col("action") != "balance").height:
            raise MbrError(f"{path}: this {fmt} file has no money-source column, so the money source of its rows "
                           f"is unknown; give --source (one of {', '.join(PLAN_SOURCES)}), e.g. "
                           f"`mbr import --from {fmt} --source after_tax {path.name}`")
        rows = rows.with_columns(pl.lit(default, dtype=pl.String).alias("source"))
    # -- zero rows
    zero = rows.filter((pl.col("amount") == 0) & ~pl.col("action").is_in(["balance", "exchange"]))
    if zero.height:
        group = left_out_group("row(s) of 0.00 were left out", zero["source_line"].to_list())
        notes.append(group.note())
        left.append(group)
        rows = rows.filter(~((pl.col("amount") == 0) & ~pl.col("action").is_in(["balance", "exchange"])))
    # -- exchanges: net per plan, date and source
    ex = rows.filter(pl.col("action") == "exchange")
    extra_rows: list[pl.DataFrame] = []
    if ex.height:
        extra, more, ex_notes, ex_left = _net_exchanges(path, ex, word_column)
        problems += more
        notes += ex_notes
        left += ex_left
        if extra.height:
            extra_rows.append(extra)
    rows = rows.filter(pl.col("action") != "exchange")
    # -- conversions: the leg leaving a source is the event; the Roth side is not
    conv_in = rows.filter((pl.col("action") == "conversion") & (pl.col("amount") > 0))
    if conv_in.height:
        group = left_out_group("conversion row(s) into the Roth source were left out (the conversion is booked "
                               "on the source it leaves)", conv_in["source_line"].to_list())
        notes.append(group.note())
        left.append(group)
        rows = rows.filter(~((pl.col("action") == "conversion") & (pl.col("amount") > 0)))
    signed = rows.filter(pl.col("action") == "signed")
    if signed.height:
        signed_words = ", ".join(sorted(set(signed["word"].to_list())))
        notes.append(f"{signed.height} {signed_words} row(s) read as fees when negative and earnings when positive")
    kind = (pl.when(pl.col("action") == "signed")
            .then(pl.when(pl.col("amount") < 0).then(pl.lit("fee")).otherwise(pl.lit("earnings")))
            .otherwise(pl.col("action")))
    memo = pl.concat_str([pl.col("word"),
                          pl.when(pl.col("source_name").is_not_null())
                          .then(pl.concat_str([pl.lit(" ("), pl.col("source_name"), pl.lit(")")])).otherwise(pl.lit("")),
                          pl.when(pl.col("memo").is_not_null())
                          .then(pl.concat_str([pl.lit(": "), pl.col("memo")])).otherwise(pl.lit(""))])
    # an optional `for_year` column (a contribution made for the prior year) is carried through
    for_year = pl.col("for_year") if "for_year" in rows.columns else pl.lit(None, dtype=pl.Int64).alias("for_year")
    ev = rows.select(pl.col("date"), pl.col("plan").alias("account"), kind.alias("kind"), pl.col("source"),
                     pl.col("amount"), memo.alias("memo"), pl.col("fund"), pl.col("shares"), for_year,
                     pl.col("source_line"))
    if extra_rows:
        ev = pl.concat([ev, *[(e if "for_year" in e.columns else e.with_columns(
            pl.lit(None, dtype=pl.Int64).alias("for_year"))).select(ev.columns) for e in extra_rows]],
            how="vertical_relaxed")
    owner = {p.id: p.person for p in prof.plans}
    ev = ev.with_columns(pl.col("account").replace_strict(owner, default=None, return_dtype=pl.String)
                         .alias("person"))
    return _finish_events(path, fmt, ctx, ev, problems, notes, left, read, unlisted)


def _net_exchanges(path: Path, ex: pl.DataFrame, word_column: str
                   ) -> tuple[pl.DataFrame, list[InputProblem], list[str], list[LeftOut]]:
    groups = (ex.group_by("plan", "date", "source")
              .agg(pl.col("amount").cast(pl.Int128).sum().alias("net"), pl.len().alias("n"),
                   pl.col("source_line").min().alias("first"),
                   pl.col("word").unique().sort().str.join(", ").alias("words"))
              .sort("plan", "date", "source"))
    zero = groups.filter(pl.col("net") == 0)
    notes = []
    left: list[LeftOut] = []
    if zero.height:
        left.append(LeftOut("exchange/transfer row(s) between funds were left out (they net to 0.00 per date "
                            "and source: no contribution, no basis moved)", int(zero["n"].sum()),
                            min(zero["first"].to_list())))
        notes.append(left[-1].note())
    problems: list[InputProblem] = []
    conv_parts = []
    for (_plan, date), day in groups.filter(pl.col("net") != 0).group_by("plan", "date", maintain_order=True):
        outs = day.filter(pl.col("net") < 0)
        ins = day.filter(pl.col("net") > 0)
        is_conversion = (int(day["net"].sum()) == 0 and ins.height == 1 and ins["source"][0] == "roth"
                         and outs.height >= 1 and "roth" not in outs["source"].to_list())
        if is_conversion:
            conv_parts.append(outs.select(
                pl.col("date"), pl.col("plan").alias("account"), pl.lit("conversion").alias("kind"),
                pl.col("source"), pl.col("net").cast(pl.Int64, strict=False).alias("amount"),
                pl.concat_str([pl.lit("in-plan Roth conversion read from "), pl.col("n").cast(pl.String),
                               pl.lit(" row(s) of "), pl.col("words")]).alias("memo"),
                pl.lit(None, dtype=pl.String).alias("fund"), pl.lit(None, dtype=pl.String).alias("shares"),
                pl.col("first").alias("source_line")))
            notes.append(f"{date}: transfers from {', '.join(outs['source'].to_list())} into roth "
                         f"({from_cents(-int(outs['net'].sum()))}) read as an in-plan Roth conversion")
            merged = int(day["n"].sum()) - outs.height  # one conversion row per source left
            if merged:
                left.append(LeftOut("transfer row(s) read into in-plan Roth conversions (one conversion row "
                                    "per source and day)", merged, min(day["first"].to_list())))
            continue
        for row in day.iter_rows(named=True):
            problems.append(InputProblem(
                str(path), row["first"],
                f"the {row['words']} rows of {row['date']} in source {row['source']} do not net to zero "
                f"({from_cents(row['net'])}): an exchange between funds moves no money between sources; "
                f"money that left the source or the plan is not explained by this file", word_column))
    extra = pl.concat(conv_parts) if conv_parts else pl.DataFrame()
    return extra, problems, notes, left


def _finish_events(path: Path, fmt: str, ctx: ImportContext, ev: pl.DataFrame, problems: list[InputProblem],
                   notes: list[str], left_out: list[LeftOut], read: int, unlisted: int = 0) -> Extracted:
    frame = ev.select([pl.col(c).cast(ty) if c in ev.columns else pl.lit(None, dtype=ty).alias(c)
                       for c, ty in EVENTS.columns.items()] + [pl.col("source_line").cast(pl.Int64)])
    frame = frame.sort("source_line", "account", "source", maintain_order=True)
    checked, more, found = check_plan("events", ctx.profile).run_counted(frame, path)
    unlisted += found - len(more)
    problems = problems + more
    if not problems:
        frame = checked
    return Extracted(fmt, {"events": frame}, sorted(problems, key=lambda p: (p.line, p.column or "")), notes,
                     left_out, read, len(problems) + unlisted)


def empty_rows_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=EVENT_ROW_COLUMNS)


# ---------------------------------------------------------------- payroll

def finish_payroll(path: Path, fmt: str, ctx: ImportContext, records: list[dict[str, object]],
                   problems: list[InputProblem], notes: list[str], read: int | None = None) -> Extracted:
    """A payroll frame from records holding the payroll columns (cents) and `source_line`; `read`
    is the pay statements the file holds (one record each)."""
    schema = {**PAYROLL.columns, "source_line": pl.Int64}
    frame = pl.DataFrame(records, schema=schema) if records else pl.DataFrame(schema=schema)
    checked, more, found = check_plan("payroll", ctx.profile).run_counted(frame, path)
    total = len(problems) + found
    problems = problems + more
    return Extracted(fmt, {"payroll": checked if not problems else frame},
                     sorted(problems, key=lambda p: (p.line, p.column or "")), notes, read=read, problem_total=total)


_RETIREMENT_LIKE = re.compile(r"40[13]|457|415|\broth\b(?!\s*ira)|\bdeferr", re.IGNORECASE)


def looks_like_retirement(name: str) -> bool:
    """A payroll line that is probably plan money (so an unknown one must not be ignored)."""
    return bool(_RETIREMENT_LIKE.search(name))


# ---------------------------------------------------------------- parsing fund-level CSV rows

_SHARES_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"


def parse_fund_rows(path: Path, raw: pl.DataFrame, cols: list[Col], *, shares_column: str | None = None,
                    unescape_funds: bool = False) -> tuple[pl.DataFrame, list[InputProblem]]:
    """Parse statement columns by `cols` (targets date, word, fund, source_name, amount, shares, ...).

    Shares stay text (exact, as the file writes them, thousands separators removed). Rows with a
    problem are left out of the frame; the problems name their line and column.
    """
    parsed, problems, _ = parse_fund_rows_counted(path, raw, cols, shares_column=shares_column,
                                                  unescape_funds=unescape_funds)
    return parsed, problems


def parse_fund_rows_counted(path: Path, raw: pl.DataFrame, cols: list[Col], *, shares_column: str | None = None,
                            unescape_funds: bool = False) -> tuple[pl.DataFrame, list[InputProblem], int]:
    """`parse_fund_rows`, and how many problems there are in all (only the first are worded)."""
    parsed, problems, total = parse_frame_counted(raw, cols, path)
    if "shares" in parsed.columns:
        cleaned = pl.col("shares").str.replace_all(",", "", literal=True).str.strip_chars()
        parsed = parsed.with_columns(cleaned.alias("shares"))
        bad = parsed.filter(pl.col("shares").is_not_null() & ~pl.col("shares").str.contains(_SHARES_RE))
        total += bad.height
        problems += [InputProblem(str(path), ln, f"not a number of shares: {v!r}", shares_column)
                     for ln, v in bad.select("source_line", "shares").head(MAX_PROBLEMS).iter_rows()]
    if unescape_funds and "fund" in parsed.columns:
        names = [n for n in parsed["fund"].unique().to_list() if n is not None]
        parsed = parsed.with_columns(pl.col("fund").replace_strict({n: html.unescape(n) for n in names},
                                                                   default=None, return_dtype=pl.String))
    bad_lines = {p.line for p in problems}
    if total > len(problems):  # only the first are worded: the others' rows are found by the same test
        exprs, bad_row = parse_exprs(raw, cols)
        both = raw.select(exprs + [pl.col(c.name) for c in cols if c.name in raw.columns] + [pl.col("source_line")])
        bad_lines |= set(both.filter(bad_row)["source_line"].to_list())
        if "shares" in parsed.columns:
            bad_lines |= set(parsed.filter(pl.col("shares").is_not_null()
                                           & ~pl.col("shares").str.contains(_SHARES_RE))["source_line"].to_list())
    return parsed.filter(~pl.col("source_line").is_in(sorted(bad_lines))), problems, max(total, len(problems))


def ensure_columns(df: pl.DataFrame, plan_id: str | None = None) -> pl.DataFrame:
    """The frame with every column of `EVENT_ROW_COLUMNS` (missing ones null; `plan` = `plan_id`)."""
    out = df
    if plan_id is not None:
        out = out.with_columns(pl.lit(plan_id, dtype=pl.String).alias("plan"))
    return out.select([pl.col(c).cast(t) if c in out.columns else pl.lit(None, dtype=t).alias(c)
                       for c, t in EVENT_ROW_COLUMNS.items()])
