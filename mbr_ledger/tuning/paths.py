"""The one switch between the import's fast path and its plain definition."""

from __future__ import annotations

# True: CSV blocks are read by Polars where that gives exactly the csv module's rows, checked
# columns are stripped only when a check fails, and a block without problems is parsed, checked
# and normalised in one query with the keyed checks. False: the plain definition, every field
# read by the csv module and stripped, every block parsed and checked step by step. Both store
# the same rows and print the same messages (tests/test_import_fast_path.py); the fast path is
# the faster one.
FAST_IMPORT = True
