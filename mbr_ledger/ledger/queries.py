"""Queries over the store that several commands share, returned as Polars frames."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from ..core.schema import EVENTS, PROVENANCE, sort_rows
from .store import Ledger

T = TypeVar("T")

PAYROLL_SOURCES = {"pretax_401k": "pretax", "roth_401k": "roth", "after_tax_401k": "after_tax",
                   "employer_match": "match", "employer_nonelective": "nonelective"}


def payroll_as_events(payroll: pl.DataFrame) -> pl.DataFrame:
    """Pay-stub deductions in the events' columns: kind `payroll`, one row per nonzero source."""
    parts = []
    for col, source in PAYROLL_SOURCES.items():
        parts.append(payroll.filter(pl.col(col).fill_null(0) != 0).select(
            pl.col("pay_date").alias("date"), "person", pl.col("plan").alias("account"),
            pl.lit("payroll").alias("kind"), pl.lit(source).alias("source"), pl.col(col).alias("amount"),
            "source_file", "source_sha256", "source_line"))
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts)


def ledger_rows(led: Ledger, *, year: int | None = None, person: str | None = None, account: str | None = None,
                kind: str | None = None) -> pl.DataFrame:
    frames = []
    if kind in (None, "payroll"):
        pay = payroll_as_events(led.frame("payroll", year=year, person=person))
        if pay.height:
            frames.append(pay)
    if kind != "payroll":
        ev = led.frame("events", year=year, person=person)
        if kind:
            ev = ev.filter(pl.col("kind") == kind)
        frames.append(ev)
    df = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    for c, ty in EVENTS.columns.items():
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=ty).alias(c))
    if account:
        df = df.filter(pl.col("account") == account)
    return sort_rows("events", df)


def summary(df: pl.DataFrame) -> pl.DataFrame:
    """Totals per person, year, account and source (cents), by kind."""
    if df.is_empty():
        return df

    def total(kind: str) -> pl.Expr:
        return pl.col("amount").filter(pl.col("kind") == kind).sum().alias(kind)

    out = (df.with_columns(pl.col("date").dt.year().alias("year"))
           .group_by(["person", "year", "account", "source"])
           .agg(total("payroll"), total("contribution").alias("contributions"), total("earnings"),
                total("fee").alias("fees"), total("conversion").alias("converted"),
                total("rollover").alias("rolled_out"), total("distribution").alias("distributed"))
           .sort(["person", "year", "account", "source"], nulls_last=False))
    return out


# ------------------------------------------------------------------ the rows the rules read

# Earnings rows of these plan sources are the bulk of a ledger (one per fund, source and day) and change
# no basis: the rules never read them (the lots engine sums a Roth source's earnings on demand).
_BULK_EARNINGS = ("pretax", "roth", "match", "nonelective")


class RulesRows:
    """The event rows the rules read, read once per ledger state (`rules_rows`): every person's, or one
    person's (`person`) when only that person was asked for so far.

    - `events(person)`: a superset of what the rules read of the person, in the ledger's sort order:
      every row but the earnings rows of the plan sources (after-tax earnings are in `earnings`
      instead; the other sources' are left out except on `ira_accounts`), plus every row with a
      `for_year`. Callers filter it for what they read.
    - `main`: those rows of every person read; `earnings`: the after-tax earnings rows (off
      `ira_accounts`), unsorted, columns `person`, `account`, `date`, `amount`, `for_year`.
    - `derived`: what callers make of these rows, kept with them (by the caller's key).
    """

    def __init__(self, main: pl.DataFrame, earnings: pl.DataFrame, person: str | None):
        self.main = main
        self.earnings = earnings
        self.person = person
        if person is not None:
            self.by_person = {person: main}
        else:
            self.by_person = {str(k[0]): v for k, v in main.partition_by("person", as_dict=True).items()} \
                if main.height else {}
        self.early: pl.DataFrame | None = None  # see `first_dates`
        self.derived: dict[Any, Any] = {}

    def covers(self, person: str | None) -> bool:
        """Whether these rows hold all of `person`'s (None: every person's)."""
        return self.person is None or self.person == person

    def events(self, person: str) -> pl.DataFrame:
        assert self.covers(person), (self.person, person)
        got = self.by_person.get(person)
        if got is None:
            return pl.DataFrame(schema={**EVENTS.columns, **PROVENANCE})
        return got


