"""Each tax year's filing due date: the IRA contribution and IRA-correction deadline.

IRC 7503: a deadline on a Saturday, Sunday or legal holiday moves to the next day that is none of
them; legal holidays include those of the District of Columbia, so Emancipation Day (April 16,
observed on the Friday before when it is a Saturday and on the Monday after when it is a Sunday,
Rev. Rul. 2015-13) moves April 15 too. The IRS's announced postponements are cited data
(`[[filing_due_date]]` in limits.toml) and replace the computed date.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache

from ..core.errors import MbrError

EMANCIPATION_DAY_SINCE = 2005  # a D.C. legal holiday from 2005 (D.C. Code 28-2701)
POSTPONED, IRC7503 = "postponed", "irc7503"


@dataclass(frozen=True)
class DueDate:
    """The filing due date of `tax_year`: `rule` "irc7503" (April 15 moved by IRC 7503) or "postponed"."""

    tax_year: int
    date: dt.date
    rule: str
    source: str
    note: str = ""

    @property
    def text(self) -> str:
        """One line for a reader: the date, why, and the source."""
        why = "postponed by the IRS" if self.rule == POSTPONED else "April 15 moved by IRC 7503"
        if self.rule == IRC7503 and self.date == dt.date(self.tax_year + 1, 4, 15):
            why = "April 15, a business day"
        note = f"; {self.note}" if self.note else ""
        return f"{self.date.isoformat()} ({why}{note}; {self.source})"


def emancipation_day_observed(year: int) -> dt.date | None:
    """The day D.C. observes Emancipation Day in `year` (None before it was a legal holiday)."""
    if year < EMANCIPATION_DAY_SINCE:
        return None
    day = dt.date(year, 4, 16)
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


def irc7503_due_date(tax_year: int) -> dt.date:
    """April 15 of the next year, moved to the next day that is not a Saturday, Sunday or legal holiday."""
    day = dt.date(tax_year + 1, 4, 15)
    holiday = emancipation_day_observed(tax_year + 1)
    while day.weekday() >= 5 or day == holiday:
        day += dt.timedelta(days=1)
    return day


@cache
def cited_due_dates() -> dict[int, DueDate]:
    """The `[[filing_due_date]]` entries of the limits data file, by tax year."""
    from . import DATA_FILE

    doc = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    out: dict[int, DueDate] = {}
    for e in doc.get("filing_due_date", []):
        if e.get("rule") not in (POSTPONED, IRC7503):
            raise MbrError(f"{DATA_FILE}: filing_due_date {e.get('tax_year')}: rule must be {POSTPONED} or {IRC7503}")
        out[int(e["tax_year"])] = DueDate(int(e["tax_year"]), dt.date.fromisoformat(e["date"]), e["rule"],
                                          e.get("source", ""), e.get("note", ""))
    return out


def filing_due_date(tax_year: int) -> DueDate:
    """The due date of `tax_year`'s return: a postponement the IRS announced, else the IRC 7503 date."""
    cited = cited_due_dates().get(tax_year)
    if cited is not None:
        return cited
    return DueDate(tax_year, irc7503_due_date(tax_year), IRC7503, "IRC 7503 (computed)")
