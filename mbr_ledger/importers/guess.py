"""`mbr formats guess FILE`: a `[[mapping]]` skeleton for a CSV no format knows yet.

It finds the header row, recognises the date, amount, shares, transaction-type, money-source,
fund and description columns by their names (and checks the values: a date column holds
dates, an amount column amounts), and writes one `[[mapping.rules]]` entry per distinct
transaction type and money source, with the kind or source filled in where the built-in names
know it and left as `""` to fill in otherwise. A blank left unfilled is refused when the
mapping is loaded, so nothing is guessed silently.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..core.errors import MbrError
from ..profile import MAPPING_KINDS, PLAN_SOURCES
from .real.common import find_header, physical_lines, split_fields, table_after_header
from .real.sources import AMBIGUOUS_SOURCE_NAMES, kind_action, norm, source_for
from .tabular import decode, money_expr, to_frame

# Column names seen in recordkeepers' exports, by role, best first (compared by `norm`).
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "date": ("Date", "Transaction Date", "Trade Date", "Activity Date", "Posted Date", "Effective Date",
             "Process Date", "Run Date"),
    "amount": ("Amount", "Dollar Amount", "Amount ($)", "Transaction Amount", "Net Amount", "Value", "Cash Amount",
               "Total"),
    "shares": ("Shares", "Units", "Transaction Shares", "Shares/Unit", "# of Units/Shares", "Quantity", "Unit"),
    "kind": ("Activity", "Transaction Type", "Transaction Activity", "Kind", "Action", "Activity Type",
             "Transaction", "Type"),
    "source": ("Source", "Money Source", "Contribution", "Contribution Source", "Source Name", "Money Type"),
    "fund": ("Investment", "Investment Name", "Fund", "Fund Name", "Security", "Security Name"),
    "memo": ("Description", "Transaction Description", "Memo", "Details"),
}
# Loose name parts, for a column the exact names above miss.
_ROLE_PARTS = {"date": "date", "amount": "amount", "shares": "shares", "kind": "type", "fund": "fund"}
DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S",
                "%m/%d/%y", "%d-%b-%Y", "%b %d, %Y", "%Y%m%d")
_PLAIN_DATE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4})$")
MAX_RULE_VALUES = 200  # distinct values written as rules, per column
SECTION_SCAN_LINES = 400  # lines looked at for the header of a later table (a file of sections)
MAX_TABLES = 20  # header-like lines tried


@dataclass
class Guess:
    """What was found in the file, for the skeleton."""

    path: Path
    header_line: int
    header: list[str]
    delimiter: str
    encoding: str = "utf-8"
    columns: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    stop_at_blank: bool = False
    rows: int = 0
    values: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # role -> (value, rows, first)
    notes: list[str] = field(default_factory=list)


def _delimiter(lines: list[str]) -> str:
    """The delimiter of the most fields in the first lines: comma, semicolon or tab."""
    sample = [ln for ln in lines[:80] if ln.strip()]
    return max((",", ";", "\t"), key=lambda d: sum(len(split_fields(ln, d)) for ln in sample))


def _looks_like_header(fields: list[str]) -> bool:
    named = [f for f in fields if f]
    if len(named) < 3 or len(named) * 2 < len(fields):
        return False
    return not any(re.fullmatch(r"[-+$(]*[\d.,/:\s-]+[)%]*", f) for f in named)


def _pick(header: list[str], role: str, taken: set[str], ok: Callable[[str], bool]) -> str | None:
    by_norm = {norm(h): h for h in header if h and h not in taken}
    for name in ROLE_NAMES[role]:
        col = by_norm.get(norm(name))
        if col is not None and ok(col):
            return col
    part = _ROLE_PARTS.get(role)
    if part:
        for h in header:
            if h and h not in taken and part in norm(h) and ok(h):
                return h
    return None


def _date_format(values: list[str]) -> str | None | bool:
    """None when every value is a date `mbr import` reads as is, a strftime pattern that reads
    them all, or False when none does."""
    if all(_PLAIN_DATE.match(v) for v in values):
        return None
    for fmt in DATE_FORMATS:
        try:
            for v in values:
                dt.datetime.strptime(v, fmt)
        except ValueError:
            continue
        return fmt
    return False


def guess_file(path: Path) -> Guess:
    """Read `path` and recognise its header and columns."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise MbrError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    encoding = "utf-8"
    if b"\x00" in data[:65536]:
        raise MbrError(f"{path}:1: this is a binary file, not a CSV text file")
    try:
        text = decode(path, data)
    except MbrError:
        text, encoding = data.decode("cp1252", errors="replace"), "cp1252"
    lines = physical_lines(text)
    delimiter = _delimiter(lines)
    idx = find_header(lines, _looks_like_header, delimiter)
    if idx is None:
        raise MbrError(f"{path}: no header row (three or more column names) in the first lines; is it a CSV file?")
    # A preamble line that looks like a header (`Plan name:,ACME, INC. PLAN`), or a file of sections
    # (Vanguard's): the first table with a date and an amount column is the one to map.
    starts = [idx] + [i for i in range(idx + 1, min(len(lines), SECTION_SCAN_LINES))
                      if lines[i].strip() and _looks_like_header(split_fields(lines[i], delimiter))][:MAX_TABLES]
    found: list[Guess] = []
    for i in starts:
        try:
            g = _recognise(path, text, lines, i, delimiter, encoding)
        except MbrError:
            if i == idx and len(starts) == 1:
                raise
            continue
        if "date" in g.columns and "amount" in g.columns:
            if i != idx:
                g.notes.append(f"the header is taken at line {i + 1}, the first with date and amount columns "
                               f"(line {idx + 1} looks like a header too)")
            return g
        found.append(g)
    if not found:
        raise MbrError(f"{path}:{idx + 1}: a header but no data rows under it: nothing to recognise the columns by")
    return found[0]


