"""The pay calendar: from a plan's pay dates, the frequency, the anchor and the pay dates left in a year.

`infer_schedule` reads the frequency from the gaps between the pay dates (this year's and the end of
last year's) and then the anchor that explains the most of them:

- weekly and biweekly: the weekday (and, biweekly, which weeks: the grid runs through the latest pay
  date on that weekday);
- semi-monthly: the two days of the month (the 15th and the last day, the 1st and the 15th, or any other
  pair seen, such as the 10th and the 25th);
- monthly: the day of the month (31 stands for the last day of every month: Feb 28, Apr 30, ...).

A pay date that falls on a Saturday or a Sunday is paid on the Friday before, as payroll does
(`paid_on`), so the Friday Aug 14, 2026 is the check of Saturday Aug 15. Holidays are not known: a date
moved for a holiday (Thursday Jun 18, 2026 for Friday Juneteenth) is taken as the check of the next
scheduled date no more than `MAX_EARLY` days later, and the dates projected are *best knowledge*: a
projected date that is a holiday is most likely paid a day or so earlier, never in another count.

`remaining_pay_dates` projects the calendar from the last pay date: only the dates after the period of
the last paycheck and paid on or before Dec 31 count (a Jan 1 on a Saturday is paid on Friday Dec 31 and
counts in the year that ends then).
"""

from __future__ import annotations

import calendar
import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations

FREQUENCIES = ("weekly", "biweekly", "semi-monthly", "monthly")
PERIODS = {"weekly": 52, "biweekly": 26, "semi-monthly": 24, "monthly": 12}
LAST_DAY = 31
# A pay date is paid at most this many days before its scheduled date: a Sunday moved to the Friday
# before (2 days), with a Friday holiday to the Thursday (3), or a Monday holiday to the Friday (3).
MAX_EARLY = 3
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def paid_on(nominal: dt.date) -> dt.date:
    """The day a scheduled pay date is paid: a Saturday or a Sunday on the Friday before."""
    wd = nominal.weekday()
    return nominal - dt.timedelta(days=wd - 4) if wd >= 5 else nominal


