"""Errors that are not `MbrError`s but have a one-line meaning for users: the command-line's mapping
of them (a damaged page of a ledger segment, found by Polars when a query runs)."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import MbrError
from ..ledger.store import read_fault


def as_user_error(exc: BaseException, book: str | None) -> MbrError | None:
    """`exc` as the one-line error of the book's ledger, or None when it is not a store fault."""
    return read_fault(exc, Path(book) if book else Path.cwd())
