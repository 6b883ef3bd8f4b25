"""After-tax lots, conversions, rollovers and the IRA side (docs/rules.md section 4).

The readable cases live in tests/cases/lots.toml; every figure there is computed by hand.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mbr_ledger.core.errors import MbrError
from mbr_ledger.core.money import allocate, fmt
from mbr_ledger.forms.lots import lots_worksheet
from mbr_ledger.ledger.store import Ledger
from mbr_ledger.profile import load_profile
from mbr_ledger.rules.history import refs_text
from mbr_ledger.rules.lots import after_tax_history
from mbr_ledger.rules.roth import RothLayer, age_59_half_date, consume_roth
from mbr_ledger.rules.rows import PersonRows, empty_events

from conftest import person_year, run

HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"
CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "cases" / "lots.toml").read_text(encoding="utf-8"))["case"]
D = Decimal


def load_book(book: Path, tmp_path: Path, activity: str, name: str = "activity.csv") -> tuple[Any, Ledger]:
    path = tmp_path / name
    path.write_text(HEADER + activity.strip() + "\n", encoding="utf-8")
    res = run(book, "import", str(path))
    assert res.exit_code == 0, res.output
    return load_profile(book / "mbr.toml"), Ledger.open(book)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_lots_case(case: dict[str, Any], book: Path, tmp_path: Path) -> None:
    profile, led = load_book(book, tmp_path, case["activity"])
    hist = person_year(book, case["through_year"]).history
    ph = hist.plans[case["plan"]]
    got_moves = [[m.date.isoformat(), m.destination, fmt(m.amount), fmt(m.basis), fmt(m.earnings), fmt(m.taxable),
                  m.landing or ""] for m in ph.moves]
    assert got_moves == case["moves"]
    got_lots = [[lot.contributed_on.isoformat(), fmt(lot.amount),
                 lot.converted_on.isoformat() if lot.converted_on else "", lot.days or 0, fmt(lot.earnings),
                 fmt(lot.remaining)] for lot in ph.lots]
    assert got_lots == case["lots"]
    for year, basis, earnings in case["year_end"]:
        ye = ph.unconverted(year)
        assert (fmt(ye.basis), fmt(ye.earnings)) == (basis, earnings), year
    notes = hist.all_notes()
    for text in case.get("notes", []):
        assert any(text in n for n in notes), (text, notes)
    if case.get("no_notes"):
        assert notes == []
    if "split_group" in case:
        assert {m.split_group for m in ph.moves} == {case["split_group"]}
    else:
        assert {m.split_group for m in ph.moves} <= {None}
    # The sum over the lots equals what the source earned (booked, or implied by a move that took more).
    deposits = sum((lot.amount for lot in ph.lots), D("0"))
    earned = sum(ph.earned.values(), D("0"))
    moved = sum((m.amount for m in ph.moves), D("0"))
    unbooked = moved + ph.unconverted(case["through_year"]).value - deposits - earned
    assert sum((lot.earnings for lot in ph.lots), D("0")) == earned + unbooked


def test_lot_earnings_add_up_to_the_source(book: Path, tmp_path: Path) -> None:
    """Deposits + earnings = moved out + left at Dec 31, and the lots hold every cent of earnings."""
    profile, led = load_book(book, tmp_path, CASES[1]["activity"])
    ph = person_year(book, 2026).history.plans["acme"]
    deposits = sum((lot.amount for lot in ph.lots), D("0"))
    earned = sum(ph.earned.values(), D("0"))
    assert (deposits, earned) == (D("6000.00"), D("133.45"))
    assert sum((m.amount for m in ph.moves), D("0")) == deposits + earned
    assert sum((lot.earnings for lot in ph.lots), D("0")) == earned


def test_lots_worksheet_grids_and_lines(book: Path, tmp_path: Path) -> None:
    profile, led = load_book(book, tmp_path, CASES[1]["activity"])
    ws = lots_worksheet(person_year(book, 2025).history, 2025)
    assert ws.value("acme.contributed") == D("5000.00")
    assert ws.value("acme.earnings") == D("123.45")
    assert ws.value("acme.moved") == D("2000.00")
    assert ws.value("acme.moved_basis") == D("1951.81")
    assert ws.value("acme.moved_taxable") == D("48.19")
    assert ws.value("acme.unconverted_basis") == D("3048.19")
    assert ws.value("acme.unconverted_earnings") == D("75.26")
    lots = ws.grids["lots"]
    assert lots.columns[:3] == ["plan", "contributed_on", "basis"]
    assert lots.rows[0][:3] == ["acme", dt.date(2025, 1, 10), D("5000.00")]
    assert lots.rows[0][7] == "partly converted"
    conv = ws.grids["conversions"].as_json()
    assert conv == [{"plan": "acme", "date": "2025-07-01", "kind": "conversion", "destination": "roth_401k",
                     "landing": "", "amount": "2000.00", "basis": "1951.81", "earnings": "48.19",
                     "taxable": "48.19", "split_group": "", "rows": f"{tmp_path / 'activity.csv'}:4"}]
    ws26 = lots_worksheet(person_year(book, 2026).history, 2026)
    # The 2025 lot is still open on Jan 1, 2026, so it is listed in 2026 too, now converted.
    assert [r[1] for r in ws26.grids["lots"].rows] == [dt.date(2025, 1, 10), dt.date(2026, 1, 5)]
    assert [r[7] for r in ws26.grids["lots"].rows] == ["converted", "converted"]


def test_statement_balance_is_checked_against_the_lots(book: Path, tmp_path: Path) -> None:
    activity = """
