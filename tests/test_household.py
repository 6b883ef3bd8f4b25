"""The household return: `spouse` links two persons of the book; with `filing_status = "mfj"` on both,
their Form 1040 lines are one joint return. Every mistake in the link names its key path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from mbr_ledger.core.errors import ProfileError
from mbr_ledger.profile import joint_filers, parse_profile

COUPLE: dict[str, Any] = {
    "person": [
        {"id": "alex", "born": "1975-03-10", "filing_status": "mfj", "spouse": "sam"},
        {"id": "sam", "born": "1977-08-01", "filing_status": "mfj", "spouse": "alex"},
        {"id": "kim", "born": "1990-01-01", "filing_status": "single"},
    ],
}


def doc(**changes: dict[str, Any]) -> dict[str, Any]:
    """COUPLE with person[i] keys changed (None removes the key)."""
    out = copy.deepcopy(COUPLE)
    for idx, kv in changes.items():
        person = out["person"][int(idx[1:])]
        for k, v in kv.items():
            if v is None:
                person.pop(k, None)
            else:
                person[k] = v
    return out


def test_spouses_filing_jointly_are_one_return() -> None:
    prof = parse_profile(COUPLE)
    assert prof.person("alex").spouse == "sam" and prof.person("sam").spouse == "alex"
    assert joint_filers(prof, "alex") == ["alex", "sam"]
    assert joint_filers(prof, "sam") == ["alex", "sam"]  # book order, whichever spouse is asked for
    assert joint_filers(prof, "kim") == ["kim"]


def test_spouses_filing_separately_are_two_returns() -> None:
    prof = parse_profile(doc(p0={"filing_status": "mfs"}, p1={"filing_status": "mfs"}))
    assert joint_filers(prof, "alex") == ["alex"] and joint_filers(prof, "sam") == ["sam"]


@pytest.mark.parametrize("changes,message", [
    ({"p0": {"spouse": "jo"}}, r"mbr.toml: person\[0\].spouse: unknown person 'jo' \(persons: alex, kim, sam\)"),
    ({"p0": {"spouse": "alex"}}, r"mbr.toml: person\[0\].spouse: 'alex' names itself"),
    ({"p1": {"spouse": None}}, r"mbr.toml: person\[1\].spouse: 'alex' names 'sam' as spouse, so 'sam' must name "
                               r"'alex': add spouse = 'alex' to person\[1\]$"),
    ({"p1": {"spouse": "kim"}}, r"mbr.toml: person\[1\].spouse: 'alex' names 'sam'.* \(it names 'kim'\)"),
    ({"p1": {"filing_status": "single"}}, r"mbr.toml: person\[1\].filing_status: 'alex' and 'sam' are spouses and "
                                          r"one of them files jointly.*found 'single' on 'sam'"),
    ({"p0": {"filing_status": None}}, r"mbr.toml: person\[0\].filing_status: .*found None on 'alex'"),
    ({"p0": {"spouse": 3}}, r"mbr.toml: person\[0\].spouse: expected a non-empty string"),
])
def test_a_broken_link_names_its_key_path(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        parse_profile(doc(**changes))


# ---------------------------------------------------------------- the report: household page and Form 5329

def _report(make_book: Any, tmp_path: Path, status: str, person: str) -> tuple[list[str], list[str], Any]:
    """The PDF's page texts, the workbook's sheet names and the workbook of `person`'s packet."""
    import openpyxl
    from pypdf import PdfReader
    from test_worksheet_1040 import couple

    from mbr_ledger.book.book import Book
    from mbr_ledger.render.pdf import render_pdf
    from mbr_ledger.render.xlsx import render_xlsx

    book = couple(make_book, tmp_path, status)
    with Book.open(book) as b:
        packet = b.packet(2026, person)
    pdf, xlsx = tmp_path / "p.pdf", tmp_path / "p.xlsx"
    pdf.write_bytes(render_pdf(packet))
    xlsx.write_bytes(render_xlsx(packet))
    wb = openpyxl.load_workbook(xlsx)
    return [p.extract_text() for p in PdfReader(pdf).pages], wb.sheetnames, wb


def test_a_joint_return_has_a_household_page(make_book: Any, tmp_path: Path) -> None:
    pages, sheets, wb = _report(make_book, tmp_path, "mfj", "alex")
    text = "\n".join(pages)
    assert "Household return: Form 1040 2026 (alex and sam, married filing" in text
    assert "8,012.34" in text and "1,012.34" in text
    assert "Household return" in sheets
    rows = list(wb["Household return"].iter_rows(values_only=True))
    # line 4a is the live total of both filers' 4a (7,012.34 + 1,000.00 = 8,012.34 in the rows it sums)
    four_a = next(r for r in rows if r[0] == "4a")
    assert isinstance(four_a[2], str) and four_a[2].startswith("=")
    assert [r[:5] for r in rows if r[0] in ("alex", "sam")] == [("alex", 7012.34, 12.34, 5050, 50),
                                                                ("sam", 1000, 1000, 0, 0)]


def test_alex_has_no_form_5329_and_the_report_says_so_in_one_line(make_book: Any, tmp_path: Path) -> None:
    pages, sheets, _ = _report(make_book, tmp_path, "mfj", "alex")
    text = "\n".join(pages)
    assert "Form 5329: no additional tax for 2026 (nothing taxable from an early distribution and" in text
    assert "Form 5329, 2026: additional taxes" not in text
    assert "Form 5329" not in sheets


def test_sams_early_distribution_has_a_form_5329_page(make_book: Any, tmp_path: Path) -> None:
    """Sam (born 1978) took 1,000.00 out of a traditional IRA without basis at 47: line 1 = 1,000.00,
    line 4 = 10% = 100.00 (Form 5329 instructions, Part I)."""
    pages, sheets, wb = _report(make_book, tmp_path, "mfs", "sam")
    text = "\n".join(pages)
    assert "Form 5329, 2026: additional taxes" in text and "Household return" not in text
    assert "Form 5329" in sheets and "Household return" not in sheets
    rows = {r[0]: r for r in wb["Form 5329"].iter_rows(values_only=True) if r[0] in ("1", "2", "3", "4", "9")}
    assert rows["1"][2] == 1000 and rows["2"][2] == 0
    assert (rows["3"][2], rows["4"][2]) == ("=C4-C5", "=ROUND(C6*0.10,2)")  # live over lines 1 and 2
    assert "9" not in rows  # Part III has nothing to tax: not shown
