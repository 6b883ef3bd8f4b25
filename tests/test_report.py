"""`mbr report`: the workbook and the PDF read back, figure for figure, against `mbr worksheet`,
`mbr audit`, `mbr ledger` and `mbr limits` on the sample household (2026)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet as Sheet
from pypdf import PdfReader

from mbr_ledger.book.book import Book as MbrBook
from mbr_ledger.commands import report as report_cmd
from mbr_ledger.core.money import fmt_table
from mbr_ledger.forms.packet import Packet, compact_refs
from mbr_ledger.render.pdf import render_pdf
from mbr_ledger.render.xlsx import SHEETS, render_xlsx
from mbr_ledger.rules.findings import Finding

from conftest import run

D = Decimal


# ---------------------------------------------------------------- reading formulas back


class Book:
    """A workbook read back with a small evaluator for the formulas the report writes
    (+, -, *, /, ROUND, MIN, MAX, IF, OR, SUM, SUBTOTAL(9, ...), SUMIFS and references across sheets)."""

    REF = re.compile(r"(?:'((?:[^']|'')+)'|([A-Za-z][A-Za-z0-9_.]*))?!?\$?([A-Z]{1,3})\$?(\d+)"
                     r"(?::\$?([A-Z]{1,3})\$?(\d+))?")

    def __init__(self, path: Path):
        self.wb = openpyxl.load_workbook(path)

    def value(self, sheet: str, coord: str) -> Any:
        cell = self.wb[sheet][coord]
        v = cell.value
        if isinstance(v, str) and cell.data_type == "f":
            return self.evaluate(sheet, v)
        if isinstance(v, int | float) and not isinstance(v, bool):
            return D(str(v))
        return v

    def _range(self, sheet: str, a: str, b: str) -> list[Any]:
        return [self.value(sheet, c.coordinate) for row in self.wb[sheet][f"{a}:{b}"] for c in row]

    def evaluate(self, sheet: str, formula: str) -> Any:
        assert formula.startswith("=")
        refs: dict[str, Any] = {}

        def sub(m: re.Match[str]) -> str:
            quoted, bare, c1, r1, c2, r2 = m.groups()
            target = (quoted.replace("''", "'") if quoted else bare) or sheet
            if target not in self.wb.sheetnames:  # a function name such as ROUND( is not matched here
                target = sheet
            key = f"_r{len(refs)}"
            refs[key] = (self._range(target, f"{c1}{r1}", f"{c2}{r2}") if c2
                         else self.value(target, f"{c1}{r1}"))
            return key

        expr = self.REF.sub(sub, formula[1:])

        def num(v: Any) -> Decimal:
            return v if isinstance(v, Decimal) else D(0)

        def SUM(values: list[Any]) -> Decimal:  # noqa: N802 - Excel's names
            return sum((num(v) for v in values), D(0))

        def SUBTOTAL(code: Decimal, values: list[Any]) -> Decimal:  # noqa: N802
            assert code == 9
            return SUM(values)

        def SUMIFS(values: list[Any], *pairs: Any) -> Decimal:  # noqa: N802
            def ok(c: Any, want: str) -> bool:
                return c != want[2:] if want.startswith("<>") else c == want

            keep = [all(ok(col[i], want) for col, want in zip(pairs[::2], pairs[1::2], strict=True))
                    for i in range(len(values))]
            return sum((num(v) for v, k in zip(values, keep, strict=True) if k), D(0))

        def ROUND(v: Decimal, places: Decimal) -> Decimal:  # noqa: N802
            return v.quantize(D(1).scaleb(-int(places)), rounding="ROUND_HALF_UP")

        def MAX(*vals: Decimal) -> Decimal:  # noqa: N802
            return max(vals)

        def MIN(*vals: Decimal) -> Decimal:  # noqa: N802
            return min(vals)

        def IF(cond: bool, yes: Decimal, no: Decimal) -> Decimal:  # noqa: N802
            return yes if cond else no

        def OR(*conds: bool) -> bool:  # noqa: N802
            return any(conds)

        names = {"SUM": SUM, "SUBTOTAL": SUBTOTAL, "SUMIFS": SUMIFS, "ROUND": ROUND, "MAX": MAX, "MIN": MIN,
                 "IF": IF, "OR": OR}
        names.update({k: (num(v) if not isinstance(v, list) else v) for k, v in refs.items()})
        expr = re.sub(r"(?<![\w.])(\d+)(?![\w.])", r"D('\1')", expr)
        expr = "".join(part if part.startswith('"') else re.sub(r"(?<![<>])=(?!=)", "==", part).replace("<>", "!=")
                       for part in re.split(r'("[^"]*")', expr))  # comparisons outside the text criteria
        with decimal.localcontext() as ctx:  # IF is lazy in a spreadsheet: a division by 0 it skips is no error
            ctx.traps[decimal.DivisionByZero] = ctx.traps[decimal.InvalidOperation] = False
            return eval(expr, {"D": D}, names)  # noqa: S307 - our own formulas, read back in a test

    def rows(self, sheet: str) -> list[list[Any]]:
        return [[c.value for c in r] for r in self.wb[sheet].iter_rows()]

    def find(self, sheet: str, col: int, text: str, start: int = 1) -> int:
        """The row number of the first cell in column `col` (1-based) equal to `text`, from row `start`."""
        ws: Sheet = self.wb[sheet]
        for r in range(start, ws.max_row + 1):
            if ws.cell(row=r, column=col).value == text:
                return r
        raise AssertionError(f"{text!r} not in column {col} of {sheet}")


def money(text: str | None) -> Decimal | None:
    return None if text is None else D(text)


def pdf_text(path: Path) -> tuple[list[str], list[str]]:
    """The PDF's text: one string per page, and all lines stripped."""
    pages = [p.extract_text() for p in PdfReader(path).pages]
    return pages, [ln.strip() for p in pages for ln in p.splitlines()]


