"""The real-export importers count every problem of a file, as the contract CSVs do: the headline
`N problem(s)` is exact (1,000,000 bad rows say 1000000, not the MAX_PROBLEMS that are worded),
the first MAX_PROBLEMS are listed in line order, and the ledger is unchanged."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from real_helpers import FIX, PROFILE_TEXT

from mbr_ledger.book.importing import import_files
from mbr_ledger.core.errors import MbrError
from mbr_ledger.importers import ImportContext
from mbr_ledger.importers.tabular import MAX_PROBLEMS
from mbr_ledger.ledger.store import Ledger
from mbr_ledger.profile import load_profile

from conftest import run

NB_HEAD = ("Plan name:,ACME CORP 401(K) PLAN\nDate Range,01/01/2026 - 12/31/2026,,,,\n\n"
           "Date,Investment,Transaction Type,Amount,Shares/Unit\n")


def refused(tmp_path: Path, path: Path, **ctx: str) -> MbrError:
    (tmp_path / "book").mkdir(exist_ok=True)
    led = Ledger.create(tmp_path / "book")
    try:
        with pytest.raises(MbrError) as err:
            import_files(led, [path], ImportContext(load_profile(FIX / "profile.toml"), **ctx))
    finally:
        led.close()
    return err.value


def test_a_million_bad_netbenefits_rows_are_counted_exactly(tmp_path):
    """1,000,000 rows with an amount that is not money (one problem each) and 3 good rows."""
    n = 1_000_000
    p = tmp_path / "history.csv"
    with p.open("w", encoding="utf-8") as fh:
        fh.write(NB_HEAD)
        fh.write('01/06/2026,FID 500 INDEX,Contributions,"10.00","0.1"\n' * 3)
        fh.write('01/06/2026,FID 500 INDEX,Contributions,"1.0x","0.1"\n' * n)
    err = refused(tmp_path, p, plan="acme", source="after_tax")
    assert str(err) == f"{p}: {n} problem(s); nothing was imported"
    assert err.total == n and len(err.problems) == MAX_PROBLEMS
    assert [pr.line for pr in err.problems] == list(range(8, 8 + MAX_PROBLEMS))  # header at 4, good 5-7
    assert err.render().endswith(f"... and {n - 50} more problems")


def test_bad_shares_and_amounts_beyond_the_worded_ones_are_counted_once(tmp_path):
    """NetBenefits: 300 rows with a bad amount and 300 more with bad shares (one problem each),
    then 200 rows with both (two each): 300 + 300 + 400 = 1,000 problems, none counted twice."""
    p = tmp_path / "history.csv"
    rows = (['01/06/2026,FID 500 INDEX,Contributions,"1.0x","0.1"'] * 300
            + ['01/06/2026,FID 500 INDEX,Contributions,"1.00","zz"'] * 300
            + ['01/06/2026,FID 500 INDEX,Contributions,"1.0x","zz"'] * 200)
    p.write_text(NB_HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    err = refused(tmp_path, p, plan="acme", source="after_tax")
    assert str(err) == f"{p}: 1000 problem(s); nothing was imported"


def test_voya_bad_dates_are_counted_exactly(tmp_path):
    p = tmp_path / "voya.csv"
    head = '"771234 ACME CORP 401(K) PLAN "\nActivity Date,Activity,Fund,Money Source,"# of Units",Unit Price,Amount\n'
    body = "2026-13-40,CONTRIBUTION,Fund A,Employee PreTax,1.0,1.0,10.00\n" * 5_000
    p.write_text(head + body, encoding="utf-8")
    err = refused(tmp_path, p, plan="acme")
    assert str(err) == f"{p}: 5000 problem(s); nothing was imported"
    assert err.total == 5_000 and len(err.problems) == MAX_PROBLEMS


def test_fidelity_bad_amounts_are_counted_exactly_by_the_command(make_book, tmp_path):
    """Through `mbr import`: exit 2, the exact count, and the ledger's bytes unchanged."""
    header = (FIX / "fidelity-activity.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    p = tmp_path / "activity.csv"
    row = '03/16/2026,"RETIREMENT PLN","12345","Contributions",,"FID 500 INDEX",,3.702,,,,,81x.73,,'
    p.write_text(header + "\n" + "\n".join([row] * 2_500) + "\n", encoding="utf-8")
    book = make_book(PROFILE_TEXT)
    before = hashlib.sha256((book / "ledger.sqlite").read_bytes()).hexdigest()
    res = run(book, "import", "--plan", "acme", "--source", "after_tax", str(p))
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert res.stderr.splitlines()[0] == f"mbr: {p}: 2500 problem(s); nothing was imported"
    assert res.stderr.splitlines()[-1] == "... and 2450 more problems"
    assert hashlib.sha256((book / "ledger.sqlite").read_bytes()).hexdigest() == before
