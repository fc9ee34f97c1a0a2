"""The worker side of a task's life: claim, start, renew, complete, fail, release, reclaim.

Every write is guarded by status and ``locked_by`` in SQL, so a late result from a worker that
lost its lease or whose task was cancelled changes nothing but a log line (DESIGN §4).
"""

from __future__ import annotations

import functools
import json
import random
from datetime import datetime, timedelta
from typing import Any

import apsw

from prismq_desktop.core import timeutil
from prismq_desktop.core.claims import ClaimFilter, backoff_seconds, check_strategy
from prismq_desktop.core.models import ACTIVE, TASK_SELECT, Task
from prismq_desktop.core.sqlite import logs
from prismq_desktop.core.sqlite.database import (
    TASK_AS_STORED,
    QueueDatabase,
    decode_stored,
    or_as_stored,
)
from prismq_desktop.core.sqlite.filters import quoted

_ORDER = {
    "fifo": "run_after_utc, id",
    "lifo": "run_after_utc DESC, id DESC",
    "priority": "priority, run_after_utc, id",
    "weighted_random": "priority, run_after_utc, id",
}
# Each strategy names the index that yields its order, so a claim never sorts the backlog
# (SQLite's planner would otherwise pick by its guesses, e.g. sort by priority); FIFO/LIFO read
# the partial index of queued rows, ordered (run_after_utc, id) since the rowid ends each entry.
_INDEX = {
    "fifo": "pqd_ix_task_queued_run_after",
    "lifo": "pqd_ix_task_queued_run_after",
    "priority": "ix_task_status_prio_time",
    "weighted_random": "ix_task_status_prio_time",
}
EXHAUSTED = "status = 'queued' AND attempts >= max_attempts"
_GUARD = f"id = :id AND status IN ({quoted(ACTIVE)}) AND locked_by = :worker"
# compat.compatible in SQL: a JSON object whose every key the worker's capabilities hold with
# the same JSON type (integer and real are both numbers) and value; '{}' first, the usual case.
_COMPAT = (
    " AND (compatibility = '{}' OR (json_valid(compatibility)"
    " AND json_type(compatibility) = 'object' AND NOT EXISTS ("
    "SELECT 1 FROM json_each(compatibility) AS c WHERE NOT EXISTS ("
    "SELECT 1 FROM json_each(:caps) AS v WHERE v.key = c.key AND v.value IS c.value"
    " AND (v.type = c.type OR (v.type IN ('integer', 'real')"
    " AND c.type IN ('integer', 'real')))))))"
)
# Paused types (core/sqlite/controls.py) are claimed by nobody; the list is a few rows.
_NOT_PAUSED = " AND type NOT IN (SELECT type FROM pqd_paused_types)"
# The attempt's record, written just before its status change so the aggregate trigger reads
# its sub-second wait and run (DESIGN §9). Guarded like the change itself: a worker that no
# longer holds the task records nothing. The wait (creation to claim) is worked out in SQL,
# so nothing is read back into Python; julianday() reads every timestamp form, NULL if not.
INSERT_ATTEMPT = (
    "INSERT OR REPLACE INTO pqd_attempts (task_id, finished, attempt, worker_id, outcome,"
    " wait_s, run_s) SELECT id, :finished, attempts, :worker, :outcome,"
    " max(:claimed - (julianday(created_at_utc) - 2440587.5) * 86400.0, 0.0), :run"
    " FROM task_queue WHERE id = :id AND status IN ('leased', 'processing')"
    " AND locked_by = :worker"
)
ACKNOWLEDGE_CANCEL = (
    "UPDATE task_queue SET lease_until_utc = NULL WHERE id = :id AND status = 'cancelled'"
    " AND locked_by = :worker"
)
COMPLETE = (
    "UPDATE task_queue SET status = 'completed', finished_at_utc = :now,"
    f" lease_until_utc = NULL, error_message = NULL, updated_at_utc = :now WHERE {_GUARD}"
)