# ---------------------------------------------------------------- the sample household


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample book, its 2026 report, and the JSON of the commands the report must agree with."""
    from click.testing import CliRunner

    from mbr_ledger.cli import cli

    from conftest import SAMPLE

    tmp = tmp_path_factory.mktemp("report")
    book = tmp / "book"
    res = CliRunner().invoke(cli, ["init", str(book), "--profile", str(SAMPLE / "mbr.toml")])
    assert res.exit_code == 0, res.output
    assert run(book, "import", *sorted(str(p) for p in SAMPLE.glob("*.csv"))).exit_code == 0
    out = tmp / "reports" / "new"
    res = run(book, "report", "--year", "2026", "--out", str(out))
    assert res.exit_code == 0, res.output
    w8606 = run(book, "worksheet", "8606", "--year", "2026", "--person", "alex", "--format", "json")
    w1099 = run(book, "worksheet", "1099r", "--year", "2026", "--person", "alex", "--format", "json")
    audit = run(book, "audit", "--year", "2026", "--person", "alex", "--format", "json")
    ledger = run(book, "ledger", "--year", "2026", "--person", "alex", "--format", "json")
    limits = run(book, "limits", "--year", "2026", "--format", "json")
    with MbrBook.open(book) as b:
        capacity = [c.as_json() for c in b.capacity(2026, "alex")]
    return {"book": book, "out": out, "stdout": res.stdout, "stderr": res.stderr,
            "xlsx": out / "mbr-2026-alex.xlsx", "pdf": out / "mbr-2026-alex.pdf",
            "8606": json.loads(w8606.stdout), "1099r": json.loads(w1099.stdout),
            "audit": json.loads(audit.stdout), "ledger": json.loads(ledger.stdout),
            "limits": json.loads(limits.stdout), "capacity": capacity}


def test_report_writes_both_files_and_prints_their_paths(sample: dict[str, Any]) -> None:
    assert sample["stdout"].splitlines() == [str(sample["xlsx"]), str(sample["pdf"])]
    assert sorted(p.name for p in sample["out"].iterdir()) == ["mbr-2026-alex.pdf", "mbr-2026-alex.xlsx"]
    assert "alex 2026: FAIL: 2 checks fail" in sample["stderr"]


def test_workbook_sheets_formats_and_frozen_headers(sample: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(sample["xlsx"])
    assert wb.sheetnames == SHEETS == ["Summary", "Audit", "1099-R reconciliation", "Form 8606",
                                       "Form 8606 basis carried", "Form 8606 Roth layers", "Form 8606 line 6",
                                       "After-tax lots and conversions", "Lots", "Conversions", "Capacity plan",
                                       "Limits", "Ledger"]
    assert wb["Audit"].freeze_panes == "A2"
    assert wb["Ledger"].freeze_panes == "A2"
    assert wb["Form 8606"].freeze_panes == "A3"
    assert wb["Audit"].auto_filter.ref == f"A1:L{1 + len(sample['audit']['checks'])}"
    assert wb["Ledger"].auto_filter.ref == f"A1:M{1 + len(sample['ledger'])}"
    assert wb["Limits"].auto_filter.ref.startswith("A1:F")
    f8606 = wb["Form 8606"]
    r10 = next(r for r in range(1, 40) if f8606.cell(row=r, column=1).value == "10")
    assert f8606.cell(row=r10, column=3).number_format == "0.00000_)"  # "_)": room before the next column
    assert f8606.cell(row=r10 - 1, column=3).number_format == "#,##0.00_)"
    ledger = wb["Ledger"]
    assert ledger["A2"].number_format == "yyyy-mm-dd_)"
    assert ledger["E2"].number_format == "#,##0.00_)"
    assert ledger.column_dimensions["J"].width >= 10  # memo column sized to its text
    assert len(wb["Summary"]._charts) == 1
    assert len(wb["After-tax lots and conversions"]._charts) == 2
    summary = wb["Summary"]
    assert summary["B4"].value.startswith("FAIL: 2 checks fail, 6 warn, 1099-R differences at beta")
    assert "Not tax advice" in summary["A5"].value


def test_workbook_form_8606_matches_the_worksheet_json(sample: dict[str, Any]) -> None:
    book = Book(sample["xlsx"])
    lines = sample["8606"]["lines"]
    seen = 0
    for lid, want in lines.items():
        r = book.find("Form 8606", 1, lid)
        got = book.value("Form 8606", f"C{r}")
        if want is None:
            assert got is None, lid
            continue
        assert got == D(want), (lid, got, want)
        seen += 1
    assert seen == 17
    assert lines["10"] == "0.99649" and lines["11"] == "8575.21" and lines["18"] == "30.20"
    # the lines the form computes are live formulas over the lines it names
    ws = book.wb["Form 8606"]
    cell = {lid: f"C{book.find('Form 8606', 1, lid)}" for lid in lines}
    assert ws[cell["3"]].value == f"={cell['1']}+{cell['2']}"
    assert ws[cell["9"]].value == f"={cell['6']}+{cell['7']}+{cell['8']}"
    assert ws[cell["11"]].value == f"=MIN(ROUND({cell['8']}*{cell['10']},2),{cell['5']})"
    assert ws[cell["14"]].value == f"={cell['3']}-{cell['13']}"
    assert ws[cell["18"]].value == f"={cell['16']}-{cell['17']}"
    assert ws[cell["10"]].value == (f"=IF(OR({cell['9']}<=0,{cell['5']}>={cell['9']}),1,"
                                    f"MIN(1,ROUND({cell['5']}/{cell['9']},5)))")  # the form's rounding


def test_workbook_1099r_matches_the_worksheet_json(sample: dict[str, Any]) -> None:
    book = Book(sample["xlsx"])
    sheet = "1099-R reconciliation"
    want = sample["1099r"]
    assert want["form1040"] == {"4a": "8605.41", "4b": "30.20", "5a": "21832.86", "5b": "58.49"}
    form_row = book.find(sheet, 1, "Form 1040")
    for lid, value in want["form1040"].items():
        r = book.find(sheet, 1, lid, start=form_row)
        assert book.value(sheet, f"C{r}") == D(value), lid
    ws = book.wb[sheet]
    r4b = book.find(sheet, 1, "4b", start=form_row)
    assert ws[f"C{r4b}"].value.startswith("='Form 8606'!")
    r5a = book.find(sheet, 1, "5a", start=form_row)
    assert ws[f"C{r5a}"].value.startswith("=SUMIFS(")
    # expected forms, one row each, and their totals as SUM formulas over those rows
    head = book.find(sheet, 1, "person")
    heads = [c.value for c in ws[head]]
    rows = want["expected"]
    for i, form in enumerate(rows):
        for box in ("box1", "box2a", "box5"):
            assert book.value(sheet, f"{_col(heads, box)}{head + 1 + i}") == D(form[box])
    total_row = head + 1 + len(rows)
    for box in ("box1", "box2a", "box5"):
        col = _col(heads, box)
        assert ws[f"{col}{total_row}"].value == f"=SUM({col}{head + 1}:{col}{total_row - 1})"
        assert book.value(sheet, f"{col}{total_row}") == sum((D(f[box]) for f in rows), D(0))
    assert book.value(sheet, f"{_col(heads, 'box1')}{total_row}") == D("30438.27")
    # the difference the sample holds on purpose: Beta's box 2a
    diff_head = book.find(sheet, 1, "person", start=total_row + 1)
    diff_head = book.find(sheet, 1, "person", start=diff_head + 1)
    dheads = [c.value for c in ws[diff_head]]
    assert len(want["differences"]) == 1  # one form against one: the form's line, not the sums again
    for i, d in enumerate(want["differences"]):
        assert ws[f"{_col(dheads, 'box')}{diff_head + 1 + i}"].value == d["box"] == "box2a"
        assert book.value(sheet, f"{_col(dheads, 'difference')}{diff_head + 1 + i}") == D(d["difference"])


def _col(heads: list[Any], name: str) -> str:
    return openpyxl.utils.get_column_letter(heads.index(name) + 1)


def test_workbook_audit_ledger_limits_capacity_match_the_commands(sample: dict[str, Any]) -> None:
    book = Book(sample["xlsx"])
    audit = book.rows("Audit")
    assert audit[0][:6] == ["Status", "Check", "Scope", "Limit", "Amount", "Excess"]
    checks = sample["audit"]["checks"]
    assert len(audit) - 1 == len(checks)
    for row, c in zip(audit[1:], checks, strict=True):
        assert row[:3] == [c["status"], c["id"], c["scope"]]
        for got, key in zip(row[3:6], ("limit", "amount", "excess"), strict=True):
            assert (None if got is None else D(str(got))) == money(c[key]), (c["id"], key)
    f402 = next(r for r in audit if r[1] == "402g")
    assert (f402[0], D(str(f402[5]))) == ("fail", D("5500.00"))

    ledger = book.rows("Ledger")
    rows = sample["ledger"]
    assert len(ledger) == 1 + len(rows) + 1  # header, rows, the SUBTOTAL row
    for got, want in zip(ledger[1:-1], rows, strict=True):
        assert got[0].date().isoformat() == want["date"]
        assert (got[1], got[2], D(str(got[4]))) == (want["account"], want["kind"], D(want["amount"]))
        assert (got[11], got[12]) == (want["source_file"], want["source_line"])
    last = len(ledger)
    assert book.wb["Ledger"][f"E{last}"].value == f"=SUBTOTAL(9,E2:E{last - 1})"
    assert book.value("Ledger", f"E{last}") == sum((D(r["amount"]) for r in rows), D(0))

    limits = book.rows("Limits")
    by_id = {r[0]: r for r in limits[1:]}
    for lid, lim in sample["limits"]["limits"].items():
        value = by_id[lid][3]
        if isinstance(lim["value"], bool):  # a rule flag: yes / no on the sheet, true / false in the JSON
            assert value == ("yes" if lim["value"] else "no")
            continue
        assert (value if value == "n/a" else D(str(value))) == (D(lim["value"]) if lim["value"] else "n/a")
        assert by_id[lid][4] == lim["source"]
    assert D(str(by_id["deferral_402g"][3])) == D("24500")

    cap = book.rows("Capacity plan")
    assert cap[0][1:] == ["acme", "beta"]
    label = {r[0]: r[1:] for r in cap[1:]}
    for j, plan in enumerate(sample["capacity"]):
        assert D(str(label["After-tax room left"][j])) == D(plan["after_tax_capacity"])
        assert D(str(label["415(c) limit that applies (the lesser of the dollar limit and pay)"][j])) == \
            D(plan["annual_additions_limit"])
        assert label["Paychecks left"][j] == plan["per_paycheck"]["paychecks"]


def test_workbook_lots_totals_and_summary_links(sample: dict[str, Any]) -> None:
    book = Book(sample["xlsx"])
    sheet = "Lots"
    ws = book.wb[sheet]
    head = book.find(sheet, 1, "plan")
    heads = [c.value for c in ws[head]]
    total = book.find(sheet, 1, "Total shown", start=head)
    basis = book.value(sheet, f"{_col(heads, 'basis')}{total}")
    earnings = book.value(sheet, f"{_col(heads, 'earnings')}{total}")
    # 13 Acme lots (15,750.00, 41.56 of earnings) and 11 Beta lots (11,000.00, 82.45 booked)
    assert ws[f"{_col(heads, 'basis')}{total}"].value == f"=SUBTOTAL(9,{_col(heads, 'basis')}2:" \
        f"{_col(heads, 'basis')}{total - 1})"
    assert (head, ws.freeze_panes, ws.print_title_rows) == (1, "A2", "$1:$1")
    assert basis == D("26750.00")
    assert earnings == D("124.01")
    # the Summary's key figures are links into the sheets
    s = book.wb["Summary"]
    row = book.find("Summary", 1, "Form 8606 line 18")
    assert s[f"C{row}"].value == "Taxable amount of the conversions (Form 1040 line 4b)"
    assert s[f"B{row}"].value.startswith("='Form 8606'!")
    assert book.value("Summary", f"B{row}") == D("30.20")
    row = book.find("Summary", 1, "Form 1040 line 5b")
    assert book.value("Summary", f"B{row}") == D("58.49")


def test_pdf_text_holds_the_worksheet_figures(sample: dict[str, Any]) -> None:
    pages, lines = pdf_text(sample["pdf"])
    n = len(pages)
    for i, page in enumerate(pages, 1):
        assert "Alex Doe (alex), tax year 2026" in page
        assert f"Page {i} of {n}" in page
        assert "Not tax advice" in page
    cover = pages[0]
    assert "FAIL: 2 checks fail, 6 warn, 1099-R differences at beta" in cover
    assert "Every fail and warning" in cover
    # Form 8606 line by line: each line id followed by its figure
    start = lines.index("Form 8606, line by line")
    for lid, want in sample["8606"]["lines"].items():
        i = lines.index(lid, start)
        if want is not None:
            shown = want if lid == "10" else fmt_table(D(want))
            assert shown in lines[i + 1:i + 4], (lid, shown, lines[i:i + 4])
    # Form 1040 lines of the 1099-R reconciliation
    start = lines.index("Form 1099-R reconciliation")
    for lid, want in sample["1099r"]["form1040"].items():
        i = next(k for k in range(start, len(lines)) if lines[k] == lid)
        assert fmt_table(D(want)) in lines[i + 1:i + 4], lid
    text = "\n".join(pages)
    for form in sample["1099r"]["expected"]:
        assert fmt_table(D(form["box1"])) in text
    assert "BETA-2026-1099R-1" in text
    # every failing or warning check is on the cover pages, with its excess
    for c in sample["audit"]["checks"]:
        if c["status"] == "fail":
            assert fmt_table(D(c["excess"])) in "\n".join(pages[:2])
    for section in ("Audit of the year's limits", "After-tax lots and conversions", "Capacity plan", "Charts",
                    "Limits for 2026 and their sources"):
        assert section in lines
    assert "IRS Notice 2025-67" in text


def test_pdf_is_the_same_bytes_every_time(sample: dict[str, Any], tmp_path: Path) -> None:
    res = run(sample["book"], "report", "--year", "2026", "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "mbr-2026-alex.pdf").read_bytes() == sample["pdf"].read_bytes()
    with MbrBook.open(sample["book"]) as b:
        packet = b.packet(2026, "alex")
    assert render_pdf(packet) == render_pdf(packet) == sample["pdf"].read_bytes()


def test_packet_charts_from_the_ledger_and_the_lots(sample: dict[str, Any]) -> None:
    with MbrBook.open(sample["book"]) as b:
        packet = b.packet(2026, "alex")
    bars = {b.label: (b.limit, b.amount, b.status) for b in packet.charts.limits}
    assert bars["402(g) deferrals, alex"] == (D("32500.00"), D("38000.00"), "fail")
    assert bars["after-tax cap, beta"] == (D("12000.00"), D("12000.00"), "ok")
    bal = {s.name: s.points for s in packet.charts.balances}
    assert bal["beta"][-1] == (dt.date(2026, 12, 31), D("5041.15"))
    assert bal["acme"][0][1] == D("0.00") and bal["acme"][-1][1] == D("0.00")
    earn = {s.name: dict(s.points) for s in packet.charts.earnings}
    assert max(earn["acme"].values()) == D("17.91")           # the late IRR of 2026-07-27
    assert sum(earn["acme"].values(), D(0)) == D("41.56")
    assert list(earn["beta"].values()) == [D("16.93"), D("24.37"), D("41.15")]  # two rollovers, then Dec 31


# ---------------------------------------------------------------- the command


def test_report_every_person_by_default(make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = make_book("""
[[person]]
id = "alex"
born = "1975-03-10"

