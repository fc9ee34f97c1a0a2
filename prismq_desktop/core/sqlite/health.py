"""The reads behind the health report (core/overview.py composes it): the oldest ready task
and the tasks finished since a moment. Each is one indexed read, so the status bar can
refresh it on every change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prismq_desktop.core import timeutil
from prismq_desktop.core.sqlite import schema, stats
from prismq_desktop.core.sqlite.database import QueueDatabase

# Over pqd_ix_task_queued_run_after: the first ready row is the oldest.
OLDEST_READY = (
    "SELECT MIN(run_after_utc) FROM task_queue WHERE status = 'queued' AND run_after_utc <= ?"
)
# Files without pqd_agg (opened read-only, unmigrated): from the task columns.
FINISHED_SINCE = (
    "SELECT COUNT(*) FILTER (WHERE status = 'completed'),"
    " COUNT(*) FILTER (WHERE status = 'failed') FROM task_queue WHERE finished_at_utc >= ?"
)


def oldest_ready(db: QueueDatabase, now: datetime) -> Any:
    """The oldest ready task's run_after as stored (None when none waits)."""
    return db.query(OLDEST_READY, (timeutil.to_db(now),))[0][0]


def finished_counts(db: QueueDatabase, since: datetime) -> tuple[int, int]:
    """(completed, failed) tasks finished since ``since`` (from its 15 s bucket on)."""
    if db.user_version() >= schema.AGGREGATES_VERSION:
        sums = stats.recent_flow(db, since.timestamp()).values()
        return sum(c for _e, c, _f in sums), sum(f for _e, _c, f in sums)
    completed, failed = db.query(FINISHED_SINCE, (timeutil.to_db(since),))[0]
    return int(completed), int(failed)
