"""The worker side on PostgreSQL: claim (one statement, ``FOR UPDATE SKIP LOCKED`` over the
partial index of its order, n at a time), start, renew, complete, fail, release, reclaim.

Hot paths are one statement each in autocommit (the row, its run record and its log row
together), so a claim or a completion costs one round trip. Every write is guarded by status
and ``locked_by``: a late result changes nothing but a log line (DESIGN §4).
"""

from __future__ import annotations

import functools
import json
import random
from datetime import datetime, timedelta
from typing import Any

import psycopg

from prismq_desktop.core.claims import ClaimFilter, backoff_seconds, check_strategy
from prismq_desktop.core.log_text import details_json
from prismq_desktop.core.models import TASK_SELECT, Task
from prismq_desktop.core.postgres import logs
from prismq_desktop.core.postgres.connection import Database
from prismq_desktop.core.postgres.tasks import NOTIFY_ADDED, T_SELECT, stamp, stamp_ceil
from prismq_desktop.core.timeutil import to_db_ceil

_ORDER = {
    "fifo": "run_after_utc, id",
    "lifo": "run_after_utc DESC, id DESC",
    "priority": "priority, run_after_utc, id",
    "weighted_random": "priority, run_after_utc, id",
}
# compat.compatible in SQL: an object whose every key the capabilities hold with an equal JSON
# value (jsonb equality: true is not 1, 1 is 1.0); '{}' first, the usual case.
_COMPAT = (
    " AND (compatibility = '{}' OR (jsonb_typeof(compatibility) = 'object' AND NOT EXISTS ("
    "SELECT 1 FROM jsonb_each(compatibility) AS c"
    " WHERE (%(caps)s::jsonb -> c.key) IS DISTINCT FROM c.value)))"
)
_GUARD = "id = %(id)s AND status IN ('leased', 'processing') AND locked_by = %(worker)s"
# The wait (creation to claim) is worked out from the row, so a run record reads nothing back.
_RUN = (
    " r AS (INSERT INTO pqd_runs (task_id, type, attempt, worker_id, outcome, wait_s, run_s,"
    " finished) SELECT id, type, attempts, %(worker)s, %(outcome)s,"
    " CASE WHEN %(claimed)s::float8 IS NOT NULL THEN"
    " greatest(%(claimed)s::float8 - extract(epoch FROM created_at_utc)::float8, 0) END,"
    " %(run)s::float8, %(finished)s::float8 FROM done)"
)
COMPLETE = (
    "WITH done AS (UPDATE task_queue SET status = 'completed', finished_at_utc = %(now)s,"
    " lease_until_utc = NULL, error_message = NULL, updated_at_utc = %(now)s"
    f" WHERE {_GUARD} RETURNING id, type, attempts, created_at_utc),{_RUN},"
    " l AS (INSERT INTO task_logs (task_id, at_utc, level, message, details)"
    " SELECT id, %(now)s, 'INFO', %(message)s, %(details)s FROM done)"
    " SELECT count(*) FROM done"
)
FAIL = (
    "WITH done AS (UPDATE task_queue SET status = %(status)s, error_message = %(error)s,"
    " lease_until_utc = NULL, updated_at_utc = %(now)s,"
    " finished_at_utc = CASE WHEN %(status)s = 'failed' THEN %(now)s END,"
    " run_after_utc = coalesce(%(run_after)s, run_after_utc),"
    " locked_by = CASE WHEN %(status)s = 'failed' THEN locked_by END"
    f" WHERE {_GUARD} RETURNING id, type, attempts, created_at_utc),{_RUN},"
    " l AS (INSERT INTO task_logs (task_id, at_utc, level, message, details)"
    " SELECT id, %(now)s, 'ERROR', %(message)s, %(details)s FROM done)"
    " SELECT count(*) FROM done"
)
START = (
    "WITH s AS (UPDATE task_queue SET status = 'processing', processing_started_utc = %(now)s,"
    f" updated_at_utc = %(now)s WHERE {_GUARD} AND status = 'leased' RETURNING id)"
    " INSERT INTO task_logs (task_id, at_utc, level, message)"
    " SELECT id, %(now)s, 'INFO', 'started' FROM s"
)
RENEW = f"UPDATE task_queue SET lease_until_utc = %(lease)s WHERE {_GUARD}"
ACKNOWLEDGE_CANCEL = (
    "UPDATE task_queue SET lease_until_utc = NULL WHERE id = %(id)s AND status = 'cancelled'"
    " AND locked_by = %(worker)s"
)
RELEASE = (
    "WITH s AS (UPDATE task_queue SET status = 'queued', run_after_utc = %(now)s,"
    " lease_until_utc = NULL, locked_by = NULL, attempts = greatest(attempts - 1, 0),"
    f" updated_at_utc = %(now)s WHERE {_GUARD} RETURNING id, {NOTIFY_ADDED})"
    " INSERT INTO task_logs (task_id, at_utc, level, message)"
    " SELECT id, %(now)s, 'WARNING', %(message)s FROM s"
)
# Reclaim: requeue, or fail when out of attempts, every held task whose lease has passed;
# rows a worker is writing right now are skipped (the next reclaim sees them).
RECLAIM = (
    "WITH expired AS (SELECT id FROM task_queue WHERE status IN ('leased', 'processing')"
    " AND lease_until_utc < %(now)s FOR UPDATE SKIP LOCKED),"
    " moved AS (UPDATE task_queue t SET"
    " status = CASE WHEN t.attempts >= t.max_attempts THEN 'failed' ELSE 'queued' END,"
    " finished_at_utc = CASE WHEN t.attempts >= t.max_attempts THEN %(now)s END,"
    " run_after_utc = CASE WHEN t.attempts >= t.max_attempts THEN t.run_after_utc"
    " ELSE %(now)s END,"
    " locked_by = CASE WHEN t.attempts >= t.max_attempts THEN t.locked_by END,"
    " lease_until_utc = NULL, updated_at_utc = %(now)s,"
    " error_message = 'lease expired (held by ' || coalesce(t.locked_by, 'None') || ')'"
    " FROM expired WHERE t.id = expired.id RETURNING t.id, t.status, t.error_message,"
    f" {NOTIFY_ADDED}),"
    " l AS (INSERT INTO task_logs (task_id, at_utc, level, message)"
    " SELECT id, %(now)s, 'WARNING', error_message || '; now ' || status FROM moved)"
    " SELECT id, status FROM moved"
)
# Queued tasks with no attempts left wait for ever (no claim takes them): fail them.
EXHAUSTED = (
    "WITH moved AS (UPDATE task_queue SET status = 'failed', finished_at_utc = %(now)s,"
    " lease_until_utc = NULL, updated_at_utc = %(now)s, error_message ="
    " 'no attempts left while queued (' || attempts || '/' || max_attempts || ')'"
    " WHERE id IN (SELECT id FROM task_queue WHERE status = 'queued'"
    " AND attempts >= max_attempts FOR UPDATE SKIP LOCKED) RETURNING id, error_message),"
    " l AS (INSERT INTO task_logs (task_id, at_utc, level, message)"
    " SELECT id, %(now)s, 'WARNING', error_message || '; now failed' FROM moved)"
    " SELECT id, 'failed' FROM moved"
)
PROGRESS = (
    "INSERT INTO pqd_progress (task_id, fraction, message, updated) VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (task_id) DO UPDATE SET fraction = excluded.fraction,"
    " message = excluded.message, updated = excluded.updated"
)


