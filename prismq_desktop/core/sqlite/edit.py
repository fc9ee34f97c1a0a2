"""Editing a waiting task in SQL: one update guarded by status, logged with before and after
(core/editing.py holds the rules and the checks)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prismq_desktop.core import editing, timeutil
from prismq_desktop.core.errors import InvalidTransitionError
from prismq_desktop.core.models import TASK_SELECT, Task
from prismq_desktop.core.sqlite import logs
from prismq_desktop.core.sqlite.database import QueueDatabase
from prismq_desktop.core.sqlite.transitions import fetch


def edit(db: QueueDatabase, task_id: int, values: dict[str, Any], now: datetime) -> Task:
    """Set validated column values (``editing.validated``) on a queued task; returns the task
    as stored afterwards. Raises TaskNotFoundError, or InvalidTransitionError saying why a
    running or finished task is read-only.
    """
    now_text = timeutil.to_db(now)
    with db.transaction() as conn:
        before = fetch(conn, task_id)
        reason = editing.refusal(before)
        if reason is not None:
            raise InvalidTransitionError(reason)
        editing.check_attempts(before, values)
        sets = ", ".join(f"{column} = ?" for column in values)
        rows = conn.execute(
            f"UPDATE task_queue SET {sets}, updated_at_utc = ? WHERE id = ? AND status = 'queued'"
            f" RETURNING {TASK_SELECT}", [*values.values(), now_text, task_id]).fetchall()
        after = Task.from_row(rows[0])
        changed = editing.changes(before, after, values)
        logs.write(conn, task_id, now_text, "INFO", editing.message(changed),
                   editing.log_details(changed))
        return after
