"""Pure functions over ledger frames and the limits data: capacity, lots and conversions, audit checks.
Rules never read files; they take frames and return values."""
