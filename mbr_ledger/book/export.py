"""The ledger as Beancount directives (`mbr export beancount`): accounts named from mbr.toml's ids,
one transaction per event row, a `balance` assertion per `balance` row, each plan's after-tax
source split into `Basis` and `Earnings` by the lots engine's moves (`rules.lots`), and each
traditional IRA into `Basis` and `Pretax` by the Form 8606 engine's figures (`rules.basis`).

Accounts (P a person, A a plan or IRA, S a plan's money source):

- `Assets:Retirement:P:A:S` for a plan (`...:AfterTax:Basis` and `...:AfterTax:Earnings` for the
  after-tax source), `Assets:Retirement:P:A` for an IRA (`...:Basis` and `...:Pretax` for a
  traditional, SEP or SIMPLE IRA);
- counter-accounts: `Income:Payroll:P:A:S` (plan contributions), `Equity:Contributions:P:A:S` (IRA
  contributions, the person's own money), `Income:Retirement:Earnings:P:A:S`,
  `Expenses:Retirement:Fees:P:A:S`, `Equity:Distributions:P:A:S` (money paid to the person),
  `Equity:Corrective-Distributions:P:A:S`, `Equity:Opening-Balances` (`--year`: the rows before it);
- conversions go to the plan's `Roth` source (an IRR) or to the person's first Roth IRA (an IRA
  conversion); rollovers and recharacterizations to the person's first IRA of the destination's
  type (the IRA the rules count them in), `Unlisted-Roth-IRA` / `Unlisted-Traditional-IRA` when
  mbr.toml has none.

A `balance` row is the account's value at the end of its day; Beancount checks a balance at the
start of a day, so the assertion is dated the day after. When the ledger's rows do not add up to
the statement's value (market changes of sources whose earnings are not booked, missing rows), the
difference is booked, on the row's date, to `<account>:Unbooked` against
`Income:Retirement:Unbooked:P:A`, tagged `#unbooked`, and counted in the file's header.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from ..core.errors import MbrError
from ..core.money import allocate, fmt, from_cents, to_cents
from ..render.beancount import Balance, BeancountFile, MetaValue, Open, Posting, Txn
from ..rules.history import TRADITIONAL_TYPES

if TYPE_CHECKING:
    from ..profile import Profile
    from ..rules.basis import Year8606
    from ..rules.history import Move
    from .book import Book

CURRENCY = "USD"
SOURCES = {"pretax": "Pretax", "roth": "Roth", "after_tax": "AfterTax", "match": "Match",
           "nonelective": "Nonelective", "nondeductible": "Nondeductible", "deductible": "Deductible"}
UNLISTED = {"roth_ira": "Unlisted-Roth-IRA", "traditional_ira": "Unlisted-Traditional-IRA"}
IRA_TYPES = {"roth_ira": ("roth",), "traditional_ira": ("traditional",)}  # as rules.lots lands a rollover
MOVE_KINDS = ("conversion", "rollover", "distribution", "corrective", "recharacterization")
OPENING = "Equity:Opening-Balances"


def component(text: str) -> str:
    """One Beancount account component from an id: its ASCII letter and digit runs, each capitalised,
    joined by '-' (`alex-trad` -> `Alex-Trad`, `acme_401k` -> `Acme-401k`); an id without any is
    named by its digest."""
    runs = re.findall(r"[A-Za-z0-9]+", text)
    if not runs:
        return "Id-" + _digest(text)
    return "-".join(r[0].upper() + r[1:] for r in runs)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8].upper()


def _distinct(ids: list[str], taken: set[str], what: str, notes: list[str]) -> dict[str, str]:
    """Each id's component; ids that would share one (`a-b`, `a_b`, `A b`) each get their digest added,
    so that no two are merged, and a header note says so."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        by_name[component(i).casefold()].append(i)
    out = {}
    for i in ids:
        name = component(i)
        if len(by_name[name.casefold()]) > 1 or name.casefold() in taken:
            new = f"{name}-{_digest(i)}"
            notes.append(f"{what} {i!r} is {new}: its plain name {name} would be shared with another id")
            name = new
        out[i] = name
    return out


