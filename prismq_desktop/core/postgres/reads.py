"""Reads on PostgreSQL: counts from the kept totals, windows, result sets, one task's details.

Counts per (type, status) are ``pqd_counts`` plus the deltas the statement triggers append
(schema.py); a read past ``FOLD_AFTER`` deltas folds them in, one folder at a time (a
transaction-level advisory lock, safe behind a pooler), so the read stays a few rows.
A result set is the query's ids in order, handed over as one ``string_agg`` text that numpy
parses (as on SQLite: core/sqlite/resultset.py says why ids beat OFFSET).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from prismq_desktop.core.models import TASK_SELECT, Task
from prismq_desktop.core.postgres import filters
from prismq_desktop.core.postgres.connection import Database
from prismq_desktop.core.query import ACTIVE_FILTER, SCHEDULED, TaskQuery
from prismq_desktop.core.reports import Run, TaskDetails
from prismq_desktop.core.resultset import Monotonic, ResultSet

FOLD_AFTER = 2000
COUNTS = (
    "SELECT type, status, sum(n)::bigint, sum(d)::bigint FROM ("
    " SELECT type, status, n, 0 AS d FROM pqd_counts"
    " UNION ALL SELECT type, status, n, 1 FROM pqd_count_deltas) c GROUP BY type, status"
)
FOLD = (
    "WITH moved AS (DELETE FROM pqd_count_deltas RETURNING type, status, n)"
    " INSERT INTO pqd_counts (type, status, n)"
    " SELECT type, status, sum(n) FROM moved GROUP BY type, status ORDER BY type, status"
    " ON CONFLICT (type, status) DO UPDATE SET n = pqd_counts.n + excluded.n"
)
SCHEDULED_COUNT = "SELECT count(*) FROM task_queue WHERE status = 'queued' AND run_after_utc > %s"
SELECT_BY_IDS = f"SELECT {TASK_SELECT} FROM task_queue WHERE id = ANY(%s)"
SNAPSHOT = (
    "SELECT (SELECT max(id) FROM task_queue),"
    " (SELECT string_agg(id::text, ',' ORDER BY {order}) FROM task_queue WHERE {where})"
)


def type_counts(db: Database) -> dict[tuple[str, str], int]:
    rows = db.query(COUNTS)
    if sum(int(row[3]) for row in rows) > FOLD_AFTER and not db.read_only:
        fold_counts(db)
    return {(kind, status): int(n) for kind, status, n, _d in rows if n}


def fold_counts(db: Database) -> None:
    with db.transaction() as conn:
        if conn.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))",
                        (f"prismq-counts-{db.schema}",)).fetchone() == (True,):
            conn.execute(FOLD)


def scheduled_count(db: Database, now: datetime, types: tuple[str, ...] = ()) -> int:
    sql = SCHEDULED_COUNT
    params: list[Any] = [now]
    if types:
        sql += " AND type = ANY(%s)"
        params.append(list(types))
    return int(db.one(sql, params)[0])


def status_counts(db: Database, now: datetime) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (_kind, status), n in type_counts(db).items():
        counts[status] = counts.get(status, 0) + n
    scheduled = scheduled_count(db, now)
    if scheduled:
        counts[SCHEDULED] = scheduled
        counts["queued"] = counts.get("queued", 0) - scheduled
    return {status: n for status, n in counts.items() if n}


def count_tasks(db: Database, query: TaskQuery, now: datetime) -> int:
    if not query.is_simple():
        where, params = filters.where(query, now)
        return int(db.one(f"SELECT count(*) FROM task_queue WHERE {where}", params)[0])
    wanted = set(query.statuses)
    if ACTIVE_FILTER in wanted:
        wanted |= {"leased", "processing"}
    totals: dict[str, int] = {}
    for (kind, status), n in type_counts(db).items():
        if not query.types or kind in query.types:
            totals[status] = totals.get(status, 0) + n
    if not wanted:
        return sum(totals.values())
    pseudo = ("queued", SCHEDULED, ACTIVE_FILTER)
    total = sum(n for status, n in totals.items() if status in wanted and status not in pseudo)
    split = {"queued", SCHEDULED} & wanted
    if split == {"queued", SCHEDULED}:
        return total + totals.get("queued", 0)
    if split:
        scheduled = scheduled_count(db, now, query.types)
        total += scheduled if SCHEDULED in split else totals.get("queued", 0) - scheduled
    return total


def list_tasks(db: Database, query: TaskQuery, now: datetime, offset: int,
               limit: int) -> list[Task]:
    where, params = filters.where(query, now)
    sql = (f"SELECT {TASK_SELECT} FROM task_queue WHERE {where}"
           f" ORDER BY {filters.order_by(query)} LIMIT %s OFFSET %s")
    return [Task.from_row(row) for row in db.query(sql, [*params, limit, offset])]


def _snapshot(db: Database, query: TaskQuery, now: datetime,
              above: int | None = None) -> tuple[int, np.ndarray]:
    where, params = filters.where(query, now)
    if above is not None:
        where, params = f"id > %s AND ({where})", [above, *params]
    sql = SNAPSHOT.format(order=filters.order_by(query), where=where)
    max_id, text = db.one(sql, params)
    ids = np.array(text.split(","), dtype=np.int64) if text else np.empty(0, np.int64)
    return int(max_id or 0), ids


def build(db: Database, query: TaskQuery, now: datetime,
          clock: Monotonic = time.monotonic) -> ResultSet:
    start = clock()
    max_id, ids = _snapshot(db, query, now)
    done = clock()
    return ResultSet(query, ids, max_id, done, done - start)


def refresh(db: Database, result: ResultSet, now: datetime, rebuild: bool,
            clock: Monotonic = time.monotonic) -> ResultSet:
    """As core/sqlite/resultset.py's refresh: new ids at once, a rebuild when due."""
    query = result.query
    if result.follows_writes():
        max_id, new = _snapshot(db, query, now, above=result.max_id)
        fresh = result.with_new(max_id, new)
        return fresh if len(fresh) == count_tasks(db, query, now) else build(db, query, now)
    if rebuild and result.rebuild_due(clock):
        return build(db, query, now, clock)
    if query.sort != "id":
        return result
    max_id, new = _snapshot(db, query, now, above=result.max_id)
    return result.with_new(max_id, new)


