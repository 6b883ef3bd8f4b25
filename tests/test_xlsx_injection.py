"""Text from a user's file never becomes a formula in the workbook (CSV/formula injection)."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from mbr_ledger.forms.model import Grid, Worksheet
from mbr_ledger.forms.packet import Packet, ledger_table
from mbr_ledger.render.xlsx import render_xlsx
from mbr_ledger.rules.findings import Finding
from mbr_ledger.tuning import workbook

from conftest import run

MEMOS = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
]

ACTIVITY = "date,person,account,kind,source,amount,memo\n" + "".join(
    f'2026-01-{5 + i:02d},alex,acme,contribution,after_tax,100.00,"{m.replace(chr(34), chr(34) * 2)}"\n'
    for i, m in enumerate(MEMOS))


def _formulas(xlsx: Path, sheet_index: int) -> list[str]:
    """The <f> elements in one sheet's XML: what a spreadsheet would calculate."""
    with zipfile.ZipFile(xlsx) as z:
        xml = z.read(f"xl/worksheets/sheet{sheet_index}.xml").decode()
    return [part.split("</f>")[0] for part in xml.split("<f>")[1:]]


def test_memos_from_an_imported_file_stay_text(book: Path, tmp_path: Path) -> None:
    csv = tmp_path / "activity.csv"
    csv.write_text(ACTIVITY, encoding="utf-8")
    assert run(book, "import", str(csv)).exit_code == 0
    out = tmp_path / "out"
    res = run(book, "report", "--year", "2026", "--person", "alex", "--out", str(out))
    assert res.exit_code == 0, res.output
    xlsx = out / "mbr-2026-alex.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Ledger"]
    assert ws["J1"].value == "Memo"
    memos = [ws.cell(row=r, column=10) for r in range(2, 2 + len(MEMOS))]
    assert [c.value for c in memos] == MEMOS
    for c in memos:
        assert c.data_type == "s", c.value
        assert c.quotePrefix, c.value  # shown as text even when someone edits the cell
    # the only formula on the sheet is the report's own total
    assert _formulas(xlsx, wb.sheetnames.index("Ledger") + 1) == [f"SUBTOTAL(9,E2:E{1 + len(MEMOS)})"]


@pytest.mark.parametrize("fast", [True, False])  # the big tables' two paths (tuning.workbook.FAST_TABLES)
def test_every_kind_of_user_text_is_written_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    fast: bool) -> None:
    monkeypatch.setattr(workbook, "FAST_TABLES", fast)
    evil = "=HYPERLINK(\"http://x\",\"y\")"
    packet = Packet(
        year=2026, person="alex", person_name="=cmd|' /C calc'!A0",
        findings=[Finding("402g", "fail", "+scope", evil, fix="-fix", rows=["=file.csv:3"],
                          limit=Decimal("1.00"), amount=Decimal("2.00"), excess=Decimal("1.00"))],
        worksheets={"lots": Worksheet("lots", "lots", 2026, "alex", grids={"lots": Grid(
            "lots", ["plan", "basis"], ["text", "money"], [["@plan", Decimal("5.00")]], totals=["basis"])})},
        ledger=ledger_table(pl.DataFrame({
            "date": [dt.date(2026, 1, 2)], "account": ["acme"], "kind": ["contribution"], "source": ["after_tax"],
            "amount": [500], "source_file": ["=evil.csv"], "source_line": [2], "memo": ["\t=1+1"],
            "fund": ["+FUND\x07"], "destination": ["-x\ufffey\uffff"]})))
    data = render_xlsx(packet)
    path = tmp_path / "p.xlsx"
    path.write_bytes(data)
    wb = openpyxl.load_workbook(path)
    audit = wb["Audit"]
    assert [audit.cell(row=2, column=c).value for c in (3, 7, 8, 11)] == ["+scope", evil, "-fix", "=file.csv:3"]
    for c in (3, 7, 8, 11):
        assert audit.cell(row=2, column=c).data_type == "s"
    lots = wb["Lots"]
    cell = next(c for row in lots.iter_rows() for c in row if c.value == "@plan")
    assert cell.data_type == "s"
    ledger = wb["Ledger"]
    assert (ledger["J2"].value, ledger["J2"].data_type) == ("\t=1+1", "s")
    assert (ledger["K2"].value, ledger["K2"].data_type) == ("+FUND\ufffd", "s")  # a control character replaced
    assert (ledger["L2"].value, ledger["L2"].data_type) == ("=evil.csv", "s")
    # characters XML cannot hold (U+FFFE, U+FFFF) are replaced: the file opens again
    assert (ledger["H2"].value, ledger["H2"].quotePrefix) == ("-x\ufffdy\ufffd", True)
    summary = wb["Summary"]
    assert summary["B2"].value == "=cmd|' /C calc'!A0 (alex)" and summary["B2"].data_type == "s"
    # no sheet holds a formula that is not the report's own
    for i, name in enumerate(wb.sheetnames, 1):
        for f in _formulas(path, i):
            assert f.startswith(("SUM(", "SUBTOTAL(", "ROUND(", "MAX(", "SUMIFS(", "'", "$", "C")), (name, f)
            assert "HYPERLINK" not in f and "cmd" not in f


@pytest.mark.parametrize("text", ["=A1", "+A1", "-A1", "@A1", "\tx", "\rx", "plain"])
def test_quote_prefix_only_where_a_spreadsheet_would_compute(text: str) -> None:
    from mbr_ledger.render.xlsx.cells import put_text

    ws = openpyxl.Workbook().active
    assert ws is not None
    c = put_text(ws["A1"], text)
    assert (c.value, c.data_type) == (text, "s")
    assert c.quotePrefix == (text != "plain")
