"""The import's fast path (block reader, one-pass query, keyed checks, plain-value parsers) against
the plain definition it must equal, switched by `tuning.paths.FAST_IMPORT`: the same stored rows
(values, `source_line`, `occurrence`), the same counts and notes, the same error messages, on the
bad-input corpus, the sample data, the real-format fixtures and generated files."""

from __future__ import annotations

import io
import random
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from mbr_ledger.book.importing import import_files
from mbr_ledger.core.errors import MbrError
from mbr_ledger.importers import ImportContext
from mbr_ledger.ledger.store import Ledger
from mbr_ledger.profile import load_profile
from mbr_ledger.tuning import paths, sizes

from conftest import PROFILE, SAMPLE

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad_inputs"
REAL = HERE / "fixtures" / "real"
CASES = {c["file"]: c for c in tomllib.loads((BAD / "cases.toml").read_text(encoding="utf-8"))["case"]}
ACTIVITY_HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo"


def _stored(led: Ledger) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row per table, as written: its values, `source_line` and `occurrence`."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table, data in led.conn.execute("SELECT table_name, data FROM segments ORDER BY id"):
        out.setdefault(table, []).extend(pl.read_parquet(io.BytesIO(data)).rows())
    return {t: sorted(rows, key=repr) for t, rows in out.items()}


def _imported(tmp_path: Path, profile_path: Path, files: list[Path], fast: bool, *,
              first: tuple[Path, ...] = (), fmt: str | None = None, **ctx: Any) -> object:
    """What importing `files` (after `first`) gives with the switch at `fast`: the stored rows and the
    results, or the error as printed."""
    book = Path(tempfile.mkdtemp(dir=tmp_path))
    led = Ledger.create(book)
    ictx = ImportContext(load_profile(profile_path), **ctx)
    old = paths.FAST_IMPORT
    paths.FAST_IMPORT = fast
    try:
        if first:
            import_files(led, list(first), ictx)
        try:
            results = import_files(led, files, ictx, fmt=fmt)
        except MbrError as exc:
            return ("error", exc.render(), _stored(led))
        return ([r.as_json() for r in results], _stored(led))
    finally:
        paths.FAST_IMPORT = old
        led.close()


def _both(tmp_path: Path, profile_path: Path, files: list[Path], **kw: Any) -> object:
    fast = _imported(tmp_path, profile_path, files, True, **kw)
    plain = _imported(tmp_path, profile_path, files, False, **kw)
    assert fast == plain
    return fast


@pytest.mark.parametrize("name", sorted(p.name for p in BAD.glob("*.csv")))
def test_bad_inputs_the_same_both_ways(tmp_path: Path, name: str) -> None:
    case = CASES.get(name, {})
    fmt = None
    args = case.get("args", [])
    if "--from" in args:
        fmt = args[args.index("--from") + 1]
    got = _both(tmp_path, BAD / "profile.toml", [BAD / name], first=(SAMPLE / "activity-acme-2026.csv",),
                fmt=fmt)
    assert isinstance(got, tuple) and got[0] == "error"  # refused, with the same message both ways


def test_the_sample_data_the_same_both_ways(tmp_path: Path) -> None:
    got = _both(tmp_path, SAMPLE / "mbr.toml", sorted(SAMPLE.glob("*.csv")))
    assert isinstance(got, tuple) and got[0] != "error"
    # and file by file, each into an empty ledger
    for f in sorted(SAMPLE.glob("*.csv")):
        _both(tmp_path, SAMPLE / "mbr.toml", [f])


@pytest.mark.parametrize("name", sorted(p.name for p in REAL.glob("*.csv")))
def test_real_format_fixtures_the_same_both_ways(tmp_path: Path, name: str) -> None:
    ctx: dict[str, Any] = {"source": "after_tax", "plan": "acme"}
    _both(tmp_path, REAL / "profile.toml", [REAL / name], **ctx)


def _profile(tmp_path: Path) -> Path:
    p = tmp_path / "mbr.toml"
    p.write_text(PROFILE, encoding="utf-8")
    return p