@functools.lru_cache(maxsize=256)
def claim_sql(strategy: str, n_types: int | None, with_cutoff: bool,
              as_stored: bool = False) -> str:
    """The claim statement for one strategy and filter shape (a test checks each plan);
    ``as_stored`` returns the row as TASK_AS_STORED (the row holds text not in UTF-8)."""
    check_strategy(strategy)
    where = "status = 'queued' AND run_after_utc <= :now AND attempts < max_attempts"
    where += _NOT_PAUSED
    if n_types is not None:
        where += f" AND type IN ({', '.join(f':t{i}' for i in range(n_types))})"
    where += _COMPAT
    if with_cutoff:
        where += " AND priority >= :cutoff"
    return (
        "UPDATE task_queue SET status = :status, attempts = attempts + 1, locked_by = :worker,"
        " lease_until_utc = :lease, reserved_at_utc = :now, finished_at_utc = NULL,"
        " processing_started_utc = CASE WHEN :status = 'processing' THEN :now END,"
        " updated_at_utc = :now"
        f" WHERE id = (SELECT id FROM task_queue INDEXED BY {_INDEX[strategy]} WHERE {where}"
        f" ORDER BY {_ORDER[strategy]} LIMIT 1)"
        f" RETURNING {TASK_AS_STORED if as_stored else TASK_SELECT}"
    )


def claim(
    db: QueueDatabase, worker_id: str, lease_seconds: float, now: datetime,
    what: ClaimFilter, start: bool = True,
) -> Task | None:
    """Take the next runnable task in one ``BEGIN IMMEDIATE`` transaction, or None.

    With ``start`` (what the engine does) the task goes straight to ``processing``; attempts
    are counted here so a crash mid-task still counts.
    """
    if what.nothing:
        return None
    def run(as_stored: bool) -> Task | None:
        with db.transaction() as conn:
            return claim_in(conn, worker_id, lease_seconds, now, what, start, as_stored)
    return or_as_stored(run)


def claim_in(conn: apsw.Connection, worker_id: str, lease_seconds: float, now: datetime,
             what: ClaimFilter, start: bool, as_stored: bool = False) -> Task | None:
    """The claim and its log row, inside the caller's transaction. A row with text that is
    not UTF-8 raises UnicodeDecodeError: roll back and call again with ``as_stored``."""
    if what.nothing:
        return None
    now_text = timeutil.to_db(now)
    params: dict[str, Any] = {
        "now": now_text, "worker": worker_id, "status": "processing" if start else "leased",
        "lease": timeutil.to_db_ceil(now + timedelta(seconds=lease_seconds)),
    }
    for i, name in enumerate(what.types or ()):
        params[f"t{i}"] = name
    params["caps"] = json.dumps(what.capabilities) if what.capabilities else "{}"
    rows = _claim_rows(conn, what, params, as_stored)
    if not rows:
        return None
    task = Task.from_row(decode_stored(rows[0]) if as_stored else rows[0])
    verb = "and started " if start else ""
    logs.write(conn, task.id, now_text, "INFO", f"claimed by {worker_id} {verb}(attempt"
               f" {task.attempts}/{task.max_attempts})")
    task.claimed_at = now.timestamp()
    return task


def _claim_rows(conn: apsw.Connection, what: ClaimFilter, params: dict[str, Any],
                as_stored: bool) -> list[tuple[Any, ...]]:
    n_types = len(what.types) if what.types is not None else None
    if what.strategy == "weighted_random":
        cutoff = _random_cutoff(conn)
        if cutoff is not None:
            params["cutoff"] = cutoff
            rows = conn.execute(claim_sql(what.strategy, n_types, True, as_stored),
                                params).fetchall()
            if rows:
                return rows
            del params["cutoff"]
    return conn.execute(claim_sql(what.strategy, n_types, False, as_stored),
                        params).fetchall()


def _random_cutoff(conn: apsw.Connection) -> int | None:
    """A priority floor drawn so urgent (low-number) tasks win more often, none starve."""
    low, high = conn.execute(
        "SELECT (SELECT min(priority) FROM task_queue WHERE status = 'queued'),"
        " (SELECT max(priority) FROM task_queue WHERE status = 'queued')"
    ).fetchall()[0]
    if low is None or high is None or low == high:
        return None
    return int(low + (high - low + 1) * random.random() ** 2)  # type: ignore[operator]


def start(db: QueueDatabase, task_id: int, worker_id: str, now: datetime) -> bool:
    """leased → processing (for claimers that claim first and start later)."""
    now_text = timeutil.to_db(now)
    with db.transaction() as conn:
        conn.execute(
            "UPDATE task_queue SET status = 'processing', processing_started_utc = :now,"
            f" updated_at_utc = :now WHERE {_GUARD} AND status = 'leased'",
            {"id": task_id, "worker": worker_id, "now": now_text},
        )
        if not conn.changes():
            return False
        logs.write(conn, task_id, now_text, "INFO", "started")
        return True