[[person]]
id = "sam"
name = "Sam Roe"
born = "1990-01-01"
""")
    out = tmp_path / "a" / "b"
    res = run(book, "report", "--year", "2025", "--out", str(out))
    assert res.exit_code == 0, res.output
    names = ["mbr-2025-alex.xlsx", "mbr-2025-alex.pdf", "mbr-2025-sam.xlsx", "mbr-2025-sam.pdf"]
    assert res.stdout.splitlines() == [str(out / n) for n in names]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    # A book with no rows of the year is not an all-clear: the verdict and the cover say there is nothing.
    assert "sam 2025: WARN: 0 checks fail, 1 warn, no Form 1099-R expected" in res.stderr
    pages, _ = pdf_text(out / "mbr-2025-sam.pdf")
    assert "Sam Roe (sam), tax year 2025" in pages[0]
    assert "No check fails or warns" not in pages[0]
    assert "No ledger rows for sam in 2025: nothing to audit" in pages[0]


def test_report_bad_usage_exits_2(sample: dict[str, Any], tmp_path: Path) -> None:
    book = sample["book"]
    res = run(book, "report", "--year", "2026", "--person", "zoe", "--out", str(tmp_path))
    assert res.exit_code == 2 and "--person zoe: unknown person" in res.stderr
    res = run(book, "report", "--year", "2031", "--out", str(tmp_path / "x"))
    assert res.exit_code == 2 and "no limits for 2031" in res.stderr
    assert not (tmp_path / "x").exists()
    a_file = tmp_path / "file"
    a_file.write_text("x")
    res = run(book, "report", "--year", "2026", "--out", str(a_file))
    assert res.exit_code == 2 and "not a folder" in res.stderr
    res = run(book, "report", "--year", "2026")
    assert res.exit_code == 2 and "--out" in res.stderr


def test_report_help_has_an_example() -> None:
    from click.testing import CliRunner

    from mbr_ledger.cli import cli

    res = CliRunner().invoke(cli, ["report", "--help"])
    assert res.exit_code == 0
    assert re.search(r"Example:\n +mbr report --year 2026 --out reports/\n", res.output)


def test_a_failed_write_leaves_nothing_behind(sample: dict[str, Any], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    real = report_cmd.os.replace

    def replace(src: str, dst: str) -> None:
        if str(dst).endswith(".pdf"):
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(report_cmd.os, "replace", replace)
    res = run(sample["book"], "report", "--year", "2026", "--out", str(tmp_path))
    assert res.exit_code == 2
    assert "mbr-2026-alex.pdf: cannot write: No space left on device" in res.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["mbr-2026-alex.xlsx"]  # no half file, no temporary file


# ---------------------------------------------------------------- renderer details on hand-made values


def test_compact_refs() -> None:
    refs = ["a.csv:2", "a.csv:3", "a.csv:4", "b.csv:9", "a.csv:7", "odd"]
    assert compact_refs(refs) == "a.csv:2-4,7; b.csv:9; odd"


def test_user_text_in_the_pdf_is_shown_not_interpreted(tmp_path: Path) -> None:
    packet = Packet(year=2026, person="alex", person_name="Alex <b>Doe</b> & Co",
                    findings=[Finding("402g", "warn", "alex", "memo said <font size=40>x</font> & <br/> done")])
    data = render_pdf(packet)
    path = tmp_path / "p.pdf"
    path.write_bytes(data)
    pages, _ = pdf_text(path)
    assert "memo said <font size=40>x</font> & <br/> done" in pages[0].replace("\n", " ")
    assert "Alex <b>Doe</b> & Co (alex), tax year 2026" in pages[0]
    assert render_xlsx(packet)[:2] == b"PK"
