"""task_logs on PostgreSQL: the one owner of its writes, and the tail reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from prismq_desktop.core.errors import TaskNotFoundError
from prismq_desktop.core.log_text import details_json, normalize_level
from prismq_desktop.core.models import TaskLog, with_enqueue_line
from prismq_desktop.core.postgres.connection import Database

INSERT_LOG = (
    "INSERT INTO task_logs (task_id, at_utc, level, message, details)"
    " VALUES (%s, %s, %s, %s, %s)"
)
APPEND = (
    "INSERT INTO task_logs (task_id, at_utc, level, message, details)"
    " SELECT id, %s, %s, %s, %s FROM task_queue WHERE id = %s"
)
SELECT_ENQUEUED = "SELECT created_at_utc, run_after_utc FROM task_queue WHERE id = %s"
SELECT_LOGS = (
    "SELECT log_id, task_id, at_utc, level, message, details FROM task_logs"
    " WHERE task_id = %s AND log_id > %s ORDER BY log_id LIMIT %s"
)


def write(conn: psycopg.Connection[Any], task_id: int, at: datetime, level: str, message: str,
          details: dict[str, Any] | None = None) -> None:
    """Append one log row inside the caller's transaction."""
    conn.execute(INSERT_LOG, (task_id, at, normalize_level(level), message,
                              details_json(details)))


def append(db: Database, task_id: int, at: datetime, level: str, message: str,
           details: dict[str, Any] | None) -> None:
    """A standalone log entry (handlers' ``ctx.log``), refused for an unknown task."""
    with db.transaction() as conn:
        cursor = conn.execute(APPEND, (at, normalize_level(level), message,
                                       details_json(details), task_id))
        if cursor.rowcount != 1:
            raise TaskNotFoundError(f"no task with id {task_id}")


def since(db: Database, task_id: int, after_log_id: int, limit: int) -> list[TaskLog]:
    """Log rows after ``after_log_id``, oldest first; from the start, the enqueue line
    (made from the row's timestamps) comes first."""
    entries = [TaskLog.from_row(row) for row in db.query(SELECT_LOGS,
                                                          (task_id, after_log_id, limit))]
    return with_enqueue_line(task_id, entries, after_log_id, limit,
                             lambda: next(iter(db.query(SELECT_ENQUEUED, (task_id,))), None))
