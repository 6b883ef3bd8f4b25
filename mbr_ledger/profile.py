"""The book's profile, `mbr.toml`: persons, plans and IRAs, validated strictly.

Every mistake is an error naming its key path (`mbr.toml: plan[1].person: ...`): unknown keys,
wrong types, references to unknown persons and impossible dates. A misplaced key is never ignored.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .core.dates import DateError, parse_date
from .core.errors import ProfileError

PLAN_SOURCES = ("pretax", "roth", "after_tax", "match", "nonelective")
IRA_SOURCES = ("nondeductible", "deductible", "roth")
CONVERSION_STYLES = ("in_plan_auto", "in_plan_manual", "rollover_roth_ira", "none")
IRA_TYPES = ("traditional", "roth", "sep", "simple")
FILING_STATUSES = ("single", "mfj", "mfs", "hoh")
# [[mapping]]: what a column of a mapped CSV may hold, and what its transaction words may become.
MAPPING_ROLES = ("date", "amount", "kind", "source", "fund", "shares", "memo", "plan")
MAPPING_REQUIRED_ROLES = ("date", "amount", "kind")
MAPPING_KINDS = ("contribution", "earnings", "fee", "distribution", "conversion", "balance", "exchange",
                 "loan", "skip")
MAPPING_ENCODINGS = ("utf-8", "cp1252")
MAPPING_SIGN_KINDS = ("contribution", "earnings", "fee", "distribution", "balance")  # `signs` keys
MAPPING_PLACEHOLDERS = ("--", "n/a")  # cells read as empty when a mapping names none


@dataclass(frozen=True)
class Person:
    id: str
    born: dt.date
    name: str = ""
    filing_status: str | None = None
    marginal_rate: Decimal | None = None
    # Figures from before the first year the book holds (Form 8606 basis carried in).
    first_year: int | None = None
    prior_ira_basis: Decimal = Decimal("0.00")
    prior_roth_contribution_basis: Decimal = Decimal("0.00")
    prior_roth_conversion_basis: Decimal = Decimal("0.00")
    spouse: str | None = None  # the person's spouse in this book; both "mfj": one return (Form 1040)
    first_roth_ira_year: int | None = None  # year of the first contribution or conversion to any Roth IRA (5-year clock)
    magi: tuple[tuple[int, Decimal], ...] = ()  # modified AGI for Roth IRA eligibility, by tax year

    def magi_for(self, year: int) -> Decimal | None:
        """The `magi` given for `year` in mbr.toml, or None."""
        return dict(self.magi).get(year)


@dataclass(frozen=True)
class Plan:
    id: str
    person: str
    employer: str
    employer_group: str
    after_tax_cap_pct: Decimal | None = None
    after_tax_cap: Decimal | None = None
    conversion: str = "none"
    source_names: dict[str, str] = field(default_factory=dict)
    match_pct: Decimal | None = None
    true_up: bool = False
    plan_name: str | None = None


@dataclass(frozen=True)
class Ira:
    id: str
    person: str
    type: str


@dataclass(frozen=True)
class MappingRule:
    """One [[mapping.rules]] entry: where `pattern` is found in `column`, the row gets `kind` and/or `source`."""

    column: str
    pattern: re.Pattern[str]
    kind: str | None = None
    source: str | None = None
    where: str = "mbr.toml: mapping[0].rules[0]"


@dataclass(frozen=True)
class CsvMapping:
    """A [[mapping]] table: how to read a CSV no built-in format knows (see the README, section Importing the files)."""

    name: str
    columns: dict[str, str]            # role (MAPPING_ROLES) -> the file's column name
    title: str = ""
    kinds: dict[str, str] = field(default_factory=dict)    # the file's words -> MAPPING_KINDS
    sources: dict[str, str] = field(default_factory=dict)  # the file's money-source names -> PLAN_SOURCES
    header_contains: tuple[str, ...] = ()
    delimiter: str = ","
    encoding: str = "utf-8"
    date_format: str | None = None
    footer: tuple[str, ...] = ()
    stop_at_blank: bool = False
    negate: bool = False
    plan: str | None = None
    source: str | None = None
    where: str = "mbr.toml: mapping[0]"  # for messages
    account: str | None = None         # the plan or IRA every row belongs to
    rules: tuple[MappingRule, ...] = ()
    placeholders: tuple[str, ...] = MAPPING_PLACEHOLDERS  # compared case-insensitively, besides empty
    signs: dict[str, str] = field(default_factory=dict)   # kind -> "+" or "-"

    @property
    def header_names(self) -> list[str]:
        """Every column the header row must hold."""
        return list(dict.fromkeys([*self.columns.values(), *self.header_contains, *(r.column for r in self.rules)]))


@dataclass(frozen=True)
class AuditSettings:
    deposit_window_days: int = 7
    conversion_lag_warn_days: int = 30


@dataclass(frozen=True)
class Profile:
    persons: tuple[Person, ...] = ()
    plans: tuple[Plan, ...] = ()
    iras: tuple[Ira, ...] = ()
    audit: AuditSettings = AuditSettings()
    mappings: tuple[CsvMapping, ...] = ()
    path: str = "mbr.toml"

    def person(self, pid: str) -> Person:
        for p in self.persons:
            if p.id == pid:
                return p
        raise KeyError(pid)

    def plan(self, plan_id: str) -> Plan | None:
        return next((p for p in self.plans if p.id == plan_id), None)

    def ira(self, ira_id: str) -> Ira | None:
        return next((i for i in self.iras if i.id == ira_id), None)

    def account_ids(self) -> set[str]:
        return {p.id for p in self.plans} | {i.id for i in self.iras}

    def person_ids(self) -> list[str]:
        return [p.id for p in self.persons]

    def plans_of(self, person: str) -> list[Plan]:
        return [p for p in self.plans if p.person == person]

    def iras_of(self, person: str, *types: str) -> list[Ira]:
        return [i for i in self.iras if i.person == person and (not types or i.type in types)]


# ---------------------------------------------------------------- validation helpers


class _Reader:
    def __init__(self, fname: str):
        self.fname = fname

    def fail(self, path: str, message: str) -> ProfileError:
        return ProfileError(f"{self.fname}: {path}: {message}")

    def table(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a table, found {type(value).__name__}")
        return value

    def keys(self, table: dict[str, Any], path: str, required: set[str], optional: set[str]) -> None:
        unknown = sorted(set(table) - required - optional)
        if unknown:
            allowed = ", ".join(sorted(required | optional))
            raise self.fail(f"{path}.{unknown[0]}",
                            f"unknown key (allowed here: {allowed}){did_you_mean(unknown[0], required | optional)}")
        missing = sorted(required - set(table))
        if missing:
            raise self.fail(f"{path}.{missing[0]}", "required key is missing")

    def string(self, table: dict[str, Any], key: str, path: str, default: str | None = None) -> str:
        if key not in table:
            if default is None:
                raise self.fail(f"{path}.{key}", "required key is missing")
            return default
        v = table[key]
        if not isinstance(v, str) or (not v.strip()):
            raise self.fail(f"{path}.{key}", f"expected a non-empty string, found {v!r}")
        return v.strip()

    def choice(self, table: dict[str, Any], key: str, path: str, options: tuple[str, ...],
               default: str | None = None) -> str | None:
        if key not in table:
            return default
        v = table[key]
        if v not in options:
            raise self.fail(f"{path}.{key}", f"expected one of {', '.join(options)}, found {v!r}")
        return str(v)

    def date(self, table: dict[str, Any], key: str, path: str) -> dt.date:
        v = table.get(key)
        if isinstance(v, dt.datetime):
            raise self.fail(f"{path}.{key}", "expected a date, found a date and time")
        if isinstance(v, dt.date):
            return v
        if not isinstance(v, str):
            raise self.fail(f"{path}.{key}", f"expected a date such as \"1974-06-01\", found {v!r}")
        try:
            return parse_date(v)
        except DateError as exc:
            raise self.fail(f"{path}.{key}", str(exc)) from None

    def decimal(self, table: dict[str, Any], key: str, path: str, *, lo: Decimal | None = None,
                hi: Decimal | None = None) -> Decimal | None:
        if key not in table:
            return None
        v = table[key]
        if isinstance(v, bool) or isinstance(v, float):
            raise self.fail(f"{path}.{key}", f"write the number as a string, e.g. \"{v}\", so it stays exact")
        try:
            d = Decimal(str(v).strip()) if isinstance(v, (str, int)) else None
        except InvalidOperation:
            d = None
        if d is None or not d.is_finite():
            raise self.fail(f"{path}.{key}", f"expected a number as a string, found {v!r}")
        if (lo is not None and d < lo) or (hi is not None and d > hi):
            raise self.fail(f"{path}.{key}", f"{d} is out of range ({lo} to {hi})")
        return d

    def integer(self, table: dict[str, Any], key: str, path: str, default: int, lo: int, hi: int) -> int:
        if key not in table:
            return default
        v = table[key]
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            raise self.fail(f"{path}.{key}", f"expected a whole number from {lo} to {hi}, found {v!r}")
        return v

    def boolean(self, table: dict[str, Any], key: str, path: str) -> bool:
        v = table.get(key, False)
        if not isinstance(v, bool):
            raise self.fail(f"{path}.{key}", f"expected true or false, found {v!r}")
        return v

    def list_of_tables(self, doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
        v = doc.get(key, [])
        if isinstance(v, dict):
            raise self.fail(key, f"write [[{key}]] (a list of tables), not [{key}]")
        if not isinstance(v, list):
            raise self.fail(key, "expected a list of tables")
        return [self.table(t, f"{key}[{i}]") for i, t in enumerate(v)]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`; did you mean 'x'?` naming the nearest of `choices`, or nothing when none is near."""
    near = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean {near[0]!r}?" if near else ""


