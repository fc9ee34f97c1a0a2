"""The task table's reads, in one place so a faster core read can be swapped in.

Every function runs in the reader thread with its own ``Queue``; none touches Qt. The model
calls only these. Windows below the first page come from a :class:`Results` (the query's
ordered ids, core/resultset.py): a window at any depth and sort is a few hundred rowid
lookups instead of an OFFSET walk (~0.1 s by id, ~0.5 s by priority at 1,000,000 rows).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from prismq_desktop.core import Queue, ResultSet, Task, TaskQuery
from prismq_desktop.gui.tasks.task_rows import TaskRow, build_row

#: Sets that built faster than this rebuild inline (no thread for a small file).
INLINE_REBUILD_SECONDS = 0.05
#: The most task ids one bulk action resolves from a selection.
MAX_BULK_IDS = 100_000


@dataclass(frozen=True)
class RowWindow:
    """Rows ``offset .. offset+len(rows)-1`` of the query, and its row count then."""

    count: int
    offset: int
    rows: list[TaskRow]


class Results:
    """The current query's ordered ids, kept between reader jobs.

    Owned by one model and used by its reader jobs (one serialized thread); the GUI thread
    never reads it. A rebuild for age (core/resultset.py) runs on a thread of its own with
    its own connection, so windows keep coming from the current set meanwhile: inline, a
    rebuild held every window read behind it (up to ~0.7 s at a million rows by duration
    while workers ran). The finished set is taken at the next refresh.
    """

    def __init__(self) -> None:
        self._set: ResultSet | None = None
        self._lock = threading.Lock()
        self._built: ResultSet | None = None
        self._building = False
        self._failed = False

    def get(self, queue: Queue, query: TaskQuery) -> ResultSet:
        """The query's set: the kept one, or built now (0.1-0.9 s at a million rows)."""
        if self._set is None or self._set.query != query:
            self._set = None  # the old ids go first: 8 MB less at the peak for a million
            self._set = queue.result_set(query)
        return self._set

    def refresh(self, queue: Queue, query: TaskQuery) -> ResultSet:
        """Kept current after a change: new tasks at once in id order, a rebuild when due
        (in the background, taken when done)."""
        if self._set is None or self._set.query != query:
            return self.get(queue, query)
        with self._lock:
            built, self._built = self._built, None
            failed, self._failed = self._failed, False
        if failed:  # again here, where an error reaches the user (the executor's banner)
            return self.rebuild(queue, query)
        if built is not None and built.query == query:
            self._set = built
        if self._set.build_seconds < INLINE_REBUILD_SECONDS:
            self._set = queue.refresh_result_set(self._set)
            return self._set
        if self._set.rebuild_due():
            self._rebuild_in_background(queue, query)
        self._set = queue.refresh_result_set(self._set, rebuild=False)
        return self._set

    def rebuild(self, queue: Queue, query: TaskQuery) -> ResultSet:
        self._set = None
        return self.get(queue, query)

    def _rebuild_in_background(self, queue: Queue, query: TaskQuery) -> None:
        with self._lock:
            if self._building:
                return
            self._building = True
        def build() -> None:
            built, failed = None, False
            try:
                with queue.reopen(read_only=True) as own:
                    built = own.result_set(query)
            except Exception:  # noqa: BLE001 (the next refresh rebuilds inline and reports)
                failed = True
            with self._lock:
                self._built, self._failed, self._building = built, failed, False

        threading.Thread(target=build, name="prismq-ordered-ids", daemon=True).start()


def count(queue: Queue, query: TaskQuery) -> int:
    """Rows matching the query; the unfiltered total comes from the trigger-kept counts."""
    if query.is_unfiltered():
        return sum(queue.type_counts().values())
    return queue.count(query)


def first_window(queue: Queue, results: Results, query: TaskQuery, limit: int) -> RowWindow:
    """The count and the first page of a new query.

    In id order an index walk gives the first page at once (first paint), and the ordered
    ids follow in the next job. Any other order needs a full read either way: the page then
    comes from the ordered ids, so the file is read once (a top-N scan first read it twice
    and, through mmap, added ~100 MB of file pages to RSS).
    """
    if query.sort != "id":
        result = results.get(queue, query)
        return RowWindow(len(result), 0, _rows(queue, results, result, 0, limit))
    now, paused = queue.now(), frozenset(queue.paused_types())
    return RowWindow(count(queue, query), 0,
                  [build_row(task, now, paused) for task in queue.list(query, 0, limit)])


def rows(queue: Queue, results: Results, query: TaskQuery, offset: int,
         limit: int) -> list[TaskRow]:
    """Rows at positions offset.. of the query's order, read now."""
    return _rows(queue, results, results.get(queue, query), offset, limit)


def window(queue: Queue, results: Results, query: TaskQuery, offset: int,
           limit: int) -> RowWindow:
    """The count and one window after a change, from the set kept current."""
    result = results.refresh(queue, query)
    offset = max(0, min(offset, max(0, len(result) - limit)))
    found = _rows(queue, results, result, offset, limit)
    return RowWindow(len(results.get(queue, query)), offset, found)


def _rows(queue: Queue, results: Results, result: ResultSet, offset: int,
          limit: int) -> list[TaskRow]:
    tasks: list[Task | None] = queue.window(result, offset, limit)
    if any(task is None for task in tasks):  # deleted since the set was built: rebuild
        result = results.rebuild(queue, result.query)
        tasks = queue.window(result, offset, limit)
    now, paused = queue.now(), frozenset(queue.paused_types())
    return [build_row(task, now, paused) for task in tasks if task is not None]


def position(queue: Queue, results: Results, query: TaskQuery, task_id: int) -> int | None:
    """The task's row in the query's order, or None when the query does not match it."""
    return results.refresh(queue, query).position_of(task_id)


def ids(queue: Queue, query: TaskQuery, ranges: list[tuple[int, int]]) -> list[int]:
    """Task ids at the given (first, last) row ranges, for bulk actions on a selection."""
    result = queue.result_set(query)
    found: list[int] = []
    for first, last in ranges:
        found.extend(result.task_ids(first, last + 1 - first))
    return found
