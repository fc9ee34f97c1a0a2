"""Helpers every test folder shares (no tests here)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from prismq_desktop.core.sqlite.store import database_of as sqlite_db

__all__ = ["FakeClock", "no_new_threads", "sqlite_db", "wait_until"]

T = TypeVar("T")

#: How long a thread a test started may take to finish after the test.
THREAD_GRACE_S = 5.0


class FakeClock:
    """A clock tests move by hand, so leases and backoff are tested without sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)



def wait_until(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.02,
               what: str = "condition") -> T:
    """Poll until ``predicate()`` is truthy and return it; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


@contextmanager
def no_new_threads(grace: float = THREAD_GRACE_S) -> Iterator[None]:
    """Fail when the block leaves a thread running that was not there before (after a grace
    period): the guard the GUI and worker conftests wrap every test in."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + grace
    while True:
        extra = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not extra, f"background threads left running: {[t.name for t in extra]}"