@dataclass
class _Names:
    """The account names of one person's plans and IRAs; `trad`, the traditional (SEP, SIMPLE) IRAs whose
    money is split into `Basis` and `Pretax` (empty when Form 8606 cannot be computed)."""

    profile: Profile
    person: str
    p: str
    accounts: dict[str, str]
    plans: set[str]
    trad: set[str] = field(default_factory=set)

    def asset(self, account: str, source: str | None = None, part: str | None = None) -> str:
        base = f"Assets:Retirement:{self.p}:{self.accounts[account]}"
        if account in self.plans and source:
            base += ":" + SOURCES.get(source, component(source))
            if source == "after_tax" and part:
                base += ":" + part
        return base

    def trad_account(self, asset: str) -> bool:
        """Whether `asset` is the account of a traditional IRA split into Basis and Pretax."""
        return any(asset == self.asset(i) for i in self.trad)

    def counter(self, root: str, account: str, source: str | None) -> str:
        name = f"{root}:{self.p}:{self.accounts[account]}"
        return name + (":" + SOURCES.get(source, component(source)) if source else "")

    def payee(self, account: str) -> str:
        plan = self.profile.plan(account)
        return plan.employer if plan is not None else account

    def ira(self, destination: str, leaving: str | None = None) -> str:
        """The person's first IRA of the destination's type (other than the one money leaves)."""
        types = IRA_TYPES.get(destination)
        if types is None:
            return f"Equity:Rolled-Out:{self.p}"
        iras = [i for i in self.profile.iras_of(self.person, *types) if i.id != leaving]
        if not iras:
            return f"Assets:Retirement:{self.p}:{UNLISTED[destination]}"
        return self.asset(iras[0].id)


@dataclass
class _Person:
    """One person's directives before the year cut: transactions and balance rows, in ledger order."""

    names: _Names
    txns: list[Txn] = field(default_factory=list)
    balances: list[tuple[dt.date, str, int, tuple[tuple[str, MetaValue], ...], str]] = field(default_factory=list)
    unsplit: list[str] = field(default_factory=list)
    prior: int = 0  # cents of traditional IRA basis from before the ledger (prior_ira_basis)


def _meta(r: dict[str, Any]) -> tuple[tuple[str, MetaValue], ...]:
    """The row's place, then those of its optional columns it has (`for_year`, `reason`, `completed`,
    `fund`, `shares`)."""
    meta: list[tuple[str, MetaValue]] = [("source_file", r["source_file"] or ""),
                                         ("source_line", int(r["source_line"] or 0))]
    for key in ("for_year", "reason", "completed", "fund", "shares"):
        value = r.get(key)
        if value is not None and value != "":
            meta.append((key, value if isinstance(value, int) else str(value)))
    return tuple(meta)


def _narration(r: dict[str, Any]) -> str:
    what = " ".join(x for x in (r["kind"], r["source"] or "") if x)
    if r.get("destination"):
        what += f" to {r['destination']}"
    return f"{what}: {r['memo']}" if r.get("memo") else what


def _moves_by_row(moves: list[Move]) -> dict[tuple[str, dt.date, str, int], list[Move]]:
    out: dict[tuple[str, dt.date, str, int], list[Move]] = defaultdict(list)
    for m in moves:
        for ref in m.refs:
            out[(ref, m.date, m.kind, to_cents(m.amount))].append(m)
    return out