_RULES: dict[tuple[object, ...], RulesRows] = {}
_MANY: set[tuple[object, ...]] = set()


def reading_many(ledger: Ledger, persons: list[str]) -> None:
    """Say that a command is about to read these persons' rows: with more than one, the readers read every
    person's rows at once from the start (instead of the first person's alone)."""
    if len(persons) > 1:
        if len(_MANY) > 16:
            _MANY.clear()
        _MANY.add(ledger.data_version()[:2])


def _many(ledger: Ledger) -> bool:
    return ledger.data_version()[:2] in _MANY


def rules_rows(ledger: Ledger, ira_accounts: Iterable[str] | None = None, person: str | None = None) -> RulesRows:
    """The rows the rules read (see `RulesRows`) of `person` (None: of every person), kept per ledger state
    and `ira_accounts` (the IRA ids of mbr.toml, whose earnings rows are kept whatever their source).
    `ira_accounts=None` takes the rows already read for any IRA accounts (enough for callers that
    read no IRA earnings).

    The first person asked for is read alone (the other persons' segments are skipped);
    from the second on, every person's rows are read at once."""
    version = ledger.data_version()
    iras = None if ira_accounts is None else tuple(sorted(set(ira_accounts)))
    read = [(k, v) for k, v in _RULES.items() if k[0] == version and (iras is None or k[1] == iras)]
    for _, v in read:
        if v.covers(person):
            return v
    if iras is None:
        iras = read[0][0][1] if read else ()  # type: ignore[assignment]
    assert iras is not None
    scope = person if not read and not _many(ledger) else None
    kind, src = pl.col("kind"), pl.col("source")
    on_ira = pl.col("account").is_in(list(iras))
    bulk = ((kind == "earnings") & src.is_in(_BULK_EARNINGS) & ~on_ira).fill_null(False)
    keep = ~bulk | pl.col("for_year").is_not_null()
    df = ledger._read("events", keep if scope is None else (pl.col("person") == scope) & keep, person=scope)
    after_tax = ((kind == "earnings") & (src == "after_tax") & ~on_ira).fill_null(False)
    earnings = df.filter(after_tax).select("person", "account", "date", "amount", "for_year")
    got = RulesRows(sort_rows("events", df.filter(~after_tax)), earnings, scope)
    if len(_RULES) > 4:
        _RULES.clear()
    _RULES[(version, iras, scope)] = got
    return got


_YEARS: dict[tuple[object, ...], dict[str, pl.DataFrame]] = {}


def year_events(ledger: Ledger, person: str, first: int, last: int) -> pl.DataFrame:
    """The person's event rows dated in years `first` to `last`, earnings rows left out, in the ledger's
    sort order. Read like `rules_rows` (the first person asked for alone, then every person's at once),
    from the rows `rules_rows` read of every person when it has, and kept between commands
    (`kept_frame`)."""
    when = pl.col("date").is_between(dt.date(first, 1, 1), dt.date(last, 12, 31)) & (pl.col("kind") != "earnings")
    version = ledger.data_version()
    read = [(k, v) for k, v in _YEARS.items() if k[:3] == (version, first, last)]
    for k, v in read:
        if k[3] in (None, person):
            got = v.get(person)
            return got if got is not None else pl.DataFrame(schema={**EVENTS.columns, **PROVENANCE})
    rules = [v for k, v in _RULES.items() if k[0] == version]
    everyone = next((v for v in rules if v.person is None), None)
    scope = None if read or everyone is not None or _many(ledger) else person
    held = everyone or next((v for v in rules if v.person == scope), None)  # rows already read that hold these

    def make() -> pl.DataFrame:
        if held is not None:
            return held.main.filter(when)
        return sort_rows("events", ledger._read("events", when if scope is None else when & (pl.col("person") == scope),
                                                person=scope, dates=(dt.date(first, 1, 1), dt.date(last, 12, 31))))

    df = kept_frame(ledger, "yearevents", (first, last, scope), make)
    by_person = {str(k[0]): v for k, v in df.partition_by("person", as_dict=True).items()} if df.height else {}
    if len(_YEARS) > 4:
        _YEARS.clear()
    _YEARS[(version, first, last, scope)] = by_person
    got = by_person.get(person)
    return got if got is not None else pl.DataFrame(schema={**EVENTS.columns, **PROVENANCE})


