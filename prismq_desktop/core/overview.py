"""Overviews composed from a store's small reads, the same on every backend: the summary that
``stats`` prints, the health the status bar shows, and what the search box completes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from prismq_desktop.core import search, timeutil
from prismq_desktop.core.query import STORED_STATUSES
from prismq_desktop.core.reports import (
    FAILURE_WINDOW_MINUTES,
    QueueHealth,
    QueueSummary,
    WorkerState,
    is_stale,
)
from prismq_desktop.core.store import Store


def oldest_ready(store: Store, now: datetime) -> tuple[Any, float | None]:
    """The oldest ready task's run_after as stored, and its age in seconds."""
    oldest = store.oldest_ready(now)
    moment = timeutil.parse(oldest)
    return oldest, None if moment is None else max(0.0, (now - moment).total_seconds())


def summarize(store: Store, now: datetime) -> QueueSummary:
    """Everything `stats` shows, read from the kept counts and two small queries."""
    by_type: dict[str, dict[str, int]] = {}
    for (kind, status), n in sorted(store.type_counts().items()):
        by_type.setdefault(kind, {})[status] = n
    oldest, age = oldest_ready(store, now)
    return QueueSummary(
        counts=store.status_counts(now), by_type=by_type, oldest_ready_utc=oldest,
        oldest_ready_age=age,
        workers=[WorkerState(w, w.heartbeat_age(now)) for w in store.workers()],
    )


def health(store: Store, now: datetime, stale_after: float,
           window_minutes: float = FAILURE_WINDOW_MINUTES) -> QueueHealth:
    """Four numbers an operator checks first: how long the oldest ready task has waited, what
    share of recently finished tasks failed, how many workers went silent, and how big the
    write-ahead log is (one that keeps growing means a reader holds checkpoints back)."""
    oldest, age = oldest_ready(store, now)
    completed, failed = store.finished_counts(now - timedelta(minutes=window_minutes))
    ages = [worker.heartbeat_age(now) for worker in store.workers()]
    return QueueHealth(
        oldest_ready_utc=oldest, oldest_ready_age=age,
        completed_recently=completed, failed_recently=failed,
        window_minutes=window_minutes, stale_workers=sum(is_stale(a, stale_after) for a in ages),
        workers=len(ages), stale_after=stale_after, wal_bytes=store.wal_bytes(),
    )


def completion(store: Store) -> dict[str, list[str]]:
    """What the search box offers: field names and the known values of the closed fields."""
    statuses = list(STORED_STATUSES) + [s for s in search.PSEUDO_STATUSES if s != "queued"]
    types = sorted({kind for kind, _status in store.type_counts()})
    return {"fields": search.field_names(), "type": types, "status": statuses,
            "worker": store.known_workers(200)}
