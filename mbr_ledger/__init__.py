"""mbr_ledger: a ledger and tax worksheets for the mega backdoor Roth.

Not tax advice: the figures follow the rules in the README and are the program's best knowledge.
The Python API is `from mbr_ledger import Book` (docs/api.md); it is loaded only when named, so
`import mbr_ledger` (and `mbr --help`) imports no part of the package.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .book.book import Book

__all__ = ["NOT_TAX_ADVICE", "Book", "__version__"]
__version__ = "0.1.0"

NOT_TAX_ADVICE = (
    "Not tax advice. mbr_ledger computes these figures from your files and the published IRS limits "
    "to the best of its knowledge; check them with a tax professional before you file."
)


def __getattr__(name: str) -> object:
    """`mbr_ledger.Book`, imported on first use (the book layer needs polars and the store)."""
    if name == "Book":
        from .book.book import Book

        return Book
    raise AttributeError(f"module 'mbr_ledger' has no attribute {name!r}")
