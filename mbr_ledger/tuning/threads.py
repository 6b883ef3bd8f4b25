"""The read-ahead pipeline: each stage of an import runs in its own thread, one item ahead of the next."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_DONE = object()


def _put(out: queue.Queue[Any], stop: threading.Event, item: Any) -> bool:
    while not stop.is_set():
        try:
            out.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _taken(out: queue.Queue[Any], stop: threading.Event) -> bool:
    while not stop.is_set():
        with out.all_tasks_done:
            if not out.unfinished_tasks:
                return True
            out.all_tasks_done.wait(0.1)
    return False


def _make(items: Iterator[Any], out: queue.Queue[Any], stop: threading.Event) -> None:
    """The maker's thread. It holds no reference to its `read_ahead`, so dropping that stops it."""
    try:
        for item in items:
            # Handed over before the next is begun: at most two items alive.
            if not _put(out, stop, item) or not _taken(out, stop):
                return
        _put(out, stop, _DONE)
    except BaseException as exc:  # handed to the consumer, which raises it
        _put(out, stop, exc)
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()  # the file is closed by the thread that read it


class read_ahead(Generic[T]):  # noqa: N801 (used as a function)
    """`items`, made one ahead in a thread that starts at once: the next item is made while this
    one is used (Polars lets go of the GIL while it works, so the two run on two cores). Each item
    is handed over before the next is begun, so at most two are alive (the one in use and the one
    being made). An exception in the maker is raised here, at the item where it happened. Leaving
    early (`close()`, the end of a `with` block, or dropping the iterator) stops the maker, which
    closes `items` in its own thread."""

    def __init__(self, items: Iterator[T]):
        self._out: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._closed = False
        self._reader = threading.Thread(target=_make, args=(items, self._out, self._stop), name="mbr-ahead",
                                        daemon=True)
        self._reader.start()

    def __iter__(self) -> read_ahead[T]:
        return self

    def __next__(self) -> T:
        if self._closed:
            raise StopIteration
        item = self._out.get()
        self._out.task_done()
        if item is _DONE:
            self.close()
            raise StopIteration
        if isinstance(item, BaseException):
            self.close()
            raise item
        return item  # type: ignore[no-any-return]

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._stop.set()
            self._reader.join()

    def __enter__(self) -> read_ahead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


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
