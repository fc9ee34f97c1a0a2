"""Made-up history (core/sample_data.py draws it) written into a queue file in bulk.

Rows go in with executemany in batches of short transactions (ids are contiguous while we
hold the write lock), so a million tasks take seconds, not minutes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

from prismq_desktop.core import sample_data
from prismq_desktop.core.sqlite import aggregates
from prismq_desktop.core.sqlite.database import QueueDatabase
from prismq_desktop.core.sqlite.enqueue import INSERT_TASK

INSERT_FULL = INSERT_TASK.replace("'queued'", "?").replace(
    "idempotency_key, created_at_utc, updated_at_utc)",
    "idempotency_key, created_at_utc, updated_at_utc, attempts, reserved_at_utc,"
    " processing_started_utc, finished_at_utc, locked_by, error_message, lease_until_utc)",
).replace("VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES (" + ", ".join("?" * 17) + ")")
INSERT_LOG = "INSERT INTO task_logs (task_id, at_utc, level, message) VALUES (?, ?, ?, ?)"
# sample_data.run_row's (task, type, attempt, worker, outcome, wait, run, finished): the
# attempt row needs all but the type.
INSERT_RUN = (
    "INSERT INTO pqd_attempts (task_id, attempt, worker_id, outcome, wait_s, run_s, finished)"
    " VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8)"
)


def generate(
    db: QueueDatabase, tasks: int, days: float, now: datetime, *, seed: int = 7,
    with_logs: bool = True, scheduled: int = 0, backlog: int = 0, batch: int = 20_000,
) -> int:
    """Write ``sample_data.plan``'s history; returns how many tasks were written."""
    rng, rows = sample_data.plan(tasks, days, now, seed=seed, scheduled=scheduled,
                                 backlog=backlog)
    for start in range(0, len(rows), batch):
        _write_batch(db, rng, rows[start:start + batch], now, with_logs)
    with db.transaction() as conn:  # finished tasks went in as such: no transition recorded
        conn.execute(aggregates.BACKFILL)
    return len(rows)


def _write_batch(db: QueueDatabase, rng: random.Random, rows: Sequence[sample_data.Planned],
                 now: datetime, with_logs: bool) -> None:
    columns = [sample_data.columns(rng, profile, created, out, now)
               for profile, created, out in rows]
    with db.transaction() as conn:
        conn.executemany(INSERT_FULL, columns)
        first = conn.last_insert_rowid() - len(rows) + 1
        ids = range(first, first + len(rows))
        if with_logs:
            conn.executemany(INSERT_LOG, [
                entry for task_id, (_p, created, out) in zip(ids, rows, strict=True)
                for entry in sample_data.log_entries(task_id, created, out)])
        runs = (sample_data.run_row(task_id, profile, out)
                for task_id, (profile, _c, out) in zip(ids, rows, strict=True))
        conn.executemany(INSERT_RUN, [run for run in runs if run is not None])