def _recognise(path: Path, text: str, lines: list[str], idx: int, delimiter: str, encoding: str) -> Guess:
    """The table whose header is line `idx + 1`, its columns recognised."""
    rest = [ln for ln in lines[idx + 1:] if ln.strip()]
    blank_after = any(not ln.strip() for ln in lines[idx + 1:]) and bool(rest)
    table = table_after_header(path, text, idx, delimiter=delimiter, stop_at_blank=True)
    raw, _ = to_frame(table)
    g = Guess(path, idx + 1, list(table.header), delimiter, rows=raw.height, encoding=encoding)
    if blank_after and raw.height < len(rest):
        g.stop_at_blank = True
        g.notes.append(f"the table ends at the first blank line after line {idx + 1} ({raw.height} data rows); "
                       f"what follows is not read")
    if raw.height == 0:
        raise MbrError(f"{path}:{idx + 1}: a header but no data rows under it: nothing to recognise the columns by")

    def values(col: str) -> list[str]:
        return [v for v in raw[col].to_list() if v]

    def is_date(col: str) -> bool:
        vs = values(col)
        return bool(vs) and _date_format(vs) is not False

    def is_money(col: str) -> bool:
        vs = raw.select(pl.col(col), money_expr(col).alias("m")).filter(pl.col(col) != "")
        return vs.height > 0 and vs["m"].null_count() == 0

    def is_number(col: str) -> bool:
        vs = values(col)
        return bool(vs) and all(re.fullmatch(r"[-+]?\(?[\d,]*\.?\d+\)?", v) for v in vs)

    def is_text(col: str) -> bool:
        vs = values(col)
        return bool(vs) and not all(re.fullmatch(r"[-+$(]*[\d.,]+[)%]*", v) for v in vs)

    checks = {"date": is_date, "amount": is_money, "shares": is_number, "kind": is_text, "source": is_text,
              "fund": is_text, "memo": is_text}
    taken: set[str] = set()
    for role in ("date", "amount", "shares", "kind", "source", "fund", "memo"):
        col = _pick(g.header, role, taken, checks[role])
        if col is not None:
            g.columns[role] = col
            taken.add(col)
    if "date" in g.columns:
        fmt = _date_format(values(g.columns["date"]))
        g.date_format = fmt if isinstance(fmt, str) else None
    for role in ("kind", "source"):
        col = g.columns.get(role)
        if col is None:
            continue
        counted = (raw.filter(pl.col(col) != "").group_by(col)
                   .agg(pl.len().alias("n"), pl.col("source_line").min().alias("first")).sort("first"))
        g.values[role] = [(v, n, f) for v, n, f in counted.iter_rows()][:MAX_RULE_VALUES]
        if counted.height > MAX_RULE_VALUES:
            g.notes.append(f"{counted.height} distinct values in {col}; the first {MAX_RULE_VALUES} are written")
    return g


