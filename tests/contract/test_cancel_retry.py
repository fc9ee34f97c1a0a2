"""What a user does to one task: cancel (waiting or running) and retry (failed, cancelled,
dead_letter); everything else is refused with the reason and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from prismq_desktop.core import (
    InvalidTransitionError,
    Queue,
    Task,
    TaskNotFoundError,
    TaskQuery,
)
from tests.support import FakeClock

Make = Callable[[Queue], int]


def _queued(queue: Queue) -> int:
    return queue.enqueue("echo").id


def _scheduled(queue: Queue) -> int:
    return queue.enqueue("echo", run_after="+1h").id


def _running(start: bool) -> Make:
    def make(queue: Queue) -> int:
        task_id = queue.enqueue("echo").id
        assert queue.claim("w1", start=start) is not None
        return task_id
    return make


def _completed(queue: Queue) -> int:
    task_id = _running(True)(queue)
    assert queue.complete(task_id, "w1")
    return task_id


def _failed(queue: Queue) -> int:
    task_id = _running(True)(queue)
    assert queue.fail(task_id, "w1", "boom", permanent=True) == "failed"
    return task_id


def _cancelled(queue: Queue) -> int:
    return queue.cancel(queue.enqueue("echo").id).id


@pytest.mark.parametrize("make", [_queued, _scheduled, _running(False), _running(True)],
                         ids=["queued", "scheduled", "leased", "processing"])
def test_waiting_and_running_tasks_cancel(queue: Queue, clock: FakeClock, make: Make) -> None:
    task_id = make(queue)
    clock.advance(2)
    cancelled = queue.cancel(task_id)
    assert cancelled == queue.get(task_id)
    assert cancelled.status == "cancelled"
    running = cancelled.locked_by is not None  # its handler runs until the worker sees it
    assert (cancelled.lease_until_utc is not None) is running
    assert cancelled.shown_status(clock()) == ("cancelling" if running else "cancelled")
    assert cancelled.time("finished_at_utc") == clock()
    entry = queue.logs(task_id)[-1]
    assert (entry.message, entry.level) == ("cancelled", "WARNING")
    assert queue.claim("w2") is None


@pytest.mark.parametrize("make", [_completed, _failed, _cancelled],
                         ids=["completed", "failed", "cancelled"])
def test_finished_tasks_refuse_cancel_with_the_reason(queue: Queue, make: Make) -> None:
    task_id = make(queue)
    before, logged = queue.get(task_id), len(queue.logs(task_id))
    with pytest.raises(InvalidTransitionError,
                       match=f"task {task_id} is {before.status}; only queued, leased,"
                             " processing tasks can be cancelled"):
        queue.cancel(task_id)
    assert queue.get(task_id) == before and len(queue.logs(task_id)) == logged


def test_a_cancelled_running_task_shows_cancelling_until_its_handler_stops(
        queue: Queue, clock: FakeClock) -> None:
    """Issue 11 item 18: the cancel keeps the worker's lease; the worker ends it when the
    handler has stopped (with its log line); a worker that died lets it pass."""
    task_id = _running(True)(queue)
    queue.cancel(task_id)
    assert queue.get(task_id).shown_status(clock()) == "cancelling"
    assert queue.list(TaskQuery(statuses=("cancelled",)))[0].id == task_id
    assert not queue.renew_lease(task_id, "w1")  # how the worker is told
    assert not queue.acknowledge_cancel(task_id, "w2", "not mine")
    assert queue.acknowledge_cancel(task_id, "w1", "handler stopped on cancel after 5 ms")
    after = queue.get(task_id)
    assert after.lease_until_utc is None and after.shown_status(clock()) == "cancelled"
    assert queue.logs(task_id)[-1].message == "handler stopped on cancel after 5 ms"
    assert after.locked_by == "w1"  # who ran it stays known

    dead = _running(True)(queue)
    queue.cancel(dead)
    clock.advance(31)  # its worker never answers: past the lease it is simply cancelled
    assert queue.get(dead).shown_status(clock()) == "cancelled"
    assert not queue.acknowledge_cancel(_queued(queue), "w1")


def test_a_retry_waits_until_the_cancelled_handler_has_stopped(
        queue: Queue, clock: FakeClock) -> None:
    """A retry while the old handler still runs would let the task run twice at once."""
    task_id = _running(True)(queue)
    queue.cancel(task_id)
    with pytest.raises(InvalidTransitionError, match=f"task {task_id} is still cancelling"):
        queue.retry(task_id)
    assert queue.bulk("retry", TaskQuery(statuses=("cancelled",))).done == 0
    assert queue.get(task_id).shown_status(clock()) == "cancelling"
    assert queue.acknowledge_cancel(task_id, "w1")
    assert queue.retry(task_id).status == "queued"


def test_a_bulk_cancel_keeps_running_tasks_cancelling(queue: Queue, clock: FakeClock) -> None:
    running, waiting = _running(True)(queue), _queued(queue)
    queue.bulk("cancel", TaskQuery(statuses=("queued", "processing")))
    assert queue.get(running).shown_status(clock()) == "cancelling"
    assert queue.get(waiting).shown_status(clock()) == "cancelled"


def _assert_fresh(task: Task, clock: FakeClock) -> None:
    """A retried task: queued, runnable now, its full attempts again, no holder or error."""
    assert (task.status, task.attempts, task.locked_by, task.error_message) == (
        "queued", 0, None, None)
    assert task.time("run_after_utc") == clock()
    assert task.finished_at_utc is None and task.lease_until_utc is None
    assert task.processing_started_utc is None and task.reserved_at_utc is None


@pytest.mark.parametrize("make", [_failed, _cancelled], ids=["failed", "cancelled"])
def test_failed_and_cancelled_tasks_retry_with_their_history(queue: Queue, clock: FakeClock,
                                                              make: Make) -> None:
    task_id = make(queue)
    history = queue.logs(task_id)
    clock.advance(60)
    retried = queue.retry(task_id)
    _assert_fresh(retried, clock)
    assert retried == queue.get(task_id)
    assert queue.logs(task_id)[:-1] == history
    assert queue.logs(task_id)[-1].message == "retried"
    again = queue.claim("w2")
    assert again is not None and again.id == task_id and again.attempts == 1


def test_dead_letter_tasks_retry(queue: Queue, clock: FakeClock,
                                 force_status: Callable[[int, str], None]) -> None:
    """PrismQ's dead_letter state (written by other tools) retries like failed."""
    one, two = _failed(queue), _failed(queue)
    for task_id in (one, two):
        force_status(task_id, "dead_letter")
    assert queue.get(one).status == "dead_letter"
    assert queue.counts() == {"dead_letter": 2}
    with pytest.raises(InvalidTransitionError, match="is dead_letter; only queued"):
        queue.cancel(one)
    clock.advance(5)
    _assert_fresh(queue.retry(one), clock)
    assert queue.logs(one)[-1].message == "retried"
    result = queue.bulk("retry", TaskQuery(statuses=("dead_letter",)))
    assert result.done == 1
    _assert_fresh(queue.get(two), clock)
    assert queue.counts() == {"queued": 2}


@pytest.mark.parametrize("make", [_queued, _scheduled, _running(True), _completed],
                         ids=["queued", "scheduled", "processing", "completed"])
def test_other_tasks_refuse_retry_with_the_reason(queue: Queue, make: Make) -> None:
    task_id = make(queue)
    before, logged = queue.get(task_id), len(queue.logs(task_id))
    with pytest.raises(InvalidTransitionError,
                       match=f"task {task_id} is {before.status}; only failed, cancelled,"
                             " dead_letter tasks can be retried"):
        queue.retry(task_id)
    assert queue.get(task_id) == before and len(queue.logs(task_id)) == logged


def test_unknown_tasks(queue: Queue) -> None:
    for act in (queue.cancel, queue.retry):
        with pytest.raises(TaskNotFoundError):
            act(404)
