"""The task table's reads, in one place so a faster core read can be swapped in.

Every function runs in the reader thread with its own ``Queue``; none touches Qt. The model
calls only these, so keyset windows or an id-list query change this file alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from prismq_desktop.core import Queue, TaskQuery
from prismq_desktop.gui.task_rows import TaskRow, build_row

#: The most task ids one bulk action resolves from a selection.
MAX_BULK_IDS = 100_000


@dataclass(frozen=True)
class Window:
    """Rows ``offset .. offset+len(rows)-1`` of the query, and its row count then."""

    count: int
    offset: int
    rows: list[TaskRow]


def count(queue: Queue, query: TaskQuery) -> int:
    """Rows matching the query; the unfiltered total comes from the trigger-kept counts."""
    if not (query.statuses or query.types or query.text or query.extra
            or query.created_from or query.created_to):
        return sum(queue.type_counts().values())
    return queue.count(query)


def rows(queue: Queue, query: TaskQuery, offset: int, limit: int) -> list[TaskRow]:
    now = queue.now()
    return [build_row(task, now) for task in queue.list(query, offset, limit)]


def window(queue: Queue, query: TaskQuery, offset: int, limit: int) -> Window:
    """The count and one window, read together for a refresh or a new query."""
    total = count(queue, query)
    offset = max(0, min(offset, max(0, total - limit)))
    return Window(total, offset, rows(queue, query, offset, limit))


def position(queue: Queue, query: TaskQuery, task_id: int) -> int | None:
    """The task's row in the query's order, or None when the query does not match it."""
    return queue.result_set(query).position_of(task_id)


def ids(queue: Queue, query: TaskQuery, ranges: list[tuple[int, int]]) -> list[int]:
    """Task ids at the given (first, last) row ranges, for bulk actions on a selection."""
    found: list[int] = []
    for first, last in ranges:
        for start in range(first, last + 1, 5000):
            limit = min(5000, last + 1 - start)
            found.extend(task.id for task in queue.list(query, start, limit))
    return found
