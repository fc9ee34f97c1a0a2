"""Bulk actions over a query: what each does and refuses, logs, progress, stopping."""

from __future__ import annotations

import threading

import pytest

from prismq_desktop.core import Queue, TaskQuery
from prismq_desktop.core.sqlite import bulk


def _statuses(queue: Queue, ids: list[int]) -> list[str]:
    return [queue.get(task_id).status for task_id in ids]


def _mixed(queue: Queue) -> dict[str, int]:
    """One task in each state, by name (claims take the oldest first)."""
    ids = {name: queue.enqueue("echo").id for name in ("processing", "completed", "failed")}
    for task_id in ids.values():
        assert queue.claim("w1").id == task_id  # type: ignore[union-attr]
    queue.complete(ids["completed"], "w1")
    queue.fail(ids["failed"], "w1", "boom", permanent=True)
    ids["queued"] = queue.enqueue("echo").id
    ids["cancelled"] = queue.cancel(queue.enqueue("echo").id).id
    ids["scheduled"] = queue.enqueue("echo", run_after="+1h").id
    return ids


def test_only_tasks_still_matching_the_query_are_touched(
        queue: Queue, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [queue.enqueue("echo", {"i": i}).id for i in range(4)]
    monkeypatch.setattr(bulk, "FIRST_BATCH", 2)
    seen: list[tuple[int, int]] = []

    def claim_between_batches(done: int, total: int) -> None:
        if not seen:  # a worker takes ids[2] after the first batch, before the second
            assert queue.claim("w1").id == ids[2]  # type: ignore[union-attr]
        seen.append((done, total))

    result = queue.bulk("cancel", TaskQuery(statuses=("queued",)),
                        progress=claim_between_batches)
    assert result.done == 3 and result.refused == {"changed meanwhile": 1}
    assert _statuses(queue, ids) == ["cancelled", "cancelled", "processing", "cancelled"]
    assert seen == [(2, 4), (4, 4)]


def test_progress_returning_false_or_an_event_stops_between_batches(
        queue: Queue, monkeypatch: pytest.MonkeyPatch) -> None:
    queue.enqueue_many([{"type": "echo"} for _ in range(50)])
    monkeypatch.setattr(bulk, "FIRST_BATCH", 10)
    monkeypatch.setattr(bulk, "MIN_BATCH", 10)
    monkeypatch.setattr(bulk, "MAX_BATCH", 10)
    result = queue.bulk("cancel", TaskQuery(), progress=lambda done, total: done < 20)
    assert result.stopped and result.done == 20 and result.total == 50
    assert queue.count(TaskQuery(statuses=("queued",))) == 30
    stop = threading.Event()
    stop.set()
    result = queue.bulk("cancel", TaskQuery(), cancel=stop)
    assert result.stopped and result.done == 0
    assert queue.bulk("cancel", TaskQuery(statuses=("queued",))).summary() == "30 of 30 cancelled"
