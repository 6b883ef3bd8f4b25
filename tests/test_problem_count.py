"""The headline `N problem(s)` counts every problem of the file, on both import paths, however the
file is cut into blocks; only the first MAX_PROBLEMS are listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from mbr_ledger.book.importing import import_files
from mbr_ledger.core.errors import MbrError
from mbr_ledger.importers import ImportContext
from mbr_ledger.importers.tabular import MAX_PROBLEMS
from mbr_ledger.ledger.store import Ledger
from mbr_ledger.profile import load_profile
from mbr_ledger.tuning import paths, sizes

HERE = Path(__file__).resolve().parent / "bad_inputs"
HEADER = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo"


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("block_bytes", [None, 8192])
def test_every_problem_is_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool,
                                  block_bytes: int | None) -> None:
    rows = [HEADER]
    bad = 0
    for i in range(3000):
        if i % 4 == 0:
            rows.append(f"2026-01-06,jordan,acme,contribution,after_tax,1.00,,,,,unknown person {i}")
            bad += 2  # the person, and the account of another person
        elif i % 4 == 1:
            rows.append(f"2026-01-06,alex,acme,contribution,after_tax,1.0x,,,,,bad amount {i}")
            bad += 1
        elif i % 4 == 2:
            rows.append(f"2026-13-06,alex,acme,contribution,after_tax,x,,,,,bad date and amount {i}")
            bad += 2
        else:
            rows.append(f"2026-01-06,alex,acme,contribution,after_tax,1.00,,,,,good {i}")
    f = tmp_path / "bad.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setattr(paths, "FAST_IMPORT", fast)
    if block_bytes:
        monkeypatch.setattr(sizes, "BLOCK_BYTES", block_bytes)
        monkeypatch.setattr(sizes, "BLOCK_ROWS", 100)
    (tmp_path / "book").mkdir()
    led = Ledger.create(tmp_path / "book")
    with pytest.raises(MbrError) as err:
        import_files(led, [f], ImportContext(load_profile(HERE / "profile.toml")))
    assert f"{f}: {bad} problem(s); nothing was imported" in err.value.render()
    assert len(err.value.problems) == MAX_PROBLEMS
    assert str(err.value.problems[0]).startswith(f"{f}:2: ")
    assert [p.line for p in err.value.problems] == sorted(p.line for p in err.value.problems)
