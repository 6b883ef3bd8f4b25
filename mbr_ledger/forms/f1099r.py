"""Form 1099-R: the forms each payer should issue (from the ledger) against the forms received.

docs/rules.md section 5. Expected forms:

- in-plan Roth rollovers (IRRs) of a plan: one form per plan, year and code (plans add up the
  year's IRRs), code G, box 1 the amount, box 2a the taxable earnings, box 5 the basis;
- rollovers and distributions: one form per plan, date, destination and code (code G for a
  direct rollover, H for Roth 401(k) money to a Roth IRA, 1 or 7 for a distribution paid out, B1/B7
  for a Roth 401(k) distribution; the last two by age 59 1/2, *best knowledge*);
- IRA conversions and distributions: one form per IRA, year and code, with box 2a = box 1 and
  "taxable amount not determined" checked, as custodians do (code 2 under age 59 1/2 at the
  date, else 7, *best knowledge*); Roth IRA distributions code J, Q or T with box 2a 0.

Reconciliation per person and payer: the sums of boxes 1, 2a and 5 (level `plan`), then per form
where the forms received can be paired with expected ones by box 1 (one to one, one form
covering several expected ones, or several forms covering one; level `form`). Code G never
means "not taxable": box 2a decides. A custodian's box 2a on an IRA form with box 2b checked is
not a difference. Form 1040: 4a/4b from the IRAs (4b = Form 8606 lines 15c + 18 + 25c), 5a/5b
from the plans (5b = box 2a of the Roth-bound and paid-out amounts, 0 for pre-tax money rolled to
a traditional IRA).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations
from typing import TYPE_CHECKING, Any

from ..core.money import ZERO, fmt, from_cents
from ..rules.corrective import CORRECTIVE, Part, year_parts
from ..rules.history import CASH, ROTH_401K, ROTH_IRA, TRADITIONAL_IRA, Move, fmt_m, ref_of, refs_text
from ..rules.roth import under_59_half
from .f1040 import form_1040_lines
from .model import Grid, Worksheet

if TYPE_CHECKING:
    import polars as pl

    from ..profile import Person, Profile
    from ..rules.facts import PersonYear

BOXES = ("box1", "box2a", "box5")
MAX_SUBSET = 12


@dataclass
class Expected:
    person: str
    payer_account: str
    form: str                   # a readable id: "beta 2026-08-20 roth_ira"
    kind: str                   # irr | rollover | distribution | ira_conversion | ira_distribution | roth_distribution
                                # | corrective | recharacterization (`rules.corrective`)
    destination: str
    dates: list[dt.date]
    box1: Decimal
    box2a: Decimal
    box5: Decimal
    box7: str
    box2b_not_determined: bool
    ira_sep_simple: bool
    refs: list[str]
    explanation: str
    is_ira: bool
    matched: list[str] = field(default_factory=list)

    def box(self, name: str) -> Decimal:
        return getattr(self, name)  # type: ignore[no-any-return]


@dataclass
class Actual:
    person: str
    payer_account: str
    form_id: str
    box1: Decimal
    box2a: Decimal
    box5: Decimal
    box7: str
    box2b_not_determined: bool
    ira_sep_simple: bool
    ref: str
    matched: list[str] = field(default_factory=list)

    def box(self, name: str) -> Decimal:
        return getattr(self, name)  # type: ignore[no-any-return]


@dataclass
class Difference:
    person: str
    payer_account: str
    level: str            # plan | form
    form: str             # form ids on both sides ("expected: ...; received: ...")
    box: str              # box1 | box2a | box5 | box7 | form
    expected: Decimal | str | None
    actual: Decimal | str | None
    explanation: str
    refs: list[str]

    @property
    def difference(self) -> Decimal | None:
        if isinstance(self.expected, Decimal) or isinstance(self.actual, Decimal):
            e = self.expected if isinstance(self.expected, Decimal) else ZERO
            a = self.actual if isinstance(self.actual, Decimal) else ZERO
            return e - a
        return None


def norm_code(code: str | None) -> str:
    """A box 7 code compared without order, spaces or case: "7 B" == "B7"."""
    return "".join(sorted((code or "").upper().replace(",", "").replace(" ", "")))


def _plan_code(m: Move, person: Person) -> str:
    if m.kind in ("conversion", "rollover") and m.completed is None:
        return "H" if (m.source == "roth" and m.destination == ROTH_IRA) else "G"
    # A distribution, or an indirect (60-day) rollover, which is paid to the person: a distribution
    # code, not G or H (1099-R instructions; 20% is withheld, box 4).
    age = "1" if under_59_half(person, m.date) else "7"
    return f"B{age}" if m.source == "roth" else age


def _explain_move_group(moves: list[Move]) -> str:
    amount = sum((m.amount for m in moves), ZERO)
    basis = sum((m.basis for m in moves), ZERO)
    taxable = sum((m.taxable for m in moves), ZERO)
    earnings = sum((m.earnings for m in moves), ZERO)
    kinds = {m.kind for m in moves}
    what = {"conversion": f"{len(moves)} in-plan Roth rollover(s)", "rollover": "rollover",
            "distribution": "distribution"}
    head = " + ".join(what[k] for k in sorted(kinds))
    srcs = ", ".join(sorted({m.source for m in moves}))
    text = (f"{head} of {srcs} money: {fmt_m(amount)} = basis {fmt_m(basis)} + earnings {fmt_m(earnings)}; "
            f"taxable {fmt_m(taxable)}")
    if any(m.split_group for m in moves):
        text += " (one leg of a split distribution, Notice 2014-54: earnings go to the traditional IRA leg first)"
    if taxable < earnings:
        text += "; earnings rolled to a traditional IRA stay pre-tax (not taxable now)"
    stated = [m for m in moves if m.stated_basis is not None or m.stated_taxable is not None]
    if stated:
        text += "; basis/taxable as stated on the row"
    indirect = [m for m in moves if m.completed is not None]
    if indirect:
        text += ("; an indirect (60-day) rollover, completed " + ", ".join(m.completed.isoformat() for m in indirect
                                                                        if m.completed is not None)
                 + ": the plan pays it to you (a distribution code, not G; 20% withheld) and you deposit it in the "
                 "IRA; the plan's box 2a may show the pre-tax part, of which what reached a traditional IRA within "
                 "60 days is not taxable (best knowledge)")
    return text


def expected_forms(profile: Profile, facts: PersonYear) -> tuple[list[Expected], list[str]]:
    """The Forms 1099-R the person's plans and IRAs should issue for the year of `facts`, and notes."""
    person, year = facts.person, facts.year
    p = profile.person(person)
    got = facts.year_moves
    notes = list(got.notes)
    out: list[Expected] = []
    moves = list(got.items)
    groups: dict[tuple[Any, ...], list[Move]] = {}
    for m in moves:
        code = _plan_code(m, p)
        key = (m.plan, code, m.destination) if m.kind == "conversion" else (m.plan, code, m.destination, m.date)
        groups.setdefault(key, []).append(m)
    for key, ms in groups.items():
        plan, code, dest = key[0], key[1], key[2]
        kind = "irr" if ms[0].kind == "conversion" else ms[0].kind
        dates = sorted({m.date for m in ms})
        label = f"{plan} {year} IRRs" if kind == "irr" else f"{plan} {dates[0].isoformat()} {dest}"
        out.append(Expected(
            person=person, payer_account=plan, form=label, kind=kind, destination=dest, dates=dates,
            box1=sum((m.amount for m in ms), ZERO), box2a=sum((m.taxable for m in ms), ZERO),
            box5=sum((m.basis for m in ms), ZERO), box7=code, box2b_not_determined=False, ira_sep_simple=False,
            refs=[r for m in ms for r in m.refs], explanation=_explain_move_group(ms), is_ira=False))
        if code in ("1", "7", "B1", "B7"):
            notes.append(f"{label}: box 7 code {code} is best knowledge (by age 59 1/2 on the date; separation "
                         f"from service at 55 or later gives code 2)")

    ira = facts.ira_year()
    notes += [n for n in ira.notes if n not in notes]
    roth_ids = {i.id for i in profile.iras_of(person, "roth")}
    buckets: dict[tuple[str, str, str], list[Any]] = {}
    for e in ira.conversions:
        code = "2" if under_59_half(p, e.date) else "7"
        buckets.setdefault((e.account, "ira_conversion", code), []).append(e)
    for e in ira.trad_distributions:
        code = "1" if under_59_half(p, e.date) else "7"
        buckets.setdefault((e.account, "ira_distribution", code), []).append(e)
    for e in ira.sixty_day:
        code = "1" if under_59_half(p, e.date) else "7"
        buckets.setdefault((e.account, "ira_rollover", code), []).append(e)
    f8606 = None
    for e in ira.roth_distributions:
        if under_59_half(p, e.date):
            code = "J"
        else:
            if f8606 is None:
                f8606 = facts.f8606
            code = "T" if f8606.money("19") else "Q"
        buckets.setdefault((e.account, "roth_distribution", code), []).append(e)
    for (acct, kind, code), evs in buckets.items():
        total = sum((e.amount for e in evs), ZERO)
        dest = ROTH_IRA if kind == "ira_conversion" else TRADITIONAL_IRA if kind == "ira_rollover" else CASH
        roth = acct in roth_ids
        if kind == "ira_conversion":
            expl = (f"{len(evs)} traditional-to-Roth IRA conversion(s), {fmt_m(total)}; the custodian reports it all "
                    f"in box 2a with 'taxable amount not determined' checked; the taxable part is on Form 8606 "
                    f"line 18; code {code} by age 59 1/2 (best knowledge)")
        elif kind == "ira_distribution":
            expl = (f"traditional IRA distribution(s), {fmt_m(total)}; the taxable part is on Form 8606 line 15c; "
                    f"code {code} by age 59 1/2 (best knowledge)")
        elif kind == "ira_rollover":
            expl = (f"distribution(s) rolled over to a traditional IRA within 60 days, {fmt_m(total)}: the custodian "
                    f"reports a distribution (code {code} by age 59 1/2, best knowledge); on Form 1040 it is line 4a "
                    f"with 'Rollover', nothing taxable (not on Form 8606)")
        else:
            expl = (f"Roth IRA distribution(s), {fmt_m(total)}; box 2a is usually blank; taxable part on Form 8606 "
                    f"line 25c; code {code} (best knowledge)")
        out.append(Expected(
            person=person, payer_account=acct, form=f"{acct} {year} {kind.replace('_', ' ')}", kind=kind,
            destination=dest, dates=sorted({e.date for e in evs}), box1=total,
            box2a=ZERO if roth else total, box5=ZERO, box7=code, box2b_not_determined=not roth,
            ira_sep_simple=not roth, refs=[e.ref for e in evs], explanation=expl, is_ira=True))
    mine, _ = year_parts(profile, facts.rows, year)
    for part in mine:
        out.append(_part_form(person, year, part))
        notes += [n for n in part.notes if n not in notes]
    return out, notes