def renew_lease(
    db: QueueDatabase, task_id: int, worker_id: str, lease_seconds: float, now: datetime
) -> bool:
    """Extend the lease; False means the task was cancelled or the lease lost: stop work."""
    with db.transaction() as conn:
        conn.execute(
            f"UPDATE task_queue SET lease_until_utc = :lease WHERE {_GUARD}",
            {"id": task_id, "worker": worker_id,
             "lease": timeutil.to_db_ceil(now + timedelta(seconds=lease_seconds))},
        )
        return conn.changes() == 1


def _attempt(conn: apsw.Connection, task_id: int, worker_id: str, outcome: str,
             now: datetime, claimed_at: float | None) -> tuple[bool, float | None]:
    """Record the attempt in pqd_attempts: (whether the worker still holds the task, the
    run time in seconds when known)."""
    finished = now.timestamp()
    run = None if claimed_at is None else max(finished - claimed_at, 0.0)
    conn.execute(INSERT_ATTEMPT, {"id": task_id, "worker": worker_id, "outcome": outcome,
                                  "claimed": claimed_at, "run": run, "finished": finished})
    return conn.changes() > 0, run


def _discard(conn: apsw.Connection, task_id: int, worker_id: str, now_text: str, what: str) -> None:
    rows = conn.execute("SELECT status, locked_by FROM task_queue WHERE id = ?",
                        (task_id,)).fetchall()
    status, holder = rows[0] if rows else ("missing", None)
    logs.write(conn, task_id, now_text, "WARNING",
               f"late {what} from {worker_id} discarded: task is {status}"
               + (f" and held by {holder}" if holder and holder != worker_id else ""))


def complete(
    db: QueueDatabase, task_id: int, worker_id: str, now: datetime,
    result: Any = None, claimed_at: float | None = None,
) -> bool:
    """processing/leased → completed; False (and a log line) when the worker no longer holds it."""
    with db.transaction() as conn:
        return complete_in(conn, task_id, worker_id, now, result, claimed_at)


def complete_in(conn: apsw.Connection, task_id: int, worker_id: str, now: datetime,
                result: Any, claimed_at: float | None) -> bool:
    """The completion, its attempt row and its log row, inside the caller's transaction."""
    now_text = timeutil.to_db(now)
    held, run = _attempt(conn, task_id, worker_id, "completed", now, claimed_at)
    if not held:
        _discard(conn, task_id, worker_id, now_text, "result")
        return False
    conn.execute(COMPLETE, {"id": task_id, "worker": worker_id, "now": now_text})
    message = "completed" if run is None else f"completed in {run * 1000:.0f} ms"
    logs.write(conn, task_id, now_text, "INFO", message,
               None if result is None else {"result": result})
    return True


def fail(
    db: QueueDatabase, task_id: int, worker_id: str, error: str, now: datetime,
    permanent: bool = False, details: dict[str, Any] | None = None,
    claimed_at: float | None = None, rng: random.Random | None = None,
) -> str | None:
    """Retry with backoff while attempts remain, else ``failed``; returns the new status.

    None means the worker no longer held the task and nothing changed but the log.
    """
    now_text = timeutil.to_db(now)
    with db.transaction() as conn:
        rows = conn.execute(
            f"SELECT attempts, max_attempts FROM task_queue WHERE {_GUARD}",
            {"id": task_id, "worker": worker_id},
        ).fetchall()
        if not rows:
            _discard(conn, task_id, worker_id, now_text, "failure")
            return None
        attempts, max_attempts = rows[0]
        _attempt(conn, task_id, worker_id, "failed", now, claimed_at)
        if permanent or _int(attempts) >= _int(max_attempts):
            _finish_failed(conn, task_id, error, now_text)
            why = "permanent error" if permanent else f"attempt {attempts}/{max_attempts}"
            logs.write(conn, task_id, now_text, "ERROR", f"failed ({why}): {error}", details)
            return "failed"
        delay = timedelta(seconds=backoff_seconds(_int(attempts), rng))
        run_after = timeutil.to_db_ceil(now + delay)
        _requeue(conn, task_id, error, run_after, now_text)
        logs.write(conn, task_id, now_text, "ERROR",
                   f"failed (attempt {attempts}/{max_attempts}): {error}; next run at {run_after}",
                   details)
        return "queued"


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _finish_failed(conn: apsw.Connection, task_id: int, error: str, now_text: str) -> None:
    conn.execute(
        "UPDATE task_queue SET status = 'failed', finished_at_utc = :now, lease_until_utc = NULL,"
        " error_message = :error, updated_at_utc = :now WHERE id = :id",
        {"id": task_id, "error": error, "now": now_text},
    )


