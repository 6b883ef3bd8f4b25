"""Dates as statements write them: ISO `YYYY-MM-DD` and `MM/DD/YYYY`."""

from __future__ import annotations

import datetime as dt
import re

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


# The dates accepted: a statement's date outside these is a typo (year 0 or 1 broke every later
# command), and Polars and the forms then never meet a year they cannot handle.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)


class DateError(ValueError):
    """A text that is not a date."""


def out_of_range(text: str) -> str:
    return f"{text.strip()!r} is not a date from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}"


def parse_date(text: str) -> dt.date:
    s = text.strip()
    m = _ISO.match(s)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _US.match(s)
        if not m:
            raise DateError(f"not a date (YYYY-MM-DD or MM/DD/YYYY): {text.strip()!r}")
        mo, d, y = (int(g) for g in m.groups())
    if not MIN_DATE.year <= y <= MAX_DATE.year:
        raise DateError(out_of_range(text))
    try:
        return dt.date(y, mo, d)
    except ValueError as exc:
        raise DateError(f"impossible date {text.strip()!r}: {exc}") from exc


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years of age on `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_at_year_end(born: dt.date, year: int) -> int:
    """Catch-up eligibility looks at the age reached by Dec 31 of the tax year."""
    return age_on(born, dt.date(year, 12, 31))


def add_business_days(day: dt.date, n: int) -> dt.date:
    """`n` business days (Monday-Friday) after `day`; holidays are not known."""
    cur = day
    while n > 0:
        cur += dt.timedelta(days=1)
        if cur.weekday() < 5:
            n -= 1
    return cur
