"""What keeps `mbr --help` light to start."""

from __future__ import annotations

import os
import sys


def terminal_columns() -> int:
    """The terminal's width as `shutil.get_terminal_size` finds it ($COLUMNS, then the terminal,
    then 80), without importing shutil (and with it bz2, lzma and zlib)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns or 80