# Grid columns of the corrective forms (`rules.corrective`): each with the year its box 2a is income in
# and its Form 1040 line. Forms of the next year whose box 2a is income for this year are listed too.
CORRECTIVE_KINDS = ("corrective", "recharacterization")


def _part_form(person: str, year: int, p: Part) -> Expected:
    """An expected form of a corrective or a recharacterization; one on Form 1040 lines 5a/5b (a late
    402(g) refund, a 415(c) EPCRS return) is a plain distribution among the others."""
    kind = "distribution" if p.line == "5b" else "recharacterization" if p.line == "" else "corrective"
    dest = CASH if kind == "distribution" else CORRECTIVE
    return Expected(person=person, payer_account=p.account, form=f"{p.account} {p.date.isoformat()} {kind} {p.box7}",
                    kind=kind, destination=dest, dates=[p.date], box1=p.box1, box2a=p.box2a, box5=p.box5,
                    box7=p.box7, box2b_not_determined=False, ira_sep_simple=p.ira_sep_simple, refs=[p.ref],
                    explanation=p.what, is_ira=p.is_ira)


def on_ira_lines(year: int, p: Part) -> tuple[bool, bool]:
    """Whether an IRA corrective form is on `year`'s line 4a (its box 1: a form of `year`, traditional
    or Roth IRA) and on its line 4b (its box 2a: income for `year`, code P: a form of `year + 1`)."""
    if p.line != "4b" or not p.is_ira:
        return False, False
    return p.date.year == year, p.tax_year == year


