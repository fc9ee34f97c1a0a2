"""The ordered ids a query matched: the task table's rows at any depth in bounded time.

Why a snapshot of ids (Anki's browser holds ids too) rather than OFFSET or an index per sort
key, measured on a 1,000,000-task file (benchmarks/read_bench.py prints the figures):

- OFFSET walks every skipped row: ~50 ms at 500,000 on the table b-tree (id order), and each
  window of an unindexed order (priority, attempts, worker, error, duration...) sorts the
  whole match set again: 0.5-2.5 s.
- An index per sort key makes OFFSET cheap (~4 ms at 500,000 on a narrow covering index) but
  every index costs every write: twelve of them cut single enqueue from 6.1k/s to 3.4k/s and
  claim+complete from 2.5k/s to 1.9k/s (1.2k/s when they also cover status and type, as
  filtered windows need), which DESIGN §9's write budgets cannot afford.
- The snapshot costs one statement per query: SQLite orders the ids (an index when there is
  one), ``group_concat`` hands them over as one string and numpy parses it, 8 bytes per row.
  After that a window is a few hundred rowid lookups (< 1 ms at any depth, either direction),
  the count is its length and the position of a task a vectorized compare (~2 ms).

No index is added for sorting. Freshness under live writes is :func:`refresh`'s job; the
set itself (core/resultset.py) is the same for every backend.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from prismq_desktop.core.models import TASK_SELECT, Task
from prismq_desktop.core.query import TaskQuery
from prismq_desktop.core.resultset import Monotonic, ResultSet
from prismq_desktop.core.sqlite import filters, reads
from prismq_desktop.core.sqlite.database import QueueDatabase

SELECT_BY_IDS = f"SELECT {TASK_SELECT} FROM task_queue WHERE id IN (SELECT value FROM json_each(?))"
#: The file's highest id and the matching ids, in order, from one read snapshot.
#: ``group_concat`` keeps the subquery's order (a test holds SQLite to it) and is ~4x faster
#: than fetching a million rows one by one, or than ``group_concat(... ORDER BY ...)``.
SNAPSHOT = (
    "SELECT (SELECT max(id) FROM task_queue), (SELECT group_concat(id) FROM"
    " (SELECT id FROM task_queue WHERE {where}{order}))"
)


def _snapshot(db: QueueDatabase, query: TaskQuery, now: datetime,
              above: int | None = None) -> tuple[int, np.ndarray]:
    """(max id, ids). Id order is sorted here, not by SQLite: then any narrow covering index
    can list the ids (~0.2 s for a million) instead of a walk of the wide table b-tree."""
    where, params = filters.where(query, now, scan=reads.prefer_scan(db, query, now))
    by_id = query.sort == "id"
    if above is not None:
        where, params = f"id > ? AND ({where})", [above, *params]
    order = "" if by_id else f" ORDER BY {filters.order_by(query)}"
    sql = SNAPSHOT.format(where=where, order=order)
    if above is not None:  # a few new rows: no full read
        max_id, text = db.query(sql, params)[0]
    else:
        with _lean_read(db):
            max_id, text = db.query(sql, params)[0]
    ids = np.fromstring(text, dtype=np.int64, sep=",") if text else np.empty(0, np.int64)
    if by_id:
        ids.sort()
        ids = ids[::-1].copy() if query.descending else ids
    return int(max_id or 0), ids


def _load_malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to hand back this way
        return None


_MALLOC_TRIM = _load_malloc_trim() if sys.platform.startswith("linux") else None
#: Connection settings for a full snapshot, and the lean values it reads with.
LEAN_READ = {"mmap_size": "0", "temp_store": "FILE", "cache_size": "-4000"}


@contextlib.contextmanager
def _lean_read(db: QueueDatabase) -> Iterator[None]:
    """Hold a full snapshot's memory down; measured at a million tasks, same or less time.

    - mmap off: the read touches most of the file, and every mapped page it touched would
      stay in this process's RSS (~110 MB); through the page cache it costs the same.
    - temp_store FILE and a 4 MB page cache: the sort spills to a temporary file past the
      cache size instead of growing in memory, and the scan keeps few pages: peak 65 -> 33 MB
      above the baseline for an unindexed order, and faster (duration 1.46 -> 0.62 s).
    - afterwards the page cache the read filled and the freed sort and strings (~50 MB,
      kept by the reading thread's malloc arena) are handed back: shrink_memory, then
      :func:`_hand_back_freed_memory`.
    """
    before = {name: str(db.query(f"PRAGMA {name}")[0][0]) for name in LEAN_READ}
    for name, value in LEAN_READ.items():
        db.query(f"PRAGMA {name}={value}")
    try:
        yield
    finally:
        for name, value in before.items():
            db.query(f"PRAGMA {name}={value}")
        db.query("PRAGMA shrink_memory")


def _hand_back_freed_memory() -> None:
    """After a snapshot: see :func:`_lean_read` (~3 ms)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def build(db: QueueDatabase, query: TaskQuery, now: datetime,
          clock: Monotonic = time.monotonic) -> ResultSet:
    """Run the query once; ids and the file's highest id come from one read snapshot."""
    start = clock()
    max_id, ids = _snapshot(db, query, now)
    _hand_back_freed_memory()
    done = clock()
    return ResultSet(query, ids, max_id, done, done - start)


def window(db: QueueDatabase, result: ResultSet, offset: int,
           limit: int = 200) -> list[Task | None]:
    """The tasks at positions offset.. in order; None where a task has since been deleted.

    Rows are read now, so they show current values even between rebuilds.
    """
    wanted = result.task_ids(offset, limit)
    if not wanted:
        return []
    found = {row[0]: Task.from_row(row) for row in db.query(SELECT_BY_IDS,
                                                              (json.dumps(wanted),))}
    return [found.get(task_id) for task_id in wanted]


def rows(db: QueueDatabase, ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """The stored rows of these tasks in this order, without the deleted ones (export)."""
    found = {row[0]: row for row in db.query(SELECT_BY_IDS, (json.dumps(list(ids)),))}
    return [found[task_id] for task_id in ids if task_id in found]


def refresh(db: QueueDatabase, result: ResultSet, now: datetime,
            clock: Monotonic = time.monotonic, rebuild: bool = True) -> ResultSet:
    """Keep up with other processes' writes at a bounded cost; call it on every change.

    An id-ordered set takes the new tasks (ids above ``max_id`` that match) at its newest
    end at once, exactly, so a task enqueued elsewhere shows in the default order. When
    only inserts and deletes can change what matches (no status or search filter), that
    is all it needs: the count from the totals tells when a rebuild is due. Otherwise a
    rebuild happens once the snapshot is older than ``REBUILD_FACTOR`` times its build
    cost: at once for small results, every second or two for a million rows; rows that
    changed in between show their new values at their old places. ``rebuild=False``
    leaves that rebuild to the caller (``ResultSet.rebuild_due`` says when), e.g. to run it
    on another connection while this set keeps answering windows.
    """
    query = result.query
    if result.follows_writes():
        fresh = _with_new_rows(db, result, now)
        if len(fresh) == reads.count_tasks(db, query, now):
            return fresh
        return build(db, query, now, clock)
    if rebuild and result.rebuild_due(clock):
        return build(db, query, now, clock)
    return _with_new_rows(db, result, now) if query.sort == "id" else result


def _with_new_rows(db: QueueDatabase, result: ResultSet, now: datetime) -> ResultSet:
    max_id, new = _snapshot(db, result.query, now, above=result.max_id)
    return result.with_new(max_id, new)
