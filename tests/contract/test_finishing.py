"""Complete, fail (backoff, last attempt, permanent), release: every write guarded by holder."""

from __future__ import annotations

import math
import random

import pytest

from prismq_desktop.core import Queue, Task
from tests.support import FakeClock


def _claimed(queue: Queue, worker: str = "w1", **options: object) -> Task:
    task = queue.claim(worker, **options)  # type: ignore[arg-type]
    assert task is not None
    return task


def test_complete_records_the_result(queue: Queue, clock: FakeClock) -> None:
    task = queue.enqueue("echo")
    claimed = _claimed(queue)
    clock.advance(3)
    assert queue.complete(task.id, "w1", {"rows": 3}, claimed_at=claimed.claimed_at)
    done = queue.get(task.id)
    assert done.status == "completed" and done.error_message is None
    assert done.time("finished_at_utc") == clock() and done.lease_until_utc is None
    entry = queue.logs(task.id)[-1]
    assert entry.message == "completed in 3000 ms" and entry.details_data == {"result": {"rows": 3}}


def test_only_the_holder_completes(queue: Queue) -> None:
    task = queue.enqueue("echo")
    _claimed(queue)
    before = queue.get(task.id)
    assert not queue.complete(task.id, "w2")
    assert queue.get(task.id) == before
    assert queue.logs(task.id)[-1].message == (
        "late result from w2 discarded: task is processing and held by w1")
    assert queue.complete(task.id, "w1")
    assert not queue.complete(task.id, "w1")  # a second result changes nothing
    assert queue.get(task.id).status == "completed"


def test_a_run_row_holds_the_wait_and_the_run(queue: Queue, clock: FakeClock) -> None:
    task = queue.enqueue("a")
    clock.advance(5)
    claimed = _claimed(queue, "w")
    clock.advance(2.5)
    assert queue.complete(task.id, "w", claimed_at=claimed.claimed_at)
    [run] = queue.details(task.id).runs
    assert (run.attempt, run.worker_id, run.outcome) == (1, "w", "completed")
    assert run.wait_s == pytest.approx(5.0) and run.run_s == pytest.approx(2.5)
    assert queue.logs(task.id)[-1].message == "completed in 2500 ms"


def test_complete_and_claim_hands_over_in_one_call(queue: Queue) -> None:
    first, second = (queue.enqueue("a").id for _ in range(2))
    claimed = _claimed(queue)
    done, following = queue.complete_and_claim(first, "w1", {"ok": 1},
                                               claimed_at=claimed.claimed_at)
    assert done and following is not None and following.id == second
    assert queue.get(first).status == "completed" and following.locked_by == "w1"
    assert queue.complete_and_claim(second, "w1") == (True, None)


def test_complete_and_claim_refuses_a_late_result_and_still_claims(queue: Queue) -> None:
    first, second = (queue.enqueue("a").id for _ in range(2))
    claimed = _claimed(queue, "w")
    assert claimed.id == first
    queue.cancel(first)
    done, following = queue.complete_and_claim(first, "w", claimed_at=claimed.claimed_at)
    assert not done and following is not None and following.id == second
    assert queue.get(first).status == "cancelled"
    assert "late result from w discarded" in queue.logs(first)[-1].message
    assert queue.logs(second)[-1].message == "claimed by w and started (attempt 1/5)"


def test_backoff_doubles_from_one_second_up_to_the_cap(queue: Queue, clock: FakeClock) -> None:
    """PrismQ's backoff: 1 s ×2 per attempt, cap 300 s, ±10 % jitter, rounded up."""
    task = queue.enqueue("flaky", max_attempts=12)
    rng = random.Random(5)
    for attempt in range(1, 12):
        _claimed(queue)
        assert queue.fail(task.id, "w1", "boom", rng=rng) == "queued"
        after = queue.get(task.id)
        base = min(300, 2 ** (attempt - 1))
        delay = (after.time("run_after_utc") - clock()).total_seconds()  # type: ignore[operator]
        assert math.ceil(0.9 * base) <= delay <= math.ceil(1.1 * base), (attempt, delay)
        assert (after.status, after.attempts, after.locked_by) == ("queued", attempt, None)
        assert after.error_message == "boom" and after.lease_until_utc is None
        assert queue.logs(task.id)[-1].message == (
            f"failed (attempt {attempt}/12): boom; next run at {after.run_after_utc}")
        assert queue.claim("w1") is None  # not before its time
        clock.advance(delay)


def test_the_last_attempt_fails_the_task(queue: Queue, clock: FakeClock) -> None:
    task = queue.enqueue("flaky", max_attempts=2)
    for _ in range(2):
        clock.advance(10)
        _claimed(queue)
        outcome = queue.fail(task.id, "w1", "boom", details={"trace": "line 1"})
    assert outcome == "failed"
    failed = queue.get(task.id)
    assert (failed.status, failed.attempts, failed.error_message) == ("failed", 2, "boom")
    assert failed.time("finished_at_utc") == clock() and failed.lease_until_utc is None
    entry = queue.logs(task.id)[-1]
    assert entry.message == "failed (attempt 2/2): boom" and entry.level == "ERROR"
    assert entry.details_data == {"trace": "line 1"}
    clock.advance(3600)
    assert queue.claim("w1") is None
    assert [run.outcome for run in queue.details(task.id).runs] == ["failed", "failed"]


def test_a_permanent_error_fails_at_once(queue: Queue) -> None:
    task = queue.enqueue("echo", max_attempts=5)
    _claimed(queue)
    assert queue.fail(task.id, "w1", "bad input", permanent=True) == "failed"
    failed = queue.get(task.id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert queue.logs(task.id)[-1].message == "failed (permanent error): bad input"


def test_only_the_holder_fails(queue: Queue) -> None:
    task = queue.enqueue("echo")
    _claimed(queue)
    before = queue.get(task.id)
    assert queue.fail(task.id, "w2", "boom") is None
    assert queue.get(task.id) == before
    assert queue.logs(task.id)[-1].message.startswith("late failure from w2 discarded")


def test_release_gives_the_task_back_with_its_attempt(queue: Queue, clock: FakeClock) -> None:
    task = queue.enqueue("echo")
    _claimed(queue)
    assert not queue.release(task.id, "w2")
    clock.advance(4)
    assert queue.release(task.id, "w1")
    released = queue.get(task.id)
    assert (released.status, released.attempts, released.locked_by) == ("queued", 0, None)
    assert released.time("run_after_utc") == clock()
    assert queue.logs(task.id)[-1].message == "released by w1 (worker stopping)"
    assert not queue.release(task.id, "w1")
    again = queue.claim("w3")
    assert again is not None and again.id == task.id and again.attempts == 1
