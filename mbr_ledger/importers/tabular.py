"""Reading CSV statement files: decoding, physical line numbers and vectorised parsing.

Real exports come as UTF-8 with or without BOM, CRLF or LF, with quoted fields (even quoted
newlines), `$` and thousands separators, `(1,234.56)` negatives, ISO or `MM/DD/YYYY` dates and
blank trailing lines. Everything else becomes a problem naming `path:line: column`.
Parsing is done column-wise in Polars; only the bad cells are looked at one by one, to word
their message. Large files are read block by block by `blocks.CsvFile`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..core.dates import MAX_DATE, MIN_DATE, DateError, parse_date
from ..core.errors import InputProblem, MbrError
from ..core.money import MAX_CENTS, MoneyError, parse_money
from ..tuning import paths

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
    buf = io.StringIO(text, newline="")
    for _ in range(header_line - 1):
        buf.readline()
    header, consumed = read_header(path, buf, header_line, delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []
    for row, line in csv_rows(path, buf, header_line - 1 + consumed, delimiter, tuple(stop)):
        rows.append(row)
        lines.append(line)
    return CsvTable(path, header, header_line, rows, lines)


def read_header(path: Path, buf: io.StringIO, header_line: int, delimiter: str) -> tuple[list[str], int]:
    """The header record at the buffer's position and the physical lines it took."""
    reader = csv.reader(buf, delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise MbrError(f"{path}:{header_line}: the file is empty (no header row)") from None
    except csv.Error as exc:
        raise MbrError(f"{path}:{header_line}: {exc}") from None
    return [h.strip() for h in header], reader.line_num


def csv_rows(path: Path, buf: io.StringIO, base: int, delimiter: str,
              stops: tuple[str, ...] = ()) -> Iterator[tuple[list[str], int]]:
    """Each non-blank record from the buffer's position with its first physical line; the line
    before the buffer's position is `base`."""
    reader = csv.reader(buf, delimiter=delimiter, strict=True)
    prev_end = base
    try:
        for row in reader:
            start = prev_end + 1
            prev_end = base + reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if stops and row[0].strip().startswith(stops):
                break
            yield row, start
    except csv.Error as exc:
        if str(exc) == "unexpected end of data":  # a quoted field runs to the end: name where it opened
            raise MbrError(f"{path}:{prev_end + 1}: {exc}: a quote opened in the row that starts on this line is never closed") from None
        raise MbrError(f"{path}:{base + reader.line_num}: {exc}") from None


LISTED = 10  # names a message lists before "and N more"
_NAME_CHARS = 80  # characters of one listed name


def listing(names: list[str], limit: int = LISTED) -> str:
    """`a, b, c` of at most `limit` names (each cut to `_NAME_CHARS`), then `and N more`."""
    shown = [n if len(n) <= _NAME_CHARS else n[:_NAME_CHARS] + "..." for n in names[:limit]]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(shown) + more


_SPLIT_HEAD = re.compile(r"^[(+\-−]?\s*\$?\s*-?\d{1,3}$")
_SPLIT_TAIL = re.compile(r"^\d{3}(,\d{3})*(\.\d*)?\)?-?$")


def width_message(n: int, row: list[str]) -> str:
    """`expected n fields, found m`, with a hint when two neighbouring fields look like an amount
    split at its thousands separator (`12,500.00` not quoted)."""
    msg = f"expected {n} fields, found {len(row)}"
    if len(row) > n:
        cells = [c.strip() for c in row]
        for a, b in zip(cells, cells[1:], strict=False):
            if _SPLIT_HEAD.match(a) and _SPLIT_TAIL.match(b):
                amount = f"{a},{b}"
                return (f"{msg} (is an amount such as {amount} split at its comma? quote it, \"{amount}\", "
                        f"or write {amount.replace(',', '')})")
    return msg


def check_columns(t: CsvTable, required: Iterable[str], optional: Iterable[str] = ()) -> None:
    req, opt = list(required), set(optional)
    seen: set[str] = set()
    for name in t.header:
        if name in seen:
            raise MbrError(f"{t.path}:{t.header_line}: column {listing([name])!r} appears twice")
        seen.add(name)
    missing = [c for c in req if c not in seen]
    if missing:
        raise MbrError(f"{t.path}:{t.header_line}: missing column(s): {', '.join(missing)}")
    extra = [c for c in t.header if c not in set(req) | opt]
    if extra:
        allowed = ", ".join(list(req) + sorted(opt))
        raise MbrError(f"{t.path}:{t.header_line}: unknown column(s): {listing(extra)} (columns: {allowed})")


def to_frame(t: CsvTable) -> tuple[pl.DataFrame, list[InputProblem]]:
    """The rows as a frame of stripped strings plus `source_line`; rows of the wrong width are problems."""
    n = len(t.header)
    problems: list[InputProblem] = []
    good_rows: list[list[str]] = []
    good_lines: list[int] = []
    for row, line in zip(t.rows, t.lines, strict=True):
        if len(row) != n:
            problems.append(InputProblem(str(t.path), line, width_message(n, row)))
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
    # A number too long for Int64 cents is null, never wrapped around; what is beyond MAX_AMOUNT
    # but fits is a problem of `column_exprs` (`parse_money` words both).
    fits = whole.str.strip_chars_start("0").str.len_chars() <= _WHOLE_DIGITS
    return pl.when(valid & fits).then(signed).otherwise(None).alias(col)


_WHOLE_DIGITS = 16  # 10^16 dollars is 10^18 cents, inside Int64 (9.2 * 10^18)


def _in_range(e: pl.Expr) -> pl.Expr:
    """A date, or null outside MIN_DATE to MAX_DATE (`parse_date` words it)."""
    return pl.when(e.is_between(pl.lit(MIN_DATE), pl.lit(MAX_DATE))).then(e)


def date_expr(col: str) -> pl.Expr:
    s = pl.col(col).str.strip_chars()
    iso = s.str.extract_groups(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
    us = s.str.extract_groups(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
    y = pl.coalesce(iso.struct.field("1"), us.struct.field("3"))
    m = pl.coalesce(iso.struct.field("2"), us.struct.field("1")).str.pad_start(2, "0")
    d = pl.coalesce(iso.struct.field("3"), us.struct.field("2")).str.pad_start(2, "0")
    return _in_range(pl.concat_str([y, m, d], separator="-").str.to_date("%Y-%m-%d", strict=False)).alias(col)


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


_PLAIN = {"money": r"^-?[0-9]{1,15}(\.[0-9][0-9])?$", "date": r"^[0-9]{4}-[0-9][0-9]-[0-9][0-9]$"}


def _plain_columns(df: pl.DataFrame, cols: list[Col]) -> tuple[set[str], set[str]]:
    """Money and date columns whose every value is plain (`-1234.56`, `2026-01-31` or empty), and
    the columns whose every value is empty.

    Plain columns are read by `_plain_money_expr` and `_plain_date_expr`, which give the same values
    as `money_expr` and `date_expr` with a fraction of the work; empty ones are nulls, as every
    reader makes of an empty value.
    """
    present = [c for c in cols if c.name in df.columns]
    checks = [((pl.col(c.name) == "") | pl.col(c.name).str.contains(_PLAIN[c.kind])).all().alias(f"plain::{c.name}")
              for c in present if c.kind in _PLAIN]
    checks += [(pl.col(c.name) == "").all().alias(f"empty::{c.name}") for c in present]
    if not checks or df.is_empty():
        return set(), set()
    row = df.select(checks).row(0, named=True)
    plain = {name.split("::", 1)[1] for name, ok in row.items() if ok and name.startswith("plain::")}
    empty = {name.split("::", 1)[1] for name, ok in row.items() if ok and name.startswith("empty::")}
    return plain, empty


def _plain_money_expr(col: str) -> pl.Expr:
    # Every value is `-?digits(.dd)?` or empty: a decimal with two places holds it exactly, and its
    # integer form is the cents.
    return pl.col(col).cast(pl.Decimal(18, 2), strict=False).to_physical().cast(pl.Int64).alias(col)


def _plain_date_expr(col: str) -> pl.Expr:
    return _in_range(pl.col(col).str.to_date("%Y-%m-%d", strict=False)).alias(col)


_PLAIN_EXPR = {"money": _plain_money_expr, "date": _plain_date_expr}
_NULL_OF = {"money": pl.Int64, "date": pl.Date, "int": pl.Int64, "flag": pl.Boolean}


def parse_exprs(df: pl.DataFrame, cols: list[Col]) -> tuple[list[pl.Expr], pl.Expr]:
    """How `parse_frame` reads `df`: one expression per `Col` (named `parsed::NAME`; columns absent
    from the file come out as nulls) and the expression, over the raw columns and the parsed ones,
    that is true on a row with a problem. On the fast path, money and date columns found plain and
    columns found empty are read by the shorter expressions (`_plain_columns`)."""
    if not paths.FAST_IMPORT:
        return column_exprs(df.columns, cols, plain=(), empty=())
    plain, all_empty = _plain_columns(df, cols)
    return column_exprs(df.columns, cols, plain=plain, empty=all_empty)


def column_exprs(columns: Collection[str], cols: list[Col], *, plain: Collection[str] | None = None,
                 empty: Collection[str] = ()) -> tuple[list[pl.Expr], pl.Expr]:
    """`parse_exprs` for a frame with `columns`, told which money and date columns hold plain values
    only (`plain`) and which are all empty (`empty`). With `plain=None`, every money and date column
    is read in the plain form only, and a value in any other form gives null, so it counts as a
    problem: the expressions then do not depend on the values and can be built once per header."""
    exprs: list[pl.Expr] = []
    for c in cols:
        if c.name not in columns or c.name in empty:
            e = pl.lit(None, dtype=_NULL_OF.get(c.kind, pl.String))
        elif c.kind in _PLAIN and plain is None:
            e = pl.when(pl.col(c.name).str.contains(_PLAIN[c.kind])).then(_PLAIN_EXPR[c.kind](c.name))
        elif c.kind == "money":
            e = _plain_money_expr(c.name) if c.name in (plain or ()) else money_expr(c.name)
        elif c.kind == "date":
            e = _plain_date_expr(c.name) if c.name in (plain or ()) else date_expr(c.name)
        elif c.kind == "int":
            e = pl.col(c.name).str.strip_chars().cast(pl.Int64, strict=False)
        elif c.kind == "choice":
            e = pl.when(pl.col(c.name).is_in(list(c.choices))).then(pl.col(c.name)).otherwise(None)
        elif c.kind == "flag":
            e = (pl.when(pl.col(c.name).is_in(list(FLAG_TRUE))).then(True)
                 .when(pl.col(c.name).is_in(list(FLAG_FALSE))).then(False).otherwise(None))
        else:
            e = pl.when(pl.col(c.name) == "").then(None).otherwise(pl.col(c.name))
        exprs.append(e.alias(f"parsed::{c.name}"))
    failures: list[pl.Expr] = []
    for c in cols:
        if c.name not in columns:
            continue
        parsed, blank = pl.col(f"parsed::{c.name}"), pl.col(c.name) == ""
        if c.kind == "money" and c.name not in empty:
            failures.append(parsed.abs() > MAX_CENTS)  # beyond MAX_AMOUNT (null: no problem here)
        if c.required and not c.allow_empty and c.kind != "choice":
            failures.append(parsed.is_null())  # an empty value reads as null too
        elif c.required and not c.allow_empty:
            failures.append(parsed.is_null() | blank)  # (a choice may be the empty text)
        elif c.kind != "text":
            failures.append(parsed.is_null() & ~blank)
    return exprs, (pl.any_horizontal(failures) if failures else pl.lit(False))


def parse_frame(df: pl.DataFrame, cols: list[Col], path: Path) -> tuple[pl.DataFrame, list[InputProblem]]:
    """Parse every column by its `Col`; columns absent from the file come out as nulls."""
    out, problems, _ = parse_frame_counted(df, cols, path)
    return out, problems


def parse_frame_counted(df: pl.DataFrame, cols: list[Col], path: Path
                        ) -> tuple[pl.DataFrame, list[InputProblem], int]:
    """`parse_frame`, and how many problems there are in all (only the first MAX_PROBLEMS rows
    with one are worded)."""
    exprs, bad = parse_exprs(df, cols)
    present = [c for c in cols if c.name in df.columns]
    # The parsed columns, then whether any row has a problem; only then are the bad rows looked at
    # one by one.
    both = df.select(exprs + [pl.col(c.name) for c in present] + [pl.col("source_line")])
    out = both.select([pl.col(f"parsed::{c.name}").alias(c.name) for c in cols] + [pl.col("source_line")])
    problems: list[InputProblem] = []
    total = 0
    if both.select(bad.any()).item():
        cells = []  # the same test as below, per cell, to count them all
        for c in present:
            value, parsed = pl.col(c.name), pl.col(f"parsed::{c.name}")
            hit = (value != "") & parsed.is_null() if c.kind != "text" else pl.lit(False)
            if c.required and not c.allow_empty:
                hit = hit | (value == "")
            if c.kind == "money":
                hit = hit | (parsed.abs() > MAX_CENTS).fill_null(False)
            cells.append(hit.fill_null(False).cast(pl.Int64))
        total = int(both.select(pl.sum_horizontal(cells).sum()).item()) if cells else 0
        for row in both.filter(bad).head(MAX_PROBLEMS).iter_rows(named=True):
            for c in present:
                value, parsed = row[c.name], row[f"parsed::{c.name}"]
                if ((value == "" and c.required and not c.allow_empty)
                        or (value != "" and c.kind != "text" and parsed is None)
                        or (c.kind == "money" and parsed is not None and abs(parsed) > MAX_CENTS)):
                    problems.append(InputProblem(str(path), row["source_line"], _cell_message(c.kind, value, c),
                                                 c.name))
    renames = {c.name: c.target for c in cols if c.target}
    return out.rename(renames), problems, max(total, len(problems))


def empty_to_null(df: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    return df.with_columns([pl.when(pl.col(n) == "").then(None).otherwise(pl.col(n)).alias(n)
                            for n in names if n in df.columns])
