"""The import's pipeline threads: items in order, an error raised at the item where it happened,
a stage never more than one item ahead, and leaving early stops the stage before it."""

import threading
import time
from collections.abc import Iterator

import pytest

from mbr_ledger.tuning.threads import in_thread, read_ahead


def test_items_come_in_order_and_an_error_at_its_item() -> None:
    def items() -> Iterator[int]:
        yield from range(5)
        raise ValueError("bad row at item 5")

    got = []
    with pytest.raises(ValueError, match="item 5"):
        for x in read_ahead(items()):
            got.append(x)
    assert got == [0, 1, 2, 3, 4]


def test_the_maker_is_at_most_one_item_ahead() -> None:
    made: list[int] = []

    def items() -> Iterator[int]:
        for i in range(6):
            made.append(i)
            yield i

    for x in read_ahead(items()):
        time.sleep(0.05)  # the maker has all the time it wants to run ahead
        # Item x is in use; the maker has at most begun the next one.
        assert len(made) <= x + 2


def _counted(n: int = 1000) -> tuple[Iterator[int], list[int], threading.Event]:
    """Items 0..n-1, with the list of those made so far and an event set when the maker is closed."""
    closed = threading.Event()
    made: list[int] = []

    def items() -> Iterator[int]:
        try:
            for i in range(n):
                made.append(i)
                yield i
        finally:
            closed.set()

    return items(), made, closed


def test_leaving_early_stops_the_maker_and_closes_it() -> None:
    items, made, closed = _counted()
    for x in read_ahead(items):
        if x == 2:
            break
    assert closed.wait(2)
    assert len(made) <= 4


def test_in_thread_gives_the_result_or_the_error() -> None:
    assert in_thread(sum, [1, 2, 3])() == 6

    def fail() -> None:
        raise OSError("unreadable")

    with pytest.raises(OSError, match="unreadable"):
        in_thread(fail)()


def test_the_maker_starts_at_once_and_dropping_the_iterator_stops_it() -> None:
    items, made, closed = _counted()
    it = read_ahead(items)
    deadline = time.monotonic() + 2
    while not made and time.monotonic() < deadline:  # nothing asked for yet: the first is made anyway
        time.sleep(0.01)
    assert made[:1] == [0]
    assert next(it) == 0
    del it  # neither closed nor run to the end
    assert closed.wait(2)
    assert len(made) <= 3
