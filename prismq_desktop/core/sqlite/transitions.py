"""What a user does to a task: cancel and retry, guarded in SQL and logged in the same commit."""

from __future__ import annotations

from datetime import datetime

import apsw

from prismq_desktop.core import timeutil
from prismq_desktop.core.errors import InvalidTransitionError, TaskNotFoundError
from prismq_desktop.core.models import (
    ACTIVE,
    CANCELLABLE,
    RETRYABLE,
    TASK_SELECT,
    Task,
    refusal,
)
from prismq_desktop.core.sqlite import logs
from prismq_desktop.core.sqlite.database import (
    TASK_AS_STORED,
    QueueDatabase,
    decode_stored,
    fetch_rows,
    or_as_stored,
)
from prismq_desktop.core.sqlite.filters import quoted

# A running task's lease outlives its cancel until the handler stops (the worker clears it;
# the table shows "cancelling" meanwhile); a waiting task holds none.
KEEP_RUNNING_LEASE = f"CASE WHEN status IN ({quoted(ACTIVE)}) THEN lease_until_utc END"
#: A cancelled task whose handler still runs: a retry waits for it (never two runs at once).
CANCELLING = ("(status = 'cancelled' AND lease_until_utc IS NOT NULL"
              " AND lease_until_utc > {now})")
SELECT_TASK = f"SELECT {TASK_SELECT} FROM task_queue WHERE id = ?"
CANCEL = (
    "UPDATE task_queue SET status = 'cancelled', finished_at_utc = :now,"
    f" lease_until_utc = {KEEP_RUNNING_LEASE},"
    f" updated_at_utc = :now WHERE id = :id AND status IN ({quoted(CANCELLABLE)})"
)
RETRY = (
    "UPDATE task_queue SET status = 'queued', attempts = 0, run_after_utc = :now,"
    " lease_until_utc = NULL, reserved_at_utc = NULL, processing_started_utc = NULL,"
    " finished_at_utc = NULL, locked_by = NULL, error_message = NULL, updated_at_utc = :now"
    f" WHERE id = :id AND (status IN ({quoted(RETRYABLE)})"
    f" OR (status = 'queued' AND attempts >= max_attempts)) AND NOT {CANCELLING.format(now=':now')}"
)


def fetch(conn: apsw.Connection, task_id: int) -> Task:
    rows = fetch_rows(conn, SELECT_TASK, (task_id,))
    if not rows:
        raise TaskNotFoundError(f"no task with id {task_id}")
    return Task.from_row(rows[0])


def get(db: QueueDatabase, task_id: int) -> Task:
    return fetch(db.get_connection(), task_id)


def _apply(db: QueueDatabase, sql: str, task_id: int, now: datetime, verb: str,
           allowed: tuple[str, ...]) -> Task:
    now_text = timeutil.to_db(now)

    def run(as_stored: bool) -> Task:
        returning = TASK_AS_STORED if as_stored else TASK_SELECT
        with db.transaction() as conn:
            rows = conn.execute(f"{sql} RETURNING {returning}",
                                {"id": task_id, "now": now_text}).fetchall()
            if not rows:
                raise InvalidTransitionError(refusal(fetch(conn, task_id), now, verb, allowed))
            task = Task.from_row(decode_stored(rows[0]) if as_stored else rows[0])
            logs.write(conn, task_id, now_text, "WARNING" if verb == "cancelled" else "INFO",
                       verb)
            return task
    return or_as_stored(run)


def cancel(db: QueueDatabase, task_id: int, now: datetime) -> Task:
    """queued/leased/processing → cancelled; a running handler sees it at its next renewal
    (at once in this process), and its worker ends the kept lease when it has stopped."""
    return _apply(db, CANCEL, task_id, now, "cancelled", CANCELLABLE)


def retry(db: QueueDatabase, task_id: int, now: datetime) -> Task:
    """failed/cancelled/dead_letter, or queued with no attempts left (stuck) → queued,
    runnable now, with its full attempts again."""
    return _apply(db, RETRY, task_id, now, "retried", RETRYABLE)
