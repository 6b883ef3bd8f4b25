"""Yearly limits, read from the cited data file `limits.toml` beside this module."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from ..core.errors import MbrError

DATA_FILE = Path(__file__).with_name("limits.toml")


@dataclass(frozen=True)
class Limit:
    id: str
    label: str
    code_section: str
    year: int
    value: Decimal | None  # None: the limit did not exist that year
    source: str
    note: str = ""
    kind: str = "money"     # money | flag (a yes/no rule, 1 or 0 in the data)

    @property
    def shown(self) -> Decimal | str | None:
        """The value as a reader sees it: money, "yes"/"no" for a flag, None when there was none."""
        if self.kind == "flag" and self.value is not None:
            return "yes" if self.value > 0 else "no"
        return self.value


@dataclass(frozen=True)
class YearLimits:
    year: int
    items: dict[str, Limit]

    def __getitem__(self, key: str) -> Decimal:
        item = self.items.get(key)
        if item is None:
            raise MbrError(f"limit {key!r} has no value for {self.year} in {DATA_FILE}")
        if item.value is None:
            return Decimal("0.00")
        return item.value

    def has(self, key: str) -> bool:
        item = self.items.get(key)
        return item is not None and item.value is not None

    def source(self, key: str) -> str:
        return self.items[key].source

    # Named accessors for the limits the rules use most.
    @property
    def deferral(self) -> Decimal:
        return self["deferral_402g"]

    @property
    def annual_additions(self) -> Decimal:
        return self["annual_additions_415c"]

    @property
    def comp_limit(self) -> Decimal:
        return self["comp_limit_401a17"]

    def catch_up(self, age_dec31: int) -> Decimal:
        """The 401(k) catch-up for the age reached on Dec 31: 50+, 60-63 larger, 64+ back to 50+."""
        if age_dec31 < 50:
            return Decimal("0.00")
        if 60 <= age_dec31 <= 63 and self.has("catch_up_60_63"):
            return self["catch_up_60_63"]
        return self["catch_up_50"]

    def ira_limit(self, age_dec31: int) -> Decimal:
        return self["ira_limit"] + (self["ira_catch_up"] if age_dec31 >= 50 else Decimal("0"))

    def rows(self) -> list[Limit]:
        return list(self.items.values())


@cache
def _load() -> dict[int, dict[str, Limit]]:
    doc = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    years: dict[int, dict[str, Limit]] = {}
    for entry in doc.get("limit", []):
        for y, v in entry.get("values", {}).items():
            raw = v["value"]
            value = None if raw == "n/a" else Decimal(raw).quantize(Decimal("0.01"))
            years.setdefault(int(y), {})[entry["id"]] = Limit(
                id=entry["id"], label=entry["label"], code_section=entry["code_section"], year=int(y),
                value=value, source=v.get("source", ""), note=v.get("note", ""), kind=entry.get("kind", "money"))
    return years


def known_years() -> list[int]:
    return sorted(_load())


def limits_for(year: int) -> YearLimits:
    data = _load()
    if year not in data:
        known = ", ".join(str(y) for y in known_years())
        raise MbrError(f"no limits for {year} in {DATA_FILE} (years with data: {known}); "
                       f"limits are never extrapolated")
    return YearLimits(year, data[year])


from .due_dates import DueDate, filing_due_date  # noqa: E402  (re-exported: the IRA deadline of a tax year)

__all__ = ["DATA_FILE", "DueDate", "Limit", "YearLimits", "filing_due_date", "known_years", "limits_for"]
