"""The reads behind the health report (core/overview.py composes it): the oldest ready task
and the tasks finished since a moment. Each is one indexed read, so the status bar can
refresh it on every change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prismq_desktop.core import timeutil
from prismq_desktop.core.sqlite.database import QueueDatabase

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


def oldest_ready(db: QueueDatabase, now: datetime) -> Any:
    """The oldest ready task's run_after as stored (None when none waits)."""
    return db.query(OLDEST_READY, (timeutil.to_db(now),))[0][0]


def finished_counts(db: QueueDatabase, since: datetime) -> tuple[int, int]:
    """(completed, failed) tasks finished at or after ``since``."""
    completed, failed = db.query(FINISHED_SINCE, (timeutil.to_db(since),))[0]
    return int(completed), int(failed)
