"""PDF tables: a cell that fits its column on one line is a plain string (cheap to lay out and draw), any
other a paragraph that wraps; either way the text is shown as written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.platypus import Paragraph

from mbr_ledger.forms.packet import Packet
from mbr_ledger.render.pdf import PORTRAIT_W, _table, render_pdf
from mbr_ledger.rules.findings import Finding


def _cells(header: list[str], rows: list[list[object]], kinds: list[str], **kw: object) -> list[list[object]]:
    t = _table(header, rows, kinds, PORTRAIT_W, **kw)  # type: ignore[arg-type]
    return t._cellvalues  # type: ignore[no-any-return]


def test_short_cells_are_strings_long_ones_paragraphs() -> None:
    long = "word " * 200
    cells = _cells(["Name", "Amount", "Note"],
                   [["acme", Decimal("1234.50"), "short note"],
                    ["beta", Decimal("-7.00"), long.strip()],
                    ["two\nlines", Decimal("0.00"), "a  b"]],
                   ["text", "money", "text"], total_row=["Total", Decimal("1227.50"), ""])
    assert cells[0] == ["Name", "Amount", "Note"]
    assert cells[1] == ["acme", "1,234.50", "short note"]
    assert cells[2][:2] == ["beta", "-7.00"] and isinstance(cells[2][2], Paragraph)
    # a line break, or spaces a paragraph would fold into one: a paragraph, as before
    assert isinstance(cells[3][0], Paragraph) and isinstance(cells[3][2], Paragraph)
    assert cells[4] == ["Total", "1,227.50", ""]


def test_a_cell_that_just_fits_stays_on_one_line() -> None:
    # the text column gets the width left over: about 460 points of the portrait frame
    text = "x" * 100  # 100 x 3.75 pt = 375 pt
    cells = _cells(["A", "B"], [[text, "1"]], ["text", "text"])
    assert cells[1][0] == text
    wide = " ".join(["xxxxxxxxx"] * 60)  # far wider than the page
    cells = _cells(["A", "B"], [[wide, "1"]], ["text", "text"])
    assert isinstance(cells[1][0], Paragraph)


def test_markup_in_short_and_long_cells_is_shown_as_written(tmp_path: Path) -> None:
    short = "<b>x</b> & y"
    long = "memo said <font size=40>x</font> & <br/> done " + "and more words " * 30
    packet = Packet(year=2026, person="alex", person_name="alex",
                    findings=[Finding("402g", "warn", short, long.strip())])
    path = tmp_path / "p.pdf"
    path.write_bytes(render_pdf(packet))
    text = " ".join(p.extract_text() for p in PdfReader(path).pages)
    flat = " ".join(text.split())
    assert short in flat
    assert "memo said <font size=40>x</font> & <br/> done and more words" in flat
    assert render_pdf(packet) == path.read_bytes()


BUSY_PROFILE = """
[[person]]
id = "kim"
born = "1980-05-01"
marginal_rate = "0.32"