def corrective_grid(year: int, rows: list[tuple[str, Part, str]]) -> Grid:
    """The corrective and recharacterization forms: (person, part, status) each; `on_4a` / `on_4b`
    say which are in `year`'s lines 4a and 4b (the lines add them up, forms/f1040.py)."""
    g = Grid("Corrective distributions and recharacterizations",
             ["person", "payer_account", "date", "box1", "box2a", "box5", "box7", "ira_sep_simple", "status",
              "taxable_in", "form1040_line", "on_4a", "on_4b", "rows", "explanation"],
             ["text", "text", "text", "money", "money", "money", "text", "bool", "text", "text", "text", "bool",
              "bool", "text", "text"], totals=["box1", "box2a", "box5"])
    for pid, p, status in rows:
        line = {"1h": "1h", "4b": "4a/4b", "": ""}.get(p.line, p.line)
        g.rows.append([pid, p.account, p.date.isoformat(), p.box1, p.box2a, p.box5, p.box7, p.ira_sep_simple, status,
                       str(p.tax_year) if p.tax_year is not None else "", line, *on_ira_lines(year, p), p.ref,
                       p.what])
    return g


def corrective_income(year: int, parts: list[Part]) -> dict[str, Decimal]:
    """What the corrective forms add to `year`'s Form 1040: line 1h (plans: outside this worksheet),
    4a and 4b (IRAs: in the lines, through the grid's on_4a / on_4b)."""
    out = {"1h": ZERO, "4a": ZERO, "4b": ZERO}
    for p in parts:
        if p.line == "1h" and p.tax_year == year:
            out["1h"] += p.box2a
        in_4a, in_4b = on_ira_lines(year, p)
        out["4a"] += p.box1 if in_4a else ZERO
        out["4b"] += p.box2a if in_4b else ZERO
    return out


