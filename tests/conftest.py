"""Shared fixtures: a book made from a profile text, and a CLI runner bound to it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mbr_ledger.book.book import Book
from mbr_ledger.cli import cli
from mbr_ledger.rules.facts import PersonYear

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"

PROFILE = """
[[person]]
id = "alex"
born = "1975-03-10"
marginal_rate = "0.32"

[[plan]]
id = "acme"
person = "alex"
employer = "Acme Corp"
conversion = "in_plan_auto"

[[plan]]
id = "beta"
person = "alex"
employer = "Beta Labs"
conversion = "rollover_roth_ira"

[[ira]]
id = "alex-trad"
person = "alex"
type = "traditional"

[[ira]]
id = "alex-roth"
person = "alex"
type = "roth"
"""


def person_year(book: Path, year: int, person: str = "alex") -> PersonYear:
    """The rules' results of `person` through `year`, from the book's ledger as the commands read it."""
    with Book.open(book) as b:
        return b.facts(year, person)[0]


def run(book: Path, *args: str) -> Result:
    """Run `mbr --book BOOK ARGS...` in-process; stdout and stderr kept apart."""
    return CliRunner().invoke(cli, ["--book", str(book), *args], catch_exceptions=False)


ACTIVITY_HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo,reason,completed"


def import_rows(book: Path, folder: Path, *lines: str, name: str = "activity") -> Path:
    """Import `lines` (activity CSV rows under ACTIVITY_HEADER) into `book` from FOLDER/NAME.csv; it must succeed."""
    f = folder / f"{name}.csv"
    f.write_text("\n".join([ACTIVITY_HEADER, *lines]) + "\n")
    res = run(book, "import", str(f))
    assert res.exit_code == 0, res.output
    return book


def run_json(book: Path, *args: str) -> Any:
    """`mbr --book BOOK ARGS... --format json`, parsed; exit 0 or 1 (problems found)."""
    res = run(book, *args, "--format", "json")
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.stdout)


@pytest.fixture
def make_book(tmp_path: Path) -> Callable[..., Path]:
    """make_book(profile_text=PROFILE) -> a new book folder with that mbr.toml and an empty ledger."""

    def make(profile: str = PROFILE, name: str = "book") -> Path:
        book = tmp_path / name
        prof = tmp_path / f"{name}.toml"
        prof.write_text(profile, encoding="utf-8")
        res = CliRunner().invoke(cli, ["init", str(book), "--profile", str(prof)], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return book

    return make


@pytest.fixture
def book(make_book: Callable[..., Path]) -> Path:
    return make_book()


@pytest.fixture
def sample_book(make_book: Callable[..., Path]) -> Path:
    """The sample household of sample_data/, fully imported."""
    b = make_book((SAMPLE / "mbr.toml").read_text(encoding="utf-8"), name="sample")
    res = run(b, "import", *sorted(str(p) for p in SAMPLE.glob("*.csv")))
    assert res.exit_code == 0, res.output
    return b


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden files of tests/test_golden.py (read the diff before committing)")
