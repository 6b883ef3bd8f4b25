"""The one switch between the workbook's fast tables and their plain definition."""

from __future__ import annotations

# True: the workbook's big tables (the Ledger, Lots and Conversions sheets) are written as sheet XML
# built column by column by Polars expressions and spliced into the saved file. False: the plain
# definition, every cell written through openpyxl by `Writer.put`. Both give the same workbook cell
# for cell (tests/test_report_xlsx_rows.py); the fast path exists because openpyxl's cell objects
# cost some microseconds each and a busy year has millions of cells.
FAST_TABLES = True
