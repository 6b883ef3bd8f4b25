"""A big table's rows written as sheet XML by Polars expressions, and spliced into the saved workbook.

Speed code: a busy year's Ledger, Lots and Conversions sheets hold millions of cells, and openpyxl
makes an object of each and writes it through a generic XML serializer. Here each column's cells are
built as text by vectorized expressions instead, cell for cell what `Writer.put` and `Writer.finish`
give: the same values, types, number formats, quote prefix, wrapping, row heights and column widths
(tests/test_report_xlsx_rows.py renders workbooks both ways and compares them).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence

import polars as pl
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from .cells import COUNT, DATE, FORMULA_START, ILLEGAL_PATTERN, MAX_TEXT, MONEY, ROW_HEIGHT, TOP, WRAP, Writer

# The kinds of column the fast path writes, and the Polars type each one holds.
KINDS = {"text": pl.String, "money": pl.Int64, "date": pl.Date, "count": pl.Int64}  # money: integer cents
# Numbers are written with all their digits; openpyxl writes 16 significant ones ("%.16g"), so a table
# with a bigger number is left to the plain path.
MAX_DIGITS = 10**16
CHUNK = 50_000  # rows built and compressed at a time: bounds the memory the XML text takes
COMPRESS_LEVEL = 1
EPOCH_SERIAL = 25569  # 1970-01-01 as a spreadsheet day number (1900 date system)


def fits(frame: pl.DataFrame, kinds: Sequence[str]) -> bool:
    """Whether the fast path writes this frame exactly as `Writer.put` would."""
    if frame.width != len(kinds) or any(k not in KINDS for k in kinds):
        return False
    if any(frame.schema[c] != KINDS[k] for c, k in zip(frame.columns, kinds, strict=True)):
        return False
    big = [pl.col(c).abs().max() >= MAX_DIGITS for c, k in zip(frame.columns, kinds, strict=True)
           if k in ("money", "count")]
    return not big or not any(frame.select(big).row(0))


class FastRows:
    """The rows of a table from row `first` on, from a frame whose columns have the `kinds` of `KINDS`
    (null or "" is no cell). `measure()` counts the columns' widths into the sheet's `Writer`; once
    every width is known, `prepare()` (before the workbook is saved: it adds the cells' styles to it)
    makes the rows' expression, and `chunks()` gives the rows' XML, spliced in after the sheet's first row."""

    def __init__(self, w: Writer, first: int, frame: pl.DataFrame, kinds: Sequence[str]):
        assert fits(frame, kinds)
        self.w = w
        self.first = first
        self.kinds = list(kinds)
        self.names = [f"c{j}" for j in range(frame.width)]
        self.text = [name for name, k in zip(self.names, kinds, strict=True) if k == "text"]
        frame = frame.rename(dict(zip(frame.columns, self.names, strict=True)))
        # text as `put_text` writes it: characters XML cannot hold replaced, at most MAX_TEXT long
        dirty = frame.select([(pl.col(c).str.contains(ILLEGAL_PATTERN) | (pl.col(c).str.len_bytes() > MAX_TEXT)).any()
                              .alias(c) for c in self.text]).row(0, named=True) if self.text else {}
        self.frame = frame.with_columns(pl.col(c).str.replace_all(ILLEGAL_PATTERN, "\ufffd").str.slice(0, MAX_TEXT)
                                        for c in self.text if dirty[c])
        self.flags: dict[str, bool] = {}  # (column).escape/.space/.quote: whether any cell needs it
        self.styles: dict[tuple[str, bool, Alignment | None], str] = {}
        self.rows: pl.Expr | None = None

    @property
    def last(self) -> int:
        return self.first + self.frame.height - 1

    def measure(self) -> None:
        """Column widths (and the columns that wrap) as `Writer.put` counts them."""
        exprs: list[pl.Expr] = []
        for name, kind in zip(self.names, self.kinds, strict=True):
            c = pl.col(name)
            if kind == "text":
                seen = c != ""
                lines = c.str.split("\n").list.eval(pl.element().str.len_chars()).list.max()
                n = pl.when(c.str.contains("\n", literal=True)).then(lines).otherwise(c.str.len_chars())
                exprs += [seen.any().alias(f"{name}.seen"), n.filter(seen).max().alias(f"{name}.n"),
                          c.str.contains("\n", literal=True).any().alias(f"{name}.wraps"),
                          c.str.contains("[&<>]").any().alias(f"{name}.escape"),
                          c.str.contains(r"^\s|\s$").any().alias(f"{name}.space"),
                          _quoted(c).any().alias(f"{name}.quote")]
                continue
            if kind == "money":  # len(f"{value:,.2f}")
                digits = (c.abs() // 100).cast(pl.String).str.len_chars()
                n = digits + (digits - 1) // 3 + 3 + (c < 0).cast(pl.Int64)
            elif kind == "date":
                n = pl.when(c.is_not_null()).then(pl.lit(10))
            else:
                n = c.cast(pl.String).str.len_chars()
            exprs += [c.is_not_null().any().alias(f"{name}.seen"), n.max().alias(f"{name}.n"),
                      pl.lit(False).alias(f"{name}.wraps")]
        got = self.frame.select(exprs).row(0, named=True) if exprs else {}
        self.flags = {k: bool(v) for k, v in got.items() if k.endswith((".escape", ".space", ".quote"))}
        for j, name in enumerate(self.names):
            if got[f"{name}.seen"]:
                self.w._width(j + 1, int(got[f"{name}.n"] or 0))
            if got[f"{name}.wraps"]:
                self.w.wrapped.add(j + 1)

    def _style(self, number_format: str, quote: bool, align: Alignment | None) -> str:
        """The ` s="N"` attribute of a cell with this format, quote prefix and alignment ("" for none)."""
        key = (number_format, quote, align)
        if key not in self.styles:
            cell = Cell(self.w.ws)
            if number_format:
                cell.number_format = number_format
            if quote:
                cell.quotePrefix = True
            if align is not None:
                cell.alignment = align
            self.styles[key] = f' s="{cell.style_id}"' if cell.has_style else ""
        return self.styles[key]

    def _styled(self, number_format: str, quote: pl.Expr | None, wrapped: bool, tall: pl.Expr) -> pl.Expr:
        """The style attribute of each cell of a column: wrapped columns wrap, other cells of a tall row
        are top-aligned, text that starts like a formula has the quote prefix."""
        def one(q: bool) -> pl.Expr:
            if wrapped:
                return pl.lit(self._style(number_format, q, WRAP))
            return pl.when(tall).then(pl.lit(self._style(number_format, q, TOP))) \
                .otherwise(pl.lit(self._style(number_format, q, None)))
        return one(False) if quote is None else pl.when(quote).then(one(True)).otherwise(one(False))

    def prepare(self) -> None:
        if self.rows is None:
            self.rows = self._rows()

    def _rows(self) -> pl.Expr:
        """Each row's XML (one string a row)."""
        w = self.w
        wrapped = {j for j in range(len(self.names)) if j + 1 in w.wrapped}
        r = pl.col("_row").cast(pl.String)
        counts: list[pl.Expr] = []
        for j in sorted(wrapped):
            if self.kinds[j] != "text":
                continue
            chars = max(w.widths.get(j + 1, 8) * 11 // 10, 1)  # as `Writer.finish` counts a wrapped cell's lines
            c = pl.col(self.names[j])
            parts = c.str.split("\n").list.eval(((pl.element().str.len_chars() + chars - 1) // chars).clip(1)).list.sum()
            counts.append(pl.when(c != "").then(parts).otherwise(1))
        lines = pl.max_horizontal(counts).fill_null(1) if counts else pl.lit(1)
        tall = lines > 1
        opening = pl.when(tall).then(pl.concat_str(
            [pl.lit('<row r="'), r, pl.lit('" ht="'), (lines * ROW_HEIGHT).clip(upper_bound=409).cast(pl.String),
             pl.lit('" customHeight="1">')])).otherwise(pl.concat_str([pl.lit('<row r="'), r, pl.lit('">')]))
        cells: list[pl.Expr] = [opening]
        for j, (name, kind) in enumerate(zip(self.names, self.kinds, strict=True)):
            c = pl.col(name)
            ref = [pl.lit(f'<c r="{get_column_letter(j + 1)}'), r]
            if kind == "text":  # each step only for a column with a cell that needs it
                quote = _quoted(c) if self.flags[f"{name}.quote"] else None
                text = c
                if self.flags[f"{name}.escape"]:
                    text = text.str.replace_all("&", "&amp;", literal=True) \
                        .str.replace_all("<", "&lt;", literal=True).str.replace_all(">", "&gt;", literal=True)
                space = pl.lit("")
                if self.flags[f"{name}.space"]:  # as openpyxl marks it: around text that is not all space
                    space = pl.when(c.str.contains(r"^\s|\s$") & c.str.contains(r"\S")) \
                        .then(pl.lit(' xml:space="preserve"')).otherwise(pl.lit(""))
                cells.append(pl.when(c != "").then(pl.concat_str(
                    [*ref, pl.lit('"'), self._styled("", quote, j in wrapped, tall), pl.lit(' t="inlineStr"><is><t'),
                     space, pl.lit(">"), text, pl.lit("</t></is></c>")])))
                continue
            if kind == "money":  # as openpyxl writes a Decimal: no trailing zeros
                a = c.abs()
                cents = a % 100
                frac = pl.when(cents == 0).then(pl.lit("")) \
                    .when(cents % 10 == 0).then(pl.concat_str([pl.lit("."), (cents // 10).cast(pl.String)])) \
                    .otherwise(pl.concat_str([pl.lit("."), (cents + 100).cast(pl.String).str.slice(1)]))
                num = pl.concat_str([pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit("")),
                                     (a // 100).cast(pl.String), frac])
                fmt = MONEY
            elif kind == "date":  # openpyxl's to_excel, with its 1900 leap-year day
                days = c.cast(pl.Int64) + EPOCH_SERIAL
                num = pl.when((days > 0) & (days <= 60)).then(days - 1).otherwise(days).cast(pl.String)
                fmt = DATE
            else:
                num, fmt = c.cast(pl.String), COUNT
            cells.append(pl.concat_str([*ref, pl.lit('"'), self._styled(fmt, None, j in wrapped, tall),
                                        pl.lit("><v>"), num, pl.lit("</v></c>")]))  # t="n" by default
        cells.append(pl.lit("</row>"))
        return pl.concat_str(cells, ignore_nulls=True)

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The rows' XML in UTF-8, `size` rows at a time."""
        if self.rows is None:
            raise RuntimeError("FastRows.prepare() comes before the workbook is saved")
        frame = self.frame.with_row_index("_row", offset=self.first)
        for start in range(0, frame.height, size):
            yield frame.slice(start, size).select(self.rows.str.join("").cast(pl.Binary)).item()


def _quoted(c: pl.Expr) -> pl.Expr:
    """Text a spreadsheet would read as a formula: it gets the quote prefix."""
    return c.str.slice(0, 1).is_in(list(FORMULA_START))


def splice(data: bytes, bodies: dict[str, FastRows]) -> bytes:
    """The saved workbook with each sheet's rows (sheet path -> rows) put right after its first row."""
    out = io.BytesIO()
    # the big sheets are compressed fast (level 1: a few times faster than 6, the file a fifth bigger)
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as dst:
        for info in src.infolist():
            blob = src.read(info)
            body = bodies.get(info.filename)
            if body is None:
                dst.writestr(info, blob)
                continue
            xml = blob.decode("utf-8")
            start = xml.find("<sheetData>")
            end = xml.find("</row>", start)
            if start < 0 or end < 0:
                raise RuntimeError(f"{info.filename}: no first row to put the rows after")
            end += len("</row>")
            with dst.open(info.filename, "w") as f:  # by name: at the archive's compression level
                f.write(xml[:end].encode("utf-8"))
                for chunk in body.chunks():
                    f.write(chunk)
                f.write(xml[end:].encode("utf-8"))
    return out.getvalue()

