"""Queued tasks with attempts >= max_attempts (issue 17 item 8; the PrismQ backend can leave
them): no claim takes them, so they are shown as stuck, and reclaim or retry resolves them."""

from __future__ import annotations

from collections.abc import Callable

from prismq_desktop.core import STUCK_FILTER, Queue, TaskQuery
from tests.support import FakeClock

STUCK = TaskQuery(statuses=(STUCK_FILTER,))


def _exhausted(queue: Queue, force: Callable[..., None]) -> int:
    task = queue.enqueue("a", max_attempts=3)
    force(task.id, attempts=3)
    return task.id


def test_an_exhausted_queued_task_is_shown_as_stuck(queue: Queue, clock: FakeClock,
                                                    force_columns: Callable[..., None]) -> None:
    stuck = _exhausted(queue, force_columns)
    fine = queue.enqueue("a").id
    assert queue.claim("w1") is not None and queue.get(fine).status == "processing"
    assert queue.claim("w1") is None  # nobody takes it
    assert [t.id for t in queue.list(STUCK)] == [stuck] and queue.count(STUCK) == 1
    assert [t.id for t in queue.list(TaskQuery(text="status:stuck"))] == [stuck]
    task = queue.get(stuck)
    assert task.is_exhausted() and task.shown_status(clock()) == "stuck"
    assert not queue.get(fine).is_exhausted()


def test_reclaim_fails_it_with_the_reason(queue: Queue,
                                          force_columns: Callable[..., None]) -> None:
    stuck = _exhausted(queue, force_columns)
    assert queue.reclaim_expired() == {stuck: "failed"}
    task = queue.get(stuck)
    assert task.status == "failed" and task.finished_at_utc is not None
    assert task.error_message == "no attempts left while queued (3/3)"
    assert queue.logs(stuck)[-1].message == "no attempts left while queued (3/3); now failed"
    assert queue.reclaim_expired() == {}
    assert queue.count(STUCK) == 0


def test_requeue_stuck_fails_it_too(queue: Queue, force_columns: Callable[..., None]) -> None:
    stuck = _exhausted(queue, force_columns)
    result = queue.requeue_stuck()
    assert (result.total, result.done) == (1, 1)
    task = queue.get(stuck)
    assert task.status == "failed"
    assert task.error_message == "stuck: queued with no attempts left (3/3)"


def test_retry_gives_it_its_attempts_again(queue: Queue,
                                           force_columns: Callable[..., None]) -> None:
    one, two = _exhausted(queue, force_columns), _exhausted(queue, force_columns)
    assert queue.retry(one).attempts == 0
    claimed = queue.claim("w1")
    assert claimed is not None and claimed.id == one
    result = queue.bulk("retry", STUCK)
    assert (result.total, result.done) == (1, 1)
    assert queue.get(two).attempts == 0 and queue.count(STUCK) == 0
