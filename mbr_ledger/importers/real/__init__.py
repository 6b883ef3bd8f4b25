"""Importers for the exports people really download (see the README, section Importing the files).

Each is found by its content (a header row in the first lines, an OFX or JSON marker, a workbook
table title), never by its file name, and none claims another's files or the contract formats'.
"""

from __future__ import annotations

from ..base import Importer
from .adp import ADP
from .fidelity_activity import FIDELITY_ACTIVITY
from .netbenefits import NETBENEFITS
from .vanguard_ofx import VANGUARD_OFX
from .voya import VOYA
from .workday import WORKDAY

BUILT_IN: list[Importer] = [NETBENEFITS, FIDELITY_ACTIVITY, VOYA, VANGUARD_OFX, ADP, WORKDAY]


def __getattr__(name: str) -> list[Importer]:
    # REAL_IMPORTERS adds `--from mapping`, whose module imports this package's helpers: resolved
    # on first use so that either module may be imported first.
    if name == "REAL_IMPORTERS":
        from ..mapping import ANY_MAPPED_CSV

        return [*BUILT_IN, ANY_MAPPED_CSV]
    raise AttributeError(name)


__all__ = ["BUILT_IN", "REAL_IMPORTERS"]
