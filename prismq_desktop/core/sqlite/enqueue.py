"""Creating tasks: one at a time (idempotent) and in bulk. No log row: the row's timestamps
record the enqueue (DESIGN §4)."""

from __future__ import annotations

import collections
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import apsw

from prismq_desktop.core import timeutil
from prismq_desktop.core.models import TASK_SELECT, Task
from prismq_desktop.core.sqlite import aggregates
from prismq_desktop.core.sqlite.database import QueueDatabase
from prismq_desktop.core.sqlite.translate import translate
from prismq_desktop.core.validation import NewTask

INSERT_TASK = (
    "INSERT INTO task_queue (type, priority, payload, compatibility, status, max_attempts,"
    " run_after_utc, idempotency_key, created_at_utc, updated_at_utc)"
    " VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)"
)
SELECT_BY_KEY = f"SELECT {TASK_SELECT} FROM task_queue WHERE idempotency_key = ?"


def _row(spec: NewTask, now_text: str) -> tuple[Any, ...]:
    return (
        spec.type, spec.priority, spec.payload, spec.compatibility, spec.max_attempts,
        spec.run_after_utc or now_text, spec.idempotency_key, now_text, now_text,
    )


def _insert_one(conn: apsw.Connection, spec: NewTask, now_text: str) -> Task:
    if spec.idempotency_key is not None:
        found = conn.execute(SELECT_BY_KEY, (spec.idempotency_key,)).fetchall()
        if found:
            return Task.from_row(found[0])
    row = _row(spec, now_text)
    conn.execute(INSERT_TASK, row)
    task_id = conn.last_insert_rowid()
    task = Task(task_id, spec.type, spec.priority, spec.payload, spec.compatibility, "queued", 0,
                spec.max_attempts, row[5], None, None, None, None, None, None,
                spec.idempotency_key, now_text, now_text)
    task.is_new = True
    return task


def enqueue(db: QueueDatabase, spec: NewTask, now: datetime) -> Task:
    """Insert one task, or return the existing one with the same idempotency key.

    The key check and the insert share one ``BEGIN IMMEDIATE`` transaction, so two processes
    racing on one key create one row. Without a key the INSERT is its own transaction (one
    statement is atomic): BEGIN and COMMIT as statements of their own cost two more round
    trips through SQLite per task, ~10 % of an enqueue.
    """
    if spec.idempotency_key is not None or db.read_only:
        with db.transaction() as conn:
            return _insert_one(conn, spec, timeutil.to_db(now))
    try:  # not ``with translated()``: a generator context costs ~4 % of an enqueue
        return _insert_one(db.get_connection(), spec, timeutil.to_db(now))
    except apsw.Error as exc:
        raise translate(exc) from exc


def enqueue_many(db: QueueDatabase, specs: Sequence[NewTask], now: datetime) -> list[int]:
    """Insert many tasks in one transaction; returns their ids in order.

    Without idempotency keys the rows go in with one C-level loop; with keys each row takes
    the one-by-one path so known keys return the existing id.
    """
    if not specs:
        return []
    now_text = timeutil.to_db(now)
    with db.transaction() as conn:
        if any(spec.idempotency_key is not None for spec in specs):
            return [_insert_one(conn, spec, now_text).id for spec in specs]
        rows = [_row(spec, now_text) for spec in specs]
        if len(rows) < SUSPEND_FROM:
            conn.executemany(INSERT_TASK, rows)
        else:
            _insert_with_batch_aggregates(conn, rows, now_text)
        last = conn.last_insert_rowid()
        return list(range(last - len(specs) + 1, last + 1))


#: From this many rows a bulk enqueue keeps the aggregates per batch, not per row: the
#: insert trigger costs ~2/3 of a bulk row (an empty trigger alone ~2.5 µs), the schema
#: change about as much as 100 rows of it, and other connections re-read the schema once.
SUSPEND_FROM = 1000


def _insert_with_batch_aggregates(conn: apsw.Connection, rows: list[tuple[Any, ...]],
                                  now_text: str) -> None:
    """Insert ``rows`` (queued tasks created ``now_text``) with the aggregate insert trigger
    dropped, add what it would have added for the batch's alike rows (same type and
    run_after), and put the trigger back, all inside the caller's transaction.

    Nobody sees the trigger missing: readers see the last commit and other writers wait for
    ours; a failure rolls the drop back with the rest. The trigger is put back from its own
    stored text, so this never changes what a file's trigger is.
    """
    stored = conn.execute("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?",
                          (aggregates.INSERT_TRIGGER,)).fetchall()
    if not stored:  # nothing to suspend (the trigger keeps nothing here)
        conn.executemany(INSERT_TASK, rows)
        return
    conn.execute(f"DROP TRIGGER {aggregates.INSERT_TRIGGER}")
    conn.executemany(INSERT_TASK, rows)
    alike = collections.Counter((row[0], row[5]) for row in rows)  # (type, run_after_utc)
    groups = [[task_type, "queued", now_text, run_after, m]
              for (task_type, run_after), m in alike.items()]
    conn.execute(aggregates.INSERTED, {"alike": json.dumps(groups)})
    conn.execute(str(stored[0][0]))
