"""Stats through the Queue: throughput, latency percentiles, depth and the per-type table,
from tasks run with a moved clock (the SQL-side checks are in tests/sqlite/test_stats_core.py)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from prismq_desktop.core import Queue, TaskQuery
from tests.contract.backends import Backend
from tests.support import FakeClock


def _run(queue: Queue, clock: FakeClock, seconds: float, outcome: str = "completed") -> None:
    task = queue.claim("w1", lease_seconds=3600)
    assert task is not None
    clock.advance(seconds)
    if outcome == "completed":
        assert queue.complete(task.id, "w1", claimed_at=task.claimed_at)
    else:
        assert queue.fail(task.id, "w1", "boom", permanent=True, claimed_at=task.claimed_at)


def test_throughput_latency_and_types_follow_what_ran(queue: Queue, clock: FakeClock) -> None:
    clock.moment -= timedelta(minutes=5)
    queue.enqueue_many([{"type": "scan"}] * 5 + [{"type": "mail"}])
    clock.advance(10)
    for seconds in (2, 4, 6, 8):
        _run(queue, clock, seconds)
    _run(queue, clock, 1, "failed")
    clock.moment += timedelta(minutes=5) - timedelta(seconds=31)  # now: NOW
    result = queue.stats("15m")
    flow = result.throughput
    assert (flow.enqueued.sum(), flow.completed.sum(), flow.failed.sum()) == (6, 4, 1)
    assert flow.finished.sum() == 5 and not result.empty
    runs = result.latency.run_p50[~np.isnan(result.latency.run_p50)]
    assert runs.size >= 1 and runs.min() >= 1 and runs.max() <= 8
    rows = {row.type: row for row in result.types}
    assert rows["scan"].runs == 5 and rows["scan"].failure_rate == pytest.approx(0.2)
    # Percentiles may come from log-spaced histograms: within a few percent (issue 12).
    assert rows["scan"].run_p50 == pytest.approx(np.percentile([2, 4, 6, 8, 1], 50), rel=0.04)
    assert rows["mail"].counts == {"queued": 1} and rows["mail"].runs == 0
    assert rows["mail"].oldest_ready_age == pytest.approx(300)
    edges, series = queue.throughput_series(900, 60)
    assert len(edges) == 16 and series.enqueued.sum() == 6 and series.completed.sum() == 4


def test_depth_is_reconstructed_from_the_task_history(queue: Queue, clock: FakeClock) -> None:
    clock.moment -= timedelta(minutes=10)
    start = clock.moment
    for _ in range(5):
        queue.enqueue("job")
    clock.advance(60)
    first = queue.claim("w1", lease_seconds=3600)
    second = queue.claim("w1", lease_seconds=3600)
    assert first is not None and second is not None
    clock.advance(60)
    queue.complete(first.id, "w1", claimed_at=first.claimed_at)
    clock.advance(60)
    queue.enqueue("job", run_after=start + timedelta(hours=1))
    clock.advance(420)  # now = the start of the test's clock
    result = queue.stats("1h", samples=())
    depth, edges = result.depth, result.edges

    def at_end_of(offset: float) -> int:  # the bucket ending just after start + offset
        return int(np.searchsorted(edges, start.timestamp() + offset, "left")) - 1

    assert depth.ready[at_end_of(30)] == 5 and depth.active[at_end_of(30)] == 0
    assert depth.ready[at_end_of(90)] == 3 and depth.active[at_end_of(90)] == 2
    assert depth.active[at_end_of(150)] == 1 and depth.scheduled[at_end_of(150)] == 0
    assert depth.scheduled[at_end_of(210)] == 1 and depth.ready[at_end_of(210)] == 3
    assert depth.scheduled[at_end_of(-60)] == 0 and depth.ready[at_end_of(-60)] == 0
    counts = queue.counts()
    assert (depth.ready[-1], depth.scheduled[-1], depth.active[-1]) == (
        counts["queued"], counts["scheduled"], counts["processing"])


def test_an_empty_queue_is_calm(queue: Queue) -> None:
    result = queue.stats("7d")
    assert result.empty
    assert not result.throughput.enqueued.any() and np.isnan(result.latency.run_p95).all()
    assert result.types == [] and result.depth.ready.sum() == 0
    assert set(result.series()) >= {"enqueued", "ready", "run_p95_s"}


def test_retrying_old_tasks_leaves_the_depth_history_as_it_was(queue: Queue,
                                                               clock: FakeClock,
                                                               backend: Backend) -> None:
    """Issue 11.3: after a bulk retry of week-old failed tasks, the 7-day depth chart
    before the retry is unchanged (it was rebuilt from the tasks' current columns)."""
    clock.moment -= timedelta(days=6)
    for day in range(4):
        queue.enqueue_many([{"type": "scan", "max_attempts": 1}] * 40
                           + [{"type": "scan", "run_after": clock() + timedelta(hours=3)}] * 5)
        clock.advance(3600)
        for _ in range(30):
            task = queue.claim("w1", lease_seconds=3600, types=("scan",))
            assert task is not None
            clock.advance(20)
            assert queue.fail(task.id, "w1", "boom", permanent=True,
                              claimed_at=task.claimed_at) == "failed"
        clock.moment += timedelta(days=1, hours=day)
    clock.moment += timedelta(days=1, minutes=7)
    before = queue.stats("7d", samples=())
    result = queue.bulk("retry", TaskQuery(statuses=("failed",)))
    assert result.done == 120
    clock.advance(1)
    after = queue.stats("7d", samples=())
    assert before.depth.scheduled.any() and before.depth.ready.any()
    for name in ("ready", "scheduled", "active"):
        old, new = getattr(before.depth, name), getattr(after.depth, name)
        assert np.array_equal(old[:-1], new[:-1]), name
    assert after.depth.ready[-1] == before.depth.ready[-1] + 120
    assert np.array_equal(before.throughput.failed, after.throughput.failed)