def _year_apart(year: int, p: Part) -> str | None:
    """A note for a corrective form whose year and taxable year differ (code P)."""
    if p.tax_year is None or p.tax_year == p.date.year or not p.box2a:
        return None
    if p.line == "1h":
        return (f"{p.ref}: the {p.date.year} Form 1099-R {p.box7} of {p.account}: its {fmt_m(p.box2a)} is income for "
                f"{p.tax_year}, line 1h of the {p.tax_year} return (amend it if it is filed)"
                if p.date.year == year else None)
    if p.line != "4b":
        return None
    if p.date.year == year:
        return (f"{p.ref}: the {year} Form 1099-R {p.box7} of {p.account}: box 1 {fmt_m(p.box1)} is on line 4a of "
                f"{year}; its earnings {fmt_m(p.box2a)} are income for {p.tax_year} (code P): line 4b of the "
                f"{p.tax_year} return, not of this one (amend {p.tax_year}'s return if it is filed)")
    return (f"{p.ref}: the {p.date.year} Form 1099-R {p.box7} of {p.account}: its earnings {fmt_m(p.box2a)} are "
            f"income for {year} (code P), in this return's line 4b; its box 1 {fmt_m(p.box1)} is on line 4a of "
            f"{p.date.year} (amend {year}'s return if it is filed)")


