"""Bulk actions on PostgreSQL: the matching ids read once, then short guarded transactions
(core/bulk.py names the actions; core/sqlite/bulk.py explains the batching). Each batch is
one UPDATE over the ids still matching the query and allowed by the action's guard, with
its log rows, so workers claiming meanwhile are safe (``SKIP LOCKED`` claims never wait on
a batch for long, and a batch waits at most the lock timeout on a worker's row).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import psycopg

from prismq_desktop.core.bulk import BulkAction, BulkResult, Progress, check_action
from prismq_desktop.core.models import CANCELLABLE, RETRYABLE, TERMINAL
from prismq_desktop.core.postgres import filters, listen, reads
from prismq_desktop.core.postgres.connection import Database
from prismq_desktop.core.postgres.tasks import CANCELLING, KEEP_RUNNING_LEASE, stamp
from prismq_desktop.core.query import TaskQuery

BATCH = 2000
# SET clauses and guards over ``p`` (now, value, stale): one row of the batch's constants.
_RETRY = (
    "status = 'queued', attempts = 0, run_after_utc = p.now, lease_until_utc = NULL,"
    " reserved_at_utc = NULL, processing_started_utc = NULL, finished_at_utc = NULL,"
    " locked_by = NULL, error_message = NULL, updated_at_utc = p.now"
)
_REQUEUE = (
    "status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,"
    " finished_at_utc = CASE WHEN attempts >= max_attempts THEN p.now END,"
    " run_after_utc = CASE WHEN attempts >= max_attempts THEN run_after_utc ELSE p.now END,"
    " locked_by = CASE WHEN attempts >= max_attempts THEN locked_by END,"
    " lease_until_utc = NULL, updated_at_utc = p.now,"
    " error_message = CASE WHEN status = 'queued'"
    " THEN 'stuck: queued with no attempts left (' || attempts || '/' || max_attempts || ')'"
    " ELSE 'stuck: held by ' || coalesce(locked_by, '?') || ', requeued by user' END"
)


def _in(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


ACTION_SQL: dict[str, tuple[str, str]] = {
    "cancel": ("status = 'cancelled', finished_at_utc = p.now,"
               f" lease_until_utc = {KEEP_RUNNING_LEASE}, updated_at_utc = p.now",
               _in(CANCELLABLE)),
    "retry": (_RETRY, f"({_in(RETRYABLE)} OR {filters.EXHAUSTED})"
                      f" AND NOT {CANCELLING.format(now='p.now')}"),
    "set_priority": ("priority = p.value, updated_at_utc = p.now", "status = 'queued'"),
    "run_now": ("run_after_utc = p.now, updated_at_utc = p.now",
                "status = 'queued' AND run_after_utc > p.now"),
    "requeue_stuck": (_REQUEUE, filters.STUCK.format(now="p.now", stale="p.stale")),
    "delete": ("", _in(TERMINAL)),
}
#: What a batch that changed something tells listeners (postgres/listen.py).
WAKES = {"retry": listen.ADDED, "run_now": listen.ADDED, "requeue_stuck": listen.ADDED,
         "cancel": listen.CANCELLED}
PARAMS = "(SELECT %s::timestamptz AS now, %s::int AS value, %s::timestamptz AS stale) p"


def run(db: Database, action: str, query: TaskQuery, now: datetime, value: Any,
        progress: Progress | None, cancel: threading.Event | None) -> BulkResult:
    """Apply ``action`` to every task ``query`` matches now, batch by batch."""
    spec = check_action(action)
    db.check_writable()
    started = time.perf_counter()
    ids = reads.build(db, dataclasses.replace(query, sort="id", descending=False), now).ids
    result = BulkResult(action, len(ids))
    where, where_params = filters.where(query, now)
    constants = [stamp(now), value, now - timedelta(seconds=query.stale_after)]
    position = 0
    while position < len(ids) and not (cancel is not None and cancel.is_set()):
        batch = [int(x) for x in ids[position:position + BATCH]]
        took = time.perf_counter()
        with db.transaction() as conn:
            handled = _apply(conn, action, spec, batch, where, [*constants, *where_params],
                             value, stamp(now))
            _count_refusals(conn, batch, handled, spec, result)
            if handled and action in WAKES:
                conn.execute("SELECT pg_notify(%s, %s)", (db.channel, WAKES[action]))
        result.done += len(handled)
        took = time.perf_counter() - took
        result.batches += 1
        result.longest_batch_s = max(result.longest_batch_s, took)
        result.locked_s += took
        position += BATCH
        if progress is not None and progress(min(position, len(ids)), len(ids)) is False:
            break
    result.stopped = position < len(ids)
    result.seconds = time.perf_counter() - started
    return result


def _apply(conn: psycopg.Connection[Any], action: str, spec: BulkAction, batch: list[int],
           where: str, params: list[Any], value: Any, at: datetime) -> set[int]:
    set_sql, guard = ACTION_SQL[action]
    condition = f"t.id = ANY(%s) AND ({guard}) AND ({where})"
    if action == "delete":
        found = conn.execute(f"SELECT t.id FROM task_queue t, {PARAMS} WHERE {condition}",
                             [*params[:3], batch, *params[3:]]).fetchall()
        doomed = [int(row[0]) for row in found]
        for table in ("task_logs", "pqd_runs", "pqd_progress"):
            conn.execute(f"DELETE FROM {table} WHERE task_id = ANY(%s)", (doomed,))
        conn.execute("DELETE FROM task_queue WHERE id = ANY(%s)", (doomed,))
        return set(doomed)
    rows = conn.execute(
        f"UPDATE task_queue t SET {set_sql} FROM {PARAMS} WHERE {condition}"
        " RETURNING t.id, t.status, t.error_message",
        [*params[:3], batch, *params[3:]]).fetchall()
    messages = [spec.message.format(value=value, status=status, error=error)
                for _id, status, error in rows]
    conn.execute("INSERT INTO task_logs (task_id, at_utc, level, message)"
                 " SELECT u.id, %s, %s, u.message FROM unnest(%s::bigint[], %s::text[])"
                 " AS u(id, message)", (at, spec.level, [row[0] for row in rows], messages))
    return {int(row[0]) for row in rows}


def _count_refusals(conn: psycopg.Connection[Any], batch: list[int], handled: set[int],
                    spec: BulkAction, result: BulkResult) -> None:
    left = [task_id for task_id in batch if task_id not in handled]
    if not left:
        return
    found = dict(conn.execute("SELECT id, status FROM task_queue WHERE id = ANY(%s)",
                              (left,)).fetchall())
    for task_id in left:
        status = found.get(task_id, "deleted")
        reason = "changed meanwhile" if status in spec.statuses else str(status)
        result.refused[reason] = result.refused.get(reason, 0) + 1
