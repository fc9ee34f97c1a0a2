"""Creating tasks and what a user does to one: enqueue (idempotent with ``ON CONFLICT DO
NOTHING``), bulk enqueue, get, cancel, retry, edit. Each write and its log row is one
statement or one short transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg

from prismq_desktop.core import editing
from prismq_desktop.core.errors import InvalidTransitionError, TaskNotFoundError
from prismq_desktop.core.models import (
    CANCELLABLE,
    RETRYABLE,
    TASK_COLUMNS,
    TASK_SELECT,
    Task,
    refusal,
)
from prismq_desktop.core.postgres import listen, logs
from prismq_desktop.core.postgres.connection import Database
from prismq_desktop.core.validation import NewTask

#: What a statement that makes tasks runnable, or cancels one, tells listeners (listen.py).
NOTIFY_ADDED = f"pg_notify(%(channel)s, '{listen.ADDED}')"
NOTIFY_CANCELLED = f"pg_notify(%(channel)s, '{listen.CANCELLED}:' || id)"
#: The task columns qualified by ``t``, for statements that join another relation.
T_SELECT = ", ".join(f"t.{column}" for column in TASK_COLUMNS)
SELECT_TASK = f"SELECT {TASK_SELECT} FROM task_queue WHERE id = %s"
SELECT_BY_KEY = f"SELECT {TASK_SELECT} FROM task_queue WHERE idempotency_key = %s"
# No log row: the row's timestamps record the enqueue (DESIGN §4). A known key inserts and
# returns nothing (a racing insert of the same key is waited for, then skipped).
ENQUEUE = (
    "INSERT INTO task_queue (type, priority, payload, compatibility, status,"
    " max_attempts, run_after_utc, idempotency_key, created_at_utc, updated_at_utc)"
    " VALUES (%(type)s, %(priority)s, %(payload)s, %(compat)s, 'queued', %(max)s,"
    " coalesce(%(run_after)s, %(now)s), %(key)s, %(now)s, %(now)s)"
    " ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
    f" RETURNING {TASK_SELECT}, {NOTIFY_ADDED}"
)
ENQUEUE_MANY = (
    "INSERT INTO task_queue (type, priority, payload, compatibility, max_attempts,"
    " run_after_utc, created_at_utc, updated_at_utc)"
    " SELECT u.type, u.priority, u.payload::jsonb, u.compat::jsonb, u.max_attempts,"
    " coalesce(u.run_after::timestamptz, %(now)s), %(now)s, %(now)s"
    " FROM unnest(%(types)s::text[], %(priorities)s::int[], %(payloads)s::text[],"
    " %(compats)s::text[], %(maxes)s::int[], %(run_afters)s::text[]) WITH ORDINALITY"
    " AS u(type, priority, payload, compat, max_attempts, run_after, n)"
    f" ORDER BY u.n RETURNING id, {NOTIFY_ADDED}"
)
# A running task's lease outlives its cancel until the handler stops (the worker clears it;
# the table shows "cancelling" meanwhile); a waiting task holds none.
KEEP_RUNNING_LEASE = "CASE WHEN status IN ('leased', 'processing') THEN lease_until_utc END"
#: A cancelled task whose handler still runs: a retry waits for it (never two runs at once).
CANCELLING = ("(status = 'cancelled' AND lease_until_utc IS NOT NULL"
              " AND lease_until_utc > {now})")
CANCEL = (
    "UPDATE task_queue SET status = 'cancelled', finished_at_utc = %(now)s,"
    f" lease_until_utc = {KEEP_RUNNING_LEASE}, updated_at_utc = %(now)s"
    " WHERE id = %(id)s AND status = ANY(%(allowed)s) RETURNING " + TASK_SELECT
    + ", " + NOTIFY_CANCELLED
)
RETRY = (
    "UPDATE task_queue SET status = 'queued', attempts = 0, run_after_utc = %(now)s,"
    " lease_until_utc = NULL, reserved_at_utc = NULL, processing_started_utc = NULL,"
    " finished_at_utc = NULL, locked_by = NULL, error_message = NULL, updated_at_utc = %(now)s"
    " WHERE id = %(id)s AND (status = ANY(%(allowed)s)"
    " OR (status = 'queued' AND attempts >= max_attempts))"
    " AND NOT " + CANCELLING.format(now="%(now)s") + " RETURNING " + TASK_SELECT
    + ", " + NOTIFY_ADDED
)


def stamp(moment: datetime) -> datetime:
    """A moment as PrismQ columns hold it: UTC, whole seconds (``timeutil.to_db``)."""
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def stamp_ceil(moment: datetime) -> datetime:
    """Rounded up to the whole second (``timeutil.to_db_ceil``): never early."""
    whole = stamp(moment)
    return whole if moment.microsecond == 0 else whole + timedelta(seconds=1)


def _params(spec: NewTask, now: datetime, channel: str) -> dict[str, Any]:
    return {"channel": channel, "type": spec.type, "priority": spec.priority,
            "payload": spec.payload, "compat": spec.compatibility, "max": spec.max_attempts,
            "run_after": spec.run_after_utc, "key": spec.idempotency_key, "now": stamp(now)}


def insert_one(conn: psycopg.Connection[Any], spec: NewTask, now: datetime,
               channel: str) -> Task:
    """Insert (or find by its key) one task inside the caller's connection."""
    rows = conn.execute(ENQUEUE, _params(spec, now, channel)).fetchall()
    if rows:
        task = Task.from_row(rows[0])
        task.is_new = True
        return task
    found = conn.execute(SELECT_BY_KEY, (spec.idempotency_key,)).fetchall()
    if not found:  # the row that held the key was deleted meanwhile: try once more
        return insert_one(conn, spec, now, channel)
    return Task.from_row(found[0])


