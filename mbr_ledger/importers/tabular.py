"""Reading CSV statement files: decoding, physical line numbers and vectorised parsing.

Real exports come as UTF-8 with or without BOM, CRLF or LF, with quoted fields (even quoted
newlines), `$` and thousands separators, `(1,234.56)` negatives, ISO or `MM/DD/YYYY` dates and
blank trailing lines. Everything else becomes a problem naming `path:line: column`.
Parsing is done column-wise in Polars; only the bad cells are looked at one by one, to word
their message.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..core.dates import DateError, parse_date
from ..core.errors import InputProblem, MbrError
from ..core.money import MoneyError, parse_money

MAX_PROBLEMS = 200
FLAG_TRUE = ("X", "x", "true", "TRUE", "True", "yes", "Yes", "YES", "1")
FLAG_FALSE = ("false", "FALSE", "False", "no", "No", "NO", "0")
MAX_FIELD = 4096

csv.field_size_limit(1 << 24)


def decode(path: Path, data: bytes) -> str:
    """Strict UTF-8 (BOM allowed). A bad byte is an error naming its line."""
    if b"\x00" in data[:65536]:
        raise MbrError(f"{path}:1: this is a binary file, not a CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        hint = " (it looks like Windows-1252, as Excel writes it: save it as 'CSV UTF-8')"
        raise MbrError(f"{path}:{line}: not UTF-8 text: byte 0x{data[exc.start]:02x}{hint}") from None


@dataclass
class CsvTable:
    path: Path
    header: list[str]
    header_line: int
    rows: list[list[str]]
    lines: list[int]  # 1-based physical line where each row starts


def read_csv_table(path: Path, text: str, *, header_line: int = 1, delimiter: str = ",",
                   stop: Iterable[str] = ()) -> CsvTable:
    """Rows after the header at `header_line` (1-based), with the line each row starts on.

    Blank rows are skipped. `stop` names first-cell prefixes that begin a footer.
    """
    stops = tuple(stop)
    buf = io.StringIO(text, newline="")
    for _ in range(header_line - 1):
        buf.readline()
    reader = csv.reader(buf, delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise MbrError(f"{path}:{header_line}: the file is empty (no header row)") from None
    except csv.Error as exc:
        raise MbrError(f"{path}:{header_line}: {exc}") from None
    header = [h.strip() for h in header]
    rows: list[list[str]] = []
    lines: list[int] = []
    prev_end = header_line - 1 + reader.line_num
    base = header_line - 1
    try:
        for row in reader:
            start = prev_end + 1
            prev_end = base + reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if stops and row[0].strip().startswith(stops):
                break
            rows.append(row)
            lines.append(start)
    except csv.Error as exc:
        raise MbrError(f"{path}:{base + reader.line_num}: {exc}") from None
    return CsvTable(path, header, header_line, rows, lines)


def check_columns(t: CsvTable, required: Iterable[str], optional: Iterable[str] = ()) -> None:
    req, opt = list(required), set(optional)
    seen: set[str] = set()
    for name in t.header:
        if name in seen:
            raise MbrError(f"{t.path}:{t.header_line}: column {name!r} appears twice")
        seen.add(name)
    missing = [c for c in req if c not in seen]
    if missing:
        raise MbrError(f"{t.path}:{t.header_line}: missing column(s): {', '.join(missing)}")
    extra = [c for c in t.header if c not in set(req) | opt]
    if extra:
        allowed = ", ".join(list(req) + sorted(opt))
        raise MbrError(f"{t.path}:{t.header_line}: unknown column(s): {', '.join(extra)} (columns: {allowed})")


def to_frame(t: CsvTable) -> tuple[pl.DataFrame, list[InputProblem]]:
    """The rows as a frame of stripped strings plus `source_line`; rows of the wrong width are problems."""
    n = len(t.header)
    problems: list[InputProblem] = []
    good_rows: list[list[str]] = []
    good_lines: list[int] = []
    for row, line in zip(t.rows, t.lines, strict=True):
        if len(row) != n:
            problems.append(InputProblem(str(t.path), line, f"expected {n} fields, found {len(row)}"))
            continue
        long = next((i for i, c in enumerate(row) if len(c) > MAX_FIELD), None)
        if long is not None:
            problems.append(InputProblem(str(t.path), line, f"field longer than {MAX_FIELD} characters",
                                         t.header[long]))
            continue
        good_rows.append(row)
        good_lines.append(line)
    cols = {name: [r[i] for r in good_rows] for i, name in enumerate(t.header)}
    df = pl.DataFrame(cols, schema={name: pl.String for name in t.header})
    df = df.with_columns(pl.all().str.strip_chars()).with_columns(
        pl.Series("source_line", good_lines, dtype=pl.Int64))
    return df, problems


# ------------------------------------------------------------------ vectorised parsers

_MONEY_RE = r"^(\d+|\d{1,3}(,\d{3})+)(\.\d{0,2})?$|^\.\d{1,2}$"


def money_expr(col: str) -> pl.Expr:
    """Cents (Int64) from statement text; null where empty or not an amount."""
    s = pl.col(col).str.strip_chars()
    paren = s.str.starts_with("(") & s.str.ends_with(")")
    s1 = pl.when(paren).then(s.str.slice(1, s.str.len_chars() - 2)).otherwise(s).str.strip_chars()
    s1 = s1.str.replace_all("\u2212", "-", literal=True)
    trail = s1.str.ends_with("-") & ~s1.str.starts_with("-")
    s2 = pl.when(trail).then(s1.str.strip_suffix("-")).otherwise(s1).str.strip_chars()
    lead = s2.str.replace(r"^\+", "").str.replace(r"^\$\s*", "").str.starts_with("-") | s2.str.starts_with("-")
    body = s2.str.replace(r"^[+-]?\s*\$?\s*-?\s*", "")
    valid = body.str.contains(_MONEY_RE)
    digits = body.str.replace_all(",", "", literal=True)
    whole = digits.str.split_exact(".", 1).struct.field("field_0")
    frac = digits.str.split_exact(".", 1).struct.field("field_1").fill_null("")
    whole_i = pl.when(whole == "").then(pl.lit("0")).otherwise(whole).cast(pl.Int64, strict=False)
    frac_i = frac.str.pad_end(2, "0").cast(pl.Int64, strict=False)
    cents = whole_i * 100 + frac_i
    negative = paren ^ trail ^ lead
    signed = pl.when(negative).then(-cents).otherwise(cents)
    return pl.when(valid).then(signed).otherwise(None).alias(col)


def date_expr(col: str) -> pl.Expr:
    s = pl.col(col).str.strip_chars()
    iso = s.str.extract_groups(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
    us = s.str.extract_groups(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
    y = pl.coalesce(iso.struct.field("1"), us.struct.field("3"))
    m = pl.coalesce(iso.struct.field("2"), us.struct.field("1")).str.pad_start(2, "0")
    d = pl.coalesce(iso.struct.field("3"), us.struct.field("2")).str.pad_start(2, "0")
    return pl.concat_str([y, m, d], separator="-").str.to_date("%Y-%m-%d", strict=False).alias(col)


@dataclass(frozen=True)
class Col:
    """How to read one column: `money`, `date`, `int`, `text` or `choice`, required or optional."""

    name: str
    kind: str = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    allow_empty: bool = False  # the column must be there, its value may be empty
    target: str | None = None  # name in the ledger table, when it differs


def _cell_message(kind: str, value: str, col: Col) -> str:
    if value == "":
        return "value is required"
    try:
        if kind == "money":
            parse_money(value)
        elif kind == "date":
            parse_date(value)
        elif kind == "int":
            int(value)
        elif kind == "choice":
            return f"{value!r} is not one of {', '.join(col.choices)}"
        elif kind == "flag":
            return f"{value!r} is not a checkbox value (X, true, yes, 1 or empty; false, no, 0)"
    except (MoneyError, DateError) as exc:
        return str(exc)
    except ValueError:
        return f"not a whole number: {value!r}"
    return f"cannot read {value!r}"


def parse_frame(df: pl.DataFrame, cols: list[Col], path: Path) -> tuple[pl.DataFrame, list[InputProblem]]:
    """Parse every column by its `Col`; columns absent from the file come out as nulls."""
    exprs: list[pl.Expr] = []
    for c in cols:
        if c.name not in df.columns:
            dtype = {"money": pl.Int64, "date": pl.Date, "int": pl.Int64, "flag": pl.Boolean}.get(c.kind, pl.String)
            exprs.append(pl.lit(None, dtype=dtype).alias(c.name))
        elif c.kind == "money":
            exprs.append(money_expr(c.name))
        elif c.kind == "date":
            exprs.append(date_expr(c.name))
        elif c.kind == "int":
            exprs.append(pl.col(c.name).str.strip_chars().cast(pl.Int64, strict=False).alias(c.name))
        elif c.kind == "choice":
            exprs.append(pl.when(pl.col(c.name).is_in(list(c.choices))).then(pl.col(c.name))
                         .otherwise(None).alias(c.name))
        elif c.kind == "flag":
            exprs.append(pl.when(pl.col(c.name).is_in(list(FLAG_TRUE))).then(True)
                         .when(pl.col(c.name).is_in(list(FLAG_FALSE))).then(False)
                         .otherwise(None).alias(c.name))
        else:
            exprs.append(pl.when(pl.col(c.name) == "").then(None).otherwise(pl.col(c.name)).alias(c.name))
    present = [c for c in cols if c.name in df.columns]
    raw = df.select([pl.col(c.name).alias(f"raw::{c.name}") for c in present] + ["source_line"])
    out = df.select(exprs + [pl.col("source_line")])
    bad = pl.lit(False)
    for c in present:
        empty = pl.col(f"raw::{c.name}") == ""
        failed = pl.col(c.name).is_null() & ~empty if c.kind != "text" else pl.lit(False)
        if c.required and not c.allow_empty:
            failed = failed | empty
        bad = bad | failed
    checked = pl.concat([out, raw.drop("source_line")], how="horizontal")
    bad_rows = checked.filter(bad)
    problems: list[InputProblem] = []
    for row in bad_rows.head(MAX_PROBLEMS).iter_rows(named=True):
        for c in present:
            value = row[f"raw::{c.name}"]
            if (value == "" and c.required and not c.allow_empty) or (value != "" and c.kind != "text" and row[c.name] is None):
                problems.append(InputProblem(str(path), row["source_line"], _cell_message(c.kind, value, c),
                                             c.name))
    renames = {c.name: c.target for c in cols if c.target}
    return out.rename(renames), problems


def empty_to_null(df: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    return df.with_columns([pl.when(pl.col(n) == "").then(None).otherwise(pl.col(n)).alias(n)
                            for n in names if n in df.columns])
