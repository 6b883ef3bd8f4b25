"""mbr_ledger: a ledger and tax worksheets for the mega backdoor Roth.

Not tax advice: the figures follow the rules in the README and are the program's best knowledge.
"""

__version__ = "0.1.0"

NOT_TAX_ADVICE = (
    "Not tax advice. mbr_ledger computes these figures from your files and the published IRS limits "
    "to the best of its knowledge; check them with a tax professional before you file."
)