def actual_forms(df: pl.DataFrame) -> list[Actual]:
    """The Forms 1099-R received, from their ledger rows."""
    out = []
    for r in df.iter_rows(named=True):
        ref = ref_of(r)
        out.append(Actual(
            person=r["person"], payer_account=r["payer_account"], form_id=r["form_id"] or f"form at {ref}",
            box1=from_cents(int(r["box1"] or 0)), box2a=from_cents(int(r["box2a"] or 0)),
            box5=from_cents(int(r["box5"] or 0)), box7=r["box7"] or "",
            box2b_not_determined=bool(r["box2b_not_determined"]), ira_sep_simple=bool(r["ira_sep_simple"]),
            ref=ref))
    return out


def _subset(items: list[Any], target: Decimal) -> list[Any] | None:
    """Items whose box 1 adds up to `target`: all of them, or the smallest subset (small lists only)."""
    if items and sum((i.box1 for i in items), ZERO) == target:
        return list(items)
    if len(items) > MAX_SUBSET:
        return None
    for n in range(2, len(items) + 1):
        for combo in combinations(items, n):
            if sum((i.box1 for i in combo), ZERO) == target:
                return list(combo)
    return None


def _pair(exp: list[Expected], act: list[Actual]) -> list[tuple[list[Expected], list[Actual]]]:
    """Pair expected and received forms of one payer by box 1."""
    pairs: list[tuple[list[Expected], list[Actual]]] = []
    free_e, free_a = list(exp), list(act)
    for same_code in (True, False):
        for a in list(free_a):
            e = next((x for x in free_e if x.box1 == a.box1
                      and (not same_code or norm_code(x.box7) == norm_code(a.box7))), None)
            if e is not None:
                pairs.append(([e], [a]))
                free_e.remove(e)
                free_a.remove(a)
    for a in list(free_a):       # one form received for several expected ones
        es = _subset([x for x in free_e if norm_code(x.box7) == norm_code(a.box7)], a.box1) or _subset(free_e, a.box1)
        if es:
            pairs.append((es, [a]))
            free_a.remove(a)
            for x in es:
                free_e.remove(x)
    for e in list(free_e):       # several forms received for one expected
        as_ = _subset([x for x in free_a if norm_code(x.box7) == norm_code(e.box7)], e.box1) or _subset(free_a, e.box1)
        if as_:
            pairs.append(([e], as_))
            free_e.remove(e)
            for x in as_:
                free_a.remove(x)
    if free_e or free_a:
        pairs.append((free_e, free_a))   # the unpaired rest, last
    return pairs


def _why(box: str, e_forms: list[Expected], diff: Decimal) -> str:
    head = {"box1": "box 1 is the gross amount moved", "box2a": "box 2a is the taxable part",
            "box5": "box 5 is the after-tax basis recovered"}[box]
    if box == "box2a" and diff > 0 and any(x.box7 == "G" for x in e_forms):
        head = ("the form(s) show less taxable money than the ledger: code G does not mean 'not taxable'; "
                "earnings that went to a Roth account or a Roth IRA are taxable (box 2a)")
    parts = [f"{x.form}: {fmt_m(x.box(box))} ({x.explanation})" for x in e_forms]
    return head + ". Expected from the ledger: " + "; ".join(parts)


