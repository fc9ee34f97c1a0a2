"""What an engine reports: events for a callback, counters, and snapshots of running tasks.

The engine calls the event callback from its own threads; the GUI wraps it in a signal and
the command line prints one line per event.
"""

from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass, field
from typing import Any

STARTED = "started"
COMPLETED = "completed"
FAILED = "failed"  # the handler raised; ``details["status"]`` says queued (retry) or failed
CANCELLED = "cancelled"  # the task was cancelled while its handler ran
DISCARDED = "discarded"  # a late result the core refused (lease lost or task finished)
RELEASED = "released"  # an unfinished task given back to the queue on stop
ERROR = "error"  # a problem of the engine itself (database busy, a broken plugin, ...)
ENGINE_STARTED = "engine_started"
ENGINE_STOPPED = "engine_stopped"
SCHEDULED = "scheduled"  # a schedule enqueued a task for one of its ticks
CONTROL = "control"  # the worker obeys an operator's quiet or stop request


@dataclass(frozen=True)
class EngineEvent:
    kind: str
    message: str
    task_id: int | None = None
    task_type: str | None = None
    #: Seconds the handler ran, for finished tasks.
    elapsed: float | None = None
    at: float = field(default_factory=time.time)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunningTask:
    """One task an engine thread is running, as the Workers tab shows it."""

    task_id: int
    task_type: str
    attempt: int
    started: float
    progress: float | None = None
    message: str | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class EngineCounters:
    done: int = 0
    failed: int = 0
    cancelled: int = 0
    discarded: int = 0
    released: int = 0
    #: Claim attempts that found nothing (how often an idle engine polled).
    empty_polls: int = 0
    #: Tasks finished (done + failed) per second over the last ``RATE_WINDOW`` seconds.
    per_second: float = 0.0


RATE_WINDOW = 10


class CounterBoard:
    """Thread-safe counts, and finishes per whole second for the rate."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: collections.Counter[str] = collections.Counter()
        self._seconds: collections.deque[list[int]] = collections.deque(maxlen=RATE_WINDOW + 1)
        self._since = int(time.monotonic())

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n
            if name in ("done", "failed"):
                second = int(time.monotonic())
                if self._seconds and self._seconds[-1][0] == second:
                    self._seconds[-1][1] += n
                else:
                    self._seconds.append([second, n])

    def get(self, name: str) -> int:
        with self._lock:
            return self._counts[name]

    def snapshot(self) -> EngineCounters:
        with self._lock:
            now = int(time.monotonic())
            recent = sum(n for second, n in self._seconds if now - RATE_WINDOW <= second < now)
            counts = dict(self._counts)
        span = min(RATE_WINDOW, max(1, now - self._since))
        names = ("done", "failed", "cancelled", "discarded", "released", "empty_polls")
        return EngineCounters(**{name: counts.get(name, 0) for name in names},
                              per_second=recent / span)
