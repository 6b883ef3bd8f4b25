"""The Python API (`from mbr_ledger import Book`): the ledger frame is what `mbr ledger` lists,
`.to_dict()` of an audit or worksheet is byte for byte the command's JSON, the Parquet export reads
back exactly, and the examples of docs/api.md run as written."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from mbr_ledger import Book
from mbr_ledger.book.book import LEDGER_COLUMNS, WORKSHEETS, _decimal_amounts
from mbr_ledger.cli import cli
from mbr_ledger.core.errors import MbrError
from mbr_ledger.core.money import MAX_CENTS

from conftest import ROOT, SAMPLE, run

SAM = '\n[[person]]\nid = "sam"\nborn = "1980-05-01"\nfiling_status = "single"\nmarginal_rate = "0.22"\n'


def _new_book(folder: Path, profile: str) -> Path:
    (folder.parent / "profile.toml").write_text(profile, encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(cli, ["init", str(folder), "--profile", str(folder.parent / "profile.toml")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["--book", str(folder), "import", *sorted(str(p) for p in SAMPLE.glob("*.csv"))])
    assert res.exit_code == 0, res.output
    return folder


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample household of sample_data/ (one person, alex), imported once for this module."""
    return _new_book(tmp_path_factory.mktemp("one") / "book", (SAMPLE / "mbr.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample household plus a second person, sam, with no rows: per-person JSON becomes a list."""
    return _new_book(tmp_path_factory.mktemp("two") / "book",
                     (SAMPLE / "mbr.toml").read_text(encoding="utf-8") + SAM)


def _as_cli_json(df: pl.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as `mbr ledger --format json` writes them (dates ISO, money two decimals)."""
    out = []
    for r in df.iter_rows(named=True):
        r["date"] = r["date"].isoformat()
        r["completed"] = r["completed"].isoformat() if r["completed"] else None
        r["amount"] = str(r["amount"])
        out.append(r)
    return out


# ---------------------------------------------------------------------- the ledger frame
@pytest.mark.parametrize("filters", [{}, {"year": 2026}, {"year": 2025, "person": "alex", "kind": "conversion"},
                                     {"account": "beta"}, {"kind": "payroll", "year": 2026},
                                     {"person": "nobody"}])
def test_the_ledger_frame_is_what_mbr_ledger_lists(sample: Path, filters: dict[str, Any]) -> None:
    args = [a for k, v in filters.items() for a in (f"--{k}", str(v))]
    res = run(sample, "ledger", *args, "--format", "json")
    assert res.exit_code == 0, res.output
    with Book.open(sample) as book:
        df = book.ledger(**filters)
    assert df.columns == list(LEDGER_COLUMNS)
    assert _as_cli_json(df) == json.loads(res.stdout)  # same rows, same order, same values
    assert df.schema["amount"] == pl.Decimal(18, 2) and df.schema["date"] == pl.Date


def test_the_ledger_frame_sums_exactly(sample: Path) -> None:
    """Beta Labs 2026 (sample_data/README.md): 12 semi-monthly checks of 10,000.00; 500 pre-tax and
    500 Roth each; the match is 50% of deferrals up to 6% of pay, 0.5 x 600.00 = 300.00 a check;
    after-tax 1,000.00 a check, one of the 12 deposits never reached the plan: 11,000.00."""
    with Book.open(sample) as book:
        df = book.ledger(year=2026, account="beta", kind="contribution")
    got = {s: (a, n) for s, a, n in df.group_by("source").agg(pl.col("amount").sum(), pl.len()).iter_rows()}
    assert got == {"after_tax": (Decimal("11000.00"), 11), "match": (Decimal("3600.00"), 12),
                   "pretax": (Decimal("6000.00"), 12), "roth": (Decimal("6000.00"), 12)}


@pytest.mark.parametrize(("cents", "amount"), [
    (0, "0.00"), (1, "0.01"), (-1, "-0.01"), (-5, "-0.05"), (99, "0.99"), (-99, "-0.99"), (100, "1.00"),
    (-100, "-1.00"), (121154, "1211.54"), (MAX_CENTS - 1, "9999999999999.99"), (MAX_CENTS, "10000000000000.00"),
    (-MAX_CENTS, "-10000000000000.00"), (None, None)])
def test_cents_become_exact_decimals(cents: int | None, amount: str | None) -> None:
    """Integer cents to Decimal(18, 2) on both sides of every digit boundary, up to the ledger's bound."""
    got = pl.DataFrame({"amount": [cents]}, schema={"amount": pl.Int64}).select(_decimal_amounts("amount"))
    assert got.schema["amount"] == pl.Decimal(18, 2)
    assert got["amount"][0] == (None if amount is None else Decimal(amount))


def test_an_unknown_kind_is_refused(sample: Path) -> None:
    with Book.open(sample) as book, pytest.raises(MbrError, match=r"kind 'contributions': not a ledger kind"):
        book.ledger(kind="contributions")


# ---------------------------------------------------------------------- audit and worksheets = the CLI's JSON
def _dumps(obj: Any) -> str:
    """As the commands print JSON, with no fallback for non-JSON values: to_dict() must be pure JSON."""
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


CASES = [(year, person) for year in (2025, 2026) for person in (None, "alex")]


@pytest.mark.parametrize(("year", "person"), CASES)
@pytest.mark.parametrize("name", sorted(WORKSHEETS))
def test_worksheet_to_dict_is_the_cli_json(sample: Path, two: Path, name: str, year: int, person: str | None) -> None:
    for folder in (sample, two):
        res = run(folder, "worksheet", name, "--year", str(year), *(["--person", person] if person else []),
                  "--format", "json")
        assert res.exit_code in (0, 1), res.output
        with Book.open(folder) as book:
            got = book.worksheet(name, year, person)
        assert _dumps(got.to_dict()) == res.stdout, (folder, name)


def test_a_per_person_worksheet_of_several_persons_is_a_list(two: Path) -> None:
    with Book.open(two) as book:
        lots = book.worksheet("lots", 2026).to_dict()
        one = book.worksheet("lots", 2026, "sam").to_dict()
        f1099r = book.worksheet("1099r", 2026).to_dict()
    assert isinstance(lots, list) and [d["person"] for d in lots] == ["alex", "sam"]
    assert isinstance(one, dict) and one["person"] == "sam"
    assert isinstance(f1099r, dict)  # one reconciliation for the book


@pytest.mark.parametrize(("year", "person"), CASES)
def test_audit_to_dict_is_the_cli_json(sample: Path, two: Path, year: int, person: str | None) -> None:
    for folder in (sample, two):
        res = run(folder, "audit", "--year", str(year), *(["--person", person] if person else []),
                  "--format", "json")
        with Book.open(folder) as book:
            got = book.audit(year, person)
        assert _dumps(got.to_dict()) == res.stdout
        assert got.exit_code == res.exit_code


def test_the_audit_iterates_over_its_findings(sample: Path) -> None:
    """2026 (sample_data/README.md): 26,000 pre-tax at Acme + 12,000 at Beta = 38,000 against the
    402(g) limit of 24,500 + 8,000 catch-up = 32,500 (IRS Notice 2025-67): 5,500.00 over."""
    with Book.open(sample) as book:
        audit = book.audit(2026, "alex")
    fails = {(f.id, f.scope): f.excess for f in audit if f.status == "fail"}
    assert fails[("402g", "alex")] == Decimal("5500.00")
    assert len(audit) == len(audit.findings) == sum(audit.counts().values())
    assert audit.person == "alex" and audit.exit_code == 1


def test_an_unknown_worksheet_names_the_known_ones(sample: Path) -> None:
    with Book.open(sample) as book, pytest.raises(MbrError, match=r"unknown worksheet '8889' \(one of .*8606"):
        book.worksheet("8889", 2026)


# ---------------------------------------------------------------------- Parquet
def test_parquet_reads_back_as_the_ledger_frame(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "ledger.parquet"
    res = run(sample, "ledger", "--year", "2026", "--format", "parquet", "--out", str(out))
    assert res.exit_code == 0, res.output
    back = pl.read_parquet(out)
    with Book.open(sample) as book:
        want = book.ledger(year=2026)
    assert_frame_equal(back, want, check_exact=True)
    assert back.schema["amount"] == pl.Decimal(18, 2)
    listed = json.loads(run(sample, "ledger", "--year", "2026", "--format", "json").stdout)
    assert back["amount"].sum() == sum(Decimal(r["amount"]) for r in listed)
    assert f"{back.height} rows" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.parquet"]  # no temporary file left


def test_parquet_with_no_rows_says_so(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "none.parquet"
    res = run(sample, "ledger", "--person", "nobody", "--format", "parquet", "--out", str(out))
    assert res.exit_code == 0 and "no rows match" in res.stderr
    assert pl.read_parquet(out).columns == list(LEDGER_COLUMNS)


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "parquet"], "--format parquet needs --out FILE"),
    (["--format", "csv", "--out", "x.parquet"], "--out is only for --format parquet"),
    (["--out", "x.parquet"], "--out is only for --format parquet"),
])
def test_parquet_options_are_checked(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    res = run(sample, "ledger", *args)
    assert res.exit_code == 2 and message in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_failed_parquet_write_leaves_the_old_file(sample: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "ledger.parquet"
    out.write_bytes(b"last week's file")

    real_fdopen = os.fdopen

    class HalfThenFull(io.BufferedWriter):
        def write(self, data: Any) -> int:
            super().write(bytes(data)[:100])
            raise OSError(28, "No space left on device")

    def fdopen(fd: int, mode: str = "r", *a: Any, **k: Any) -> Any:
        return HalfThenFull(io.FileIO(fd, "w")) if "w" in mode else real_fdopen(fd, mode, *a, **k)

    monkeypatch.setattr(os, "fdopen", fdopen)
    res = run(sample, "ledger", "--format", "parquet", "--out", str(out))
    assert res.exit_code == 2
    assert "cannot write the Parquet file: No space left on device" in res.stderr
    assert "Traceback" not in res.output + res.stderr
    assert out.read_bytes() == b"last week's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.parquet"]


def test_parquet_into_a_missing_folder_is_an_error(sample: Path, tmp_path: Path) -> None:
    res = run(sample, "ledger", "--format", "parquet", "--out", str(tmp_path / "nope" / "x.parquet"))
    assert res.exit_code == 2 and "no folder" in res.stderr and "Traceback" not in res.stderr
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- docs/api.md runs as written
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)


def _mbr_line(line: str, cwd: Path) -> list[str]:
    """The arguments of one `mbr ...` line of a sh block, its globs expanded in `cwd`."""
    words = shlex.split(line)[1:]
    return [m for w in words for m in (sorted(str(p.relative_to(cwd)) for p in cwd.glob(w)) if "*" in w else [w])]


def test_the_api_doc_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sh line starting with `mbr` runs, every python block runs in one namespace, and the text
    block after a python block is exactly what it printed."""
    (tmp_path / "sample_data").symlink_to(SAMPLE)
    monkeypatch.chdir(tmp_path)
    blocks = FENCE.findall((ROOT / "docs" / "api.md").read_text(encoding="utf-8"))
    assert [lang for lang, _ in blocks].count("python") >= 5
    scope: dict[str, Any] = {}
    printed: str | None = None
    checks = 0
    runner: Callable[..., Any] = CliRunner().invoke
    for lang, code in blocks:
        if lang == "sh":
            for line in code.splitlines():
                if line.startswith("mbr "):
                    res = runner(cli, _mbr_line(line, tmp_path))
                    assert res.exit_code == 0, (line, res.output)
        elif lang == "python":
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(compile(code, "docs/api.md", "exec"), scope)
            printed = buf.getvalue()
        elif lang == "text" and printed is not None:
            assert printed == code, code
            checks += 1
            printed = None
    assert checks >= 5