def reconcile(person: str, payer: str, exp: list[Expected], act: list[Actual]) -> list[Difference]:
    """The differences between the forms expected from `payer` and those received: form by form where
    they pair up, and the sums of the payer's forms when some form pairs with none (when every form
    pairs, the sums say nothing the forms do not)."""
    plan_level: list[Difference] = []
    refs_all = [r for x in exp for r in x.refs]
    # Level 1: the sums of the payer's forms.
    ira_like = all(x.is_ira for x in exp) if exp else False
    for box in BOXES:
        es = sum((x.box(box) for x in exp), ZERO)
        as_ = sum((a.box(box) for a in act), ZERO)
        if es == as_:
            continue
        if box == "box2a" and ira_like and act and all(a.box2b_not_determined for a in act):
            continue
        what = f"sum of {payer}'s forms" if act else f"no Form 1099-R received from {payer}"
        if not exp:
            expl = f"forms received from {payer} but the ledger has no conversion, rollover or distribution there"
        else:
            expl = _why(box, exp, es - as_)
        plan_level.append(Difference(person, payer, "plan", what, box, es, as_, expl, refs_all + [a.ref for a in act]))
    # Level 2: form by form, where the forms pair up.
    out: list[Difference] = []
    unpaired = False
    for es_, as_list in _pair(exp, act):
        e_label = ", ".join(x.form for x in es_) or "(none expected)"
        a_label = ", ".join(a.form_id for a in as_list) or "(none received)"
        for x in es_:
            x.matched = [a.form_id for a in as_list]
        for a in as_list:
            a.matched = [x.form for x in es_]
        label = f"expected: {e_label}; received: {a_label}"
        refs = [r for x in es_ for r in x.refs] + [a.ref for a in as_list]
        if not es_ or not as_list:
            unpaired = True
            if es_ and as_list == []:
                for x in es_:
                    out.append(Difference(person, payer, "form", f"expected: {x.form}; received: (none)", "form",
                                          x.box1, None, "no received form pairs with this expected one: "
                                          + x.explanation, x.refs))
            else:
                for a in as_list:
                    out.append(Difference(person, payer, "form", f"expected: (none); received: {a.form_id}",
                                          "form", None, a.box1, "no ledger event pairs with this form", [a.ref]))
            continue
        ira = all(x.is_ira for x in es_)
        for box in BOXES:
            ev = sum((x.box(box) for x in es_), ZERO)
            av = sum((a.box(box) for a in as_list), ZERO)
            if ev == av:
                continue
            if box == "box2a" and ira and all(a.box2b_not_determined for a in as_list):
                continue
            out.append(Difference(person, payer, "form", label, box, ev, av, _why(box, es_, ev - av), refs))
        ecodes = {norm_code(x.box7) for x in es_}
        acodes = {norm_code(a.box7) for a in as_list}
        if ecodes != acodes:
            out.append(Difference(person, payer, "form", label, "box7", ", ".join(sorted(x.box7 for x in es_)),
                                  ", ".join(sorted(a.box7 for a in as_list)),
                                  "box 7 code: " + "; ".join(x.explanation for x in es_), refs))
    return plan_level + out if unpaired or not out else out