@functools.lru_cache(maxsize=64)
def claim_sql(strategy: str, with_types: bool, with_cutoff: bool) -> str:
    """One statement: pick and lock up to n waiting tasks in the strategy's order, take
    them, log each; rows other claimers hold are skipped, never waited for."""
    check_strategy(strategy)
    where = ("status = 'queued' AND run_after_utc <= %(now)s AND attempts < max_attempts"
             " AND type NOT IN (SELECT type FROM pqd_paused_types)")
    if with_types:
        where += " AND type = ANY(%(types)s)"
    where += _COMPAT
    if with_cutoff:
        where += " AND priority >= %(cutoff)s"
    order = _ORDER[strategy]
    return (
        f"WITH next AS (SELECT id FROM task_queue WHERE {where} ORDER BY {order}"
        " LIMIT %(n)s FOR UPDATE SKIP LOCKED),"
        " taken AS (UPDATE task_queue t SET status = %(status)s, attempts = t.attempts + 1,"
        " locked_by = %(worker)s, lease_until_utc = %(lease)s, reserved_at_utc = %(now)s,"
        " finished_at_utc = NULL, processing_started_utc = %(started)s,"
        f" updated_at_utc = %(now)s FROM next WHERE t.id = next.id RETURNING {T_SELECT}),"
        " l AS (INSERT INTO task_logs (task_id, at_utc, level, message)"
        " SELECT id, %(now)s, 'INFO', %(prefix)s::text || attempts || '/' || max_attempts"
        " || ')' FROM taken)"
        f" SELECT {TASK_SELECT} FROM taken ORDER BY {order}"
    )


