"""Roth IRA basis layers and the ordering rules of a Roth IRA distribution (docs/rules.md section 6).

Each conversion or rollover to a Roth IRA is a layer with its own 5-year clock; a distribution
takes regular contributions first, then the layers oldest first (taxable part, then nontaxable),
then earnings. The age of 59 1/2 decides whether a distribution can be qualified.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from ..core.money import ZERO

if TYPE_CHECKING:
    from ..profile import Person


def age_59_half_date(born: dt.date) -> dt.date:
    """The day a person born on `born` reaches age 59 1/2 (six calendar months after the 59th birthday)."""
    y, m = born.year + 59, born.month + 6
    if m > 12:
        y, m = y + 1, m - 12
    for day in (born.day, 30, 29, 28):
        try:
            return dt.date(y, m, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def under_59_half(person: Person, day: dt.date) -> bool:
    return day < age_59_half_date(person.born)



@dataclass
class RothLayer:
    """A conversion or rollover contribution to a Roth IRA (Form 8606 line 24 basis), with its own
    5-year clock starting Jan 1 of `year`. Only `taxable` (the part included in income) is exposed to
    the 10% recapture; after-tax basis never is. `kind`: conversion | rollover | prior (from the profile)."""

    year: int | None
    date: dt.date | None
    kind: str
    origin: str
    amount: Decimal
    taxable: Decimal
    ref: str = ""
    used_taxable: Decimal = ZERO
    used_nontaxable: Decimal = ZERO

    @property
    def nontaxable(self) -> Decimal:
        return self.amount - self.taxable

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.used_taxable - self.used_nontaxable

    @property
    def clock_start(self) -> dt.date | None:
        return dt.date(self.year, 1, 1) if self.year else None

    @property
    def clock_end(self) -> dt.date | None:
        """The first day the recapture no longer applies (Jan 1 five years on)."""
        return dt.date(self.year + 5, 1, 1) if self.year else None


@dataclass
class RothTake:
    """What one Roth IRA distribution used, by the ordering rules."""

    contributions: Decimal = ZERO
    layers: list[tuple[RothLayer, Decimal, Decimal]] = field(default_factory=list)  # layer, taxable, nontaxable
    earnings: Decimal = ZERO

    @property
    def conversion_basis(self) -> Decimal:
        return sum((t + n for _, t, n in self.layers), ZERO)

    def recapture(self, year: int) -> Decimal:
        """Taxable conversion money taken within its 5-year clock (10% additional tax unless an exception)."""
        return sum((t for layer, t, _ in self.layers if layer.year is not None and year < layer.year + 5), ZERO)


def consume_roth(amount: Decimal, contribution_basis: Decimal, layers: list[RothLayer]) -> RothTake:
    """Apply the Roth IRA ordering rules to a distribution of `amount`: regular contributions first,
    then conversions and rollovers oldest year first (taxable part, then nontaxable), then earnings.
    Layers are used up in place; the caller reduces its contribution basis by `take.contributions`."""
    take = RothTake()
    left = amount
    take.contributions = min(left, contribution_basis)
    left -= take.contributions
    for layer in sorted(layers, key=lambda x: (x.year or 0, x.date or dt.date.min)):
        if left <= 0:
            break
        t = min(left, layer.taxable - layer.used_taxable)
        left -= t
        n = min(left, layer.nontaxable - layer.used_nontaxable)
        left -= n
        if t or n:
            layer.used_taxable += t
            layer.used_nontaxable += n
            take.layers.append((layer, t, n))
    take.earnings = left
    return take


def ratio_places(value: Decimal, places: int = 5) -> Decimal:
    """A ratio rounded half-up to `places` decimals."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def reduced_roth_limit(magi: Decimal, start: Decimal, end: Decimal, max_contribution: Decimal,
                       other_iras: Decimal) -> dict[str, Decimal]:
    """Pub. 590-A Worksheet 2-2, the reduced Roth IRA contribution limit, lines "1".."11": MAGI below the
    phase-out `start` reduces nothing, at `end` or above the limit is zero; in between, line 8 is line 6
    minus line 6 x (MAGI - start) / (end - start) (the ratio rounded to 3 places), rounded up to the next
    $10 and at least $200. Line 6 is the most one may contribute (`max_contribution`: the IRA limit, or
    taxable compensation if less); line 11, the Roth IRA limit, is at most line 6 minus `other_iras`
    (traditional IRA contributions for the year)."""
    w: dict[str, Decimal] = {"1": magi, "2": start, "3": max(ZERO, magi - start), "4": end - start,
                             "6": max_contribution}
    w["5"] = min(Decimal(1), ratio_places(w["3"] / w["4"], 3)) if w["4"] > 0 else Decimal(1)
    w["7"] = (w["6"] * w["5"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if magi >= end:
        w["8"] = ZERO
    elif magi <= start:
        w["8"] = w["6"]
    else:
        rest = w["6"] - w["7"]
        w["8"] = max(Decimal(200), (rest / 10).to_integral_value(rounding=ROUND_CEILING) * 10).quantize(
            Decimal("0.01"))
    w["9"] = other_iras
    w["10"] = max(ZERO, w["6"] - other_iras)
    w["11"] = min(w["8"], w["10"])
    return dict(sorted(w.items(), key=lambda kv: int(kv[0])))