[[plan]]
id = "acme"
person = "kim"
employer = "Acme Corp"
conversion = "in_plan_auto"
"""


def _busy_year(path: Path, steps: int) -> None:
    """One person, one plan, 2026: every step an after-tax and a pre-tax deposit with their earnings,
    and an in-plan Roth rollover of part of the after-tax source every fourth step (5 or 6 rows a step)."""
    lines = ["date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo"]
    for i in range(steps):
        d = f"2026-{1 + i * 12 // steps:02d}-{1 + i % 28:02d}"
        lines += [f"{d},kim,acme,contribution,after_tax,{100 + i % 7}.00,,,,,payroll",
                  f"{d},kim,acme,contribution,pretax,200.00,,,,,payroll",
                  f"{d},kim,acme,earnings,after_tax,0.{10 + i % 80},,,,,Target 2045",
                  f"{d},kim,acme,earnings,pretax,0.{20 + i % 70},,,,,Target 2045"]
        if i % 4 == 3:
            lines.append(f"{d},kim,acme,conversion,after_tax,150.00,,,,,in-plan Roth rollover")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_packet_of_a_busy_year_renders(make_book: Any, tmp_path: Path) -> None:
    """About 4,000 interleaved rows for one person in one year: the report writes both files, the PDF's
    pages can be read, a finding's rows are shown as ranges with the count of the rest, and long tables
    stop with a pointer to the workbook (which has every row)."""
    from conftest import run

    book = make_book(BUSY_PROFILE, name="busy")
    activity = tmp_path / "busy-2026.csv"
    _busy_year(activity, 880)
    assert run(book, "import", str(activity)).exit_code == 0
    out = tmp_path / "out"
    res = run(book, "report", "--year", "2026", "--out", str(out))
    assert res.exit_code in (0, 1), res.output
    reader = PdfReader(out / "mbr-2026-kim.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) < 60
    assert "more rows (the workbook lists every row)" in text
    assert "The first 200 of 880 rows" in text
    import openpyxl

    wb = openpyxl.load_workbook(out / "mbr-2026-kim.xlsx", read_only=True)
    assert wb["Ledger"].max_row >= 880 * 4 + 1


def test_file_names_dates_and_amounts_are_never_broken(sample_book: Path, tmp_path: Path) -> None:
    """Table cells break between words, and a list of row numbers after its commas, never inside a file
    name, a date or an amount; a long explanation is a line of its own under its row."""
    import re

    from conftest import run

    assert run(sample_book, "report", "--year", "2026", "--out", str(tmp_path)).exit_code in (0, 1)
    text = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "mbr-2026-alex.pdf").pages)
    lines = text.splitlines()
    assert not [ln for ln in lines if re.match(r"^-(acme|beta|ira|\d{2}\b)", ln.strip())]
    for name in ("sample_data/activity-acme-2026.csv", "sample_data/activity-beta-2026.csv:16",
                 "2026-01-07..2026-07-27", "15,791.56", "30,438.27"):
        assert name in text, name


HEADER_FOOTER = 4  # the running header (title, person and year), the not-tax-advice note, "Page N of M"
HEADINGS = {"Notes", "Differences", "Forms received", "Expected from the ledger", "Per plan", "Form 1040",
            "Key figures", "Carried to next year", "After-tax lots", "Audit of the year's limits",
            "Form 1099-R reconciliation", "Form 8606, line by line", "After-tax lots and conversions",
            "Capacity plan", "Charts"}


@pytest.mark.parametrize("year,most_pages", [
    (2024, 5),   # no rows: the cover, then every section where the one before it ends
    (2025, 10),
    (2026, 14),
])
def test_no_near_empty_page_and_no_stranded_heading(sample_book: Path, tmp_path: Path, year: int,
                                                    most_pages: int) -> None:
    """Looked at page by page (pdftoppm) and held here: every page but the last carries more than a line
    or two; a heading is never the last line of a page; small sections share a page; a long file
    reference is never cut (a portrait section whose table would cut one takes landscape pages)."""
    import re

    from conftest import run

    assert run(sample_book, "report", "--year", str(year), "--out", str(tmp_path)).exit_code == 0
    pages = PdfReader(tmp_path / f"mbr-{year}-alex.pdf").pages
    assert len(pages) <= most_pages
    for n, page in enumerate(pages, 1):
        lines = [ln.strip() for ln in page.extract_text().splitlines() if ln.strip()]
        assert lines[:3] == ["Mega backdoor Roth year-end packet", f"Alex Doe (alex), tax year {year}",
                             "Not tax advice. Review with a tax professional before you file."]
        body = [ln for ln in lines[3:] if not ln.startswith(f"Page {n} of")]
        assert len(lines) - len(body) == HEADER_FOOTER
        if n < len(pages):
            assert len(body) >= 12, (n, body)
        assert body[-1] not in HEADINGS, (n, body[-1])
        assert not [ln for ln in lines if re.search(r"\.cs$|^v:\d|/$", ln)], n


def test_a_year_without_rows_is_a_short_packet(make_book: Any, tmp_path: Path) -> None:
    """No ledger rows: the audit, the reconciliation, the lots, the capacity plan and the charts each say
    so in a line and share pages, instead of a page each."""
    from conftest import PROFILE, run

    book = make_book(PROFILE)
    assert run(book, "report", "--year", "2026", "--out", str(tmp_path / "r")).exit_code == 0
    pages = PdfReader(tmp_path / "r" / "mbr-2026-alex.pdf").pages
    text = "\n".join(p.extract_text() for p in pages)
    assert "No plan for this year." in text and "Nothing to chart for this year." in text
    assert len(pages) <= 5