def first_dates(ledger: Ledger, person: str, through: dt.date) -> tuple[dt.date | None, int | None]:
    """The earliest date of the person's event rows up to `through`, and the smallest `for_year` of them
    (None when there is none).

    The rows `rules_rows` read hold every `for_year`; the rows they leave out (plan earnings) matter
    only when dated before the person's first row there: those are read in one more scan of the rows
    dated before the latest such first day of any person (most segments are skipped)."""
    got = rules_rows(ledger, None, person)
    if "firsts" not in got.derived:
        both = pl.concat([got.main.select("person", "date", "for_year"), got.earnings.select("person", "date", "for_year")])
        firsts = dict(both.group_by("person").agg(pl.col("date").min()).iter_rows())
        years = both.filter(pl.col("for_year").is_not_null())
        got.derived["firsts"] = (firsts, {str(k[0]): v for k, v in years.partition_by("person", as_dict=True).items()})
    firsts, years = got.derived["firsts"]
    first = firsts.get(person)
    if first is None:  # none of the person's rows was read: read them all
        early = ledger._read("events", pl.col("person") == person, person=person)
    else:
        if got.early is None:
            before = max(d for d in firsts.values() if d is not None)
            got.early = ledger._read("events", pl.col("date") < before, dates=(None, before - dt.timedelta(days=1)))
        early = got.early.filter(pl.col("person") == person)
    mine = years.get(person, pl.DataFrame(schema={"person": pl.String, "date": pl.Date, "for_year": pl.Int64}))
    df = pl.concat([mine.select("date", "for_year"), early.select("date", "for_year")]).filter(pl.col("date") <= through)
    dates = [d for d in (first, df["date"].min()) if d is not None and d <= through]  # type: ignore[operator]
    fy = df["for_year"].min()
    return (min(dates) if dates else None), (None if fy is None else int(fy))  # type: ignore[arg-type, type-var]


# ------------------------------------------------------------------ results kept between commands

CACHE_DIR = ".mbr-cache"   # in the book folder
NO_CACHE_ENV = "MBR_NO_CACHE"  # set (to anything but "" or "0") to neither read nor write kept results
_KEPT_VERSION = 1
_CONTENT: dict[tuple[object, ...], str | None] = {}
_CODE: list[str] = []


def _code_digest() -> str:
    """The program's own identity: every source and data file of the package (the limits too),
    Python's and Polars' versions."""
    if not _CODE:
        root = Path(__file__).resolve().parent.parent
        h = hashlib.sha256(f"{_KEPT_VERSION} {sys.version} {pl.__version__}".encode())
        for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".toml") and p.is_file()):
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
        _CODE.append(h.hexdigest())
    return _CODE[0]


def content_digest(ledger: Ledger) -> str | None:
    """A digest of the ledger's event rows: every segment's bytes, in order, with its file's path and
    SHA-256 (None when the ledger cannot be read that way). Kept per ledger state."""
    version = ledger.data_version()
    if version not in _CONTENT:
        h = hashlib.sha256(f"schema {ledger.schema_version()}".encode())
        try:
            for path, sha, data in ledger.conn.execute(
                    "SELECT f.path, f.sha256, s.data FROM segments s JOIN files f ON f.id = s.file_id "
                    "WHERE s.table_name = 'events' ORDER BY s.id"):
                h.update(f"\0{len(path)}:{path}\0{sha}\0{len(data)}\0".encode())
                h.update(data)
            got: str | None = h.hexdigest()
        except sqlite3.Error:
            got = None
        if len(_CONTENT) > 8:
            _CONTENT.clear()
        _CONTENT[version] = got
    return _CONTENT[version]


