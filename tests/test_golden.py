"""Golden files: the JSON of `audit` and the `lots`, `1099r` and `8606` worksheets on fixed books.

Each golden file holds what one command printed and its exit code. They change only with
`pytest --update-golden` (then read the diff before committing). Books: the sample household of
sample_data/, the real-format fixtures as `make demo` imports them, and four mixed books of
random rows (tests/golden/books/) with earnings, fees, splits and IRA rows across year ends.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mbr_ledger.cli import cli

from conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
COMMANDS = {"audit": ["audit"], "lots": ["worksheet", "lots"], "1099r": ["worksheet", "1099r"],
            "8606": ["worksheet", "8606"]}
REAL = "tests/fixtures/real"

# book name -> (profile, [import argument lists], years)
BOOKS: dict[str, tuple[str, list[list[str]], list[int]]] = {
    "sample": ("sample_data/mbr.toml", [sorted(f"sample_data/{p.name}" for p in (ROOT / "sample_data").glob("*.csv"))],
               [2025, 2026]),
    "real": (f"{REAL}/profile.toml",
             [[f"{REAL}/voya-history.csv", f"{REAL}/vanguard-401k.qfx", f"{REAL}/workday-payslip.xlsx"],
              ["--source", "after_tax", f"{REAL}/netbenefits-history.csv"]], [2026]),
    **{f"mixed-{s}": ("tests/golden/books/mixed.toml", [[f"tests/golden/books/mixed-{s}.csv"]], [2024, 2025, 2026])
       for s in (1, 2, 3, 5)},
}
CASES = [(b, y, c) for b, (_, _, years) in BOOKS.items() for y in years for c in COMMANDS]


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {}


def _book(name: str, books: dict[str, Path], tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if name not in books:
        profile, imports, _ = BOOKS[name]
        book = tmp / name
        r = CliRunner().invoke(cli, ["init", str(book), "--profile", profile], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        for args in imports:
            r = CliRunner().invoke(cli, ["--book", str(book), "import", *args], catch_exceptions=False)
            assert r.exit_code == 0, r.output
        books[name] = book
    return books[name]


@pytest.mark.parametrize(("name", "year", "command"), CASES, ids=[f"{b}-{y}-{c}" for b, y, c in CASES])
def test_golden(name: str, year: int, command: str, books: dict[str, Path], tmp_path_factory: pytest.TempPathFactory,
                monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    monkeypatch.chdir(ROOT)  # rows name their files as given on the command line: relative to the project
    book = _book(name, books, tmp_path_factory.getbasetemp(), monkeypatch)
    res = CliRunner().invoke(cli, ["--book", str(book), *COMMANDS[command], "--year", str(year), "--format", "json"],
                             catch_exceptions=False)
    assert res.exit_code in (0, 1), res.output
    got = json.dumps({"exit_code": res.exit_code, "output": json.loads(res.stdout)}, indent=1, sort_keys=False) + "\n"
    path = GOLDEN / f"{name}-{year}-{command}.json"
    if request.config.getoption("--update-golden"):
        path.write_text(got, encoding="utf-8")
        return
    assert path.exists(), f"{path.name} is missing: run pytest --update-golden and read the diff"
    assert got == path.read_text(encoding="utf-8"), f"{path.name} differs (pytest --update-golden rewrites it)"
