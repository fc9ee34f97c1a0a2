"""Acting on everything a query matches: cancel, retry, delete, set priority, run now, requeue
stuck tasks, in short transactions that workers can slip between.

The matching ids are read once (no lock), then handled in batches. Each batch is one
``BEGIN IMMEDIATE`` transaction that updates only the rows that still match the query and
whose status allows the action (guards in SQL, so a worker claiming meanwhile is safe) and
writes each task's log row. Its size adapts so a batch holds the write lock ~40 ms, and a
pause of a quarter of that after it lets waiting writers in: a million matches never keep a
worker past its busy timeout.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import apsw

from prismq_desktop.core import timeutil
from prismq_desktop.core.bulk import BulkAction, BulkResult, Progress, check_action
from prismq_desktop.core.errors import ReadOnlyError
from prismq_desktop.core.query import TaskQuery
from prismq_desktop.core.sqlite import filters, logs, resultset
from prismq_desktop.core.sqlite.bulk_actions import ACTION_SQL
from prismq_desktop.core.sqlite.database import PRAGMAS, QueueDatabase

IN_BATCH = "id IN (SELECT value FROM json_each(?))"
LOG_EACH = (
    "INSERT INTO task_logs (task_id, at_utc, level, message)"
    " SELECT value, ?, ?, ? FROM json_each(?)"
)
TARGET_BATCH_S = 0.03
FIRST_BATCH, MIN_BATCH, MAX_BATCH = 500, 20, 20_000
AUTOCHECKPOINT = dict(PRAGMAS)["wal_autocheckpoint"]


def run(db: QueueDatabase, action: str, query: TaskQuery, now: datetime, *, value: Any = None,
        progress: Progress | None = None, cancel: threading.Event | None = None,
        pause: Callable[[float], None] = time.sleep) -> BulkResult:
    """Apply ``action`` to every task ``query`` matches now; see the module docstring.

    ``progress(done, total)`` is called after each batch; returning False stops, as does
    setting ``cancel``. Tasks already handled stay handled.
    """
    job = _Job(db, action, query, now, value)
    started = time.perf_counter()
    ids = resultset.build(db, dataclasses.replace(query, sort="id", descending=False), now).ids
    job.result.total = len(ids)
    size, position = FIRST_BATCH, 0
    with _checkpoint_later(db):
        while position < len(ids) and not (cancel is not None and cancel.is_set()):
            took = job.batch(json.dumps(ids[position:position + size].tolist()))
            position += size
            size = _next_size(size, took)
            if progress is not None and progress(min(position, len(ids)), len(ids)) is False:
                break
            if position < len(ids):
                pause(max(0.005, took / 4))  # let waiting writers in before the next batch
    job.result.stopped = position < len(ids)
    job.result.seconds = time.perf_counter() - started
    return job.result


def _next_size(size: int, took: float) -> int:
    """Aim the next batch at TARGET_BATCH_S, growing at most twofold after a lucky one."""
    aimed = int(size * TARGET_BATCH_S / max(took, 1e-4))
    return max(MIN_BATCH, min(MAX_BATCH, 2 * size, aimed))


@contextlib.contextmanager
def _checkpoint_later(db: QueueDatabase) -> Iterator[None]:
    """No checkpoint after each batch: the next commit after the action does one.

    Scattered rows dirty a page each; copying and syncing them back batch by batch nearly
    doubled a large action's time. SQLite's automatic checkpoint (PASSIVE: it never holds
    the write lock) runs at the next commit of any connection once this one resets it.
    """
    if db.read_only:
        raise ReadOnlyError(f"cannot write: {db.read_only_reason}")
    conn = db.get_connection()
    conn.execute("PRAGMA wal_autocheckpoint=0")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT}")


class _Job:
    """One action over one query: the guarded SQL, fixed once, run batch by batch."""

    def __init__(self, db: QueueDatabase, action: str, query: TaskQuery, now: datetime,
                 value: Any) -> None:
        self.db, self.action, self.spec = db, action, check_action(action)
        self.sql = ACTION_SQL[action]
        self.value = value
        where, where_params = filters.where(query, now, scan=True)
        # ?1 now, ?2 the value, ?3 the stale cut-off, ?4 the batch's ids, then the query's.
        self.condition = (f"{IN_BATCH.replace('?', '?4')} AND ({self.sql.guard})"
                          f" AND ({_renumber(where, 5)})")
        self.now_text = timeutil.to_db(now)
        stale = timeutil.to_db(now - timedelta(seconds=query.stale_after))
        self.params = [self.now_text, self.value, stale]
        self.where_params = where_params
        self.result = BulkResult(action, 0)

    def batch(self, batch: str) -> float:
        """One transaction: act on the still-matching rows, log each, count the rest.

        Timed from when the write lock is held, not from when it was asked for: a wait for
        another writer is not this batch's work, and sizing by it would shrink every batch
        after one long wait (more batches, more waits)."""
        bound = [*self.params, batch, *self.where_params]
        with self.db.transaction() as conn:
            start = time.perf_counter()
            handled = _delete(conn, self.condition, bound) if self.action == "delete" \
                else self._update(conn, bound)
            self.result.done += len(handled)
            _count_refusals(conn, batch, handled, self.spec, self.result)
        took = time.perf_counter() - start
        self.result.batches += 1
        self.result.longest_batch_s = max(self.result.longest_batch_s, took)
        self.result.locked_s += took
        return took

    def _update(self, conn: apsw.Connection, bound: list[Any]) -> set[int]:
        spec = self.spec
        rows = conn.execute(f"UPDATE task_queue SET {self.sql.set_sql} WHERE {self.condition}"
                            " RETURNING id, status, error_message", bound).fetchall()
        if "{status}" in spec.message:
            conn.executemany(logs.INSERT_LOG, [
                (task_id, self.now_text, spec.level,
                 spec.message.format(status=status, error=error), None)
                for task_id, status, error in rows])
        else:
            conn.execute(LOG_EACH, (self.now_text, spec.level,
                                    spec.message.format(value=self.value),
                                    json.dumps([row[0] for row in rows])))
        return {int(row[0]) for row in rows}  # type: ignore[arg-type]


def _renumber(where: str, first: int) -> str:
    """Give the query's anonymous ``?`` fixed numbers after the action's own."""
    parts = where.split("?")
    return "".join(p + (f"?{first + i}" if i < len(parts) - 1 else "")
                   for i, p in enumerate(parts))


def _delete(conn: apsw.Connection, condition: str, bound: list[Any]) -> set[int]:
    ids = [row[0] for row in conn.execute(f"SELECT id FROM task_queue WHERE {condition}", bound)]
    doomed = json.dumps(ids)
    for table in ("task_logs", "pqd_attempts", "pqd_progress"):
        conn.execute(f"DELETE FROM {table} WHERE task_id IN (SELECT value FROM json_each(?))",
                     (doomed,))
    conn.execute(f"DELETE FROM task_queue WHERE {IN_BATCH}", (doomed,))
    return set(ids)


def _count_refusals(conn: apsw.Connection, batch: str, handled: set[int], spec: BulkAction,
                    result: BulkResult) -> None:
    """Why the rest of the batch was left alone: gone, a status the action refuses, or a
    task that changed since the query ran."""
    left = [task_id for task_id in json.loads(batch) if task_id not in handled]
    if not left:
        return
    rows = conn.execute(f"SELECT id, status FROM task_queue WHERE {IN_BATCH}",
                        (json.dumps(left),)).fetchall()
    found: dict[Any, Any] = {row[0]: row[1] for row in rows}
    for task_id in left:
        status = found.get(task_id, "deleted")
        reason = "changed meanwhile" if status in spec.statuses else str(status)
        result.refused[reason] = result.refused.get(reason, 0) + 1
