"""Pipelining: each stage of an import runs in its own thread, one item ahead of the next."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_DONE = object()


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """`items`, made one ahead in a thread: the next item is made while this one is used (Polars
    lets go of the GIL while it works, so the two run on two cores). An exception in the maker is
    raised here, at the item where it happened; leaving early stops the maker."""
    out: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in items:
                # Handed over before the next is begun: at most two items live (the one in use
                # and the one being made), as few as the overlap needs.
                if not put(item) or not taken():
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            put(exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # the file is closed by the thread that read it

    def taken() -> bool:
        while not stop.is_set():
            with out.all_tasks_done:
                if not out.unfinished_tasks:
                    return True
                out.all_tasks_done.wait(0.1)
        return False

    reader = threading.Thread(target=read, name="mbr-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = out.get()
            out.task_done()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


def in_thread(fn: Callable[..., T], *args: Any) -> Callable[[], T]:
    """Start `fn(*args)` in a thread now; the function returned waits for its result (or raises
    its exception). For work that lets go of the GIL, such as hashing a file."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append((True, fn(*args)))
        except BaseException as exc:  # handed to the caller of the result
            box.append((False, exc))

    worker = threading.Thread(target=run, name="mbr-side", daemon=True)
    worker.start()

    def result() -> T:
        worker.join()
        ok, value = box[0]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    return result