def _requeue(conn: apsw.Connection, task_id: int, error: str | None, run_after: str,
             now_text: str, refund: bool = False) -> None:
    conn.execute(
        "UPDATE task_queue SET status = 'queued', run_after_utc = :run_after,"
        " lease_until_utc = NULL, locked_by = NULL,"
        " error_message = coalesce(:error, error_message),"
        " attempts = CASE WHEN :refund THEN max(attempts - 1, 0) ELSE attempts END,"
        " updated_at_utc = :now WHERE id = :id",
        {"id": task_id, "error": error, "run_after": run_after, "now": now_text, "refund": refund},
    )


def release(db: QueueDatabase, task_id: int, worker_id: str, now: datetime) -> bool:
    """Give an unfinished task back to ``queued`` (graceful stop), refunding its attempt."""
    now_text = timeutil.to_db(now)
    with db.transaction() as conn:
        held = conn.execute(f"SELECT 1 FROM task_queue WHERE {_GUARD}",
                            {"id": task_id, "worker": worker_id}).fetchall()
        if not held:
            return False
        _requeue(conn, task_id, None, now_text, now_text, refund=True)
        logs.write(conn, task_id, now_text, "WARNING", f"released by {worker_id} (worker stopping)")
        return True


def acknowledge_cancel(db: QueueDatabase, task_id: int, worker_id: str, now: datetime,
                       message: str | None) -> bool:
    """The handler of a task cancelled while ours has stopped: end the lease the cancel kept."""
    now_text = timeutil.to_db(now)
    with db.transaction() as conn:
        conn.execute(ACKNOWLEDGE_CANCEL, {"id": task_id, "worker": worker_id})
        if not conn.changes():
            return False
        if message is not None:
            logs.write(conn, task_id, now_text, "INFO", message)
        return True


def reclaim_expired(db: QueueDatabase, now: datetime) -> dict[int, str]:
    """Requeue (or fail, when out of attempts) every leased/processing task whose lease passed,
    and fail queued tasks with no attempts left.

    Idempotent; any worker or the app may run it. Returns {task id: new status}.
    """
    now_text = timeutil.to_db(now)
    done: dict[int, str] = {}
    with db.transaction() as conn:
        expired = conn.execute(
            "SELECT id, attempts, max_attempts, locked_by FROM task_queue"
            f" WHERE status IN ({quoted(ACTIVE)})"
            " AND lease_until_utc IS NOT NULL AND lease_until_utc < ?", (now_text,)
        ).fetchall()
        for row in expired:
            task_id, attempts, max_attempts, holder = int(row[0]), row[1], row[2], row[3]  # type: ignore[arg-type]
            error = f"lease expired (held by {holder})"
            if _int(attempts) >= _int(max_attempts):
                _finish_failed(conn, task_id, error, now_text)
                done[task_id] = "failed"
            else:
                _requeue(conn, task_id, error, now_text, now_text)
                done[task_id] = "queued"
            logs.write(conn, task_id, now_text, "WARNING", f"{error}; now {done[task_id]}")
    done.update(_fail_exhausted(db, now_text))
    return done


def _fail_exhausted(db: QueueDatabase, now_text: str) -> dict[int, str]:
    """Fail queued tasks with no attempts left: no claim takes them (the PrismQ backend can
    leave them), so without this they would wait for ever. Looked for outside the write
    transaction, so the common case (none) holds no lock."""
    if not db.query(f"SELECT 1 FROM task_queue WHERE {EXHAUSTED} LIMIT 1"):
        return {}
    done: dict[int, str] = {}
    with db.transaction() as conn:
        rows = conn.execute(f"SELECT id, attempts, max_attempts FROM task_queue WHERE {EXHAUSTED}"
                            ).fetchall()
        for task_id, attempts, max_attempts in rows:
            error = f"no attempts left while queued ({attempts}/{max_attempts})"
            _finish_failed(conn, int(task_id), error, now_text)  # type: ignore[arg-type]
            logs.write(conn, int(task_id), now_text, "WARNING", f"{error}; now failed")  # type: ignore[arg-type]
            done[int(task_id)] = "failed"  # type: ignore[arg-type]
    return done


def set_progress(db: QueueDatabase, task_id: int, fraction: float | None, message: str | None,
                 now: datetime) -> None:
    """Store a running task's progress for the GUI (one row per task, replaced)."""
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO pqd_progress (task_id, fraction, message, updated) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (task_id) DO UPDATE SET fraction = excluded.fraction,"
            " message = excluded.message, updated = excluded.updated",
            (task_id, fraction, message, now.timestamp()),
        )
