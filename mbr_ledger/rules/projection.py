"""Growth of yearly after-tax contributions converted to Roth, and what conversion lag costs.

Each year `annual` goes in: at the year's end (`timing="end"`, the default) or at its start
(`"start"`), and everything grows at `rate` a year, compounded yearly. Values are exact Decimals
inside and rounded half-up to the cent only for output, so the rounding never compounds.

Given a marginal tax rate, two costs sit beside the growth:

- `lag_tax`: each contribution waits `lag_days` before its conversion and earns
  `annual x ((1 + rate) ** (lag_days / 365) - 1)` meanwhile; those earnings are taxable when
  converted, at the marginal rate (docs/rules.md section 4: the earnings are pre-tax money).
- `tax_if_unconverted`: the tax on all the earnings if the money had never been converted and
  stayed after-tax money (its earnings taxed when it finally comes out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..core.errors import MbrError
from ..core.money import fmt, round_cents

ZERO = Decimal("0")
ONE = Decimal("1")
DAYS_PER_YEAR = Decimal(365)


@dataclass(frozen=True)
class ProjectionRow:
    year: int
    contributions: Decimal      # cumulative
    value: Decimal              # exact; round for output
    lag_earnings: Decimal | None = None   # cumulative
    lag_tax: Decimal | None = None        # cumulative
    tax_if_unconverted: Decimal | None = None

    @property
    def earnings(self) -> Decimal:
        return self.value - self.contributions

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"year": self.year, "contributions": fmt(round_cents(self.contributions)),
                               "value": fmt(round_cents(self.value)), "earnings": fmt(round_cents(self.earnings))}
        if self.lag_earnings is not None:
            out["lag_earnings"] = fmt(round_cents(self.lag_earnings))
        if self.lag_tax is not None:
            out["lag_tax"] = fmt(round_cents(self.lag_tax))
        if self.tax_if_unconverted is not None:
            out["tax_if_unconverted"] = fmt(round_cents(self.tax_if_unconverted))
        return out


@dataclass
class Projection:
    annual: Decimal
    years: int
    rate: Decimal
    timing: str
    marginal_rate: Decimal | None = None
    lag_days: int | None = None
    rows: list[ProjectionRow] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"annual": fmt(self.annual), "years": self.years, "rate": str(self.rate), "timing": self.timing,
                "marginal_rate": str(self.marginal_rate) if self.marginal_rate is not None else None,
                "lag_days": self.lag_days, "rows": [r.as_json() for r in self.rows]}


def lag_growth(rate: Decimal, lag_days: int) -> Decimal:
    """The growth factor minus one over `lag_days` at a yearly `rate`: (1 + rate) ** (days / 365) - 1."""
    if lag_days == 0 or rate == 0:
        return ZERO
    return (ONE + rate) ** (Decimal(lag_days) / DAYS_PER_YEAR) - ONE


def project(annual: Decimal, years: int, rate: Decimal, timing: str = "end", *,
            marginal_rate: Decimal | None = None, lag_days: int | None = None) -> Projection:
    """Year-by-year value of `annual` contributed every year for `years` years at `rate`."""
    if timing not in ("end", "start"):
        raise MbrError(f"timing must be end or start, not {timing!r}")
    if years < 1:
        raise MbrError("--years must be at least 1")
    if annual < 0:
        raise MbrError("--annual must not be negative")
    if rate <= -1:
        raise MbrError("--rate must be above -100%")
    if marginal_rate is not None and not ZERO <= marginal_rate <= ONE:
        raise MbrError("--marginal-rate must be from 0 to 1 (e.g. 0.24)")
    if lag_days is not None and lag_days < 0:
        raise MbrError("--lag-days must not be negative")
    growth = ONE + rate
    per_lag = annual * lag_growth(rate, lag_days) if lag_days is not None else None
    value = ZERO
    out = Projection(annual, years, rate, timing, marginal_rate, lag_days)
    for y in range(1, years + 1):
        value = (value + annual) * growth if timing == "start" else value * growth + annual
        contributions = annual * y
        lag_e = per_lag * y if per_lag is not None else None
        lag_t = lag_e * marginal_rate if lag_e is not None and marginal_rate is not None else None
        unconv = (value - contributions) * marginal_rate if marginal_rate is not None else None
        out.rows.append(ProjectionRow(y, contributions, value, lag_e, lag_t, unconv))
    return out


def parse_rate(text: str, option: str = "--rate") -> Decimal:
    """A yearly rate as `0.07` or `7%`. A bare number above 1 is refused (is 7 seven percent or 700%?)."""
    raw = text.strip()
    pct = raw.endswith("%")
    try:
        value = Decimal(raw.rstrip("%").strip())
    except ArithmeticError:
        raise MbrError(f"{option}: not a rate: {text!r} (write 0.07 or 7%)") from None
    if not value.is_finite():
        raise MbrError(f"{option}: not a rate: {text!r}")
    if pct:
        return value / Decimal(100)
    if abs(value) > 1:
        raise MbrError(f"{option} {text}: a rate is a fraction such as 0.07; write 7% for seven percent")
    return value
