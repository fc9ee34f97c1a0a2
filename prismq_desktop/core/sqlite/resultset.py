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

No index is added for sorting. Freshness under live writes is :meth:`ResultSet.refresh`'s job.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from prismq_desktop.core.models import TASK_SELECT, Task
from prismq_desktop.core.sqlite import reads
from prismq_desktop.core.sqlite.database import QueueDatabase
from prismq_desktop.core.sqlite.reads import TaskQuery

Monotonic = Callable[[], float]
#: Rebuild once the snapshot is older than this many times its build cost, so rebuilding
#: takes at most ~1/(1+4) of the reader's time however big the result.
REBUILD_FACTOR = 4.0
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
    where, params = query.where(now, scan=reads.prefer_scan(db, query, now))
    by_id = query.sort == "id"
    if above is not None:
        where, params = f"id > ? AND ({where})", [above, *params]
    sql = SNAPSHOT.format(where=where, order="" if by_id else f" ORDER BY {query.order_by()}")
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


@dataclass(frozen=True)
class ResultSet:
    """One query's matching task ids in its order, as of one moment.

    Immutable: :meth:`refresh` returns a new set (or this one), so a GUI model can swap it in
    on its own thread while the reader builds the next.
    """

    query: TaskQuery
    ids: np.ndarray
    max_id: int
    built_at: float
    build_seconds: float

    @classmethod
    def build(cls, db: QueueDatabase, query: TaskQuery, now: datetime,
              clock: Monotonic = time.monotonic) -> ResultSet:
        """Run the query once; ids and the file's highest id come from one read snapshot."""
        start = clock()
        max_id, ids = _snapshot(db, query, now)
        _hand_back_freed_memory()
        done = clock()
        return cls(query, ids, max_id, done, done - start)

    def __len__(self) -> int:
        return len(self.ids)

    def task_ids(self, offset: int, limit: int) -> list[int]:
        offset = max(0, offset)
        return [int(x) for x in self.ids[offset:offset + max(0, limit)]]

    def window(self, db: QueueDatabase, offset: int, limit: int = 200) -> list[Task | None]:
        """The tasks at positions offset.. in order; None where a task has since been deleted.

        Rows are read now, so they show current values even between rebuilds.
        """
        wanted = self.task_ids(offset, limit)
        if not wanted:
            return []
        found = {row[0]: Task.from_row(row) for row in db.query(SELECT_BY_IDS,
                                                                  (json.dumps(wanted),))}
        return [found.get(task_id) for task_id in wanted]

    def position_of(self, task_id: int) -> int | None:
        """Where a task sits in this order (to restore the selection), or None."""
        hits = np.flatnonzero(self.ids == task_id)
        return int(hits[0]) if len(hits) else None

    def rebuild_due(self, clock: Monotonic = time.monotonic) -> bool:
        """True when :meth:`refresh` would rebuild for age (see there); never for the
        unfiltered id order, which follows inserts and deletes by itself."""
        return (not self._follows_writes()
                and clock() - self.built_at >= REBUILD_FACTOR * self.build_seconds)

    def _follows_writes(self) -> bool:
        return self.query.sort == "id" and not (self.query.statuses or self.query.text
                                                or self.query.extra)

    def refresh(self, db: QueueDatabase, now: datetime, clock: Monotonic = time.monotonic,
                rebuild: bool = True) -> ResultSet:
        """Keep up with other processes' writes at a bounded cost; call it on every change.

        An id-ordered set takes the new tasks (ids above ``max_id`` that match) at its newest
        end at once, exactly, so a task enqueued elsewhere shows in the default order. When
        only inserts and deletes can change what matches (no status or search filter), that
        is all it needs: the count from the totals tells when a rebuild is due. Otherwise a
        rebuild happens once the snapshot is older than ``REBUILD_FACTOR`` times its build
        cost: at once for small results, every second or two for a million rows; rows that
        changed in between show their new values at their old places. ``rebuild=False``
        leaves that rebuild to the caller (:meth:`rebuild_due` says when), e.g. to run it on
        another connection while this set keeps answering windows.
        """
        if self._follows_writes():
            fresh = self._with_new_rows(db, now)
            if len(fresh) == reads.count_tasks(db, self.query, now):
                return fresh
            return ResultSet.build(db, self.query, now, clock)
        if rebuild and self.rebuild_due(clock):
            return ResultSet.build(db, self.query, now, clock)
        return self._with_new_rows(db, now) if self.query.sort == "id" else self

    def _with_new_rows(self, db: QueueDatabase, now: datetime) -> ResultSet:
        max_id, new = _snapshot(db, self.query, now, above=self.max_id)
        if max_id == self.max_id:
            return self
        ids = np.concatenate([new, self.ids] if self.query.descending else [self.ids, new])
        return ResultSet(self.query, ids, max_id, self.built_at, self.build_seconds)