2025-01-10,alex,acme,contribution,after_tax,1000.00,,,,,
2025-01-31,alex,acme,earnings,after_tax,2.00,,,,,
2025-01-31,alex,acme,balance,after_tax,1002.00,,,,,
2025-02-28,alex,acme,balance,after_tax,1005.00,,,,,
"""
    profile, led = load_book(book, tmp_path, activity)
    notes = person_year(book, 2025).history.all_notes()
    assert len(notes) == 1
    assert "the statement shows 1,005.00" in notes[0] and "add up to 1,002.00" in notes[0]


def test_unknown_person_is_an_error(book: Path) -> None:
    profile = load_profile(book / "mbr.toml")
    with pytest.raises(MbrError, match="unknown person 'sam'"):
        after_tax_history(profile, PersonRows("sam", empty_events()), 2025)


NO_IRA_PROFILE = """
[[person]]
id = "alex"
born = "1975-03-10"

[[plan]]
id = "beta"
person = "alex"
employer = "Beta Labs"
"""


def test_rollover_without_an_ira_in_the_profile_warns_and_still_counts(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = make_book(NO_IRA_PROFILE, name="noira")
    profile, led = load_book(book, tmp_path, CASES[4]["activity"])
    hist = person_year(book, 2026).history
    assert [(m.destination, m.landing, fmt(m.amount)) for m in hist.moves()] == [
        ("roth_ira", None, "3000.00"), ("traditional_ira", None, "50.00")]
    notes = hist.all_notes()
    assert any("no Roth IRA in mbr.toml" in n for n in notes)
    assert any("no traditional IRA in mbr.toml" in n for n in notes)
    ira = person_year(book, 2026).ira_year()
    # The 50.00 earnings leg still counts as traditional IRA money on Dec 31 (Form 8606 line 6).
    assert [(v.account, v.value) for v in ira.dec31] == [("(no traditional IRA in mbr.toml)", D("50.00"))]


def test_rollover_lands_in_the_ira_and_the_ira_year_sees_it(book: Path, tmp_path: Path) -> None:
    activity = CASES[6]["activity"] + """
2026-05-01,alex,alex-trad,earnings,,0.20,,,,,
2026-12-31,alex,alex-trad,balance,,100.20,,,,,
"""
    profile, led = load_book(book, tmp_path, activity)
    ira = person_year(book, 2026).ira_year()
    assert ira.trad_rollover_basis == D("50.00")
    assert [(m.destination, m.landing) for m in ira.rollovers_in] == [
        ("roth_ira", "alex-roth"), ("traditional_ira", "alex-trad")]
    assert [(v.account, v.value, v.estimated) for v in ira.dec31] == [("alex-trad", D("100.20"), False)]
    assert ira.notes == []


def test_missing_dec31_balance_is_estimated_and_named(book: Path, tmp_path: Path) -> None:
    activity = CASES[4]["activity"] + "2026-06-30,alex,alex-trad,earnings,,0.15,,,,,\n"
    profile, led = load_book(book, tmp_path, activity)
    ira = person_year(book, 2026).ira_year()
    assert [(v.account, v.value, v.estimated) for v in ira.dec31] == [("alex-trad", D("50.15"), True)]
    assert len(ira.notes) == 1 and ira.notes[0].startswith("alex-trad: no balance row dated 2026-12-31")


def test_allocate_is_cent_exact_largest_remainder() -> None:
    assert allocate(D("10.00"), [D("3048.19"), D("1000.00")]) == [D("7.53"), D("2.47")]
    assert allocate(D("29.63"), [D("1000")] * 5) == [D("5.93"), D("5.93"), D("5.93"), D("5.92"), D("5.92")]
    assert allocate(D("-0.05"), [D("1"), D("1")]) == [D("-0.03"), D("-0.02")]
    assert allocate(D("1.00"), []) is None
    assert allocate(D("1.00"), [D("0")]) is None


def test_age_59_half() -> None:
    assert age_59_half_date(dt.date(1966, 7, 15)) == dt.date(2026, 1, 15)
    assert age_59_half_date(dt.date(1966, 8, 31)) == dt.date(2026, 2, 28)
    assert age_59_half_date(dt.date(1967, 8, 31)) == dt.date(2027, 2, 28)
    assert age_59_half_date(dt.date(1975, 3, 10)) == dt.date(2034, 9, 10)


def test_roth_ordering_contributions_then_oldest_layer_taxable_first() -> None:
    layers = [RothLayer(2026, dt.date(2026, 6, 1), "rollover", "beta", D("2020.00"), D("20.00")),
              RothLayer(2025, dt.date(2025, 1, 20), "conversion", "alex-trad", D("7000.00"), D("0.00"))]
    take = consume_roth(D("13000.00"), D("5000.00"), layers)
    assert take.contributions == D("5000.00")
    assert [(t[0].year, t[1], t[2]) for t in take.layers] == [(2025, D("0.00"), D("7000.00")),
                                                              (2026, D("20.00"), D("980.00"))]
    assert take.earnings == D("0.00")
    assert take.recapture(2027) == D("20.00")
    assert take.recapture(2031) == D("0.00")   # the 2026 clock ends Jan 1, 2031
    assert [layer.remaining for layer in layers] == [D("1020.00"), D("0.00")]
    more = consume_roth(D("1500.00"), D("0.00"), layers)
    assert (more.conversion_basis, more.earnings) == (D("1020.00"), D("480.00"))


def test_refs_text_groups_lines_by_file() -> None:
    assert refs_text(["a.csv:3", "a.csv:8", "b.csv:2"]) == "a.csv:3,8; b.csv:2"