def _row_txn(n: _Names, r: dict[str, Any], payee: str, moves: dict[tuple[str, dt.date, str, int], list[Move]],
             unsplit: list[str], basis: dict[str, int]) -> Txn:
    """The transaction of one event row (not a `balance` row)."""
    kind, src, acct, cents = r["kind"], r["source"], r["account"], int(r["amount"])
    plan = acct in n.plans
    legs: list[Posting]
    if kind in ("contribution", "earnings", "fee"):
        part = "Basis" if kind == "contribution" else "Earnings"
        root = {"contribution": "Income:Payroll" if plan else "Equity:Contributions",
                "earnings": "Income:Retirement:Earnings", "fee": "Expenses:Retirement:Fees"}[kind]
        legs = [Posting(n.asset(acct, src, part), cents), Posting(n.counter(root, acct, src), -cents)]
    elif kind in MOVE_KINDS:
        if kind == "conversion":
            dest = n.asset(acct, "roth") if plan else n.ira("roth_ira", acct)
        elif kind in ("rollover", "recharacterization"):
            dest = n.ira(r["destination"] or "", acct)
        else:
            root = "Equity:Distributions" if kind == "distribution" else "Equity:Corrective-Distributions"
            dest = n.counter(root, acct, src)
        legs = _out_legs(n, r, moves, unsplit) + [Posting(dest, -cents)]
    else:
        raise MbrError(f"{r['source_file']}:{r['source_line']}: kind {kind!r} has no Beancount form yet; "
                       f"export a year without it (--year) or leave the row out of the ledger (mbr forget)")
    if n.trad:
        legs = _trad_legs(n, r, legs, basis)
    kept = [p for p in legs if p.cents]
    if len(kept) < 2:  # a row of 0.00: its own account and the other side, both at zero
        kept = [legs[0], legs[-1]]
    return Txn(r["date"], payee, _narration(r), tuple(kept), _meta(r))


def _trad_legs(n: _Names, r: dict[str, Any], legs: list[Posting], basis: dict[str, int]) -> list[Posting]:
    """A traditional IRA's leg split into its Form 8606 basis (`:Basis`) and the rest (`:Pretax`). The
    row's own leg moves the basis the Form 8606 engine gives the row (`_ira_basis`); money arriving
    from a plan's after-tax source brings the basis the lots engine split off (Form 8606 line 2), a
    recharacterization into the IRA the contribution it counts as (line 1); other arrivals none."""
    ref = f"{r['source_file']}:{r['source_line']}"
    out: list[Posting] = []
    for leg in legs:
        if not n.trad_account(leg.account):
            out.append(leg)
            continue
        if leg.account == n.asset(r["account"]):  # the row's own IRA
            part = basis.get(ref, leg.cents if r["kind"] == "contribution" and r["source"] == "nondeductible" else 0)
        elif r["kind"] == "recharacterization":
            part = basis.get(ref, 0)
        else:
            part = -sum(p.cents for p in legs if p.account.endswith(":AfterTax:Basis"))
        out += [Posting(leg.account + ":Basis", part), Posting(leg.account + ":Pretax", leg.cents - part)]
    return out


def _ira_basis(years: list[Year8606]) -> dict[str, int]:
    """The traditional IRA basis each IRA row moves, in cents, as Form 8606 has it: a contribution its
    line 1 amount (negative for one returned or recharacterized out, section 408(d)(4) and Pub. 590-A),
    a conversion its nontaxable part (the Roth layer's, from lines 11 and 17), a distribution its share
    of the rest of line 13 (line 12, by amount), out of the basis (negative)."""
    out: dict[str, int] = defaultdict(int)
    for y in years:
        for e in y.ira.nondeductible:
            out[e.ref] += to_cents(e.amount)
        converted = 0
        for layer in y.carry.layers:
            if layer.year == y.year and layer.kind == "conversion":
                out[layer.ref] -= to_cents(layer.nontaxable)
                converted += to_cents(layer.nontaxable)
        rest = y.money("13") - from_cents(converted)
        shares = allocate(rest, [e.amount for e in y.ira.trad_distributions]) or []
        for e, share in zip(y.ira.trad_distributions, shares, strict=False):
            out[e.ref] -= to_cents(share)
    return dict(out)


def _out_legs(n: _Names, r: dict[str, Any], moves: dict[tuple[str, dt.date, str, int], list[Move]],
              unsplit: list[str]) -> list[Posting]:
    """The legs of money leaving a source; out of a plan's after-tax source, its basis and earnings
    parts as the lots engine split the move."""
    acct, src, cents = r["account"], r["source"], int(r["amount"])
    if acct not in n.plans or src != "after_tax":
        return [Posting(n.asset(acct, src), cents)]
    ref = f"{r['source_file']}:{r['source_line']}"
    found = moves.get((ref, r["date"], r["kind"], abs(cents)))
    if not found:
        unsplit.append(ref)
        return [Posting(n.asset(acct, src), cents)]
    m = found.pop(0)
    basis = to_cents(m.basis)
    sign = -1 if cents < 0 else 1
    return [Posting(n.asset(acct, src, "Basis"), sign * basis), Posting(n.asset(acct, src, "Earnings"), cents - sign * basis)]


