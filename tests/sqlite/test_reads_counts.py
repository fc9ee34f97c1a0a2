"""Counts from the trigger-kept totals agree with counting the rows, whoever wrote them."""

from __future__ import annotations

import itertools

import pytest

from prismq_desktop.core import Queue, TaskQuery, timeutil
from prismq_desktop.core.sqlite import filters, reads
from tests.support import FakeClock, sqlite_db


def _grouped(queue: Queue) -> dict[tuple[str, str], int]:
    rows = sqlite_db(queue).query("SELECT type, status, COUNT(*) FROM task_queue GROUP BY 1, 2")
    return {(kind, status): n for kind, status, n in rows}


def _by_status(queue: Queue) -> dict[str, int]:
    now = timeutil.to_db(queue.now())
    counts: dict[str, int] = {}
    for status, run_after in sqlite_db(queue).query("SELECT status, run_after_utc FROM task_queue"):
        key = "scheduled" if status == "queued" and run_after > now else status
        counts[key] = counts.get(key, 0) + 1
    return counts


def _churn(queue: Queue, clock: FakeClock) -> None:
    """Every kind of write, by us and by a foreign writer with plain SQL."""
    queue.enqueue_many([{"type": t, "run_after": "+1h" if i % 3 == 0 else None}
                        for i, t in enumerate(["a", "b", "c"] * 10)])
    for _ in range(8):
        task = queue.claim("w1", types=["a", "b"])
        assert task is not None
        if task.id % 2:
            queue.complete(task.id, "w1")
        else:
            queue.fail(task.id, "w1", "boom", permanent=task.id % 4 == 0)
    queue.cancel(queue.enqueue("d").id)
    queue.bulk("retry", TaskQuery(statuses=("failed",)))
    queue.bulk("delete", TaskQuery(statuses=("completed",), types=("a",)))
    with sqlite_db(queue).transaction() as conn:
        conn.execute("UPDATE task_queue SET type = 'renamed' WHERE type = 'c' AND id % 2 = 0")
        conn.execute("INSERT INTO task_queue (type, payload, status) VALUES ('x', '{}', 'odd')")
        conn.execute("INSERT INTO task_queue (type, payload, status) VALUES ('x', '{}', 'active')")
        conn.execute("UPDATE task_queue SET status = 'leased' WHERE type = 'b' AND"
                     " status = 'queued' AND id % 3 = 1")
    clock.advance(7200)
    queue.purge(0)


def test_totals_match_the_rows_after_every_kind_of_write(queue: Queue, clock: FakeClock) -> None:
    _churn(queue, clock)
    assert reads.type_status_counts(sqlite_db(queue)) == _grouped(queue)
    assert queue.counts() == _by_status(queue)


STATUSES = ["queued", "scheduled", "active", "leased", "processing", "completed", "failed",
            "cancelled", "odd"]


@pytest.mark.parametrize("types", [(), ("a",), ("b", "renamed"), ("nope",)])
def test_simple_filters_count_from_totals_like_a_scan(queue: Queue, clock: FakeClock,
                                                      types: tuple[str, ...]) -> None:
    _churn(queue, clock)
    queue.enqueue("a", run_after="+1d")
    for size in (0, 1, 2):
        for statuses in itertools.combinations(STATUSES, size):
            query = TaskQuery(statuses=statuses, types=types)
            assert query.is_simple()
            where, params = filters.where(query, queue.now())
            scanned = sqlite_db(queue).query(
                f"SELECT COUNT(*) FROM task_queue WHERE {where}", params)
            assert queue.count(query) == scanned[0][0], (statuses, types)
