"""How idle engine threads wait for work without all hammering the file.

A generation counter makes a wake-up impossible to miss: a thread remembers the generation
before it claims and waits only while it is unchanged. An empty claim is shared: once one
thread found nothing, its idle peers skip their own claim until the next poll or wake-up, so
an idle engine costs about one claim per poll interval however many threads it has.
"""

from __future__ import annotations

import threading
import time


class Waker:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0
        self._idle = 0
        self._empty_generation = -1
        self._empty_at = 0.0

    def generation(self) -> int:
        return self._generation

    def wake(self) -> None:
        """New work may be there: every idle thread claims again now."""
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def wake_if_idle(self) -> None:
        """After a successful claim: more may be waiting, so let idle peers look too."""
        if self._idle:
            self.wake()

    def mark_empty(self, generation: int) -> None:
        self._empty_generation, self._empty_at = generation, time.monotonic()

    def empty_for(self, generation: int, interval: float) -> float:
        """Seconds left during which a claim at this generation is known to find nothing."""
        if self._empty_generation != generation:
            return 0.0
        return max(interval - (time.monotonic() - self._empty_at), 0.0)

    def wait(self, generation: int, timeout: float) -> None:
        """Sleep until woken or ``timeout`` passes."""
        with self._cond:
            self._idle += 1
            try:
                self._cond.wait_for(lambda: self._generation != generation, timeout)
            finally:
                self._idle -= 1
