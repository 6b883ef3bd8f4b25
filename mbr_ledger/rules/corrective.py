"""Corrective distributions and recharacterizations: the Forms 1099-R they bring and the year each
part is income in.

Instructions for Forms 1099-R and 5498, "Corrective Distributions" and box 7: code 8 means taxable
in the year of the form, P taxable in the year before, B a designated Roth account, E a
distribution under EPCRS, J a Roth IRA, R a recharacterization reported in the year after the
contribution's year, N one in the same year. Form 1040: a plan's corrective distribution of excess
deferrals or excess contributions (and their earnings) is "other earned income" (line 1h); an
IRA's goes on lines 4a/4b. Pub. 525 "Excess deferrals": an excess refunded by April 15 of the next
year is income for the year deferred and its earnings for the year paid; refunded later, it is
taxed in the year deferred and again in the year paid. Pub. 590-A: a contribution returned with
its earnings by the due date of the return (section 408(d)(4)) is treated as never made, its
earnings are income for the year the contribution was for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import polars as pl

from .. import limits
from ..core.money import ZERO, from_cents
from .history import fmt_m
from .roth import under_59_half

if TYPE_CHECKING:
    from ..profile import Profile
    from .rows import PersonRows

CASH = "cash"
CORRECTIVE = "corrective"  # the `destination` of an expected corrective form (its money is paid out)


def filing_due_date(tax_year: int) -> dt.date:
    """The due date of `tax_year`'s return without extensions (limits data: IRC 7503 and the IRS's
    postponements)."""
    return limits.filing_due_date(tax_year).date


def extended_due_date(tax_year: int) -> dt.date:
    """The due date with the automatic six-month extension: the deadline of a 408(d)(4) return and of
    a recharacterization (Pub. 590-A). October 15 of the next year, or later when the due date
    itself was postponed past April 15 by more than a weekend (best knowledge)."""
    return max(dt.date(tax_year + 1, 10, 15), filing_due_date(tax_year))


def deferral_deadline(tax_year: int) -> dt.date:
    """The 402(g) refund deadline: April 15 of the next year, fixed by the statute (no extension,
    no IRC 7503 move)."""
    return dt.date(tax_year + 1, 4, 15)


@dataclass(frozen=True)
class Corrective:
    """One `corrective` row: `returned` the contributions paid back (`basis`), `earnings` the rest
    (`taxable`)."""

    date: dt.date
    account: str
    reason: str
    for_year: int
    source: str | None
    amount: Decimal
    returned: Decimal
    earnings: Decimal
    ref: str
    is_ira: bool
    roth: bool          # a Roth IRA, or the plan's Roth source

    @property
    def timely(self) -> bool:
        """Paid by its deadline: April 15 for 402(g), the extended due date for an IRA return."""
        if self.reason == "402g":
            return self.date <= deferral_deadline(self.for_year)
        if self.reason == "ira_return":
            return self.date <= extended_due_date(self.for_year)
        return True


@dataclass
class Part:
    """One expected Form 1099-R of a corrective or a recharacterization, with the year its box 2a is
    income in and the Form 1040 line it goes on."""

    account: str
    date: dt.date
    box1: Decimal
    box2a: Decimal
    box5: Decimal
    box7: str
    is_ira: bool
    ira_sep_simple: bool
    tax_year: int | None      # the year box 2a is income in (None: nothing taxable)
    line: str                 # Form 1040 line: 1h, 4a/4b, 5a/5b, or "" for none
    what: str
    ref: str
    notes: list[str] = field(default_factory=list)


def corrective_rows(profile: Profile, events: pl.DataFrame) -> list[Corrective]:
    """The `corrective` rows of a frame of event rows, in its order."""
    if not events.height or "reason" not in events.columns:
        return []
    df = events.filter(pl.col("kind") == "corrective")
    roth_iras = {i.id for i in profile.iras if i.type == "roth"}
    out = []
    for r in df.iter_rows(named=True):
        amount = from_cents(abs(int(r["amount"])))
        basis = from_cents(int(r["basis"])) if r["basis"] is not None else None
        taxable = from_cents(int(r["taxable"])) if r["taxable"] is not None else None
        returned = basis if basis is not None else amount - (taxable or ZERO)
        is_ira = profile.plan(r["account"]) is None
        out.append(Corrective(r["date"], r["account"], r["reason"], int(r["for_year"]), r["source"], amount,
                              returned, amount - returned, f"{r['source_file']}:{r['source_line']}", is_ira,
                              r["account"] in roth_iras if is_ira else r["source"] == "roth"))
    return out


def _age_code(profile: Profile, person: str, day: dt.date) -> str:
    return "1" if under_59_half(profile.person(person), day) else "7"


def parts_of(profile: Profile, person: str, c: Corrective) -> list[Part]:
    """The Forms 1099-R one corrective row brings (by the 1099-R instructions' codes)."""
    paid = c.date.year
    same = paid == c.for_year
    year_code = "8" if same else "P"
    b = "B" if c.roth and not c.is_ira else ""
    if c.reason == "402g":
        if not c.timely:
            code = b + _age_code(profile, person, c.date)
            return [Part(c.account, c.date, c.amount, c.amount, ZERO, code, False, False, paid, "5b",
                         f"excess deferral for {c.for_year} refunded {c.date.isoformat()}, after April 15, "
                         f"{c.for_year + 1}: a plain distribution, all of it taxable in {paid} (the excess is "
                         f"income for {c.for_year} too: taxed twice)", c.ref)]
        excess_taxable = ZERO if c.roth else c.returned  # a Roth excess was taxed already (best knowledge)
        if same:
            return [Part(c.account, c.date, c.amount, excess_taxable + c.earnings, ZERO, b + "8", False, False, paid,
                         "1h", f"excess deferral {fmt_m(c.returned)} and its earnings {fmt_m(c.earnings)} refunded "
                               f"in {paid}, the year deferred: income for {paid}", c.ref)]
        out = [Part(c.account, c.date, c.returned, excess_taxable, ZERO, b + "P", False, False,
                    c.for_year if excess_taxable else None, "1h",
                    f"excess deferral {fmt_m(c.returned)} for {c.for_year} refunded by April 15, {c.for_year + 1}: "
                    f"income for {c.for_year}, the year deferred (amend that return if it is filed)", c.ref)]
        if c.earnings:
            out.append(Part(c.account, c.date, c.earnings, c.earnings, ZERO, b + "8", False, False, paid, "1h",
                            f"earnings {fmt_m(c.earnings)} on the excess deferral: income for {paid}, the year "
                            f"paid", c.ref))
        return out
    if c.reason in ("adp", "acp"):
        after_tax = c.source == "after_tax" or c.roth
        taxable = c.earnings if after_tax else c.amount
        basis = c.returned if after_tax else ZERO
        what = {"adp": "ADP test refund (excess contributions)", "acp": "ACP test refund (excess aggregate "
                "contributions)"}[c.reason]
        return [Part(c.account, c.date, c.amount, taxable, basis, b + "8", False, False, paid if taxable else None,
                     "1h", f"{what} of {c.source} money: income in {paid}, the year paid"
                           + (f"; the {fmt_m(basis)} of after-tax contributions returned is basis (box 5), not "
                              f"taxable" if basis else ""), c.ref)]
    if c.reason == "415c":
        after_tax = c.source == "after_tax" or c.roth
        taxable = c.earnings if after_tax else c.amount
        basis = c.returned if after_tax else ZERO
        return [Part(c.account, c.date, c.amount, taxable, basis, "E", False, False, paid if taxable else None,
                     "5b", f"excess annual addition (415(c)) returned under EPCRS: taxable in {paid}, the year "
                           f"paid" + (f"; {fmt_m(basis)} of after-tax or Roth contributions is basis" if basis else ""),
                     c.ref)]
    if c.reason == "ira_return":
        code = ("J" if c.roth else "") + year_code
        notes = []
        if not c.timely:
            notes.append(f"{c.ref}: returned {c.date.isoformat()}, after the {c.for_year} return's due date with "
                         f"extensions ({extended_due_date(c.for_year).isoformat()}): not a section 408(d)(4) return; "
                         f"record it as reason ira_excess")
        return [Part(c.account, c.date, c.amount, c.earnings, ZERO, code, True, not c.roth,
                     c.for_year if c.earnings else None, "4b",
                     f"{c.for_year} IRA contribution {fmt_m(c.returned)} returned with its earnings "
                     f"{fmt_m(c.earnings)} (section 408(d)(4)): the contribution counts as never made; the earnings "
                     f"are income for {c.for_year} (no 10% additional tax on them since SECURE 2.0 section 333, best "
                     f"knowledge)", c.ref, notes)]
    # ira_excess: removed after the due date; not income when the year's contributions were within the
    # limit and none was deducted (section 408(d)(5), best knowledge).
    code = "J" if c.roth else _age_code(profile, person, c.date)
    return [Part(c.account, c.date, c.amount, c.earnings, ZERO, code, True, not c.roth,
                 paid if c.earnings else None, "4b",
                 f"excess IRA contribution for {c.for_year} removed {c.date.isoformat()}, after the due date: the "
                 f"{fmt_m(c.returned)} returned is not income (section 408(d)(5), best knowledge); the 6% excise tax "
                 f"applies for each year it stayed (Form 5329)", c.ref)]


@dataclass(frozen=True)
class Recharacterization:
    """One `recharacterization` row: `moved` what left the first IRA, `contribution` its contribution
    part, counted as made to the other kind of IRA for `for_year`."""

    date: dt.date
    account: str
    destination: str
    for_year: int
    moved: Decimal
    contribution: Decimal
    ref: str

    @property
    def timely(self) -> bool:
        """Made by the due date of the `for_year` return with extensions (Pub. 590-A)."""
        return self.date <= extended_due_date(self.for_year)


def recharacterizations(events: pl.DataFrame) -> list[Recharacterization]:
    """The `recharacterization` rows of a frame of event rows, in its order."""
    if not events.height:
        return []
    df = events.filter(pl.col("kind") == "recharacterization")
    out = []
    for r in df.iter_rows(named=True):
        moved = from_cents(abs(int(r["amount"])))
        basis = from_cents(int(r["basis"])) if r["basis"] is not None else moved
        out.append(Recharacterization(r["date"], r["account"], r["destination"], int(r["for_year"]), moved, basis,
                                      f"{r['source_file']}:{r['source_line']}"))
    return out


def recharacterization_part(profile: Profile, x: Recharacterization) -> Part:
    """The Form 1099-R the first IRA issues: box 1 what moved, box 2a 0, code N when made in the
    contribution's year, R when made in the next (1099-R instructions)."""
    roth = (ira := profile.ira(x.account)) is not None and ira.type == "roth"
    code = "N" if x.date.year == x.for_year else "R"
    notes = []
    if not x.timely:
        notes.append(f"{x.ref}: recharacterized {x.date.isoformat()}, after the {x.for_year} return's due date with "
                     f"extensions ({extended_due_date(x.for_year).isoformat()}): too late, the contribution stays "
                     f"where it was made (Pub. 590-A); this move is a distribution and a new contribution")
    return Part(x.account, x.date, x.moved, ZERO, ZERO, code, True, not roth, None, "",
                f"recharacterization of the {x.for_year} contribution {fmt_m(x.contribution)} (moved with its "
                f"earnings, {fmt_m(x.moved)}) to the {x.destination.replace('_', ' ')}: not a distribution, nothing "
                f"taxable; the contribution counts as made to the second IRA for {x.for_year}", x.ref, notes)


def year_parts(profile: Profile, rows: PersonRows, year: int) -> tuple[list[Part], list[Part]]:
    """The corrective and recharacterization forms dated in `year`, and those dated in `year + 1`
    whose box 2a is income for `year` (code P)."""
    person = rows.person
    mine: list[Part] = []
    later: list[Part] = []
    for c in corrective_rows(profile, rows.events):
        if c.date.year == year:
            mine += parts_of(profile, person, c)
        elif c.date.year == year + 1:
            later += [p for p in parts_of(profile, person, c) if p.tax_year == year]
    for x in recharacterizations(rows.events):
        if x.date.year == year:
            mine.append(recharacterization_part(profile, x))
    return mine, later


def refunds_402g(profile: Profile, events: pl.DataFrame, year: int) -> tuple[Decimal, Decimal, list[str]]:
    """The excess deferrals for `year` refunded by April 15 of the next year and those refunded later
    (the `returned` parts), with their rows."""
    on_time = late = ZERO
    refs = []
    for c in corrective_rows(profile, events):
        if c.reason != "402g" or c.for_year != year:
            continue
        refs.append(c.ref)
        if c.timely:
            on_time += c.returned
        else:
            late += c.returned
    return on_time, late, refs