# ---------------------------------------------------------------- the skeleton as TOML

def toml_str(s: str) -> str:
    """A TOML string for `s`: a literal string ('...', backslashes as they are) where it can be."""
    if "'" not in s and not any(ord(c) < 32 or ord(c) == 127 for c in s):
        return f"'{s}'"
    return json.dumps(s, ensure_ascii=False)


_REGEX_SPECIAL = re.compile(r"([.^$*+?{}\[\]\\|()])")


def exact_match(value: str) -> str:
    """A regular expression that finds exactly `value` (the whole cell)."""
    return "^" + _REGEX_SPECIAL.sub(r"\\\1", value) + "$"


def _slug(path: Path) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", path.stem.casefold()).strip("-")[:40].strip("-")
    return s if s and s[0].isalnum() else "my-format"


def _kind_for(word: str) -> tuple[str, str]:
    """(kind filled in or "", the comment) for a transaction word."""
    action = kind_action(word)
    if action in MAPPING_KINDS:
        return action, "a built-in name"
    if action == "signed":
        return "", "built in as earnings when positive, fee when negative: choose one, or leave this rule out"
    if action == "rollover":
        return "", "a rollover: enter it in an activity file (it needs its destination), or choose skip"
    return "", "fill in"


def _source_for(name: str) -> tuple[str, str]:
    if norm(name) in AMBIGUOUS_SOURCE_NAMES:
        return "", f"fill in: {AMBIGUOUS_SOURCE_NAMES[norm(name)]}"
    src = source_for(name, None)
    return (src, "a built-in name") if src else ("", "fill in")


def skeleton(g: Guess) -> str:
    """The `[[mapping]]` table for `g`, as TOML text with comments."""
    out = [f"# A [[mapping]] skeleton for {g.path.name}, written by `mbr formats guess`.",
           f"# Header found at line {g.header_line}: {', '.join(h for h in g.header if h)}",
           f"# {g.rows} data row(s) under it."]
    out += [f"# Note: {n}" for n in g.notes]
    first_names = ", ".join(h for h in g.header[:4] if h)
    title = f"CSV like {g.path.name} ({first_names}, ...)"
    missing = [r for r in ("date", "amount") if r not in g.columns]
    if missing:
        out.append(f"# NOT recognised: {', '.join(missing)} (required): write the column name(s) below.")
    out += ["# Fill in every kind = \"\" (" + ", ".join(MAPPING_KINDS) + ")",
            "# and every source = \"\" (" + ", ".join(PLAN_SOURCES) + "; for an IRA: nondeductible, deductible),",
            "# check the values filled in, then put this in mbr.toml or give it with --mapping FILE.",
            "# A row that no rule (and no built-in name) decides is an error naming its line, never skipped.",
            "", "[[mapping]]", f"name = {toml_str(_slug(g.path))}",
            f"title = {toml_str(title)}"]
    if g.delimiter != ",":
        out.append(f"delimiter = {json.dumps(g.delimiter)}")
    if g.encoding != "utf-8":
        out.append(f"encoding = {json.dumps(g.encoding)}  # not UTF-8 text: read as Windows-1252")
    if g.date_format:
        out.append(f"date_format = {toml_str(g.date_format)}")
    if g.stop_at_blank:
        out.append("stop_at_blank = true")
    out.append("# plan = \"...\" or account = \"...\" (a plan or an IRA id): or give --plan when importing")
    if "source" not in g.columns:
        out.append("# source = \"after_tax\"  # the file has no money-source column: the source of every row")
    out += ["", "[mapping.columns]"]
    for role in ("date", "amount", "shares", "kind", "source", "fund", "memo"):
        if role in g.columns:
            out.append(f"{role} = {toml_str(g.columns[role])}")
        elif role in ("date", "amount"):
            out.append(f"{role} = \"\"  # fill in: the column's name")
    for role, key in (("kind", "kind"), ("source", "source")):
        col = g.columns.get(role)
        if col is None:
            continue
        for value, n, first in g.values.get(role, []):
            filled, why = _kind_for(value) if role == "kind" else _source_for(value)
            out += ["", "[[mapping.rules]]", f"column = {toml_str(col)}", f"match = {toml_str(exact_match(value))}",
                    f"{key} = {json.dumps(filled)}  # {why}; {n} row(s), the first at line {first}"]
    return "\n".join(out) + "\n"
