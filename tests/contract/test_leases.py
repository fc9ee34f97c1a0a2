"""Leases: renewal, what a lost or cancelled lease tells the worker, and reclaim of expired."""

from __future__ import annotations

from datetime import timedelta

from prismq_desktop.core import Queue
from tests.support import FakeClock


def test_renewal_extends_the_lease_of_the_holder_only(queue: Queue, clock: FakeClock) -> None:
    task = queue.enqueue("echo")
    queue.claim("w1", lease_seconds=10)
    clock.advance(8)
    assert queue.renew_lease(task.id, "w1", lease_seconds=60)
    assert queue.get(task.id).time("lease_until_utc") == clock() + timedelta(seconds=60)
    assert not queue.renew_lease(task.id, "w2", lease_seconds=600)
    assert queue.get(task.id).time("lease_until_utc") == clock() + timedelta(seconds=60)
    clock.advance(30)
    assert queue.reclaim_expired() == {}  # renewed: still held
    assert queue.get(task.id).status == "processing"


def test_renewal_says_stop_after_a_cancel(queue: Queue) -> None:
    task = queue.enqueue("echo")
    queue.claim("w1")
    queue.cancel(task.id)
    before = queue.get(task.id)
    assert queue.renew_lease(task.id, "w1") is False
    assert queue.get(task.id) == before
    assert not queue.complete(task.id, "w1")  # its late completion never overwrites
    assert queue.get(task.id).status == "cancelled"


def test_renewal_says_stop_after_the_lease_was_reclaimed(queue: Queue, clock: FakeClock) -> None:
    task = queue.enqueue("echo")
    queue.claim("w1", lease_seconds=5, start=False)
    assert queue.renew_lease(task.id, "w1", lease_seconds=5)  # a leased task renews too
    clock.advance(6)
    assert queue.reclaim_expired() == {task.id: "queued"}
    assert queue.renew_lease(task.id, "w1") is False
    assert queue.get(task.id).status == "queued"


def test_an_expired_lease_goes_back_to_queued(queue: Queue, clock: FakeClock) -> None:
    processing = queue.enqueue("echo").id
    leased = queue.enqueue("echo").id
    healthy = queue.enqueue("echo").id
    queue.claim("w1", lease_seconds=10)
    queue.claim("w1", lease_seconds=10, start=False)
    queue.claim("w2", lease_seconds=20)
    clock.advance(10)
    assert queue.reclaim_expired() == {}  # a lease that ends now has not passed
    clock.advance(1)
    assert queue.reclaim_expired() == {processing: "queued", leased: "queued"}
    for task_id in (processing, leased):
        task = queue.get(task_id)
        assert (task.status, task.attempts, task.locked_by) == ("queued", 1, None)
        assert task.error_message == "lease expired (held by w1)"
        assert task.time("run_after_utc") == clock() and task.lease_until_utc is None
        assert queue.logs(task_id)[-1].message == "lease expired (held by w1); now queued"
    assert queue.get(healthy).status == "processing"


def test_reclaim_is_idempotent_and_the_old_holder_loses(queue: Queue, clock: FakeClock) -> None:
    task = queue.enqueue("echo")
    queue.claim("w1", lease_seconds=5)
    clock.advance(6)
    assert queue.reclaim_expired() == {task.id: "queued"}
    logged = len(queue.logs(task.id))
    assert queue.reclaim_expired() == {}
    assert len(queue.logs(task.id)) == logged
    again = queue.claim("w2")
    assert again is not None and again.id == task.id and again.attempts == 2
    assert not queue.complete(task.id, "w1")
    assert queue.fail(task.id, "w1", "late") is None
    assert queue.complete(task.id, "w2")


def test_an_expired_last_attempt_fails(queue: Queue, clock: FakeClock) -> None:
    task = queue.enqueue("echo", max_attempts=1)
    queue.claim("w1", lease_seconds=5)
    clock.advance(6)
    assert queue.reclaim_expired() == {task.id: "failed"}
    failed = queue.get(task.id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.error_message == "lease expired (held by w1)"
    assert failed.time("finished_at_utc") == clock()
    assert queue.logs(task.id)[-1].message == "lease expired (held by w1); now failed"
    assert queue.claim("w2") is None
