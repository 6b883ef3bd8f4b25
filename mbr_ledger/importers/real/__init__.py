"""Importers for the exports people really download (see docs/formats.md).

Each is found by its content (a header row in the first lines, an OFX or JSON marker, a workbook
table title), never by its file name, and none claims another's files or the contract formats'.
"""

from __future__ import annotations

from ..base import Importer
from ..mapping import ANY_MAPPED_CSV
from .adp import ADP
from .fidelity_activity import FIDELITY_ACTIVITY
from .netbenefits import NETBENEFITS
from .vanguard_ofx import VANGUARD_OFX
from .voya import VOYA
from .workday import WORKDAY

REAL_IMPORTERS: list[Importer] = [NETBENEFITS, FIDELITY_ACTIVITY, VOYA, VANGUARD_OFX, ADP, WORKDAY, ANY_MAPPED_CSV]

__all__ = ["REAL_IMPORTERS"]