MONEY = Decimal("0.01")


def _money(r: _Reader, t: dict[str, Any], key: str, path: str) -> Decimal:
    d = r.decimal(t, key, path, lo=Decimal("0"))
    if d is None:
        return Decimal("0.00")
    if d != d.quantize(MONEY):
        raise r.fail(f"{path}.{key}", "at most two decimals")
    return d.quantize(MONEY)


def _magi(r: _Reader, t: dict[str, Any], path: str) -> tuple[tuple[int, Decimal], ...]:
    """`magi = { "2026" = "180000.00" }`: a tax year (as a string) to an exact amount, at most two decimals."""
    raw = r.table(t.get("magi", {}), f"{path}.magi")
    out = []
    for key in raw:
        if not (isinstance(key, str) and key.isdigit() and 1998 <= int(key) <= 2100):
            raise r.fail(f"{path}.magi.{key}", "expected a tax year from 1998 to 2100 as the key, e.g. \"2026\"")
        out.append((int(key), _money(r, raw, key, f"{path}.magi")))
    return tuple(sorted(out))


def parse_profile(doc: dict[str, Any], fname: str = "mbr.toml") -> Profile:
    r = _Reader(fname)
    top = {"person", "plan", "ira", "audit", "mapping"}
    unknown = sorted(set(doc) - top)
    if unknown:
        raise r.fail(unknown[0], f"unknown key (allowed at the top: {', '.join(sorted(top))})"
                                 f"{did_you_mean(unknown[0], top)}")

    persons: list[Person] = []
    person_ids: set[str] = set()  # a set, so that checking each id stays linear in the persons
    for i, t in enumerate(r.list_of_tables(doc, "person")):
        p = f"person[{i}]"
        r.keys(t, p, {"id", "born"}, {"name", "filing_status", "marginal_rate", "first_year",
                                      "prior_ira_basis", "prior_roth_contribution_basis",
                                      "prior_roth_conversion_basis", "spouse", "first_roth_ira_year", "magi"})
        pid = r.string(t, "id", p)
        if pid in person_ids:
            raise r.fail(f"{p}.id", f"person id {pid!r} is used twice")
        person_ids.add(pid)
        born = r.date(t, "born", p)
        if not dt.date(1900, 1, 1) <= born <= dt.date.today():
            raise r.fail(f"{p}.born", f"impossible birth date {born.isoformat()}")
        persons.append(Person(
            id=pid, born=born, name=r.string(t, "name", p, default=""),
            filing_status=r.choice(t, "filing_status", p, FILING_STATUSES),
            marginal_rate=r.decimal(t, "marginal_rate", p, lo=Decimal("0"), hi=Decimal("1")),
            first_year=r.integer(t, "first_year", p, 0, 1990, 2100) or None,
            prior_ira_basis=_money(r, t, "prior_ira_basis", p),
            prior_roth_contribution_basis=_money(r, t, "prior_roth_contribution_basis", p),
            prior_roth_conversion_basis=_money(r, t, "prior_roth_conversion_basis", p),
            spouse=r.string(t, "spouse", p, default="") or None,
            first_roth_ira_year=r.integer(t, "first_roth_ira_year", p, 0, 1998, dt.date.today().year) or None,
            magi=_magi(r, t, p),
        ))
    _check_spouses(r, persons)

    def ref_person(t: dict[str, Any], p: str) -> str:
        who = r.string(t, "person", p)
        if who not in person_ids:
            known = ", ".join(sorted(person_ids)) or "none defined"
            raise r.fail(f"{p}.person", f"unknown person {who!r} (persons: {known})")
        return who

    account_ids: set[str] = set()

    def new_account(t: dict[str, Any], p: str) -> str:
        aid = r.string(t, "id", p)
        if aid in account_ids:
            raise r.fail(f"{p}.id", f"account id {aid!r} is used twice (plan and IRA ids share one namespace)")
        account_ids.add(aid)
        return aid

    plans: list[Plan] = []
    for i, t in enumerate(r.list_of_tables(doc, "plan")):
        p = f"plan[{i}]"
        r.keys(t, p, {"id", "person", "employer"}, {"employer_group", "after_tax_cap_pct", "after_tax_cap",
                                                   "conversion", "source_names", "match_pct", "true_up",
                                                   "plan_name"})
        names_raw = t.get("source_names", {})
        if not isinstance(names_raw, dict):
            raise r.fail(f"{p}.source_names", "expected a table such as { \"Employee After-Tax\" = \"after_tax\" }")
        names: dict[str, str] = {}
        for k, v in names_raw.items():
            if v not in PLAN_SOURCES:
                raise r.fail(f"{p}.source_names.{k}", f"expected one of {', '.join(PLAN_SOURCES)}, found {v!r}")
            names[str(k)] = str(v)
        employer = r.string(t, "employer", p)
        plans.append(Plan(
            id=new_account(t, p), person=ref_person(t, p), employer=employer,
            employer_group=r.string(t, "employer_group", p, default=employer),
            after_tax_cap_pct=r.decimal(t, "after_tax_cap_pct", p, lo=Decimal("0"), hi=Decimal("100")),
            after_tax_cap=r.decimal(t, "after_tax_cap", p, lo=Decimal("0")),
            conversion=r.choice(t, "conversion", p, CONVERSION_STYLES, default="none") or "none",
            source_names=names,
            match_pct=r.decimal(t, "match_pct", p, lo=Decimal("0"), hi=Decimal("100")),
            true_up=r.boolean(t, "true_up", p),
            plan_name=r.string(t, "plan_name", p, default="") or None,
        ))

    iras: list[Ira] = []
    for i, t in enumerate(r.list_of_tables(doc, "ira")):
        p = f"ira[{i}]"
        r.keys(t, p, {"id", "person", "type"}, set())
        iras.append(Ira(id=new_account(t, p), person=ref_person(t, p),
                        type=r.choice(t, "type", p, IRA_TYPES) or "traditional"))

    audit = AuditSettings()
    if "audit" in doc:
        t = r.table(doc["audit"], "audit")
        r.keys(t, "audit", set(), {"deposit_window_days", "conversion_lag_warn_days"})
        audit = AuditSettings(
            deposit_window_days=r.integer(t, "deposit_window_days", "audit", 7, 0, 60),
            conversion_lag_warn_days=r.integer(t, "conversion_lag_warn_days", "audit", 30, 0, 3660),
        )

    mappings: list[CsvMapping] = []
    for i, t in enumerate(r.list_of_tables(doc, "mapping")):
        m = parse_mapping(t, f"mapping[{i}]", fname, plan_ids=[p.id for p in plans],
                          ira_ids=[x.id for x in iras])
        if m.name in {x.name for x in mappings}:
            raise r.fail(f"mapping[{i}].name", f"mapping name {m.name!r} is used twice")
        mappings.append(m)
    return Profile(tuple(persons), tuple(plans), tuple(iras), audit, tuple(mappings), fname)


