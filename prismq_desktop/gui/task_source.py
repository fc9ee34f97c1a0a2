"""The task table's reads, in one place so a faster core read can be swapped in.

Every function runs in the reader thread with its own ``Queue``; none touches Qt. The model
calls only these. Windows below the first page come from a :class:`Results` (the query's
ordered ids, core/resultset.py): a window at any depth and sort is a few hundred rowid
lookups instead of an OFFSET walk (~0.1 s by id, ~0.5 s by priority at 1,000,000 rows).
"""

from __future__ import annotations

from dataclasses import dataclass

from prismq_desktop.core import Queue, TaskQuery
from prismq_desktop.core.resultset import ResultSet
from prismq_desktop.gui.task_rows import TaskRow, build_row

#: The most task ids one bulk action resolves from a selection.
MAX_BULK_IDS = 100_000


@dataclass(frozen=True)
class Window:
    """Rows ``offset .. offset+len(rows)-1`` of the query, and its row count then."""

    count: int
    offset: int
    rows: list[TaskRow]


class Results:
    """The current query's ordered ids, kept between reader jobs.

    Owned by one model and touched only inside its reader jobs (one serialized thread), so
    it needs no lock; the GUI thread never reads it.
    """

    def __init__(self) -> None:
        self._set: ResultSet | None = None

    def get(self, queue: Queue, query: TaskQuery) -> ResultSet:
        """The query's set: the kept one, or built now (0.1-1.5 s at a million rows)."""
        if self._set is None or self._set.query != query:
            self._set = None  # the old ids go first: 8 MB less at the peak for a million
            self._set = queue.result_set(query)
        return self._set

    def refresh(self, queue: Queue, query: TaskQuery) -> ResultSet:
        """Kept current after a change (new tasks at once by id, else a bounded rebuild)."""
        if self._set is None or self._set.query != query:
            return self.get(queue, query)
        self._set = queue.refresh_result_set(self._set)
        return self._set

    def rebuild(self, queue: Queue, query: TaskQuery) -> ResultSet:
        self._set = None
        return self.get(queue, query)


def count(queue: Queue, query: TaskQuery) -> int:
    """Rows matching the query; the unfiltered total comes from the trigger-kept counts."""
    if not (query.statuses or query.types or query.text or query.extra
            or query.created_from or query.created_to):
        return sum(queue.type_counts().values())
    return queue.count(query)


def first_window(queue: Queue, results: Results, query: TaskQuery, limit: int) -> Window:
    """The count and the first page of a new query.

    In id order an index walk gives the first page at once (first paint), and the ordered
    ids follow in the next job. Any other order needs a full read either way: the page then
    comes from the ordered ids, so the file is read once (a top-N scan first read it twice
    and, through mmap, added ~100 MB of file pages to RSS).
    """
    if query.sort != "id":
        result = results.get(queue, query)
        return Window(len(result), 0, _rows(queue, results, result, 0, limit))
    now = queue.now()
    return Window(count(queue, query), 0,
                  [build_row(task, now) for task in queue.list(query, 0, limit)])


def rows(queue: Queue, results: Results, query: TaskQuery, offset: int,
         limit: int) -> list[TaskRow]:
    """Rows at positions offset.. of the query's order, read now."""
    return _rows(queue, results, results.get(queue, query), offset, limit)


def window(queue: Queue, results: Results, query: TaskQuery, offset: int,
           limit: int) -> Window:
    """The count and one window after a change, from the set kept current."""
    result = results.refresh(queue, query)
    offset = max(0, min(offset, max(0, len(result) - limit)))
    found = _rows(queue, results, result, offset, limit)
    return Window(len(results.get(queue, query)), offset, found)


def _rows(queue: Queue, results: Results, result: ResultSet, offset: int,
          limit: int) -> list[TaskRow]:
    tasks = queue.window(result, offset, limit)
    if any(task is None for task in tasks):  # deleted since the set was built: rebuild
        result = results.rebuild(queue, result.query)
        tasks = queue.window(result, offset, limit)
    now = queue.now()
    return [build_row(task, now) for task in tasks if task is not None]


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