def _day_in(year: int, month: int, day: int) -> dt.date:
    """The `day` of a month, the last day when the month is shorter (31 is always the last day)."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _ordinal(day: int) -> str:
    if day == LAST_DAY:
        return "the last day"
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"the {day}{suffix}"


@dataclass(frozen=True)
class PaySchedule:
    """A pay calendar: `frequency` (one of FREQUENCIES); weekly and biweekly: `weekday` (0 = Monday)
    and `reference`, one scheduled date of the grid; semi-monthly and monthly: `days` of the month
    (31 = the last day)."""

    frequency: str
    weekday: int | None = None
    reference: dt.date | None = None
    days: tuple[int, ...] = ()

    @property
    def step_days(self) -> int:
        """About how many days a period lasts."""
        return {"weekly": 7, "biweekly": 14, "semi-monthly": 16, "monthly": 31}[self.frequency]

    def describe(self) -> str:
        if self.frequency in ("weekly", "biweekly"):
            day = WEEKDAYS[self.weekday if self.weekday is not None else 4]
            return f"weekly on {day}s" if self.frequency == "weekly" else f"biweekly, every other {day}"
        days = " and ".join(_ordinal(d) for d in self.days)
        return f"{self.frequency} on {days}" + (" of the month" if LAST_DAY in self.days else "")

    def scheduled(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        """The scheduled (nominal) pay dates from `start` through `end`, in order."""
        if self.frequency in ("weekly", "biweekly"):
            step = 7 if self.frequency == "weekly" else 14
            ref = self.reference or start
            if self.weekday is not None and ref.weekday() != self.weekday:
                ref += dt.timedelta(days=(self.weekday - ref.weekday()) % 7)
            d = ref + dt.timedelta(days=step * ((start - ref).days // step))
            while d < start:
                d += dt.timedelta(days=step)
            while d <= end:
                yield d
                d += dt.timedelta(days=step)
            return
        y, m = start.year, start.month
        while dt.date(y, m, 1) <= end:
            for day in sorted(self.days):
                d = _day_in(y, m, day)
                if start <= d <= end:
                    yield d
            y, m = _next_month(y, m)


def _gaps(ds: list[dt.date]) -> list[int]:
    return [(b - a).days for a, b in zip(ds, ds[1:], strict=False)]


def frequency_of(dates: Iterable[dt.date]) -> str | None:
    """The pay frequency of a plan's pay dates, or None with fewer than two dates.

    The median gap tells weekly (up to 10 days) and monthly (22 days or more) apart; between them, the
    dates are biweekly when three in four fall on one weekday, semi-monthly when they wander through
    the week (the 15th and the last day fall on any weekday)."""
    ds = sorted(set(dates))
    if len(ds) < 2:
        return None
    gap = statistics.median(_gaps(ds))
    if gap <= 10:
        return "weekly"
    if gap >= 22:
        return "monthly"
    weekday, count = Counter(d.weekday() for d in ds).most_common(1)[0]
    return "biweekly" if count * 4 >= len(ds) * 3 else "semi-monthly"


def _explains(day: int, date: dt.date) -> tuple[bool, bool]:
    """Whether the day of the month `day` explains the pay date `date` (its month's date, or next
    month's paid early for a weekend), and whether the date was moved to get there."""
    for y, m in ((date.year, date.month), _next_month(date.year, date.month)):
        nominal = _day_in(y, m, day)
        if paid_on(nominal) == date:
            return True, nominal != date
    return False, False


def _rank(day: int) -> int:
    """The usual pay days first, where the dates alone cannot tell (the last day, the 15th, the 1st)."""
    return {LAST_DAY: 0, 15: 1, 1: 2}.get(day, 3)


def _days_of_month(ds: list[dt.date], how_many: int) -> tuple[int, ...]:
    """The `how_many` days of the month (two about half a month apart, or one) that explain the most pay
    dates; ties go to the usual pay days, then to the fewest dates moved for a weekend."""
    table = {day: [_explains(day, d) for d in ds] for day in range(1, LAST_DAY + 1)}

    def key(days: tuple[int, ...]) -> tuple[int, int, int, tuple[int, ...]]:
        explained = moved = 0
        for i in range(len(ds)):
            hits = [table[day][i] for day in days if table[day][i][0]]
            if hits:
                explained += 1
                moved += all(mv for _, mv in hits)
        return (-explained, sum(_rank(d) for d in days), moved, days)

    # semi-monthly days are about half a month apart: the 1st and the 15th, the 15th and the last day
    choices = [c for c in combinations(range(1, LAST_DAY + 1), how_many)
               if how_many == 1 or all(11 <= b - a <= 19 for a, b in zip(c, c[1:], strict=False))]
    return min(choices, key=key)


def infer_schedule(dates: Iterable[dt.date]) -> PaySchedule | None:
    """The pay calendar the pay dates show (this year's and the end of last year's), or None with
    fewer than two dates."""
    ds = sorted(set(dates))
    freq = frequency_of(ds)
    if freq is None:
        return None
    if freq in ("weekly", "biweekly"):
        weekday = Counter(d.weekday() for d in ds).most_common(1)[0][0]
        reference = max(d for d in ds if d.weekday() == weekday)
        return PaySchedule(freq, weekday=weekday, reference=reference)
    return PaySchedule(freq, days=_days_of_month(ds, 2 if freq == "semi-monthly" else 1))


def default_schedule(last: dt.date, freq: str) -> PaySchedule:
    """A calendar of frequency `freq` from one pay date alone (no other dates known): weekly and
    biweekly on its weekday, semi-monthly and monthly on the days that explain it (the usual ones
    first: the 15th and the last day)."""
    if freq not in FREQUENCIES:
        raise ValueError(f"unknown pay frequency {freq!r}")
    if freq in ("weekly", "biweekly"):
        return PaySchedule(freq, weekday=last.weekday(), reference=last)
    return PaySchedule(freq, days=_days_of_month([last], 2 if freq == "semi-monthly" else 1))


def remaining_pay_dates(schedule: PaySchedule, last: dt.date, year: int) -> list[dt.date]:
    """The pay dates still to come after the paycheck of `last`, paid on or before Dec 31 of `year`
    (weekend dates on the Friday before; holidays not known)."""
    dec31 = dt.date(year, 12, 31)
    scheduled = list(schedule.scheduled(last - dt.timedelta(days=45), dec31 + dt.timedelta(days=MAX_EARLY)))
    # The period `last` pays: its own date, or the next scheduled one when it was paid early.
    own = next((n for n in scheduled if last <= n <= last + dt.timedelta(days=MAX_EARLY)), last)
    return [paid_on(n) for n in scheduled if n > own and last < paid_on(n) <= dec31]