def _check_spouses(r: _Reader, persons: list[Person]) -> None:
    """`spouse` names another person of the book who names this one back; with `filing_status = "mfj"`
    on one of them, the other says "mfj" too (one joint return)."""
    by_id = {p.id: (i, p) for i, p in enumerate(persons)}
    for i, p in enumerate(persons):
        if p.spouse is None:
            continue
        where = f"person[{i}].spouse"
        if p.spouse == p.id:
            raise r.fail(where, f"{p.id!r} names itself; name the other person of the couple")
        if p.spouse not in by_id:
            known = ", ".join(sorted(by_id)) or "none defined"
            raise r.fail(where, f"unknown person {p.spouse!r} (persons: {known})")
        j, q = by_id[p.spouse]
        if q.spouse != p.id:
            raise r.fail(f"person[{j}].spouse", f"{p.id!r} names {q.id!r} as spouse, so {q.id!r} must name "
                                                f"{p.id!r}: add spouse = {p.id!r} to person[{j}]"
                         + (f" (it names {q.spouse!r})" if q.spouse else ""))
        if (p.filing_status == "mfj") != (q.filing_status == "mfj"):
            k, who = (j, q) if p.filing_status == "mfj" else (i, p)
            raise r.fail(f"person[{k}].filing_status", f"{p.id!r} and {q.id!r} are spouses and one of them files "
                                                      f"jointly (\"mfj\"); set filing_status = \"mfj\" on both, "
                                                      f"or on neither (found {who.filing_status!r} on {who.id!r})")