def _person(book: Book, pid: str, names: _Names, rows: pl.DataFrame, through: int, notes: list[str]) -> _Person:
    out = _Person(names)
    after_tax_out = rows.filter((pl.col("source") == "after_tax") & pl.col("account").is_in(list(names.plans))
                                & pl.col("kind").is_in(list(MOVE_KINDS))).height
    trad = [i.id for i in book.profile.iras_of(pid, *TRADITIONAL_TYPES)]
    with_trad = bool(trad) and rows.filter(pl.col("account").is_in(trad)
                                           | (pl.col("destination") == "traditional_ira")).height > 0
    facts = book.facts(through, pid)[0] if after_tax_out or with_trad else None
    moves = _moves_by_row(facts.history.moves()) if facts is not None and after_tax_out else {}
    basis: dict[str, int] = {}
    if facts is not None and with_trad:
        try:
            basis = _ira_basis(facts.f8606_years)
            names.trad = set(trad)
            out.prior = to_cents(book.profile.person(pid).prior_ira_basis)
        except MbrError as exc:
            notes.append(f"{pid}: traditional IRA basis not split from the rest (Form 8606 cannot be computed: {exc})")
    for r in rows.iter_rows(named=True):
        if r["kind"] == "balance":
            acct = r["account"]
            src = r["source"] if acct in names.plans else None
            out.balances.append((r["date"], names.asset(acct, src), int(r["amount"]), _meta(r), acct))
            continue
        out.txns.append(_row_txn(names, r, names.payee(r["account"]), moves, out.unsplit, basis))
    if out.prior and (out.txns or out.balances):
        # The basis from before the ledger moves from `:Pretax` to `:Basis` (the two still add up to the
        # ledger's rows) on the first traditional IRA's first balance row (else the first row).
        first = names.asset(trad[0])
        day = min([b[0] for b in out.balances if b[4] == trad[0]] or [t.date for t in out.txns]
                  or [b[0] for b in out.balances])
        out.txns.insert(0, Txn(day, "mbr", "traditional IRA basis from before the ledger (prior_ira_basis in "
                               "mbr.toml, Form 8606 line 2)",
                               (Posting(first + ":Basis", out.prior), Posting(first + ":Pretax", -out.prior)),
                               (("mbr_profile", "prior_ira_basis"),)))
    return out


def _under(account: str, top: str) -> bool:
    return account == top or account.startswith(top + ":")


def _assertions(p: _Person, notes: list[str]) -> tuple[list[Txn], list[Balance]]:
    """The balance rows as assertions dated the day after, each with the booking of what the ledger's
    rows do not hold (`:Unbooked`) when they do not add up to it. Balance rows giving one account two
    values on one day cannot both hold: none of them is asserted, and a note names them."""
    values: dict[tuple[dt.date, str], set[int]] = defaultdict(set)
    for d, account, cents, _, _ in p.balances:
        values[(d, account)].add(cents)
    for (d, account), seen in sorted(values.items()):
        if len(seen) > 1:
            rows = [f"{dict(meta)['source_file']}:{dict(meta)['source_line']}" for bd, a, _, meta, _ in p.balances
                    if (bd, a) == (d, account)]
            notes.append(f"Balance rows giving {account} different values on {d.isoformat()}, not asserted: "
                         f"{', '.join(rows)}.")
    dates: dict[str, list[dt.date]] = defaultdict(list)
    sums: dict[str, list[int]] = defaultdict(list)
    for t in sorted(p.txns, key=lambda t: t.date):
        for leg in t.postings:
            run = sums[leg.account]
            dates[leg.account].append(t.date)
            run.append((run[-1] if run else 0) + leg.cents)
    booked: list[tuple[dt.date, str, int]] = []  # the :Unbooked legs so far
    adjust: list[Txn] = []
    checks: list[Balance] = []
    # Deeper accounts first on one day, so that a plan's assertion sees its sources' bookings.
    for d, account, cents, meta, acct in sorted(p.balances, key=lambda b: (b[0], -b[1].count(":"))):
        if len(values[(d, account)]) > 1:
            continue
        held = sum(sums[a][i - 1] for a in sums if _under(a, account) and (i := bisect_right(dates[a], d)))
        held += sum(c for bd, a, c in booked if bd <= d and _under(a, account))
        diff = cents - held
        if diff:
            unbooked = f"{account}:Unbooked"
            income = f"Income:Retirement:Unbooked:{p.names.p}:{p.names.accounts[acct]}"
            booked.append((d, unbooked, diff))
            why = (f"statement value {fmt(cents)} on {d.isoformat()}; the ledger's rows hold {fmt(held)}: "
                   f"{fmt(diff)} not in the ledger (market change or missing rows)")
            adjust.append(Txn(d, p.names.payee(acct), why, (Posting(unbooked, diff), Posting(income, -diff)), meta,
                              ("unbooked",)))
        checks.append(Balance(d + dt.timedelta(days=1), account, cents, meta))
    return adjust, checks