def claim(db: Database, worker_id: str, lease_seconds: float, now: datetime,
          what: ClaimFilter, start: bool, n: int = 1) -> list[Task]:
    """Take up to ``n`` runnable tasks in ``what.strategy`` order, counting the attempt."""
    if what.nothing:
        return []
    db.check_writable()
    at = stamp(now)
    verb = "and started " if start else ""
    params: dict[str, Any] = {
        "now": at, "worker": worker_id, "status": "processing" if start else "leased",
        "lease": stamp_ceil(now + timedelta(seconds=lease_seconds)), "n": n,
        "started": at if start else None, "prefix": f"claimed by {worker_id} {verb}(attempt ",
        "types": list(what.types or ()),
        "caps": json.dumps(what.capabilities),
    }
    with db.connection() as conn:
        rows = _claim_rows(conn, what, params)
    tasks = [Task.from_row(row) for row in rows]
    for task in tasks:
        task.claimed_at = now.timestamp()
    return tasks


def _claim_rows(conn: psycopg.Connection[Any], what: ClaimFilter,
                params: dict[str, Any]) -> list[tuple[Any, ...]]:
    shape = (what.strategy, what.types is not None)
    if what.strategy == "weighted_random":
        low, high = conn.execute(
            "SELECT min(priority), max(priority) FROM task_queue WHERE status = 'queued'"
        ).fetchone() or (None, None)
        if low is not None and high is not None and low != high:
            params["cutoff"] = int(low + (high - low + 1) * random.random() ** 2)
            rows = conn.execute(claim_sql(*shape, True), params).fetchall()
            if rows:
                return rows
    return conn.execute(claim_sql(*shape, False), params).fetchall()


def start(db: Database, task_id: int, worker_id: str, now: datetime) -> bool:
    with db.transaction() as conn:
        cursor = conn.execute(START, {"id": task_id, "worker": worker_id, "now": stamp(now)})
        return cursor.rowcount == 1


def renew_lease(db: Database, task_id: int, worker_id: str, lease_seconds: float,
                now: datetime) -> bool:
    db.check_writable()
    with db.connection() as conn:
        cursor = conn.execute(RENEW, {"id": task_id, "worker": worker_id,
                                      "lease": stamp_ceil(now + timedelta(seconds=lease_seconds))})
        return cursor.rowcount == 1


def _run_params(task_id: int, worker_id: str, outcome: str, now: datetime,
                claimed_at: float | None) -> dict[str, Any]:
    finished = now.timestamp()
    run = None if claimed_at is None else max(finished - claimed_at, 0.0)
    return {"id": task_id, "worker": worker_id, "outcome": outcome, "now": stamp(now),
            "claimed": claimed_at, "run": run, "finished": finished}


def complete(db: Database, task_id: int, worker_id: str, now: datetime, result: Any,
             claimed_at: float | None) -> bool:
    """→ completed with its run record and log row; False (and a log line) when the worker
    no longer holds it."""
    db.check_writable()
    params = _run_params(task_id, worker_id, "completed", now, claimed_at)
    run = params["run"]
    params["message"] = "completed" if run is None else f"completed in {run * 1000:.0f} ms"
    params["details"] = details_json(None if result is None else {"result": result})
    with db.connection() as conn:
        done = conn.execute(COMPLETE, params).fetchone()
    if done is None or done[0] == 0:
        discard(db, task_id, worker_id, now, "result")
        return False
    return True