def joint_filers(profile: Profile, pid: str) -> list[str]:
    """The persons on `pid`'s Form 1040: `pid` and, filing jointly, the spouse (in book order)."""
    p = profile.person(pid)
    if p.spouse and p.filing_status == "mfj":
        return [q.id for q in profile.persons if q.id in (pid, p.spouse)]
    return [pid]


_MAPPING_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def parse_mapping(t: dict[str, Any], p: str, fname: str = "mbr.toml", plan_ids: list[str] | None = None,
                  ira_ids: list[str] | None = None) -> CsvMapping:
    """One [[mapping]] table, checked strictly; errors name the key path (`mbr.toml: mapping[0].columns.date`).

    `plan_ids` and `ira_ids`, when given, are the accounts a `plan` or `account` key may name.
    """
    r = _Reader(fname)
    r.keys(t, p, {"name", "columns"}, {"title", "kinds", "sources", "header_contains", "delimiter", "encoding",
                                      "date_format", "footer", "stop_at_blank", "negate", "plan", "source",
                                      "account", "rules", "placeholders", "signs"})
    name = r.string(t, "name", p)
    if not _MAPPING_NAME.match(name):
        raise r.fail(f"{p}.name", f"use lower-case letters, digits, - and _ (it is the `--from` name), found {name!r}")
    cols = r.table(t["columns"], f"{p}.columns")
    required = set(MAPPING_REQUIRED_ROLES) - ({"kind"} if t.get("rules") else set())  # rules may decide the kind
    r.keys(cols, f"{p}.columns", required, set(MAPPING_ROLES) - required)
    columns = {role: r.string(cols, role, f"{p}.columns") for role in MAPPING_ROLES if role in cols}
    rules = _mapping_rules(r, t, p)
    if "kind" not in columns and not any(x.kind for x in rules):
        raise r.fail(f"{p}.columns.kind", "required key is missing (no [[mapping.rules]] rule sets a kind)")

    def words(key: str, allowed: tuple[str, ...]) -> dict[str, str]:
        raw = r.table(t.get(key, {}), f"{p}.{key}")
        out: dict[str, str] = {}
        for k, v in raw.items():
            if not isinstance(v, str) or v not in allowed:
                raise r.fail(f"{p}.{key}.{k}", f"expected one of {', '.join(allowed)}, found {v!r}")
            if not k.strip():
                raise r.fail(f"{p}.{key}", "a word is empty")
            out[k] = v
        return out

    def strings(key: str) -> tuple[str, ...]:
        v = t.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            raise r.fail(f"{p}.{key}", f"expected a list of non-empty strings, found {v!r}")
        return tuple(x.strip() for x in v)

    delimiter = t.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in ('"', "\r", "\n"):
        raise r.fail(f"{p}.delimiter", f"expected one character such as \",\", \";\" or \"\\t\", found {delimiter!r}")
    date_format = t.get("date_format")
    if date_format is not None:
        if not isinstance(date_format, str) or "%" not in date_format:
            raise r.fail(f"{p}.date_format", f"expected a strftime pattern such as \"%m/%d/%Y\", found {date_format!r}")
        try:
            dt.datetime(2026, 1, 31, 13, 5, 7).strftime(date_format)
        except ValueError as exc:
            raise r.fail(f"{p}.date_format", str(exc)) from None
    plan = t.get("plan")
    if plan is not None:
        plan = r.string(t, "plan", p)
        if plan_ids is not None and plan not in plan_ids:
            raise r.fail(f"{p}.plan", f"unknown plan {plan!r} (plans: {', '.join(plan_ids) or 'none defined'})")
    source = r.choice(t, "source", p, ALL_SOURCES)
    account = t.get("account")
    if account is not None:
        account = r.string(t, "account", p)
        if plan is not None:
            raise r.fail(f"{p}.account", "give `account` or `plan`, not both (`account` may name a plan or an IRA)")
        if "plan" in columns:
            raise r.fail(f"{p}.account", "the mapping has a plan column, which names each row's plan; remove one")
        known = [*(plan_ids or []), *(ira_ids or [])]
        if plan_ids is not None and account not in known:
            raise r.fail(f"{p}.account", f"unknown account {account!r} (plans and IRAs: {', '.join(known) or 'none'})")
    return CsvMapping(
        name=name, columns=columns, title=r.string(t, "title", p, default="") if "title" in t else "",
        kinds=words("kinds", MAPPING_KINDS), sources=words("sources", ALL_SOURCES), account=account,
        rules=rules, placeholders=strings("placeholders") if "placeholders" in t
        else MAPPING_PLACEHOLDERS, signs=_mapping_signs(r, t, p),
        header_contains=strings("header_contains"), delimiter=delimiter,
        encoding=r.choice(t, "encoding", p, MAPPING_ENCODINGS, default="utf-8") or "utf-8",
        date_format=date_format, footer=strings("footer"), stop_at_blank=r.boolean(t, "stop_at_blank", p),
        negate=r.boolean(t, "negate", p), plan=plan, source=source, where=f"{fname}: {p}",
    )