def window(db: Database, result: ResultSet, offset: int, limit: int) -> list[Task | None]:
    wanted = result.task_ids(offset, limit)
    if not wanted:
        return []
    found = {row[0]: Task.from_row(row) for row in db.query(SELECT_BY_IDS, (wanted,))}
    return [found.get(task_id) for task_id in wanted]


def rows(db: Database, ids: Sequence[int]) -> list[tuple[Any, ...]]:
    found = {row[0]: row for row in db.query(SELECT_BY_IDS, (list(ids),))}
    return [found[task_id] for task_id in ids if task_id in found]


def details(db: Database, task_id: int, task: Task) -> TaskDetails:
    progress = db.query("SELECT fraction, message, updated FROM pqd_progress WHERE task_id = %s",
                        (task_id,))
    runs = [Run(*row) for row in db.query(
        "SELECT attempt, worker_id, outcome, wait_s, run_s, finished FROM pqd_runs"
        " WHERE task_id = %s ORDER BY run_id", (task_id,))]
    return TaskDetails(task, tuple(progress[0]) if progress else None, runs)


def oldest_ready(db: Database, now: datetime) -> Any:
    return db.one("SELECT min(run_after_utc) FROM task_queue WHERE status = 'queued'"
                  " AND run_after_utc <= %s", (now,))[0]


def finished_counts(db: Database, since: datetime) -> tuple[int, int]:
    completed, failed = db.one(
        "SELECT count(*) FILTER (WHERE status = 'completed'),"
        " count(*) FILTER (WHERE status = 'failed') FROM task_queue"
        " WHERE finished_at_utc >= %s", (since,))
    return int(completed), int(failed)


def known_workers(db: Database, limit: int) -> list[str]:
    found = db.query(
        "SELECT worker_id FROM workers UNION SELECT locked_by FROM task_queue"
        " WHERE status IN ('leased', 'processing') AND locked_by IS NOT NULL LIMIT %s",
        (limit,))
    return sorted(str(name) for (name,) in found)


def get_meta(db: Database, key: str) -> str | None:
    found = db.query("SELECT value FROM pqd_meta WHERE key = %s", (key,))
    return found[0][0] if found else None


def set_meta(db: Database, key: str, value: str | None) -> None:
    with db.transaction() as conn:
        if value is None:
            conn.execute("DELETE FROM pqd_meta WHERE key = %s", (key,))
        else:
            conn.execute("INSERT INTO pqd_meta (key, value) VALUES (%s, %s) ON CONFLICT (key)"
                         " DO UPDATE SET value = excluded.value", (key, value))
