"""Queue health at a glance: what the status bar shows and colours when something is off.

Four numbers an operator checks first: how long the oldest ready task has waited, what share
of recently finished tasks failed, how many workers went silent, and how big the WAL file is
(a WAL that keeps growing means a reader is holding checkpoints back). Each is one indexed
read or a stat, so the bar can refresh it on every change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prismq_desktop.core import timeutil
from prismq_desktop.core.models import Worker
from prismq_desktop.core.sqlite import maintenance, workers
from prismq_desktop.core.sqlite.database import QueueDatabase

#: The failure rate looks this far back.
FAILURE_WINDOW_MINUTES = 15
# Over pqd_ix_task_status_run_after: the first ready row is the oldest.
OLDEST_READY = (
    "SELECT MIN(run_after_utc) FROM task_queue WHERE status = 'queued' AND run_after_utc <= ?"
)
# Covered by pqd_ix_task_finished (finished_at_utc, status): no table rows are read.
# (No GROUP BY: SQLite would walk the status index instead to skip a sort.)
FINISHED_SINCE = (
    "SELECT COUNT(*) FILTER (WHERE status = 'completed'),"
    " COUNT(*) FILTER (WHERE status = 'failed') FROM task_queue WHERE finished_at_utc >= ?"
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


def oldest_ready(db: QueueDatabase, now: datetime) -> tuple[Any, float | None]:
    """The oldest ready task's run_after as stored, and its age in seconds."""
    oldest = db.query(OLDEST_READY, (timeutil.to_db(now),))[0][0]
    moment = timeutil.parse(oldest)
    return oldest, None if moment is None else max(0.0, (now - moment).total_seconds())


def health(db: QueueDatabase, now: datetime,
           stale_after: float = workers.STALE_AFTER_SECONDS,
           window_minutes: float = FAILURE_WINDOW_MINUTES) -> QueueHealth:
    oldest, age = oldest_ready(db, now)
    since = timeutil.to_db(now - timedelta(minutes=window_minutes))
    completed, failed = db.query(FINISHED_SINCE, (since,))[0]
    ages = [Worker.from_row(row).heartbeat_age(now)
            for row in db.query("SELECT worker_id, capabilities, heartbeat_utc FROM workers")]
    stale = sum(workers.is_stale(age, stale_after) for age in ages)
    return QueueHealth(
        oldest_ready_utc=oldest, oldest_ready_age=age,
        completed_recently=completed, failed_recently=failed,
        window_minutes=window_minutes, stale_workers=stale, workers=len(ages),
        stale_after=stale_after, wal_bytes=maintenance.wal_size(db),
    )