ALL_SOURCES = (*PLAN_SOURCES, *IRA_SOURCES[:2])  # a mapping's sources: a plan's, or an IRA contribution's


def _mapping_rules(r: _Reader, t: dict[str, Any], p: str) -> tuple[MappingRule, ...]:
    """[[mapping.rules]]: each a `column`, a `match` (a regular expression) and a `kind` and/or `source`."""
    raw = t.get("rules", [])
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        raise r.fail(f"{p}.rules", "expected [[mapping.rules]] tables, each with column, match and kind or source")
    out = []
    for i, rule in enumerate(raw):
        q = f"{p}.rules[{i}]"
        r.keys(rule, q, {"column", "match"}, {"kind", "source"})
        if "kind" not in rule and "source" not in rule:
            raise r.fail(q, "a rule sets a `kind`, a `source` or both")
        text = r.string(rule, "match", q)
        try:
            pattern = re.compile(text)
        except re.error as exc:
            raise r.fail(f"{q}.match", f"not a regular expression ({exc}): {text!r}") from None
        out.append(MappingRule(column=r.string(rule, "column", q), pattern=pattern,
                               kind=r.choice(rule, "kind", q, MAPPING_KINDS),
                               source=r.choice(rule, "source", q, ALL_SOURCES), where=f"{r.fname}: {q}"))
    return tuple(out)


