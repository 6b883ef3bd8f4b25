"""The rows the rules read, the fast way, against the plain way they stand for.

`book.frames.person_rows` reads the persons' rows in one filtered scan and `rules.rows.plan_rows`
places each run of after-tax earnings among the other plan rows by its day; the plain way reads
one person's rows in the ledger's order and adds up each run of consecutive earnings and fee rows.
Random books (fixed seeds) with earnings, fees and contributions on the same days as moves, across
year ends, on two persons, must give the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from mbr_ledger.book.frames import person_rows
from mbr_ledger.ledger.store import Ledger
from mbr_ledger.profile import load_profile
from mbr_ledger.rules.ira import ira_rows
from mbr_ledger.rules.rows import MOVE_KINDS, PersonRows
from mbr_ledger.rules.rows import tuples as _tuples

from conftest import PROFILE as SHARED_PROFILE
from conftest import run

# The shared profile (alex: plans acme and beta, an IRA pair) and a second person with one plan and
# a traditional IRA.
PROFILE = SHARED_PROFILE + """
[[person]]
id = "blair"
born = "1968-11-02"

[[plan]]
id = "gamma"
person = "blair"
employer = "Gamma Inc"

[[ira]]
id = "blair-trad"
person = "blair"
type = "traditional"
"""

HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"
PLANS = {"alex": ["acme", "beta"], "blair": ["gamma"]}
IRAS = {"alex": ["alex-trad", "alex-roth"], "blair": ["blair-trad"]}


def _money(rng: random.Random, hi: int = 200_000) -> str:
    c = rng.randint(1, hi)
    return f"{c // 100}.{c % 100:02d}"


def activity(seed: int) -> str:
    """Rows on a few days around two year ends, so that many share a day with other kinds."""
    rng = random.Random(seed)
    days = sorted({dt.date(2024, 12, 20) + dt.timedelta(days=rng.randint(0, 400)) for _ in range(12)})
    lines = []
    for _ in range(rng.randint(40, 120)):
        d = rng.choice(days).isoformat()
        person = rng.choice(["alex", "blair"])
        if rng.random() < 0.15:
            acct = rng.choice(IRAS[person])
            kind = rng.choice(["contribution", "earnings", "balance", "conversion", "distribution"])
            if acct.endswith("roth"):
                kind = rng.choice(["contribution", "earnings", "distribution"])
            src = ("roth" if acct.endswith("roth") else "nondeductible") if kind == "contribution" else ""
            fy = str(int(d[:4])) if kind == "contribution" and rng.random() < 0.5 else ""
            lines.append(f"{d},{person},{acct},{kind},{src},{_money(rng)},,,,{fy},ira")
            continue
        acct = rng.choice(PLANS[person])
        kind = rng.choices(["contribution", "earnings", "fee", "conversion", "rollover", "distribution", "balance"],
                           [5, 8, 2, 2, 1, 1, 1])[0]
        src = rng.choices(["after_tax", "pretax", "roth", "match"], [6, 2, 2, 1])[0]
        amount = _money(rng, 3_000) if kind in ("earnings", "fee") else _money(rng)
        if kind == "earnings" and rng.random() < 0.3:
            amount = "-" + amount
        dest = rng.choice(["roth_ira", "traditional_ira"]) if kind == "rollover" else ""
        if kind == "balance":
            src = rng.choice(["after_tax", ""])
        lines.append(f"{d},{person},{acct},{kind},{src},{amount},,,{dest},,memo {rng.randint(0, 9)}")
    return HEADER + "\n".join(lines) + "\n"


def plain_rows(led: Ledger, person: str, through: dt.date) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The person's plan rows (runs of after-tax earnings and fees added up) and IRA rows, read one person
    at a time in the ledger's order."""
    plans, iras = PLANS[person], IRAS[person]
    src, kind = pl.col("source"), pl.col("kind")
    plan_rows = ((src == "after_tax") | kind.is_in([*MOVE_KINDS, "corrective"])
                 | ((src == "roth") & (kind == "contribution")))
    df = led.events_for(person, through, None, pl.col("account").is_in(iras) | (pl.col("account").is_in(plans)
                                                                              & plan_rows))
    ira = _tuples(df.filter(pl.col("account").is_in(iras)))
    out: list[tuple[Any, ...]] = []
    rows = _tuples(df.filter(pl.col("account").is_in(plans)))
    for plan in plans:  # runs are consecutive rows of one account
        start = len(out)
        for t in (t for t in rows if t[1] == plan):
            ef = t[2] in ("earnings", "fee")
            last = out[-1] if len(out) > start else None
            if ef and last is not None and last[2] == "ef" and last[0][:4] == t[0][:4]:
                out[-1] = (last[0], last[1], "ef", last[3], last[4] + t[4])
            elif ef:
                out.append((t[0], t[1], "ef", t[3], t[4]))
            else:
                out.append(t)
    return out, ira


