"""Read queries for the task table, sidebar and CLI: filters, sorted windows and counts.

Sort keys come from a fixed list; every value is a bound parameter (DESIGN §10). A
:class:`core.query.TaskQuery` becomes SQL in :mod:`filters`.

How the table gets any window of a million rows in bounded time (figures from
benchmarks/read_bench.py on this machine, 1,007,000 tasks):

- :class:`resultset.ResultSet` (``Queue.result_set``) holds the query's ordered ids, read
  once per query with lean connection settings (0.14 s for the default order, 0.25-0.65 s
  for unindexed orders such as priority, worker or duration); then a 200-row window at any
  depth in either direction is < 3 ms (OFFSET: 47 ms at 500,000 by id, ~1.9 s by
  priority), the row count is its length and a task's position 0.4 ms.
  ``ResultSet.refresh`` keeps it current at a bounded cost. The task table reads every
  window below its first page this way (gui/tasks/task_source.py), in every order.
- No index was added for sorting: twelve sort indexes halved single enqueue (4.4k/s to
  2.2k/s) and, covering status and type as filtered windows need, cut claim+complete to
  0.57x (``read_bench --index-cost``).
- :func:`list_tasks` is the stateless first page (CLI, first paint): ids first, over an
  index when one covers filter and order, with :func:`prefer_scan` keeping SQLite off the
  status/type indexes when those match much of the file.
- :func:`count_tasks` answers status/type filters from the trigger-kept counts in ``pqd_agg``
  (0.1 ms against 355 ms for GROUP BY); only the queued/scheduled split needs an indexed
  range count.
"""
from __future__ import annotations

from datetime import datetime

from prismq_desktop.core import timeutil
from prismq_desktop.core.models import TASK_SELECT, Task, as_text
from prismq_desktop.core.query import ACTIVE_FILTER, SCHEDULED, TaskQuery
from prismq_desktop.core.sqlite import aggregates, filters, schema
from prismq_desktop.core.sqlite.database import QueueDatabase


def list_tasks(
    db: QueueDatabase, query: TaskQuery, now: datetime, offset: int = 0, limit: int = 200
) -> list[Task]:
    """One window of matching tasks in the query's order (the first page; deep windows are
    :class:`resultset.ResultSet`'s). Ids are chosen first, over an index when one covers the
    filter and order, and only the window's rows are read."""
    where, params = filters.where(query, now, scan=prefer_scan(db, query, now))
    order = filters.order_by(query)
    sql = (f"SELECT {TASK_SELECT} FROM task_queue WHERE id IN (SELECT id FROM task_queue"
           f" WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?) ORDER BY {order}")
    return [Task.from_row(row) for row in db.query(sql, [*params, limit, offset])]


def prefer_scan(db: QueueDatabase, query: TaskQuery, now: datetime) -> bool:
    """True when a status/type filter matches 1 task in 20 or more (known from the totals):
    then walking the sort order beats collecting matches from the filter's index and sorting.
    """
    if not (query.statuses or query.types) or not query.is_simple() or not _counted(db):
        return False
    total = sum(type_status_counts(db).values())
    return count_tasks(db, query, now) * 20 >= total


def count_tasks(db: QueueDatabase, query: TaskQuery, now: datetime) -> int:
    """How many tasks match; simple filters cost a few count rows of pqd_agg, not a scan."""
    if query.is_simple() and _counted(db):
        return _count_from_totals(db, query, now)
    where, params = filters.where(query, now)
    return int(db.query(f"SELECT COUNT(*) FROM task_queue WHERE {where}", params)[0][0])


def _count_from_totals(db: QueueDatabase, query: TaskQuery, now: datetime) -> int:
    """Sum the totals; only the queued/scheduled split needs a (ranged, indexed) count."""
    wanted = set(query.statuses)
    if ACTIVE_FILTER in wanted:
        wanted |= {"leased", "processing"}
    totals = {status: 0 for status in wanted}
    for (kind, status), n in type_status_counts(db).items():
        if not query.types or kind in query.types:
            totals[status] = totals.get(status, 0) + n
    if not wanted:
        return sum(totals.values())
    pseudo = ("queued", SCHEDULED, ACTIVE_FILTER)  # stored rows with these names never match
    total = sum(n for status, n in totals.items() if status in wanted and status not in pseudo)
    split = {"queued", SCHEDULED} & wanted
    if split == {"queued", SCHEDULED}:
        return total + totals.get("queued", 0)
    if split:
        scheduled = scheduled_count(db, now, query.types)
        total += scheduled if SCHEDULED in split else totals.get("queued", 0) - scheduled
    return total


SCHEDULED_COUNT = "SELECT COUNT(*) FROM task_queue WHERE status = 'queued' AND run_after_utc > ?"


def scheduled_count(db: QueueDatabase, now: datetime, types: tuple[str, ...] = ()) -> int:
    """Queued tasks whose run_after is still ahead (an index range, not a scan)."""
    sql = SCHEDULED_COUNT
    if types:
        sql += f" AND type IN ({', '.join('?' * len(types))})"
    return int(db.query(sql, (timeutil.to_db(now), *types))[0][0])


def type_status_counts(db: QueueDatabase) -> dict[tuple[str, str], int]:
    """{(type, status): n}, from the trigger-kept table when the file has it."""
    if _counted(db):
        rows = db.query("SELECT g, k, n FROM pqd_agg WHERE b = ? AND n > 0", (aggregates.COUNTS,))
    else:
        rows = db.query("SELECT type, status, COUNT(*) FROM task_queue GROUP BY type, status")
    counts: dict[tuple[str, str], int] = {}
    for kind, status, n in rows:  # as text: another tool may have stored any value there
        key = (as_text(kind), as_text(status))
        counts[key] = counts.get(key, 0) + n
    return counts


def _counted(db: QueueDatabase) -> bool:
    """Whether the file keeps exact counts in pqd_agg (else they take a GROUP BY)."""
    return db.user_version() >= schema.AGGREGATES_VERSION


def status_counts(db: QueueDatabase, now: datetime) -> dict[str, int]:
    """{status: n} over the whole queue, with 'scheduled' split out of 'queued'."""
    counts: dict[str, int] = {}
    for (_kind, status), n in type_status_counts(db).items():
        counts[status] = counts.get(status, 0) + n
    scheduled = scheduled_count(db, now)
    if scheduled:
        counts[SCHEDULED] = scheduled
        counts["queued"] = counts.get("queued", 0) - scheduled
    return counts


def known_workers(db: QueueDatabase, limit: int = 200) -> list[str]:
    """Registered workers and the ones holding tasks now (for search completion)."""
    rows = db.query(
        "SELECT worker_id FROM workers UNION SELECT DISTINCT locked_by FROM task_queue"
        " WHERE status IN ('leased', 'processing') AND locked_by IS NOT NULL LIMIT ?", (limit,))
    return sorted(str(name) for (name,) in rows)

