"""Raw rows of a queue file's tables for ``copy`` (core/copying.py), ids kept both ways.

The attempt records travel as ``pqd_runs`` rows (PostgreSQL keeps that table); a file keeps
them in ``pqd_attempts`` keyed by task and finish, so reading gives each a run id of
``task_id * RUNS_PER_TASK`` plus its place among the task's attempts. Tasks and attempts
copied in arrive in their final states, not through transitions, so the aggregates are
rebuilt from them (the migration's back-fill) the next time the file opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prismq_desktop.core import copying
from prismq_desktop.core.sqlite import aggregates
from prismq_desktop.core.sqlite.database import QueueDatabase

RUNS_PER_TASK = 1 << 16
_ATTEMPT_COLUMNS = ("task_id", "finished", "attempt", "worker_id", "outcome", "wait_s", "run_s")
_READ_ATTEMPTS = (
    "SELECT a.task_id, t.type, a.attempt, a.worker_id, a.outcome, a.wait_s, a.run_s, a.finished"
    " FROM pqd_attempts AS a LEFT JOIN task_queue AS t ON t.id = a.task_id"
    " WHERE a.task_id >= ? ORDER BY a.task_id, a.finished LIMIT ?"
)


def read_rows(db: QueueDatabase, table: str, after: Any, limit: int) -> list[tuple[Any, ...]]:
    """Rows in key order after ``after`` (None: from the first); none if the table is not
    in the file yet (a PrismQ-only file without the app's tables)."""
    key, columns = copying.table(table)
    names = db.table_names()
    if table == "pqd_runs" and "pqd_attempts" in names:
        return _read_attempts(db, after, limit)
    if table not in names:
        return []
    where, params = ("", []) if after is None else (f" WHERE {key} > ?", [after])
    return db.query(f"SELECT {', '.join(columns)} FROM {table}{where} ORDER BY {key} LIMIT ?",
                    [*params, limit])


def _read_attempts(db: QueueDatabase, after: Any, limit: int) -> list[tuple[Any, ...]]:
    """pqd_attempts as pqd_runs rows (run_id first), from the task holding ``after`` on."""
    first = 0 if after is None else int(after) // RUNS_PER_TASK
    out: list[tuple[Any, ...]] = []
    place: dict[Any, int] = {}
    for row in db.query(_READ_ATTEMPTS, (first, limit + RUNS_PER_TASK)):
        run_id = int(row[0]) * RUNS_PER_TASK + place.setdefault(row[0], 0)
        place[row[0]] += 1
        if after is None or run_id > int(after):
            out.append((run_id, *row))
            if len(out) == limit:
                break
    return out


def write_rows(db: QueueDatabase, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows as read from another queue; a key already in the file is skipped."""
    _key, columns = copying.table(table)
    with db.transaction() as conn:
        if table == "pqd_runs":  # run id, task, type, attempt, worker, outcome, wait, run, end
            conn.executemany(
                f"INSERT OR IGNORE INTO pqd_attempts ({', '.join(_ATTEMPT_COLUMNS)})"
                " VALUES (?2, ?9, ?4, ?5, ?6, ?7, ?8)", rows)
        else:
            marks = ", ".join("?" * len(columns))
            conn.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(columns)})"
                             f" VALUES ({marks})", rows)
        if table in ("task_queue", "pqd_runs"):
            conn.execute(aggregates.MARK_STALE)