def _generated(rng: random.Random, n: int, *, bad: float = 0.0, fancy: float = 0.0, twins: float = 0.1) -> str:
    """An activity file of `n` rows: good rows, repeated rows, amounts and dates in every form the
    contract allows (`fancy`), padding, quoted memos, and rows with a problem (`bad`)."""
    good = [("alex", "acme", "contribution", "after_tax"), ("alex", "acme", "earnings", "after_tax"),
            ("alex", "acme", "fee", "pretax"), ("alex", "beta", "conversion", "after_tax"),
            ("alex", "alex-trad", "contribution", "nondeductible"), ("alex", "alex-roth", "contribution", "roth")]
    wrong = ["2026-02-30,alex,acme,contribution,after_tax,1.00,,,,,", "2026-01-05,bob,acme,earnings,after_tax,1,,,,,",
             "2026-01-05,alex,acme,contribution,after_tax,1.234,,,,,", "2026-01-05,alex,acme,contribution",
             "2026-01-05,alex,nope,fee,after_tax,2.00,,,,,", "2026-07-05,alex,alex-trad,contribution,nondeductible,"
             "5.00,,,,2025,"]
    lines: list[str] = []
    for i in range(n):
        if lines and rng.random() < twins:
            lines.append(rng.choice(lines))
            continue
        if rng.random() < bad:
            lines.append(rng.choice(wrong))
            continue
        person, account, kind, source = rng.choice(good)
        day = 1 + i % 28
        cents = rng.randrange(1, 10_000_000)
        amount, date = f"{cents // 100}.{cents % 100:02d}", f"2026-03-{day:02d}"
        if rng.random() < fancy:
            amount = rng.choice([f"\"${cents // 100:,}.{cents % 100:02d}\"", f"({amount})", f" {amount} "])
            date = rng.choice([f"03/{day:02d}/2026", f" {date}"])
        memo = rng.choice(["", "payroll", '"a, quoted memo"', "€ memo", '"two\nlines"' if rng.random() < 0.01 else ""])
        lines.append(f"{date},{person},{account},{kind},{source},{amount},,,,,{memo}")
    return ACTIVITY_HEADER + "\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(("seed", "n", "bad", "fancy", "block"), [
    (1, 3000, 0.0, 0.0, 4096),      # many blocks, all plain
    (2, 3000, 0.0, 0.3, 4096),      # amounts and dates in every form, padded
    (3, 2000, 0.02, 0.1, 2048),     # a few problems spread over the blocks
    (4, 400, 0.5, 0.2, 1 << 20),    # many problems (more than are printed) in one block
    (5, 3000, 0.0, 0.0, 1 << 20),   # one block
])
def test_generated_files_the_same_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, n: int,
                                            bad: float, fancy: float, block: int) -> None:
    monkeypatch.setattr(sizes, "BLOCK_BYTES", block)
    monkeypatch.setattr(sizes, "SEGMENT_ROWS", 500)
    monkeypatch.setattr(sizes, "SEGMENT_ROWS_COMPARED", 700)
    rng = random.Random(seed)
    f = tmp_path / f"gen-{seed}.csv"
    f.write_text(_generated(rng, n, bad=bad, fancy=fancy), encoding="utf-8")
    got = _both(tmp_path, _profile(tmp_path), [f])
    assert isinstance(got, tuple) and (got[0] == "error") == (bad > 0)
    # into a ledger that holds rows already (the rows are then compared with the stored ones)
    g = tmp_path / f"gen-{seed}-head.csv"
    g.write_text("\n".join(f.read_text(encoding="utf-8").splitlines()[: n // 3]) + "\n", encoding="utf-8")
    if bad == 0:
        _both(tmp_path, _profile(tmp_path), [f], first=(g,))


def test_the_switch_is_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path is what `mbr import` runs, and it does read blocks with Polars."""
    from mbr_ledger.importers import onepass
    from mbr_ledger.importers.blocks import CsvFile

    assert paths.FAST_IMPORT is True
    fast_reads: list[int] = []
    one_passes: list[int] = []
    original_fast, original_one = CsvFile._fast, onepass.one_pass

    def spy_fast(self, chunk, first_line):  # type: ignore[no-untyped-def]
        fast_reads.append(first_line)
        return original_fast(self, chunk, first_line)

    def spy_one(*args):  # type: ignore[no-untyped-def]
        one_passes.append(1)
        return original_one(*args)

    monkeypatch.setattr(CsvFile, "_fast", spy_fast)
    monkeypatch.setattr(onepass, "one_pass", spy_one)
    _imported(tmp_path, SAMPLE / "mbr.toml", [SAMPLE / "activity-acme-2026.csv"], True)
    assert fast_reads and one_passes
    fast_reads.clear()
    one_passes.clear()
    _imported(tmp_path, SAMPLE / "mbr.toml", [SAMPLE / "activity-acme-2026.csv"], False)
    assert not fast_reads and not one_passes