def fast_rows(profile: Any, rows: PersonRows, person: str, through: dt.date
              ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows the lots engine walks (`PersonRows.walk`, made for every person at once) and the IRA rows."""
    walked = [t for t in rows.walk if t[0] <= through.isoformat()]
    out = [(t[0], t[1], "ef", t[3], t[4]) if t[2] in ("earnings", "fee") else t
           for p in PLANS[person] for t in walked if t[1] == p]
    ira_t = [(r.date.isoformat(), r.account, r.kind, r.source, int(r.amount * 100),
              None if r.basis is None else int(r.basis * 100), None if r.taxable is None else int(r.taxable * 100),
              r.destination, r.for_year, r.memo, r.ref, r.reason, r.completed)
             for r in ira_rows(profile, rows, through)]
    return out, ira_t


def plain_first_year(led: Ledger, person: str, through: dt.date) -> int | None:
    df = led.frame("events", person=person, filter=pl.col("date") <= through, ordered=False)
    years = []
    if df.height and df["date"].min() is not None:
        years.append(df["date"].min().year)  # type: ignore[union-attr]
    if df.height and df["for_year"].min() is not None:
        years.append(int(df["for_year"].min()))  # type: ignore[arg-type]
    return min(years) if years else None


@pytest.mark.parametrize("seed", range(8))
def test_rows_the_rules_read_match_the_plain_reading(seed: int, make_book: Any, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    book = make_book(PROFILE)
    path = tmp_path / f"activity-{seed}.csv"
    path.write_text(activity(seed), encoding="utf-8")
    res = run(book, "import", str(path))
    assert res.exit_code == 0, res.output
    profile = load_profile(book / "mbr.toml")
    led = Ledger.open(book)
    # One person read alone, or both in one read: the same rows.
    for persons in (["alex"], ["blair"], ["alex", "blair"]):
        got = person_rows(led, profile, persons)
        for person in persons:
            rows = got[person]
            for year in (2024, 2025, 2026):
                through = dt.date(year, 12, 31)
                plain_plan, plain_ira = plain_rows(led, person, through)
                got_plan, got_ira = fast_rows(profile, rows, person, through)
                assert got_plan == plain_plan, (person, year)
                assert got_ira == plain_ira, (person, year)
                assert rows.first_year(through) == plain_first_year(led, person, through)
            # The audit's frame (no earnings rows) is the plain one.
            plain = led.frame("events", person=person, filter=pl.col("kind") != "earnings")
            assert rows.events.filter(pl.col("kind") != "earnings").equals(plain)


def test_first_year_sees_the_earnings_rows_the_rules_leave_out(make_book: Any, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """alex's first row is a pre-tax earnings row (not among the rows the rules read); blair has only such rows."""
    book = make_book(PROFILE)
    path = tmp_path / "activity.csv"
    path.write_text(HEADER + "2023-12-29,alex,acme,earnings,pretax,1.00,,,,,\n"
                    "2024-03-01,alex,acme,contribution,after_tax,100.00,,,,,\n"
                    "2024-05-01,alex,acme,earnings,after_tax,0.50,,,,,\n"
                    "2022-06-01,blair,gamma,earnings,roth,2.00,,,,,\n", encoding="utf-8")
    assert run(book, "import", str(path)).exit_code == 0
    led = Ledger.open(book)
    for person, through, want in [("alex", dt.date(2024, 12, 31), 2023), ("alex", dt.date(2023, 12, 31), 2023),
                                  ("alex", dt.date(2022, 12, 31), None), ("blair", dt.date(2024, 12, 31), 2022),
                                  ("blair", dt.date(2021, 12, 31), None)]:
        rows = person_rows(led, load_profile(book / "mbr.toml"), [person])[person]
        assert rows.first_year(through) == want == plain_first_year(led, person, through)


@pytest.mark.parametrize("seed", range(8))
def test_the_year_views_of_the_history_are_the_whole_one(seed: int, make_book: Any, tmp_path: Path) -> None:
    """The history walked for one year's readers (lots and the year's moves; the moves alone; the plans
    with a rollover alone) gives them exactly what the whole history gives."""
    from mbr_ledger.forms.lots import lots_worksheet
    from mbr_ledger.rules.facts import PersonYear
    from mbr_ledger.rules.history import IraMoves, PlanYearLots, YearMoves
    from mbr_ledger.rules.lots import after_tax_history

    book = make_book(PROFILE)
    path = tmp_path / f"activity-{seed}.csv"
    path.write_text(activity(seed), encoding="utf-8")
    assert run(book, "import", str(path)).exit_code == 0
    profile = load_profile(book / "mbr.toml")
    got = person_rows(Ledger.open(book), profile, ["alex", "blair"])
    for person in ("alex", "blair"):
        for year in (2024, 2025, 2026):
            whole = after_tax_history(profile, got[person], year)
            lots = after_tax_history(profile, got[person], year, all_moves=False)
            moves = after_tax_history(profile, got[person], year, lots=False)
            assert lots_worksheet(lots, year) == lots_worksheet(whole, year), (person, year)
            assert {p: PlanYearLots.of(h, year) for p, h in lots.plans.items()} == \
                {p: PlanYearLots.of(h, year) for p, h in whole.plans.items()}
            for view in (lots, moves):
                assert YearMoves.of(view) == YearMoves.of(whole)
                assert IraMoves.of(view) == IraMoves.of(whole)
            assert PersonYear(profile, got[person], year).ira_moves == IraMoves.of(whole)