def enqueue(db: Database, spec: NewTask, now: datetime) -> Task:
    db.check_writable()
    with db.connection() as conn:
        return insert_one(conn, spec, now, db.channel)


def enqueue_many(db: Database, specs: Sequence[NewTask], now: datetime) -> list[int]:
    """All in one transaction; ids in order (a known key gives the existing id)."""
    if not specs:
        return []
    with db.transaction() as conn:
        if any(spec.idempotency_key is not None for spec in specs):
            return [insert_one(conn, spec, now, db.channel).id for spec in specs]
        rows = conn.execute(ENQUEUE_MANY, {
            "channel": db.channel, "now": stamp(now), "types": [s.type for s in specs],
            "priorities": [s.priority for s in specs], "payloads": [s.payload for s in specs],
            "compats": [s.compatibility for s in specs],
            "maxes": [s.max_attempts for s in specs],
            "run_afters": [s.run_after_utc for s in specs]}).fetchall()
        return sorted(int(row[0]) for row in rows)  # ids are drawn in the insert's order


def fetch(conn: psycopg.Connection[Any], task_id: int, lock: bool = False) -> Task:
    rows = conn.execute(SELECT_TASK + (" FOR UPDATE" if lock else ""), (task_id,)).fetchall()
    if not rows:
        raise TaskNotFoundError(f"no task with id {task_id}")
    return Task.from_row(rows[0])


def get(db: Database, task_id: int) -> Task:
    with db.connection() as conn:
        return fetch(conn, task_id)


def _apply(db: Database, sql: str, task_id: int, now: datetime, verb: str,
           allowed: tuple[str, ...]) -> Task:
    with db.transaction() as conn:
        at = stamp(now)
        rows = conn.execute(sql, {"id": task_id, "now": at, "allowed": list(allowed),
                                  "channel": db.channel}).fetchall()
        if not rows:
            raise InvalidTransitionError(refusal(fetch(conn, task_id), now, verb, allowed))
        logs.write(conn, task_id, at, "WARNING" if verb == "cancelled" else "INFO", verb)
        return Task.from_row(rows[0])


def cancel(db: Database, task_id: int, now: datetime) -> Task:
    return _apply(db, CANCEL, task_id, now, "cancelled", CANCELLABLE)


def retry(db: Database, task_id: int, now: datetime) -> Task:
    return _apply(db, RETRY, task_id, now, "retried", RETRYABLE)


def edit(db: Database, task_id: int, values: dict[str, Any], now: datetime) -> Task:
    """Validated column values on a queued task, logged with before and after."""
    with db.transaction() as conn:
        before = fetch(conn, task_id, lock=True)
        reason = editing.refusal(before)
        if reason is not None:
            raise InvalidTransitionError(reason)
        editing.check_attempts(before, values)
        sets = ", ".join(f"{column} = %s" for column in values)  # columns: editing.EDITABLE
        at = stamp(now)
        rows = conn.execute(
            f"UPDATE task_queue SET {sets}, updated_at_utc = %s WHERE id = %s"
            f" AND status = 'queued' RETURNING {TASK_SELECT}",
            [*values.values(), at, task_id]).fetchall()
        after = Task.from_row(rows[0])
        changed = editing.changes(before, after, values)
        logs.write(conn, task_id, at, "INFO", editing.message(changed),
                   editing.log_details(changed))
        return after
