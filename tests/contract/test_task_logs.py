"""A task's history is its log: every transition after enqueue adds a row; tails read since."""

from __future__ import annotations

import random

import pytest

from prismq_desktop.core import Queue, TaskNotFoundError
from tests.support import FakeClock


def test_a_task_history_reads_as_its_log(queue: Queue, clock: FakeClock) -> None:
    task_id = queue.enqueue("echo", max_attempts=3).id
    queue.claim("w1", lease_seconds=30, start=False)
    queue.start(task_id, "w1")
    queue.fail(task_id, "w1", "timeout", rng=random.Random(1))
    run_after = queue.get(task_id).run_after_utc
    clock.advance(5)
    queue.claim("w2", lease_seconds=30)
    clock.advance(31)
    queue.reclaim_expired()
    queue.claim("w3")
    queue.cancel(task_id)
    queue.acknowledge_cancel(task_id, "w3", "handler stopped on cancel after 4 ms")
    queue.retry(task_id)
    queue.edit(task_id, priority=3)
    messages = [entry.message for entry in queue.logs(task_id)]
    assert messages == [
        "enqueued",
        "claimed by w1 (attempt 1/3)",
        "started",
        f"failed (attempt 1/3): timeout; next run at {run_after}",
        "claimed by w2 and started (attempt 2/3)",
        "lease expired (held by w2); now queued",
        "claimed by w3 and started (attempt 3/3)",
        "cancelled",
        "handler stopped on cancel after 4 ms",
        "retried",
        "edited: priority 100 → 3",
    ]


def test_log_lines_and_their_levels(queue: Queue) -> None:
    task_id = queue.enqueue("echo").id
    queue.log(task_id, "info", "step one", rows=3)
    queue.log(task_id, "warn", "slow")
    queue.log(task_id, "shout", "odd level")
    queue.log(task_id, "ERROR", "bad")
    entries = queue.logs(task_id)[1:]
    assert [(e.level, e.message) for e in entries] == [
        ("INFO", "step one"), ("WARNING", "slow"), ("INFO", "odd level"), ("ERROR", "bad")]
    assert entries[0].details_data == {"rows": 3} and entries[1].details is None
    assert all(e.task_id == task_id for e in entries)


def test_logging_to_an_unknown_task_raises(queue: Queue) -> None:
    with pytest.raises(TaskNotFoundError):
        queue.log(404, "INFO", "nobody")


def test_tailing_reads_only_what_is_new(queue: Queue) -> None:
    task_id = queue.enqueue("echo").id
    other = queue.enqueue("echo").id
    first = queue.logs(task_id)
    last_seen = first[-1].log_id
    assert queue.logs(task_id, after_log_id=last_seen) == []
    for i in range(5):
        queue.log(task_id, "INFO", f"line {i}")
        queue.log(other, "INFO", f"other {i}")
    new = queue.logs(task_id, after_log_id=last_seen)
    assert [e.message for e in new] == [f"line {i}" for i in range(5)]
    assert [e.log_id for e in new] == sorted(e.log_id for e in new)
    assert all(e.log_id > last_seen for e in new)
    assert [e.message for e in queue.logs(task_id, after_log_id=last_seen, limit=2)] == [
        "line 0", "line 1"]
    assert queue.logs(task_id, after_log_id=new[-1].log_id) == []


def test_detail_names_never_clash_with_the_log_call(queue: Queue) -> None:
    """A handler's ``ctx.log("INFO", "told", at=...)`` once killed its worker thread."""
    task_id = queue.enqueue("echo").id
    queue.log(task_id, "INFO", "told", at=1.5, db="x", details={"n": 1})
    assert queue.logs(task_id)[-1].details_data == {"at": 1.5, "db": "x", "details": {"n": 1}}
