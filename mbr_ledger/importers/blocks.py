"""The block reader: a CSV file read in blocks of whole lines, by Polars where that gives exactly
the csv module's rows, so that a large file is never in memory at once."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..core.errors import InputProblem, MbrError
from ..tuning import paths, sizes
from . import tabular
from .tabular import CsvTable, csv_rows, read_header, to_frame

_SENT = "\x1e"          # appended to every line on the fast path, to count a line's fields
_NOT_FAST = (b"\x1c", b"\x1d", b"\x1e", b"\x1f")  # str.strip() takes these for spaces, Polars does not


def _blank(names: list[str]) -> pl.Expr:
    """A blank row: every (stripped) field empty."""
    return pl.all_horizontal([pl.col(c) == "" for c in names])


@dataclass
class CsvBlock:
    """Consecutive rows of a CSV file as `to_frame` gives them: stripped strings and `source_line`.

    With `partial`, only the columns the reader was told to strip (`CsvFile(strip=...)`) are
    stripped and blank rows are only dropped when their first field is empty: `complete()` gives the
    block as `to_frame` would. A reader whose columns are all checked uses the partial block and
    calls `complete()` only when a check fails, since a field with white space at an end fails its
    check (a date, an amount, a name from a list) and so never passes unstripped.
    """

    frame: pl.DataFrame
    problems: list[InputProblem]
    partial: bool = False

    def complete(self) -> CsvBlock:
        if not self.partial:
            return self
        names = [c for c in self.frame.columns if c != "source_line"]
        df = self.frame.with_columns([pl.col(c).str.strip_chars() for c in names])
        df = df.filter(~_blank(names))
        return CsvBlock(df, self.problems)


class CsvFile:
    """A CSV file read in blocks of whole lines, so a large file never sits in memory at once.

    The header is the first non-blank line. Each block is read by Polars when that is safe and
    gives exactly what the `csv` module would: every physical line is one record (no quoted line
    breaks), line ends are `\n` or `\r\n`, and no control character the two treat differently.
    Every line gets a sentinel field appended, so Polars' row `i` is physical line `first + i` and
    the sentinel's position is the line's field count. From the first block that is not safe, the
    rest of the file goes through the `csv` module, as `read_csv_table` and `to_frame` would;
    with `fast=False` (the plain definition, `tuning.paths.FAST_IMPORT`) the whole file does.
    """

    def __init__(self, path: Path, *, delimiter: str = ",", block_bytes: int | None = None,
                 strip: Iterable[str] | None = None, fast: bool | None = None):
        self.path = path
        self.delimiter = delimiter
        self.strip = None if strip is None else set(strip)  # None: strip every column
        self.block_bytes = block_bytes or sizes.BLOCK_BYTES
        self.fast = paths.FAST_IMPORT if fast is None else fast  # False: every block through the csv module
        try:
            self._fh = path.open("rb")
        except OSError as exc:
            raise MbrError(f"{path}: cannot be read ({exc.strerror})") from None
        self._eof = False
        self._buf = self._fh.read(self.block_bytes)
        if b"\x00" in self._buf[:65536]:
            raise MbrError(f"{path}:1: this is a binary file, not a CSV text file")
        if self._buf.startswith(b"\xef\xbb\xbf"):
            self._buf = self._buf[3:]
        self._line = 1  # physical line at the start of self._buf
        self.header, self.header_line = self._header()

    def table(self) -> CsvTable:
        """The header as a `CsvTable` without rows (for `check_columns`)."""
        return CsvTable(self.path, self.header, self.header_line, [], [])

    def close(self) -> None:
        self._fh.close()

    def _more(self) -> bool:
        if self._eof:
            return False
        data = self._fh.read(self.block_bytes)
        if not data:
            self._eof = True
            return False
        self._buf += data
        return True

    def _decode(self, data: bytes, first_line: int) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = first_line + data.count(b"\n", 0, exc.start)
            hint = " (it looks like Windows-1252, as Excel writes it: save it as 'CSV UTF-8')"
            raise MbrError(f"{self.path}:{line}: not UTF-8 text: byte 0x{data[exc.start]:02x}{hint}") from None

    def _header(self) -> tuple[list[str], int]:
        """Skip blank lines, then read the header record with the csv module."""
        while True:
            end = self._buf.find(b"\n")
            if end < 0 and self._more():
                continue
            if end < 0 or self._buf[:end].strip():
                break
            self._buf = self._buf[end + 1:]
            self._line += 1
        while True:
            end = len(self._buf) if self._eof else self._buf.rfind(b"\n") + 1
            text = self._decode(self._buf[:end], self._line)
            buf = io.StringIO(text, newline="")
            try:
                header, consumed = read_header(self.path, buf, self._line, self.delimiter)
            except MbrError:
                if self._more():
                    continue
                raise
            used = buf.tell()
            if used < len(text) or self._eof or not self._more():
                break
        header_line = self._line
        self._buf = self._buf[len(text[:used].encode("utf-8")):]
        self._line += consumed
        return header, header_line

    def blocks(self) -> Iterator[CsvBlock]:
        try:
            yield from self._blocks()
        finally:
            self.close()

    def _blocks(self) -> Iterator[CsvBlock]:
        while True:
            if len(self._buf) < self.block_bytes:
                self._more()
            if not self._buf:
                return
            cut = len(self._buf) if self._eof else self._buf.rfind(b"\n") + 1
            if cut == 0:  # one line longer than a block
                self._more()
                continue
            # The block leaves the buffer before it is read, so that the two are not held at once.
            chunk, self._buf = self._buf[:cut], self._buf[cut:]
            self._no_nul(chunk, self._line)
            # A quoted field that goes on past the cut (or broken quoting) is found by `_fast`: Polars
            # then gives fewer rows than lines, or a last row without the sentinel, which the csv
            # module turns down.
            fast = self._fast(chunk, self._line) if self.fast else None
            if fast is None:
                self._buf = chunk + self._buf
                while self._more():
                    pass
                yield from self._slow(self._buf, self._line)
                self._buf = b""
                return
            del chunk  # not kept while the block waits to be handed over
            block, lines = fast
            del fast
            self._line += lines
            yield block
            del block

    def _no_nul(self, data: bytes, first_line: int) -> None:
        at = data.find(b"\x00")
        if at >= 0:
            line = first_line + data.count(b"\n", 0, at)
            raise MbrError(f"{self.path}:{line}: a NUL byte: this is a binary file, not a CSV text file")

    def _slow(self, data: bytes, first_line: int) -> Iterator[CsvBlock]:
        self._no_nul(data, first_line)
        buf = io.StringIO(self._decode(data, first_line), newline="")
        rows: list[list[str]] = []
        lines: list[int] = []
        for row, line in csv_rows(self.path, buf, first_line - 1, self.delimiter):
            rows.append(row)
            lines.append(line)
            if len(rows) >= sizes.BLOCK_ROWS:
                yield CsvBlock(*to_frame(CsvTable(self.path, self.header, self.header_line, rows, lines)))
                rows, lines = [], []
        if rows:
            yield CsvBlock(*to_frame(CsvTable(self.path, self.header, self.header_line, rows, lines)))

    def _fast(self, chunk: bytes, first_line: int) -> tuple[CsvBlock, int] | None:
        """The block read by Polars and the number of line ends in it, or None when Polars would not
        give exactly the `csv` module's rows."""
        if any(b in chunk for b in _NOT_FAST):
            return None
        if b"\r" in chunk:
            if chunk.count(b"\r") != chunk.count(b"\r\n"):
                return None  # a lone \r ends a line for the csv module
            chunk = chunk.replace(b"\r\n", b"\n")
        ascii_only = chunk.isascii()
        if not ascii_only:
            self._decode(chunk, first_line)
        n = len(self.header)
        sent = (self.delimiter + _SENT).encode()
        data = chunk.replace(b"\n", sent + b"\n")
        ends = (len(data) - len(chunk)) // len(sent)  # each line end got a sentinel
        lines = ends
        if not chunk.endswith(b"\n"):
            data += sent
            lines += 1
        cols = [f"c{i}" for i in range(n + 1)]
        try:
            df = pl.read_csv(data, has_header=False, schema={c: pl.String for c in cols},
                             separator=self.delimiter, quote_char='"', truncate_ragged_lines=True,
                             empty_string_is_null=False, raise_if_empty=False)
        except Exception:  # any Polars parse error: the csv module words it
            return None
        del data
        if df.height != lines:
            return None
        # Fields are stripped of white space at both ends: all of them, or only those named in
        # `strip` (the block is then `partial`, see `CsvBlock`).
        strip = [True] * n if self.strip is None else [h in self.strip for h in self.header[:n]]
        # Rows of the header's width end in the sentinel; only the others (`_odd`), and rows with a
        # field that may be too long, are read again one by one with the csv module. Whether any row
        # is odd or may be blank is asked first; usually none is, and the block is only renamed
        # and numbered.
        flags = df.select((pl.col(cols[n]) != _SENT).any().alias("odd"),
                          (pl.max_horizontal([pl.col(c).str.len_bytes().max() for c in cols[:n]]) > tabular.MAX_FIELD)
                          .alias("long"),
                          ((pl.col(cols[0]).str.strip_chars() if strip[0] else pl.col(cols[0])) == "").any()
                          .alias("blank")).row(0)
        df = df.select(
            *[(pl.col(c).str.strip_chars() if s else pl.col(c)).alias(h)
              for c, h, s in zip(cols, self.header, strip, strict=False)],
            pl.int_range(first_line, first_line + pl.len(), dtype=pl.Int64).alias("source_line"),
            *([((pl.col(cols[n]) != _SENT)
                | (pl.max_horizontal([pl.col(c).str.len_bytes() for c in cols[:n]]) > tabular.MAX_FIELD)).alias("_odd")]
              if any(flags) else []),
        )
        problems: list[InputProblem] = []
        partial = self.strip is not None
        if not any(flags):
            return CsvBlock(df, problems, partial), ends
        blank = _blank(self.header)
        odd = df.filter(pl.col("_odd"))
        skip: list[int] = []
        if odd.height:
            text_lines = chunk.decode("utf-8").split("\n")
            for line in odd["source_line"].to_list():
                try:
                    row = next(csv.reader([text_lines[line - first_line]], delimiter=self.delimiter, strict=True), [])
                except csv.Error:
                    return None
                skip.append(line)
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != n:
                    problems.append(InputProblem(str(self.path), line, tabular.width_message(n, row)))
                    continue
                long = next((i for i, c in enumerate(row) if len(c) > tabular.MAX_FIELD), None)
                if long is not None:
                    problems.append(InputProblem(str(self.path), line, f"field longer than {tabular.MAX_FIELD} characters",
                                                 self.header[long]))
                else:
                    skip.pop()
        good = df.filter(~pl.col("_odd") | ~pl.col("source_line").is_in(skip)).filter(~blank)
        return CsvBlock(good.drop("_odd"), problems, partial), ends
