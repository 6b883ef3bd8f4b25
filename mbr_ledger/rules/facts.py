"""What the rules make of one person's rows through one tax year, each part computed when first asked.

A `PersonYear` is built by the orchestration layer from the person's frames and handed to the
forms and the audit: the after-tax history, the IRA side and the Form 8606 years all come from
the same walk of the rows, made once per object and kept nowhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from .history import AfterTaxHistory, IraMoves, PlanYearLots, YearMoves
from .ira import IraYear, ira_rows, ira_year
from .lots import after_tax_history
from .rows import PersonRows, Row

if TYPE_CHECKING:
    from ..profile import Profile
    from .basis import Year8606


@dataclass(eq=False)
class PersonYear:
    """One person's rule results for `year` (everything through Dec 31 of `year`)."""

    profile: Profile
    rows: PersonRows
    year: int

    @property
    def person(self) -> str:
        return self.rows.person

    @cached_property
    def history(self) -> AfterTaxHistory:
        """The whole after-tax history: every lot and every move of every year."""
        return after_tax_history(self.profile, self.rows, self.year)

    @cached_property
    def lots(self) -> AfterTaxHistory:
        """The history as the year's readers see it: the lots, the moves of the year and the rollovers."""
        if "history" in self.__dict__:
            return self.history
        return after_tax_history(self.profile, self.rows, self.year, all_moves=False)

    @cached_property
    def moves(self) -> AfterTaxHistory:
        """The moves of the year and the rollovers, with the year's notes (and the lots when they
        were walked already)."""
        for made in ("history", "lots"):
            if made in self.__dict__:
                return self.__dict__[made]  # type: ignore[no-any-return]
        return after_tax_history(self.profile, self.rows, self.year, lots=False)

    @cached_property
    def ira_moves(self) -> IraMoves:
        """The moves into IRAs: only rollovers reach one, so only plans with a rollover are walked for
        them (unless the plans' moves were walked already)."""
        if any(made in self.__dict__ for made in ("history", "lots", "moves")):
            return IraMoves.of(self.moves)
        plans = self.rows.has_rollovers(dt.date(self.year, 12, 31))
        if not plans:
            return IraMoves(self.person, self.year, [])
        return IraMoves.of(after_tax_history(self.profile, self.rows, self.year, lots=False, plans=plans))

    @cached_property
    def year_moves(self) -> YearMoves:
        return YearMoves.of(self.moves)

    @cached_property
    def audit_lots(self) -> dict[str, PlanYearLots]:
        return {pid: PlanYearLots.of(ph, self.year) for pid, ph in self.lots.plans.items()}

    @cached_property
    def ira_rows(self) -> list[Row]:
        """The IRA rows through the end of the next year (contributions for the year may come then)."""
        return ira_rows(self.profile, self.rows, dt.date(self.year + 1, 12, 31))

    def ira_year(self, year: int | None = None) -> IraYear:
        return ira_year(self.profile, self.person, self.year if year is None else year, self.ira_moves, self.ira_rows)

    @cached_property
    def f8606_years(self) -> list[Year8606]:
        """Form 8606 for every year from the person's first year through `year` (the last item)."""
        from .basis import compute_years

        return compute_years(self.profile, self.person, self.year, self.ira_moves, self.ira_rows,
                             self.rows.first_year(dt.date(self.year, 12, 31)))

    @property
    def f8606(self) -> Year8606:
        return self.f8606_years[-1]