def worksheet_1099r(profile: Profile, year: int, facts: list[PersonYear], received: dict[str, pl.DataFrame],
                    person: str | None) -> Worksheet:
    """Expected against received Forms 1099-R for `year` (`facts` of one person, or of everyone when
    `person` is None; `received`: each person's Form 1099-R rows of the year), the differences, and
    Form 1040 lines 4a, 4b, 5a, 5b. Grids `expected`, `actual`, `differences`."""
    persons = [f.person for f in facts]
    ws = Worksheet(id="1099r", title=f"Form 1099-R reconciliation {year}", year=year,
                   person=person or ",".join(persons))
    g_exp = Grid("Forms 1099-R expected from the ledger",
                 ["person", "payer_account", "form", "destination", "date", "box1", "box2a", "box2b_not_determined",
                  "box5", "box7", "ira_sep_simple", "matched_form", "status", "rows", "explanation"],
                 ["text", "text", "text", "text", "text", "money", "money", "bool", "money", "text", "bool", "text",
                  "text", "text", "text"], totals=["box1", "box2a", "box5"])
    g_act = Grid("Forms 1099-R received", ["person", "payer_account", "form_id", "box1", "box2a",
                                           "box2b_not_determined", "box5", "box7", "ira_sep_simple", "matched", "row"],
                 ["text", "text", "text", "money", "money", "bool", "money", "text", "bool", "text", "text"],
                 totals=["box1", "box2a", "box5"])
    g_diff = Grid("Differences", ["person", "payer_account", "level", "form", "box", "expected", "actual",
                                  "difference", "explanation", "rows"],
                  ["text", "text", "text", "text", "text", "money", "money", "money", "text", "text"])
    l5b_forms = ZERO
    in4a: list[str] = []
    in4b: list[str] = []
    in5: list[str] = []
    forms_8606: list[dict[str, Any]] = []
    corrective: list[tuple[str, Part, str]] = []
    extra = {"1h": ZERO, "4a": ZERO, "4b": ZERO}
    for py in facts:
        pid = py.person
        exp, notes = expected_forms(profile, py)
        c_mine, c_later = year_parts(profile, py.rows, year)
        for k, v in corrective_income(year, c_mine + c_later).items():
            extra[k] += v
        act = actual_forms(received[pid])
        seen = set(ws.notes)
        ws.notes += [n for n in notes if n not in seen]
        payers = list(dict.fromkeys([x.payer_account for x in exp] + [a.payer_account for a in act]))
        diffs: list[Difference] = []
        awaited: set[str] = set()
        for payer in payers:
            theirs = [a for a in act if a.payer_account == payer]
            if not theirs:
                # Nothing received from this payer yet: its forms are awaited, not different.
                awaited.add(payer)
                mine = [x for x in exp if x.payer_account == payer]
                ws.notes.append(f"Form 1099-R not received yet from {payer} ({pid}): the ledger expects "
                                + "; ".join(f"{x.form}, box 1 {fmt_m(x.box1)}, box 2a {fmt_m(x.box2a)}, box 7 "
                                            f"{x.box7}" for x in mine)
                                + "; import it when it arrives (mbr import FILE)")
                continue
            diffs += reconcile(pid, payer, [x for x in exp if x.payer_account == payer], theirs)
        by_ref = {p.ref + p.box7: p for p in c_mine}
        for x in exp:
            if x.kind in CORRECTIVE_KINDS:
                status = "awaited" if x.payer_account in awaited else "received" if x.matched else "not received"
                corrective.append((pid, by_ref[x.refs[0] + x.box7], status))
                continue
            dates = x.dates[0].isoformat() if len(x.dates) == 1 else f"{x.dates[0].isoformat()}..{x.dates[-1].isoformat()}"
            g_exp.rows.append([pid, x.payer_account, x.form, x.destination, dates, x.box1, x.box2a,
                               x.box2b_not_determined, x.box5, x.box7, x.ira_sep_simple, ", ".join(x.matched),
                               "awaited" if x.payer_account in awaited else "received" if x.matched
                               else "not received", refs_text(x.refs), x.explanation])
            if x.is_ira:
                in4a += x.refs
            else:
                in5 += x.refs
        for a in act:
            g_act.rows.append([pid, a.payer_account, a.form_id, a.box1, a.box2a, a.box2b_not_determined, a.box5,
                               a.box7, a.ira_sep_simple, ", ".join(a.matched), a.ref])
            if profile.plan(a.payer_account) is not None:
                l5b_forms += a.box2a
        for d in diffs:
            g_diff.rows.append([pid, d.payer_account, d.level, d.form, d.box, d.expected, d.actual, d.difference,
                                d.explanation, refs_text(d.refs)])
        forms_8606.append(py.f8606.lines)
        in4b += [f"8606 {pid} line 15c", f"8606 {pid} line 18", f"8606 {pid} line 25c"]
        corrective += [(pid, p, f"form of {year + 1}") for p in c_later]
    ws.grids["expected"] = g_exp
    ws.grids["actual"] = g_act
    ws.grids["differences"] = g_diff
    if corrective:
        ws.grids["corrective"] = corrective_grid(year, corrective)
        added = [f"line {k} + {fmt_m(v)}" for k, v in extra.items() if v]
        ws.notes.append("Corrective distributions: an IRA's (a returned or removed contribution) are in lines 4a/4b "
                        "above, box 1 on line 4a of the form's year, box 2a on line 4b of the year in column "
                        "taxable_in (code P: the year before the form); a plan's corrective refund of excess "
                        "deferrals or contributions and its earnings is line 1h (other earned income, Form 1040 "
                        "instructions line 1h), not in this worksheet; a 415(c) return (code E) is lines 5a/5b. "
                        f"Form 1040 for {year}: " + ("; ".join(added) if added else "nothing to add")
                        + (" (line 1h: unless the W-2 box 1 already includes the excess, best knowledge; lines 4a/4b: "
                           "included above)" if added else ""))
        ws.notes += [n for _, p, _ in corrective if (n := _year_apart(year, p))]
        for _, p, _ in corrective:
            if on_ira_lines(year, p)[0]:
                in4a.append(p.ref)
            if on_ira_lines(year, p)[1]:
                in4b.append(p.ref)
    ws.lines = form_1040_lines(g_exp, forms_8606, {"4a": in4a, "4b": in4b, "5a": in5, "5b": in5},
                               ws.grids.get("corrective"))
    l5b = ws.lines[3].value
    assert isinstance(l5b, Decimal)
    if l5b != l5b_forms:
        ws.notes.append(f"Taking the plans' forms at their word would give line 5b = {fmt_m(l5b_forms)}; the ledger "
                        f"gives {fmt_m(l5b)}")
    if g_exp.rows:
        ws.notes.append("Rollovers: from tax year 2025 Form 1040 has a rollover checkbox (4c / 5c) instead of the "
                        "word 'Rollover' (best knowledge on the exact layout)")
    if any(r[9] in ("2", "7") and r[10] for r in g_exp.rows):
        ws.notes.append("IRA forms: box 7 code 2 before age 59 1/2 on the date of the conversion, 7 from then on "
                        "(best knowledge; the custodian's code is what counts)")
    if any(r[3] == ROTH_401K for r in g_exp.rows):
        ws.notes.append("In-plan Roth rollovers (IRRs) are reported on Form 1040 lines 5a/5b, never on Form 8606")
    return ws


