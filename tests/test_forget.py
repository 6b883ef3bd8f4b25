"""`mbr forget`: one imported file's rows out of the ledger, in one transaction, to mend a wrong import."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from conftest import SAMPLE, run


def _counts(book: Path) -> dict[str, int]:
    res = run(book, "ledger", "--format", "json")
    rows = json.loads(res.stdout)
    return {"rows": len(rows), "files": len({r["source_file"] for r in rows})}


def test_forget_removes_one_file_and_it_can_be_imported_again(sample_book: Path) -> None:
    target = str(SAMPLE / "activity-beta-2026.csv")
    lines = len((SAMPLE / "activity-beta-2026.csv").read_text(encoding="utf-8").splitlines()) - 1
    before = _counts(sample_book)
    ledger = sample_book / "ledger.sqlite"
    bytes_before = ledger.read_bytes()
    res = run(sample_book, "forget", target, "--dry-run", "--format", "json")
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert got["dry_run"] is True and [f["path"] for f in got["files"]] == [target]
    assert got["files"][0]["rows"]["events"] == lines
    assert ledger.read_bytes() == bytes_before                      # a dry run changes nothing
    res = run(sample_book, "forget", target)
    assert res.exit_code == 0 and "Removed" in res.stdout
    after = _counts(sample_book)
    assert after == {"rows": before["rows"] - lines, "files": before["files"] - 1}
    res = run(sample_book, "import", target)                         # and it comes back whole
    assert res.exit_code == 0
    assert _counts(sample_book) == before


def test_forget_by_sha256_prefix(sample_book: Path) -> None:
    path = SAMPLE / "w2-2025.csv"
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    res = run(sample_book, "forget", sha[:12], "--format", "json")
    assert res.exit_code == 0, res.output
    assert [f["sha256"] for f in json.loads(res.stdout)["files"]] == [sha]
    assert run(sample_book, "forget", sha[:12]).exit_code == 2       # gone now


def test_forget_an_unknown_file_is_an_error_and_removes_nothing(sample_book: Path) -> None:
    ledger = sample_book / "ledger.sqlite"
    before = ledger.read_bytes()
    res = run(sample_book, "forget", str(SAMPLE / "w2-2026.csv"), "no-such-file.csv")
    assert res.exit_code == 2
    assert "no-such-file.csv: no imported file has this path or SHA-256" in res.stderr
    assert ledger.read_bytes() == before                             # the known file was not removed either


def test_a_file_imported_with_other_options_can_be_forgotten_and_imported_again(make_book, tmp_path: Path) -> None:
    """The refusal of a re-import with other options names `mbr forget`; after it the new options hold."""
    from conftest import PROFILE

    book = make_book(PROFILE)
    csv = tmp_path / "history.csv"
    csv.write_text("Date,Investment,Transaction Type,Amount,Shares/Unit\n"
                   "01/15/2026,TARGET 2045,CONTRIBUTION,1000.00,10.0\n", encoding="utf-8")
    first = run(book, "import", "--from", "netbenefits", "--plan", "acme", "--source", "after_tax", str(csv))
    assert first.exit_code == 0, first.output
    res = run(book, "import", "--from", "netbenefits", "--plan", "acme", "--source", "pretax", str(csv))
    assert res.exit_code == 2 and "mbr forget " in res.stderr
    sha = res.stderr.split("mbr forget ")[1][:12]
    assert run(book, "forget", sha).exit_code == 0
    res = run(book, "import", "--from", "netbenefits", "--plan", "acme", "--source", "pretax", str(csv))
    assert res.exit_code == 0, res.output
