"""task_logs: the one owner of its writes, and the tail reads the GUI and CLI follow."""

from __future__ import annotations

from typing import Any

import apsw

from prismq_desktop.core.errors import TaskNotFoundError
from prismq_desktop.core.log_text import details_json, normalize_level
from prismq_desktop.core.models import FROM_START, TaskLog, with_enqueue_line
from prismq_desktop.core.sqlite.database import QueueDatabase

INSERT_LOG = "INSERT INTO task_logs (task_id, at_utc, level, message, details) VALUES (?,?,?,?,?)"
SELECT_LOGS = (
    "SELECT log_id, task_id, at_utc, level, message, details FROM task_logs "
    "WHERE task_id = ? AND log_id > ? ORDER BY log_id LIMIT ?"
)
SELECT_ENQUEUED = "SELECT created_at_utc, run_after_utc FROM task_queue WHERE id = ?"


def write(
    conn: apsw.Connection,
    task_id: int,
    at: str,
    level: str,
    message: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one log row inside the caller's transaction."""
    conn.execute(INSERT_LOG, (task_id, at, normalize_level(level), message, details_json(details)))


def append(
    db: QueueDatabase, task_id: int, at: str, level: str, message: str,
    details: dict[str, Any] | None,
) -> None:
    """A standalone log entry (handlers' ``ctx.log``) in its own short transaction."""
    with db.transaction() as conn:
        if not conn.execute("SELECT 1 FROM task_queue WHERE id = ?", (task_id,)).fetchall():
            raise TaskNotFoundError(f"no task with id {task_id}")
        write(conn, task_id, at, level, message, details)


def since(
    db: QueueDatabase, task_id: int, after_log_id: int = FROM_START, limit: int = 10_000
) -> list[TaskLog]:
    """Log rows of one task after ``after_log_id``, oldest first (for tailing); from the
    start, the enqueue line comes first."""
    entries = [TaskLog.from_row(row)
               for row in db.query(SELECT_LOGS, (task_id, after_log_id, limit))]
    return with_enqueue_line(task_id, entries, after_log_id, limit,
                             lambda: next(iter(db.query(SELECT_ENQUEUED, (task_id,))), None))
