"""Claim and start: which task a worker gets, what the claim writes, and what it refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from prismq_desktop.core import Queue, ValidationError, compat
from tests.support import FakeClock


def test_enqueue_claim_complete_logs_each_step(queue: Queue) -> None:
    task = queue.enqueue("echo", {"x": 1})
    claimed = queue.claim("w1")
    assert claimed is not None and claimed.id == task.id and claimed.status == "processing"
    assert queue.complete(task.id, "w1", {"ok": True}, claimed_at=claimed.claimed_at)
    assert queue.get(task.id).status == "completed"
    messages = [entry.message for entry in queue.logs(task.id)]
    assert messages[0] == "enqueued"
    assert messages[1].startswith("claimed by w1")
    assert messages[2].startswith("completed")


def test_a_claim_counts_the_attempt_and_holds_a_lease(queue: Queue, clock: FakeClock) -> None:
    task = queue.enqueue("echo", max_attempts=3)
    clock.advance(0.5)
    claimed = queue.claim("w1", lease_seconds=30)
    assert claimed is not None and claimed.attempts == 1 and claimed.locked_by == "w1"
    lease = clock() + timedelta(seconds=30)
    assert claimed.time("lease_until_utc") == lease.replace(microsecond=0) + timedelta(seconds=1)
    assert claimed.time("reserved_at_utc") == claimed.time("processing_started_utc")
    assert queue.get(task.id) == claimed
    assert queue.logs(task.id)[-1].message == "claimed by w1 and started (attempt 1/3)"
    assert queue.claim("w2") is None  # one holder


def test_claim_then_start(queue: Queue) -> None:
    task = queue.enqueue("echo")
    claimed = queue.claim("w1", start=False)
    assert claimed is not None and claimed.status == "leased"
    assert claimed.processing_started_utc is None
    assert queue.logs(task.id)[-1].message == "claimed by w1 (attempt 1/5)"
    assert not queue.start(task.id, "w2")
    assert queue.start(task.id, "w1")
    started = queue.get(task.id)
    assert started.status == "processing" and started.processing_started_utc is not None
    assert queue.logs(task.id)[-1].message == "started"
    assert not queue.start(task.id, "w1")  # already processing: nothing changes
    assert queue.get(task.id) == started


def test_nothing_to_claim(queue: Queue) -> None:
    assert queue.claim("w1") is None
    queue.cancel(queue.enqueue("echo").id)
    assert queue.claim("w1") is None


def test_a_scheduled_task_waits_for_its_time(queue: Queue, clock: FakeClock) -> None:
    task = queue.enqueue("echo", run_after="+10s")
    assert queue.claim("w1") is None
    clock.advance(9)
    assert queue.claim("w1") is None
    clock.advance(1)
    claimed = queue.claim("w1")
    assert claimed is not None and claimed.id == task.id


def test_each_strategy_takes_tasks_in_its_order(queue: Queue, clock: FakeClock) -> None:
    """Run-after first (then id) for FIFO, the reverse for LIFO, priority first for priority."""
    start = clock()
    for strategy in ("fifo", "lifo", "priority"):
        late = queue.enqueue(strategy, run_after=start.replace(minute=1), priority=5).id
        low = queue.enqueue(strategy, priority=9).id
        high = queue.enqueue(strategy, priority=1).id
        clock.moment = start.replace(hour=13)
        taken = [queue.claim("w", strategy=strategy, types=(strategy,)) for _ in range(3)]
        expected = {"fifo": [low, high, late], "lifo": [late, high, low],
                    "priority": [high, late, low]}[strategy]
        assert [task.id for task in taken if task is not None] == expected, strategy
        clock.moment = start


def test_weighted_random_takes_every_task_once(queue: Queue) -> None:
    ids = {queue.enqueue("echo", priority=p).id for p in (1, 1, 50, 500, 1000)}
    taken = [queue.claim("w", strategy="weighted_random") for _ in range(5)]
    assert {task.id for task in taken if task is not None} == ids
    assert queue.claim("w", strategy="weighted_random") is None


def test_an_unknown_strategy_is_refused(queue: Queue) -> None:
    task = queue.enqueue("echo")
    with pytest.raises(ValidationError, match="unknown strategy 'newest'"):
        queue.claim("w", strategy="newest")
    assert queue.get(task.id) == task


def test_types_limit_what_a_worker_takes(queue: Queue) -> None:
    first = queue.enqueue("resize").id
    second = queue.enqueue("echo").id
    assert queue.claim("w", types=()) is None
    taken = queue.claim("w", types=["echo", "thumb"])
    assert taken is not None and taken.id == second
    assert queue.claim("w", types=["echo"]) is None
    taken = queue.claim("w", types=None)
    assert taken is not None and taken.id == first


def test_capabilities_must_hold_every_value_a_task_names(queue: Queue) -> None:
    anywhere = queue.enqueue("job").id
    eu = queue.enqueue("job", compatibility={"region": "eu"}).id
    eu_gpu = queue.enqueue("job", compatibility={"region": "eu", "gpu": True}).id
    us = queue.enqueue("job", compatibility={"region": "us"}).id
    caps = {"region": "eu", "gpu": False}
    taken = [queue.claim("w-eu", capabilities=caps) for _ in range(3)]
    assert [task.id if task else None for task in taken] == [anywhere, eu, None]
    gpu = queue.claim("w-gpu", capabilities={"region": "eu", "gpu": True, "ram": 64})
    assert gpu is not None and gpu.id == eu_gpu
    assert queue.claim("w-none") is None  # declares nothing: runs only tasks that ask nothing
    rest = queue.claim("w-us", capabilities={"region": "us"})
    assert rest is not None and rest.id == us


def test_a_worker_that_declares_no_capabilities_takes_only_tasks_that_ask_none(
        queue: Queue) -> None:
    """Issue 11 item 5: a gpu task is not claimed by a worker without capabilities."""
    gpu = queue.enqueue("job", compatibility={"gpu": True}, priority=1).id
    plain = queue.enqueue("job", priority=50).id
    taken = queue.claim("w")
    assert taken is not None and taken.id == plain
    assert queue.claim("w") is None and queue.claim("w", capabilities={}) is None
    assert queue.get(gpu).status == "queued"
    taken = queue.claim("w-gpu", capabilities={"gpu": True})
    assert taken is not None and taken.id == gpu


@pytest.mark.parametrize(("asks", "has", "runs"), [
    ({"gpu": True}, {"gpu": 1}, False),  # true is not 1
    ({"gpu": 1}, {"gpu": True}, False),
    ({"ram": 64}, {"ram": 64.0}, True),  # numbers compare as numbers
    ({"tier": "1"}, {"tier": 1}, False),  # text is not a number
    ({"zone": None}, {"zone": None}, True),
    ({"zone": None}, {}, False),  # a key the worker lacks never matches, not even null
    ({"region": "eu"}, {"region": "EU"}, False),  # exact text
    ({"a b": "x", 'q"t': 1}, {"a b": "x", 'q"t': 1, "more": 2}, True),  # any key text
])
def test_capability_values_match_by_json_type_and_value(queue: Queue, asks: dict, has: dict,
                                                        runs: bool) -> None:
    task_id = queue.enqueue("job", compatibility=asks).id
    taken = queue.claim("w", capabilities=has)
    assert (taken is not None and taken.id == task_id) is runs
    assert compat.compatible(has, queue.get(task_id).compatibility) is runs  # one rule