def export_beancount(book: Book, year: int | None = None, person: str | None = None) -> BeancountFile:
    """The book's ledger (through Dec 31 of `year`, with the rows before it as opening balances; all of
    it without `year`) of one person or of everyone, as Beancount directives."""
    persons = book.persons(person)
    notes: list[str] = []
    pnames = _distinct(persons, set(), "person", notes)
    out = BeancountFile(title=f"mbr ledger {book.path.resolve().name}" + (f", {year}" if year else ""),
                        currency=CURRENCY)
    entries: list[Txn | Balance] = []
    counts = {"rows": 0, "payroll": 0, "balances": 0, "unbooked": 0}
    left_out: dict[str, int] = defaultdict(int)
    unsplit: list[str] = []
    bases: dict[str, tuple[tuple[str, MetaValue], ...]] = {}
    start = dt.date(year, 1, 1) if year else None
    for pid in persons:
        df = book.ledger(person=pid).with_columns(  # the rows `mbr ledger` lists, in its order; cents here
            (pl.col("amount") * 100).cast(pl.Int64).alias("amount"))
        if year is not None:
            df = df.filter(pl.col("date").dt.year() <= year)
        counts["payroll"] += df.filter((pl.col("kind") == "payroll") & (pl.col("date") >= (start or dt.date.min))).height
        df = df.filter(pl.col("kind") != "payroll")
        plans = [pl_.id for pl_ in book.profile.plans_of(pid)]
        iras = [i.id for i in book.profile.iras_of(pid)]
        known = set(plans) | set(iras)
        for acct, k in df.filter(~pl.col("account").is_in(list(known))).group_by("account").len().iter_rows():
            left_out[acct] += k
        df = df.filter(pl.col("account").is_in(list(known)))
        if df.is_empty():
            continue
        accounts = _distinct(plans + iras, {u.casefold() for u in UNLISTED.values()}, f"{pid}: account", notes)
        names = _Names(book.profile, pid, pnames[pid], accounts, set(plans))
        for acct in plans + iras:
            kind = "plan" if acct in names.plans else "ira"
            bases[names.asset(acct)] = (("mbr_person", pid), (f"mbr_{kind}", acct))
        through = year or max(d.year for d in df["date"])
        p = _person(book, pid, names, df, through, notes)
        unsplit += p.unsplit
        adjust, checks = _assertions(p, notes)
        txns = sorted(p.txns + adjust, key=lambda t: t.date)  # stable: ledger order within a day
        if start is not None:
            before = [t for t in txns if t.date < start]
            txns = [t for t in txns if t.date >= start]
            checks = [c for c in checks if c.date >= start]
            opening = _opening(before, start - dt.timedelta(days=1), pnames[pid])
            if opening is not None:
                txns.insert(0, opening)
        counts["rows"] += sum(1 for t in txns if t.meta and t.meta[0][0] == "source_file" and "unbooked" not in t.tags)
        counts["balances"] += len(checks)
        counts["unbooked"] += sum(1 for t in txns if "unbooked" in t.tags)
        entries += _merge(txns, checks)
    entries.sort(key=lambda e: e.date)
    out.entries = entries
    out.opens = _opens(bases, entries)
    out.header, out.warnings = _header(year, person, counts, left_out, unsplit, notes)
    return out


