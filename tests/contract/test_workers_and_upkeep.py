"""Workers' rows and heartbeats; upkeep (purge, integrity, vacuum, backup); the change token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prismq_desktop.core import Queue, TaskNotFoundError, TaskQuery, ValidationError
from tests.contract.backends import QueueFactory
from tests.support import FakeClock


def test_workers_register_beat_and_leave(queue: Queue, clock: FakeClock) -> None:
    queue.register_worker("w1", {"region": "eu", "types": ["echo"]})
    clock.advance(5)
    queue.register_worker("w2")
    queue.enqueue("echo")
    queue.enqueue("echo")
    queue.claim("w1")
    queue.claim("w1", start=False)
    workers = {w.worker_id: w for w in queue.workers()}
    assert set(workers) == {"w1", "w2"}
    assert json.loads(workers["w1"].capabilities) == {"region": "eu", "types": ["echo"]}
    assert json.loads(workers["w2"].capabilities) == {}
    assert (workers["w1"].active_tasks, workers["w2"].active_tasks) == (2, 0)  # leased too
    assert workers["w1"].heartbeat_age(clock()) == 5
    clock.advance(7)
    queue.heartbeat("w1")
    assert {w.worker_id: w.heartbeat_age(clock()) for w in queue.workers()} == {
        "w1": 0, "w2": 7}
    queue.register_worker("w2", {"gpu": True})  # registering again refreshes the row
    assert [json.loads(w.capabilities) for w in queue.workers() if w.worker_id == "w2"] == [
        {"gpu": True}]
    queue.unregister_worker("w2")
    assert [w.worker_id for w in queue.workers()] == ["w1"]


def test_purge_removes_old_finished_tasks_and_their_logs(queue: Queue, clock: FakeClock) -> None:
    old_done, old_failed = queue.enqueue("a").id, queue.enqueue("a").id
    old_waiting = queue.enqueue("a").id
    queue.claim("w")
    queue.complete(old_done, "w")
    queue.claim("w")
    queue.fail(old_failed, "w", "boom", permanent=True)
    clock.advance(3 * 86400)
    recent = queue.cancel(queue.enqueue("a").id).id
    clock.advance(86400)
    assert queue.purge(2) == 2
    for task_id in (old_done, old_failed):
        with pytest.raises(TaskNotFoundError):
            queue.get(task_id)
        assert queue.logs(task_id) == []
    assert {t.id for t in queue.list()} == {old_waiting, recent}
    assert queue.counts() == {"queued": 1, "cancelled": 1}
    assert queue.purge(0) == 1 and queue.purge(0) == 0
    with pytest.raises(ValidationError, match="zero or more"):
        queue.purge(-1)


def test_integrity_and_vacuum_keep_every_task(queue: Queue) -> None:
    ids = queue.enqueue_many([{"type": "a", "payload": {"i": i}} for i in range(50)])
    queue.bulk("cancel", TaskQuery(text=f"id<{ids[25]}"))
    queue.bulk("delete", TaskQuery(statuses=("cancelled",)))
    before = queue.list(limit=100)
    queue.vacuum()
    assert queue.integrity_check() == ["ok"]
    assert queue.list(limit=100) == before and len(before) == 25


def test_backup_is_a_queue_with_the_same_tasks(queue: Queue, tmp_path: Path) -> None:
    task = queue.enqueue("a", {"x": 1})
    queue.claim("w")
    queue.complete(task.id, "w", {"ok": True})
    queue.enqueue("b")
    copy = Path(queue.backup(tmp_path / "copy.db"))
    with Queue.open(copy) as restored:
        assert restored.list() == queue.list()
        assert restored.logs(task.id) == queue.logs(task.id)
        assert restored.integrity_check() == ["ok"]
    with pytest.raises(ValidationError, match="already exists"):
        queue.backup(copy)


def test_the_change_token_moves_on_every_commit(queue: Queue,
                                                queue_factory: QueueFactory) -> None:
    other = queue_factory()
    token = queue.change_token()
    queue.list()
    queue.counts()
    assert queue.change_token() == token  # reads change nothing
    queue.enqueue("a")
    mine = queue.change_token()
    assert mine != token
    other.enqueue("b")  # another connection (another process's view) commits
    assert queue.change_token() != mine