def fail(db: Database, task_id: int, worker_id: str, error: str, now: datetime,
         permanent: bool, details: dict[str, Any] | None, claimed_at: float | None,
         rng: random.Random | None) -> str | None:
    """Back to queued after the backoff while attempts remain, else failed; None (and a log
    line) when the worker no longer holds the task."""
    with db.transaction() as conn:
        rows = conn.execute("SELECT attempts, max_attempts FROM task_queue WHERE "
                            f"{_GUARD} FOR UPDATE", {"id": task_id, "worker": worker_id}
                            ).fetchall()
        if not rows:
            _log_discard(conn, task_id, worker_id, now, "failure")
            return None
        attempts, max_attempts = rows[0]
        params = _run_params(task_id, worker_id, "failed", now, claimed_at)
        params.update(error=error, details=details_json(details), run_after=None)
        if permanent or attempts >= max_attempts:
            why = "permanent error" if permanent else f"attempt {attempts}/{max_attempts}"
            params.update(status="failed", message=f"failed ({why}): {error}")
        else:
            due = now + timedelta(seconds=backoff_seconds(attempts, rng))
            params.update(status="queued", run_after=stamp_ceil(due), message=(
                f"failed (attempt {attempts}/{max_attempts}): {error};"
                f" next run at {to_db_ceil(due)}"))
        conn.execute(FAIL, params)
        return str(params["status"])


def discard(db: Database, task_id: int, worker_id: str, now: datetime, what: str) -> None:
    with db.transaction() as conn:
        _log_discard(conn, task_id, worker_id, now, what)


def _log_discard(conn: psycopg.Connection[Any], task_id: int, worker_id: str, now: datetime,
                 what: str) -> None:
    row = conn.execute("SELECT status, locked_by FROM task_queue WHERE id = %s",
                       (task_id,)).fetchone()
    if row is None:
        return  # deleted: nothing to log against
    status, holder = row
    logs.write(conn, task_id, stamp(now), "WARNING",
               f"late {what} from {worker_id} discarded: task is {status}"
               + (f" and held by {holder}" if holder and holder != worker_id else ""))


def release(db: Database, task_id: int, worker_id: str, now: datetime) -> bool:
    """Give a held task back to queued (a stopping worker), refunding its attempt."""
    with db.transaction() as conn:
        cursor = conn.execute(RELEASE, {"id": task_id, "worker": worker_id, "now": stamp(now),
                                        "channel": db.channel,
                                        "message": f"released by {worker_id} (worker stopping)"})
        return cursor.rowcount == 1


def acknowledge_cancel(db: Database, task_id: int, worker_id: str, now: datetime,
                       message: str | None) -> bool:
    """The handler of a task cancelled while ours has stopped: end the lease the cancel kept."""
    with db.transaction() as conn:
        cursor = conn.execute(ACKNOWLEDGE_CANCEL, {"id": task_id, "worker": worker_id})
        if cursor.rowcount != 1:
            return False
        if message is not None:
            logs.write(conn, task_id, stamp(now), "INFO", message)
        return True


def reclaim_expired(db: Database, now: datetime) -> dict[int, str]:
    db.check_writable()
    with db.connection() as conn:
        rows = conn.execute(RECLAIM, {"now": stamp(now), "channel": db.channel}).fetchall()
        if conn.execute("SELECT 1 FROM task_queue WHERE status = 'queued'"
                        " AND attempts >= max_attempts LIMIT 1").fetchone():
            rows += conn.execute(EXHAUSTED, {"now": stamp(now)}).fetchall()
    return {int(task_id): str(status) for task_id, status in rows}


def set_progress(db: Database, task_id: int, fraction: float | None, message: str | None,
                 now: datetime) -> None:
    db.check_writable()
    with db.connection() as conn:
        conn.execute(PROGRESS, (task_id, fraction, message, now.timestamp()))
