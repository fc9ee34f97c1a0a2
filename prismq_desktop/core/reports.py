"""What the read-only overviews return, whatever the backend: workers, health, summary, the
file's health and one task's details. Plain values; every backend fills the same types.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prismq_desktop.core import timeutil
from prismq_desktop.core.models import Task, Worker

#: A worker whose last heartbeat is older than this is probably gone (two lease periods);
#: its running tasks count as stuck. The one default every view and command starts from.
STALE_AFTER_SECONDS = 60.0
#: How far back "done in window" looks unless told otherwise.
DONE_WINDOW_MINUTES = 60
#: The failure rate of the health report looks this far back.
FAILURE_WINDOW_MINUTES = 15


def is_stale(age: float | None, stale_after: float = STALE_AFTER_SECONDS) -> bool:
    """Silent for longer than ``stale_after`` seconds, or never heard from in a readable form:
    the one rule of the Workers tab, the status bar's health and ``queue summary``."""
    return age is None or age > stale_after


@dataclass(frozen=True)
class WorkerRow:
    """One worker as the Workers tab shows it; ages are computed later from ``heartbeat``."""

    worker_id: str
    #: The column as stored (text that may not be JSON at all).
    capabilities: Any
    #: The column as stored, and parsed (None when missing or unreadable).
    heartbeat_utc: Any
    heartbeat: datetime | None
    active: int = 0
    completed: int = 0
    failed: int = 0
    #: False for a holder of running tasks that has no ``workers`` row.
    registered: bool = True

    def heartbeat_age(self, now: datetime) -> float | None:
        return None if self.heartbeat is None else (now - self.heartbeat).total_seconds()

    def is_stale(self, now: datetime, stale_after: float = STALE_AFTER_SECONDS) -> bool:
        return is_stale(self.heartbeat_age(now), stale_after)

    def capabilities_text(self) -> str:
        """Compact JSON when the column is JSON, else the stored text as is."""
        raw = self.capabilities
        if not isinstance(raw, str):
            return "" if raw is None else str(raw)
        try:
            return json.dumps(json.loads(raw), ensure_ascii=False, separators=(", ", ": "))
        except ValueError:
            return raw


@dataclass(frozen=True)
class WorkersOverview:
    rows: list[WorkerRow]
    #: The window of the done counts.
    window_minutes: float


def workers_overview(registered: Iterable[tuple[Any, Any, Any]], held: Mapping[Any, int],
                     done: Mapping[Any, Mapping[str, int]],
                     window_minutes: float) -> WorkersOverview:
    """Every ``workers`` row (id, capabilities, heartbeat as stored) plus the unregistered
    holders of running tasks, with their held (``held``) and recently finished counts
    (``done``: holder -> {"completed": n, "failed": n})."""
    rows = [_row(worker_id, caps, beat, held, done, True)
            for worker_id, caps, beat in registered]
    known = {row.worker_id for row in rows}
    rows.extend(_row(holder, None, None, held, done, False)
                for holder in held if holder not in known and holder is not None)
    return WorkersOverview(rows, window_minutes)


def _row(worker_id: Any, caps: Any, beat: Any, held: Mapping[Any, int],
         done: Mapping[Any, Mapping[str, int]], registered: bool) -> WorkerRow:
    finished = done.get(worker_id, {})
    return WorkerRow(
        worker_id="" if worker_id is None else str(worker_id), capabilities=caps,
        heartbeat_utc=beat, heartbeat=timeutil.parse(beat), active=held.get(worker_id, 0),
        completed=finished.get("completed", 0), failed=finished.get("failed", 0),
        registered=registered,
    )


@dataclass(frozen=True)
class QueueHealth:
    oldest_ready_utc: Any
    #: Seconds the oldest ready task has waited since it became runnable (None: none waits).
    oldest_ready_age: float | None
    completed_recently: int
    failed_recently: int
    window_minutes: float
    stale_workers: int
    workers: int
    stale_after: float
    wal_bytes: int

    @property
    def failure_rate(self) -> float | None:
        """Failed share of the tasks that finished in the window (None: none finished)."""
        finished = self.completed_recently + self.failed_recently
        return self.failed_recently / finished if finished else None

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "failure_rate": self.failure_rate}


@dataclass(frozen=True)
class WorkerState:
    worker: Worker
    heartbeat_age: float | None

    @property
    def stale(self) -> bool:
        return is_stale(self.heartbeat_age)

    def to_dict(self) -> dict[str, Any]:
        return {**self.worker.to_dict(), "heartbeat_age_seconds": self.heartbeat_age,
                "stale": self.stale}


@dataclass(frozen=True)
class QueueSummary:
    """Counts per status (with 'scheduled' split out of 'queued') and per type and status."""

    counts: dict[str, int]
    by_type: dict[str, dict[str, int]]
    oldest_ready_utc: str | None
    oldest_ready_age: float | None
    workers: list[WorkerState] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total, "counts": self.counts, "types": self.by_type,
            "oldest_queued_utc": self.oldest_ready_utc,
            "oldest_queued_age_seconds": self.oldest_ready_age,
            "workers": [state.to_dict() for state in self.workers],
        }


#: The read-only reason of a queue opened read-only on purpose (nothing else kept writes off).
ASKED_READ_ONLY = "opened read-only"


@dataclass(frozen=True)
class FileHealth:
    """What `check` reports: the backend's integrity check plus the facts support asks for."""

    integrity: list[str]
    schema_version: int
    app_schema_version: int
    journal_mode: str
    sqlite_version: str
    file_bytes: int
    wal_bytes: int
    read_only_reason: str

    @property
    def ok(self) -> bool:
        return self.integrity == ["ok"]

    @property
    def read_only_note(self) -> str:
        """Why the queue could not be written, when it is more than being opened to read."""
        return "" if self.read_only_reason == ASKED_READ_ONLY else self.read_only_reason

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **self.__dict__}


@dataclass(frozen=True)
class Run:
    """One finished attempt (sub-second times kept by this app beside PrismQ's columns)."""

    attempt: int
    worker_id: str | None
    outcome: str
    wait_s: float | None
    run_s: float | None
    finished: float


@dataclass(frozen=True)
class TaskDetails:
    task: Task
    #: (fraction 0..1 or None, message or None, updated epoch) while a handler reports it.
    progress: tuple[float | None, str | None, float] | None = None
    runs: list[Run] = field(default_factory=list)