def _mapping_signs(r: _Reader, t: dict[str, Any], p: str) -> dict[str, str]:
    raw = r.table(t.get("signs", {}), f"{p}.signs")
    r.keys(raw, f"{p}.signs", set(), set(MAPPING_SIGN_KINDS))
    for k, v in raw.items():
        if v not in ("+", "-"):
            raise r.fail(f"{p}.signs.{k}", f'expected "+" or "-", found {v!r}')
    return {str(k): str(v) for k, v in raw.items()}


def load_profile(path: Path) -> Profile:
    fname = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ProfileError(f"{path}: no profile here (run `mbr init DIR` first, or give --book)") from None
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{fname}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{fname}: {exc}") from None
    except (RecursionError, MemoryError):
        raise ProfileError(f"{fname}: nested too deeply to read (arrays or inline tables inside one "
                           f"another, hundreds deep); a profile needs at most a few levels") from None
    return parse_profile(doc, fname)


TEMPLATE = '''\
# mbr.toml: who is in this book and which plans and IRAs they have.
# Ids are short words used in your CSV files (payroll `plan`, activity `account`).
# Numbers that are money or rates are written as strings ("0.24") so they stay exact.
# Not tax advice: mbr_ledger computes figures to the best of its knowledge.

# [[person]]
# id = "alex"              # short id used in CSV files
# name = "Alex Doe"        # optional
# born = "1974-06-01"      # for catch-up eligibility (age on Dec 31)
# filing_status = "mfj"    # optional: single | mfj | mfs | hoh
# spouse = "sam"           # optional: the spouse's id (who names this person back); with "mfj" on both, one return
# marginal_rate = "0.24"   # optional: for tax estimates
# first_year = 2025        # optional: first year this book holds; the prior_* figures are from before it
# prior_ira_basis = "0.00" # optional: Form 8606 line 14 of the year before first_year
# first_roth_ira_year = 2016  # optional: year of the first contribution or conversion to any Roth IRA (5-year clock)
# magi = { "2026" = "180000.00" }  # optional: modified AGI by tax year, for the Roth IRA income limit

# [[plan]]
# id = "acme"              # used in CSV files (payroll `plan`, activity `account`)
# person = "alex"
# employer = "Acme Corp"
# employer_group = "acme"  # optional; plans sharing it share one 415(c) limit (default: employer)
# after_tax_cap_pct = "15" # optional plan cap on after-tax contributions, % of pay
# conversion = "in_plan_auto"  # optional: in_plan_auto | in_plan_manual | rollover_roth_ira | none
# source_names = { "Employee After-Tax" = "after_tax" }  # optional: recordkeeper's names -> sources

# [[ira]]
# id = "alex-trad"         # used in activity `account`
# person = "alex"
# type = "traditional"     # traditional | roth | sep | simple

# [audit]
# deposit_window_days = 7          # business days for a payroll deduction to reach the plan
# conversion_lag_warn_days = 30    # warn when after-tax money waits longer than this
'''
