"""The embedded ledger: SQLite from the standard library, one transaction per imported file."""

from .store import Ledger, LedgerBusy

__all__ = ["Ledger", "LedgerBusy"]
