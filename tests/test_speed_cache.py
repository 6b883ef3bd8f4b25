"""Results kept between commands (`ledger.queries.kept`, the book's `.mbr-cache` folder).

A kept result is the computed one, field by field; it is used only for the rows and the program that
made it: a new import, a damaged file or another program version means computing again.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from mbr_ledger.ledger import queries
from mbr_ledger.ledger.store import Ledger
from mbr_ledger.profile import load_profile
from mbr_ledger.rules import lots
from mbr_ledger.rules.lots import (
    Note,
    _after_tax_history,
    first_year_in_ledger,
    history_from_data,
    history_to_data,
    ira_rows,
)

from conftest import SAMPLE, run

COMMANDS = [["audit"], ["worksheet", "1099r"], ["worksheet", "8606"], ["worksheet", "lots"]]


def outputs(book: Path, years: tuple[int, ...] = (2025, 2026)) -> list[tuple[int, str]]:
    out = []
    for year in years:
        for cmd in COMMANDS:
            res = run(book, *cmd, "--year", str(year), "--format", "json")
            out.append((res.exit_code, res.stdout))
    return out


def kept_files(book: Path) -> list[Path]:
    return sorted(p for p in (book / queries.CACHE_DIR).iterdir() if not p.name.startswith("."))


def same_history(a: lots.AfterTaxHistory, b: lots.AfterTaxHistory) -> None:
    assert a == b
    def years(h: lots.AfterTaxHistory) -> list[Any]:
        return ([getattr(n, "year", "str") for n in h.notes]
                + [getattr(n, "year", "str") for p in h.plans.values() for n in p.notes]
                + [getattr(n, "year", "str") for p in h.plans.values() for m in p.moves for n in m.notes]
                + [getattr(n, "year", "str") for m in h.other_moves for n in m.notes])
    assert years(a) == years(b)
    assert [type(n) for n in a.all_notes()] == [type(n) for n in b.all_notes()]
    # Decimals keep their exponent (str shows it).
    assert [str(m.amount) + str(m.basis) + str(m.taxable) for m in a.moves(all_sources=True)] == \
        [str(m.amount) + str(m.basis) + str(m.taxable) for m in b.moves(all_sources=True)]


def test_history_as_data_and_back_is_the_same(sample_book: Path) -> None:
    profile, led = load_profile(sample_book / "mbr.toml"), Ledger.open(sample_book)
    for year in (2025, 2026):
        h = _after_tax_history(profile, led, "alex", year)
        assert h.moves() and h.lots()
        back = history_from_data(json.loads(json.dumps(history_to_data(h))))
        same_history(back, h)


CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "cases" / "lots.toml").read_text(encoding="utf-8"))["case"]
HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_every_lots_case_as_data_and_back_is_the_same(case: dict[str, Any], book: Path, tmp_path: Path) -> None:
    path = tmp_path / "activity.csv"
    path.write_text(HEADER + case["activity"].strip() + "\n", encoding="utf-8")
    assert run(book, "import", str(path)).exit_code == 0
    profile, led = load_profile(book / "mbr.toml"), Ledger.open(book)
    for year in (case["through_year"] - 1, case["through_year"], case["through_year"] + 1):
        h = _after_tax_history(profile, led, "alex", year)
        same_history(history_from_data(json.loads(json.dumps(history_to_data(h)))), h)
        # The parts the IRA side and Form 1099-R read, and back.
        im, ym = lots.IraMoves.of(h), lots.YearMoves.of(h)
        for y in range(year - 2, year + 1):
            assert im.moves(y) == [m for m in h.moves(year=y, all_sources=True)
                                   if m.destination in ("roth_ira", "traditional_ira")]
        for dest in ("roth_ira", "traditional_ira", "cash", "roth_401k"):
            assert im.moves_to(dest) == (h.moves_to(dest) if dest in ("roth_ira", "traditional_ira") else [])
        assert ym.items == h.moves(year=year, all_sources=True) and ym.notes == h.all_notes(year)
        assert lots._ira_moves_back(json.loads(json.dumps(lots._ira_moves_data(im)))) == im
        back = lots._year_moves_back(json.loads(json.dumps(lots._year_moves_data(ym))))
        assert back == ym
        assert [getattr(n, "year", "-") for n in back.notes] == [getattr(n, "year", "-") for n in ym.notes]
        view = lots._audit_view(h)
        for pid, ph in h.plans.items():
            v = view[pid]
            assert v.unconverted == ph.unconverted(year) and v.contributed == ph.contributed.get(year)
            assert v.moved == [m for m in ph.moves if m.date.year == year]
            assert v.open_lots == [lot for lot in ph.lots if lot.contributed_on.year <= year and lot.remaining > 0
                                   and lot.converted_on is None]
            assert v.converted == [lot for lot in ph.lots if lot.converted_on and lot.converted_on.year == year]
            assert v.still_open == [lot for lot in ph.lots if lot.contributed_on.year <= year
                                    and lot.converted_on is None]
        assert lots._audit_lots_back(json.loads(json.dumps(lots._audit_lots_data(view)))) == view


def test_notes_keep_their_kind() -> None:
    h = lots.AfterTaxHistory(person="alex", through_year=2026)
    h.notes = [Note("a", 2026), "plain", Note("a", None), Note("a", 2026)]
    back = history_from_data(json.loads(json.dumps(history_to_data(h))))
    assert back.notes == h.notes
    assert [type(n) for n in back.notes] == [Note, str, Note, Note]
    assert [getattr(n, "year", "-") for n in back.notes] == [2026, "-", None, 2026]


def test_commands_give_the_same_output_with_kept_results(sample_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(queries.NO_CACHE_ENV, "1")
    fresh = outputs(sample_book)
    assert not (sample_book / queries.CACHE_DIR).exists()
    monkeypatch.delenv(queries.NO_CACHE_ENV)
    first = outputs(sample_book)     # computes and keeps
    names = {p.name.split("-")[0] for p in kept_files(sample_book)}
    assert names == {"lots", "ira", "first", "iramoves", "yearmoves", "auditlots", "yearevents"}
    second = outputs(sample_book)    # reads what was kept
    assert first == fresh
    assert second == fresh


def test_a_new_import_is_never_served_old_results(sample_book: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    before = outputs(sample_book, (2026,))
    old = kept_files(sample_book)
    extra = tmp_path / "more.csv"
    extra.write_text("date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"
                     "2026-11-02,alex,acme,contribution,after_tax,1234.56,,,,,late deposit\n"
                     "2026-11-20,alex,acme,earnings,after_tax,7.89,,,,,\n", encoding="utf-8")
    res = run(sample_book, "import", str(extra))
    assert res.exit_code == 0, res.output
    after = outputs(sample_book, (2026,))
    assert after != before
    monkeypatch.setenv(queries.NO_CACHE_ENV, "1")
    assert outputs(sample_book, (2026,)) == after
    # The results of the old rows are gone from the folder.
    assert not set(old) & set(kept_files(sample_book))


def test_damaged_or_foreign_files_are_computed_again(sample_book: Path) -> None:
    good = outputs(sample_book, (2026,))
    files = kept_files(sample_book)
    assert files
    for i, p in enumerate(files):
        p.write_text(["{not json", json.dumps({"key": "other", "value": []}), json.dumps({"key": "x"}),
                      json.dumps([1, 2])][i % 4], encoding="utf-8")
    assert outputs(sample_book, (2026,)) == good
    # And a wrong value under the right key is not trusted blindly either: it only loads what it wrote.
    for p in (sample_book / queries.CACHE_DIR).glob("*.json"):
        data = json.loads(p.read_text(encoding="utf-8"))
        data["value"] = "garbage" if p.name.startswith("lots") else data["value"]
        p.write_text(json.dumps(data), encoding="utf-8")
    assert outputs(sample_book, (2026,)) == good


def test_the_key_holds_the_program_and_the_inputs(sample_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    led = Ledger.open(sample_book)
    calls: list[int] = []

    def make(v: int) -> Callable[[], int]:
        def f() -> int:
            calls.append(v)
            return v
        return f

    def keep(inputs: tuple[object, ...], v: int) -> int:
        return queries.kept(led, "test", inputs, make(v), lambda x: x, lambda x: int(x))

    assert keep(("a", 1), 10) == 10
    assert keep(("a", 1), 11) == 10          # kept
    assert keep(("a", 2), 12) == 12          # other inputs
    monkeypatch.setattr(queries, "_CODE", ["another program"])
    assert keep(("a", 1), 13) == 13          # another program version
    assert calls == [10, 12, 13]


def test_read_only_book_still_works(sample_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = sample_book / queries.CACHE_DIR
    folder.write_text("a file where the folder would be", encoding="utf-8")
    monkeypatch.setenv(queries.NO_CACHE_ENV, "1")
    fresh = outputs(sample_book, (2026,))
    monkeypatch.delenv(queries.NO_CACHE_ENV)
    assert outputs(sample_book, (2026,)) == fresh


def test_ira_rows_and_first_year_kept_equal_computed(sample_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = load_profile(sample_book / "mbr.toml")
    got = []
    for _ in range(2):
        lots._IRA_CACHE.clear()
        led = Ledger.open(sample_book)
        got.append((ira_rows(profile, led, "alex", dt.date(2026, 12, 31)),
                    first_year_in_ledger(led, "alex", dt.date(2026, 12, 31))))
    monkeypatch.setenv(queries.NO_CACHE_ENV, "1")
    lots._IRA_CACHE.clear()
    led = Ledger.open(sample_book)
    plain = (ira_rows(profile, led, "alex", dt.date(2026, 12, 31)), first_year_in_ledger(led, "alex", dt.date(2026, 12, 31)))
    assert plain[0] and plain[1] == 2025
    assert got == [plain, plain]
    assert SAMPLE.exists()


def test_kept_frames_are_the_same_frames(sample_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    got = []
    for _ in range(2):   # computed and kept, then read back
        queries._YEARS.clear()
        queries._RULES.clear()
        led = Ledger.open(sample_book)
        got.append(queries.year_events(led, "alex", 2025, 2027))
    assert list((sample_book / queries.CACHE_DIR).glob("yearevents-*.parquet"))
    monkeypatch.setenv(queries.NO_CACHE_ENV, "1")
    queries._YEARS.clear()
    plain = Ledger.open(sample_book).frame("events", person="alex", filter=(pl.col("kind") != "earnings")
                                           & pl.col("date").is_between(dt.date(2025, 1, 1), dt.date(2027, 12, 31)))
    assert plain.height > 20
    for df in got:
        assert df.equals(plain) and df.schema == plain.schema
    # An empty frame keeps its columns.
    led = Ledger.open(sample_book)
    monkeypatch.delenv(queries.NO_CACHE_ENV)
    empty = [queries.kept_frame(led, "testempty", (), lambda: plain.clear()) for _ in range(2)]
    assert all(e.schema == plain.schema and e.height == 0 for e in empty)


def test_results_of_another_program_version_are_dropped(sample_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = outputs(sample_book, (2026,))
    old = set(kept_files(sample_book))
    assert old
    monkeypatch.setattr(queries, "_CODE", ["another program"])
    assert outputs(sample_book, (2026,)) == first
    assert not old & set(kept_files(sample_book))
