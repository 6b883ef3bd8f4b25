"""Allocator and garbage-collector settings, applied when a command starts or ends."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from .sizes import MMAP_THRESHOLD


def for_import() -> None:
    """Before an import loads Polars: one jemalloc arena (threads share freed memory, a lower
    peak), unless the user set `_RJEM_MALLOC_CONF`, and a fixed glibc mapping threshold."""
    if "polars" not in sys.modules:  # read when Polars loads
        os.environ.setdefault("_RJEM_MALLOC_CONF", "narenas:1")
    _fixed_mmap_threshold()


def _fixed_mmap_threshold() -> None:
    """`mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)`: left alone, glibc raises the threshold after
    the first big free and the blocks pile up in a heap that never shrinks. Only with glibc."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None).mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


@contextmanager
def collector_off() -> Iterator[None]:
    """The garbage collector off meanwhile: an import makes no cycles worth collecting, and each
    collection walks every loaded module."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def at_exit() -> None:
    """Freeze what is alive as the process ends, so the collector does not walk it all first."""
    gc.freeze()