def _kept_path(ledger: Ledger, name: str, inputs: tuple[object, ...], suffix: str) -> tuple[Path, str, str] | None:
    """Where a kept result lives (None when results are not kept), its full key, and the digest of the
    ledger's rows and the program (a part of the file's name)."""
    assert name.isalnum(), name
    if os.environ.get(NO_CACHE_ENV, "") not in ("", "0"):
        return None
    content = content_digest(ledger)
    if content is None:
        return None
    code = _code_digest()
    key = hashlib.sha256(repr((code, content, name, inputs)).encode()).hexdigest()
    state = hashlib.sha256(f"{code} {content}".encode()).hexdigest()[:16]  # the rows and the program
    return ledger.book / CACHE_DIR / f"{name}-{state}-{key[:32]}{suffix}", key, state


def _keep(path: Path, name: str, state: str, write: Callable[[Path], object]) -> None:
    """Write a kept result (to a temporary name, then renamed) and drop those made from other rows or by
    another version of the program (never used again)."""
    try:
        path.parent.mkdir(exist_ok=True)
        for old in path.parent.glob(f"{name}-*"):
            parts = old.name.split(".")[0].split("-")
            if len(parts) == 3 and parts[0] == name and parts[1] != state:
                old.unlink(missing_ok=True)
        tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
        write(tmp)
        os.replace(tmp, path)
    except OSError:
        pass


def kept_get(ledger: Ledger, name: str, inputs: tuple[object, ...], from_data: Callable[[Any], T]) -> T | None:
    """The kept result of `name` and `inputs` (see `kept`), or None when there is none (or it is not usable)."""
    where = _kept_path(ledger, name, inputs, ".json")
    if where is None:
        return None
    path, key, _ = where
    try:
        data = json.loads(path.read_bytes())
        if data["key"] == key:
            return from_data(data["value"])
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - a damaged or foreign file: compute again
        pass
    return None


def kept_put(ledger: Ledger, name: str, inputs: tuple[object, ...], value: T, to_data: Callable[[T], Any]) -> None:
    """Keep `value`, the result of `name` and `inputs` (see `kept`)."""
    where = _kept_path(ledger, name, inputs, ".json")
    if where is None:
        return
    path, key, state = where
    text = json.dumps({"key": key, "value": to_data(value)}, separators=(",", ":"))
    _keep(path, name, state, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def kept(ledger: Ledger, name: str, inputs: tuple[object, ...], make: Callable[[], T],
         to_data: Callable[[T], Any], from_data: Callable[[Any], T]) -> T:
    """`make()`, a result computed from the ledger's event rows and `inputs` only (str, int, tuples: their
    repr is part of the key), kept between commands in the book's `.mbr-cache` folder as JSON
    (`to_data` / `from_data`: the result as plain data and back; `from_data` never returns None).

    The key is a digest of the ledger's event rows, of the program's source and of `inputs`: a kept
    result is only ever used for exactly the rows and the code that made it. Anything amiss (no
    folder, a damaged file, a read-only book) means computing it again."""
    got = kept_get(ledger, name, inputs, from_data)
    if got is not None:
        return got
    value = make()
    kept_put(ledger, name, inputs, value, to_data)
    return value


def kept_frame(ledger: Ledger, name: str, inputs: tuple[object, ...], make: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """`kept` for a frame, as Parquet (the same columns, dtypes and rows); the whole key is in the file's name."""
    where = _kept_path(ledger, name, inputs, ".parquet")
    if where is None:
        return make()
    path, key, state = where
    path = path.with_name(f"{name}-{state}-{key}.parquet")
    try:
        return pl.read_parquet(path)
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - a damaged file: compute again
        pass
    value = make()
    _keep(path, name, state, lambda tmp: value.write_parquet(tmp))
    return value
