"""One task with what the detail panel shows beside its row: progress and attempt history."""

from __future__ import annotations

from prismq_desktop.core.reports import Run, TaskDetails
from prismq_desktop.core.sqlite import schema, transitions
from prismq_desktop.core.sqlite.database import QueueDatabase

SELECT_PROGRESS = "SELECT fraction, message, updated FROM pqd_progress WHERE task_id = ?"
SELECT_RUNS = (
    "SELECT attempt, worker_id, outcome, wait_s, run_s, finished FROM pqd_attempts"
    " WHERE task_id = ? ORDER BY finished"
)
#: Files this app migrated before issue 12 (opened read-only, so still at that version).
SELECT_OLD_RUNS = (
    "SELECT attempt, worker_id, outcome, wait_s, run_s, finished FROM pqd_runs"
    " WHERE task_id = ? ORDER BY run_id"
)


def details(db: QueueDatabase, task_id: int) -> TaskDetails:
    """The task, its progress and its attempts; files without this app's tables give none."""
    task = transitions.get(db, task_id)
    if db.user_version() < 1:
        return TaskDetails(task)
    progress = db.query(SELECT_PROGRESS, (task_id,))
    version = db.user_version()
    sql = SELECT_RUNS if version >= schema.AGGREGATES_VERSION else SELECT_OLD_RUNS
    runs = [Run(*row) for row in db.query(sql, (task_id,))]
    return TaskDetails(task, tuple(progress[0]) if progress else None, runs)
