"""Money and dates as statements write them."""

import datetime as dt
from decimal import Decimal

import pytest

from mbr_ledger.core.dates import DateError, add_business_days, age_at_year_end, parse_date
from mbr_ledger.core.money import MoneyError, fmt, fmt_table, parse_money, round_cents, to_cents


@pytest.mark.parametrize("text,expected", [
    ("1234.56", "1234.56"), ("$1,234.56", "1234.56"), ("(1,234.56)", "-1234.56"), ("-12", "-12.00"),
    ("  42.5 ", "42.50"), ("$-7.01", "-7.01"), ("12.00-", "-12.00"), ("\u22123.10", "-3.10"),
    ("1,000,000.00", "1000000.00"), (".25", "0.25"), ("+5", "5.00"), ("($3.00)", "-3.00"),
])
def test_parse_money_accepts_statement_forms(text, expected):
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1.005", "12,34.00", "1,2345", "$", "1..2", "--1", "1e5", "NaN"])
def test_parse_money_rejects(text):
    with pytest.raises(MoneyError):
        parse_money(text)


def test_money_formats_and_rounding():
    assert fmt(Decimal("42700")) == "42700.00"
    assert fmt(123456) == "1234.56"
    assert fmt_table(Decimal("-1234567.8")) == "-1,234,567.80"
    assert round_cents(Decimal("0.005")) == Decimal("0.01")
    assert round_cents(Decimal("-0.005")) == Decimal("-0.01")
    assert round_cents(Decimal("2.344999")) == Decimal("2.34")
    assert to_cents(Decimal("-1000.84")) == -100084


def test_dates_iso_and_us():
    assert parse_date("2026-01-09") == dt.date(2026, 1, 9)
    assert parse_date("01/09/2026") == dt.date(2026, 1, 9)
    assert parse_date("1/9/2026") == dt.date(2026, 1, 9)
    for bad in ("2026-02-30", "13/01/2026", "2026/01/09", "09.01.2026", ""):
        with pytest.raises(DateError):
            parse_date(bad)


def test_age_on_dec_31_boundaries():
    assert age_at_year_end(dt.date(1976, 12, 31), 2026) == 50
    assert age_at_year_end(dt.date(1977, 1, 1), 2026) == 49
    assert age_at_year_end(dt.date(1966, 12, 31), 2026) == 60


def test_business_days_skip_weekends():
    assert add_business_days(dt.date(2026, 1, 9), 1) == dt.date(2026, 1, 12)  # Fri -> Mon
    assert add_business_days(dt.date(2026, 1, 9), 7) == dt.date(2026, 1, 20)


@pytest.mark.parametrize("text", ["$184467440737095616.16", "9223372036854775807", "10000000000000.01",
                                  "-10000000000000.01", "123456789012345678901234567890",
                                  "1" * 40 + ".00", "(" + "9" * 60 + ")"])
def test_parse_money_refuses_amounts_beyond_the_bound(text):
    with pytest.raises(MoneyError, match="beyond the bound"):
        parse_money(text)


def test_parse_money_accepts_the_bound_itself():
    from mbr_ledger.core.money import MAX_AMOUNT

    assert MAX_AMOUNT == Decimal(10) ** 13
    assert parse_money("10,000,000,000,000.00") == MAX_AMOUNT
    assert parse_money("-10000000000000") == -MAX_AMOUNT


@pytest.mark.parametrize("text", ["0000-01-01", "01/01/0000", "0001-01-01", "1899-12-31", "2101-01-01"])
def test_parse_date_refuses_dates_outside_the_range(text):
    with pytest.raises(DateError, match="from 1900-01-01 to 2100-12-31"):
        parse_date(text)


def test_parse_date_accepts_the_range_ends():
    from mbr_ledger.core.dates import MAX_DATE, MIN_DATE

    assert parse_date("1900-01-01") == MIN_DATE == dt.date(1900, 1, 1)
    assert parse_date("12/31/2100") == MAX_DATE == dt.date(2100, 12, 31)


def test_the_count_of_problems_left_out_is_of_all_of_them() -> None:
    """A file with more problems than are kept says how many more there are of all, not of those kept."""
    from mbr_ledger.core.errors import InputProblem, MbrError

    kept = [InputProblem("a.csv", i, "not an amount", "amount") for i in range(2, 202)]
    text = MbrError("a.csv: 1000000 problem(s); nothing was imported", kept, total=1_000_000).render()
    assert text.splitlines()[-1] == "... and 999950 more problems"
    assert MbrError("x", kept[:60]).render().splitlines()[-1] == "... and 10 more problems"
    assert "more problems" not in MbrError("x", kept[:50]).render()


@pytest.mark.parametrize("cents", [0, 1, -1, 5, -5, 100, -100, 12345, -12345, 10**15, -(10**15)])
def test_from_cents_has_two_places_exactly(cents: int) -> None:
    from decimal import Decimal

    from mbr_ledger.core.money import from_cents

    got = from_cents(cents)
    assert got == Decimal(cents) / 100 and got.as_tuple().exponent == -2
    assert str(got) == f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
