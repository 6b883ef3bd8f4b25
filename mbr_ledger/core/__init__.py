"""Pure building blocks: money, dates, source locations and errors as values. No I/O."""