def _merge(txns: list[Txn], checks: list[Balance]) -> list[Txn | Balance]:
    """Transactions and assertions by date, each assertion before the day's transactions (as
    Beancount reads it)."""
    both: list[tuple[dt.date, int, int, Txn | Balance]] = [(c.date, 0, i, c) for i, c in enumerate(checks)]
    both += [(t.date, 1, i, t) for i, t in enumerate(txns)]
    return [e for *_, e in sorted(both, key=lambda x: x[:3])]


def _opening(before: list[Txn], day: dt.date, p: str) -> Txn | None:
    """The assets' balances from the rows before the year, as one transaction on Dec 31 before it."""
    held: dict[str, int] = defaultdict(int)
    for t in before:
        for leg in t.postings:
            if leg.account.startswith("Assets:"):
                held[leg.account] += leg.cents
    legs = [Posting(a, c) for a, c in sorted(held.items()) if c]
    if not legs:
        return None
    legs.append(Posting(f"{OPENING}:{p}", -sum(leg.cents for leg in legs)))
    return Txn(day, "mbr", f"opening balances from the ledger's rows before {(day + dt.timedelta(days=1)).year}",
               tuple(legs))


def _opens(bases: dict[str, tuple[tuple[str, MetaValue], ...]], entries: list[Txn | Balance]) -> list[Open]:
    """An `open` for every account the entries use (and each one an assertion names), the day before
    the first entry; an account of a plan or IRA says which ids of mbr.toml it stands for."""
    used: set[str] = set()
    for e in entries:
        if isinstance(e, Balance):
            used.add(e.account)
        else:
            used.update(leg.account for leg in e.postings)
    if not used:
        return []
    day = min(e.date for e in entries) - dt.timedelta(days=1)

    def meta(account: str) -> tuple[tuple[str, MetaValue], ...]:
        return next((m for b, m in bases.items() if _under(account, b)), ())

    return [Open(day, a, meta(a)) for a in sorted(used)]


def _header(year: int | None, person: str | None, counts: dict[str, int], left_out: dict[str, int],
            unsplit: list[str], notes: list[str]) -> tuple[list[str], list[str]]:
    """The file's header lines, and those of them a user should hear about on stderr too."""
    what = f"the year {year} (the rows before it as opening balances)" if year else "every year of the ledger"
    lines = [f"mbr export beancount: {what}, {'person ' + person if person else 'every person in mbr.toml'}.",
             "Amounts in USD, exact to the cent. Each transaction names its ledger row (source_file, source_line).",
             "Open it in Fava: fava FILE; check it: bean-check FILE.", ""]
    if not counts["rows"] and not counts["balances"]:
        lines.append("No ledger rows to show: this file holds no transactions.")
    else:
        lines.append(f"Ledger rows as transactions: {counts['rows']}; balance rows as assertions: {counts['balances']} "
                     f"(dated the day after: a balance row is the value at the end of its day).")
    if counts["payroll"]:
        lines.append(f"Payroll rows left out: {counts['payroll']} (the pay-stub deductions mbr ledger --kind payroll "
                     f"lists): they are not money in an account; mbr audit matches them with the deposits.")
    warnings = []
    if counts["unbooked"]:
        warnings.append(f"Balance rows the ledger's rows do not add up to: {counts['unbooked']}; each difference is "
                        f"booked to <account>:Unbooked (tag #unbooked).")
    for acct, k in sorted(left_out.items()):  # `open_the_book` warns about them on stderr already
        lines.append(f"Rows of account {acct!r} left out: {k} (it is not a plan or IRA in mbr.toml).")
    if unsplit:
        warnings.append(f"After-tax moves without the lots engine's split, booked on the AfterTax account itself: "
                        f"{len(unsplit)} ({', '.join(unsplit[:5])}{' ...' if len(unsplit) > 5 else ''}).")
    warnings += notes
    return lines + warnings, warnings
