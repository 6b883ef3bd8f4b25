"""The pay calendar (rules/paydays.py): the frequency and the anchor the pay dates show, weekend dates
paid the Friday before, and the pay dates left in the year, never one after the last the year can have.
Every date below is worked out by hand from the calendar (2026-01-01 is a Thursday; Dec 31 is a Saturday
in 2022, a Sunday in 2023; Jan 1, 2028 is a Saturday)."""

from __future__ import annotations

import datetime as dt

import pytest
from test_capacity import (
    MONTHLY_15_2026,
    MONTHLY_LAST_2026,
    SEMI_1_15_2026,
    SEMI_15_LAST_2026,
    _fridays,
    _upto,
)

from mbr_ledger.rules.capacity import cadence, paychecks_left
from mbr_ledger.rules.paydays import PaySchedule, infer_schedule, paid_on, remaining_pay_dates


def D(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def Ds(*isos: str) -> list[dt.date]:
    return [D(i) for i in isos]


WEEKLY = PaySchedule("weekly", weekday=4, reference=D("2026-01-02"))
BIWEEKLY = PaySchedule("biweekly", weekday=4, reference=D("2026-01-02"))
SEMI_15_LAST = PaySchedule("semi-monthly", days=(15, 31))
SEMI_1_15 = PaySchedule("semi-monthly", days=(1, 15))
MONTHLY_15 = PaySchedule("monthly", days=(15,))
MONTHLY_LAST = PaySchedule("monthly", days=(31,))
# the 10th and the 25th of 2026, weekend dates on the Friday before
SEMI_10_25_H1 = ["2026-01-09", "2026-01-23", "2026-02-10", "2026-02-25", "2026-03-10", "2026-03-25",
                 "2026-04-10", "2026-04-24", "2026-05-08", "2026-05-25", "2026-06-10", "2026-06-25"]


def test_weekend_dates_are_paid_the_friday_before():
    assert paid_on(D("2026-08-15")) == D("2026-08-14")     # Saturday
    assert paid_on(D("2026-11-15")) == D("2026-11-13")     # Sunday
    assert paid_on(D("2026-12-15")) == D("2026-12-15")     # Tuesday
    assert paid_on(D("2028-01-01")) == D("2027-12-31")     # a Saturday Jan 1 is paid in the year before


# ---------------------------------------------------------------------------- the calendar the dates show


@pytest.mark.parametrize("dates,expected,text", [
    (_fridays("2026-01-02", 7, "2026-06-26"), PaySchedule("weekly", weekday=4, reference=D("2026-06-26")),
     "weekly on Fridays"),
    # Juneteenth (Fri Jun 19) paid on Thu Jun 18: still every other Friday, the grid through Jun 5
    (_fridays("2026-01-02", 14, "2026-06-05") + ["2026-06-18"],
     PaySchedule("biweekly", weekday=4, reference=D("2026-06-05")), "biweekly, every other Friday"),
    (_upto(SEMI_15_LAST_2026, "2026-06-30"), SEMI_15_LAST,
     "semi-monthly on the 15th and the last day of the month"),
    # the 1st and the 15th are 14 days apart: the gaps alone (median 14) look biweekly, the weekdays do not
    (_upto(SEMI_1_15_2026, "2026-06-15"), SEMI_1_15, "semi-monthly on the 1st and the 15th"),
    (SEMI_10_25_H1, PaySchedule("semi-monthly", days=(10, 25)), "semi-monthly on the 10th and the 25th"),
    (MONTHLY_15_2026, MONTHLY_15, "monthly on the 15th"),
    (MONTHLY_LAST_2026, MONTHLY_LAST, "monthly on the last day of the month"),
    # the end of last year with January: Sat Nov 15, 2025 paid Fri Nov 14 is still the 15th
    (["2025-11-14", "2025-12-15", "2026-01-15"], MONTHLY_15, "monthly on the 15th"),
])
def test_infer_the_frequency_and_the_anchor(dates, expected, text):
    sched = infer_schedule(Ds(*dates))
    assert sched == expected
    assert sched is not None and sched.describe() == text
    assert cadence(Ds(*dates)) == expected.frequency


def test_too_few_dates_for_a_calendar():
    assert infer_schedule([]) is None and infer_schedule([D("2026-01-15")]) is None
    assert infer_schedule([D("2026-01-15")] * 3) is None


# ---------------------------------------------------------------------------- the dates left, mid-year


def test_dates_left_mid_year_for_each_frequency():
    fridays_h2 = _fridays("2026-07-03", 7, "2026-12-25")
    assert len(fridays_h2) == 26
    assert remaining_pay_dates(WEEKLY, D("2026-06-26"), 2026) == Ds(*fridays_h2)
    assert remaining_pay_dates(BIWEEKLY, D("2026-06-18"), 2026) == Ds(
        "2026-07-03", "2026-07-17", "2026-07-31", "2026-08-14", "2026-08-28", "2026-09-11", "2026-09-25",
        "2026-10-09", "2026-10-23", "2026-11-06", "2026-11-20", "2026-12-04", "2026-12-18")
    assert remaining_pay_dates(SEMI_15_LAST, D("2026-06-30"), 2026) == Ds(*SEMI_15_LAST_2026[12:])
    assert remaining_pay_dates(SEMI_1_15, D("2026-06-15"), 2026) == Ds(*SEMI_1_15_2026[12:])
    assert remaining_pay_dates(PaySchedule("semi-monthly", days=(10, 25)), D("2026-06-25"), 2026) == Ds(
        "2026-07-10", "2026-07-24", "2026-08-10", "2026-08-25", "2026-09-10", "2026-09-25", "2026-10-09",
        "2026-10-23", "2026-11-10", "2026-11-25", "2026-12-10", "2026-12-25")
    assert remaining_pay_dates(MONTHLY_15, D("2026-06-15"), 2026) == Ds(*MONTHLY_15_2026[6:])
    assert remaining_pay_dates(MONTHLY_LAST, D("2026-06-30"), 2026) == Ds(*MONTHLY_LAST_2026[6:])


def test_a_last_date_paid_early_for_a_weekend_is_its_period():
    # Fri Oct 30 is the check of Sat Oct 31; Fri Nov 13 the check of Sun Nov 15
    assert remaining_pay_dates(MONTHLY_LAST, D("2026-10-30"), 2026) == Ds("2026-11-30", "2026-12-31")
    assert remaining_pay_dates(SEMI_15_LAST, D("2026-11-13"), 2026) == Ds("2026-11-30", "2026-12-15", "2026-12-31")
    assert remaining_pay_dates(MONTHLY_15, D("2026-11-13"), 2026) == Ds("2026-12-15")
    # the 1st: Sun Nov 1 is paid on Fri Oct 30, so Oct 30 is the 1st's check, not a second one in October
    assert remaining_pay_dates(SEMI_1_15, D("2026-10-30"), 2026) == Ds("2026-11-13", "2026-12-01", "2026-12-15")


# ---------------------------------------------------------------------------- the dates left, at year end


@pytest.mark.parametrize("sched,last,year,left", [
    (WEEKLY, "2026-12-18", 2026, ["2026-12-25"]),
    (WEEKLY, "2026-12-25", 2026, []),                           # next: Fri Jan 1, 2027
    (BIWEEKLY, "2026-12-04", 2026, ["2026-12-18"]),
    (BIWEEKLY, "2026-12-18", 2026, []),
    (SEMI_15_LAST, "2026-12-15", 2026, ["2026-12-31"]),
    (SEMI_15_LAST, "2026-12-31", 2026, []),
    (SEMI_1_15, "2026-12-01", 2026, ["2026-12-15"]),
    (SEMI_1_15, "2026-12-15", 2026, []),                        # next: Fri Jan 1, 2027
    (SEMI_1_15, "2027-12-15", 2027, ["2027-12-31"]),            # Sat Jan 1, 2028 paid Fri Dec 31, 2027
    (MONTHLY_15, "2026-12-15", 2026, []),                       # the issue: no paycheck on Dec 31
    (MONTHLY_LAST, "2026-11-30", 2026, ["2026-12-31"]),
    (MONTHLY_LAST, "2026-12-31", 2026, []),
    # Dec 31 on a Saturday (2022) and on a Sunday (2023): paid on the Friday before, in the year
    (PaySchedule("weekly", weekday=4, reference=D("2022-12-23")), "2022-12-23", 2022, ["2022-12-30"]),
    (PaySchedule("weekly", weekday=4, reference=D("2022-12-23")), "2022-12-30", 2022, []),
    (SEMI_15_LAST, "2022-12-15", 2022, ["2022-12-30"]),
    (SEMI_15_LAST, "2022-12-30", 2022, []),
    (MONTHLY_LAST, "2022-11-30", 2022, ["2022-12-30"]),
    (MONTHLY_LAST, "2023-11-30", 2023, ["2023-12-29"]),
    (MONTHLY_LAST, "2023-12-29", 2023, []),
    (SEMI_15_LAST, "2023-12-15", 2023, ["2023-12-29"]),
])
def test_dates_left_at_year_end(sched, last, year, left):
    assert remaining_pay_dates(sched, D(last), year) == Ds(*left)


# ---------------------------------------------------------------------------- paychecks_left, from a frequency


def test_paychecks_left_from_a_frequency_and_one_date():
    # no other date known: the calendar the last date shows (its weekday; the 15th and the last day; its day)
    assert paychecks_left(D("2026-12-15"), "monthly", 2026) == 0          # monthly on the 15th (was 1: Dec 31)
    assert paychecks_left(D("2026-06-15"), "monthly", 2026) == 6          # Jul 15 .. Dec 15 (was 7)
    assert paychecks_left(D("2026-11-30"), "monthly", 2026) == 1          # Dec 31
    assert paychecks_left(D("2026-12-18"), "biweekly", 2026) == 0
    assert paychecks_left(D("2026-12-18"), "weekly", 2026) == 1           # Dec 25
    assert paychecks_left(D("2026-12-15"), "semi-monthly", 2026) == 1     # Dec 31
    # with the calendar of the pay dates: the 1st and the 15th have none after Dec 15
    assert paychecks_left(D("2026-12-15"), "semi-monthly", 2026, SEMI_1_15) == 0
    with pytest.raises(ValueError, match="unknown pay frequency"):
        paychecks_left(D("2026-12-15"), "quarterly", 2026)