def has_differences(ws: Worksheet) -> bool:
    """Whether a received form disagrees with the ledger (forms not received yet are not differences)."""
    return bool(ws.grids["differences"].rows)


def awaited_payers(ws: Worksheet) -> list[str]:
    """The payers whose expected forms (corrective ones too) are not received yet."""
    out: list[str] = []
    for name in ("expected", "corrective"):
        grid = ws.grids.get(name)
        if grid is None:
            continue
        ip, ist = grid.columns.index("payer_account"), grid.columns.index("status")
        out += [str(r[ip]) for r in grid.rows if r[ist] == "awaited"]
    return list(dict.fromkeys(out))


def as_json(ws: Worksheet) -> dict[str, Any]:
    """The contract JSON: expected, actual, differences, form1040 (plus year, person and notes)."""
    return {
        "year": ws.year,
        "person": ws.person,
        "expected": ws.grids["expected"].as_json(),
        "actual": ws.grids["actual"].as_json(),
        "differences": ws.grids["differences"].as_json(),
        "form1040": {ln.id: fmt(ln.value) if isinstance(ln.value, Decimal) else ln.value for ln in ws.lines},
        "notes": ws.notes,
        **({"corrective": ws.grids["corrective"].as_json()} if "corrective" in ws.grids else {}),
    }
