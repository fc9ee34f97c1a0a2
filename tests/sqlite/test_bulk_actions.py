"""Bulk actions over a query: what each does and refuses, logs, progress, stopping."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from prismq_desktop.core import Queue, ReadOnlyError, TaskQuery, ValidationError, timeutil
from prismq_desktop.core.bulk import ACTIONS
from prismq_desktop.core.sqlite import bulk
from tests.support import FakeClock, sqlite_db


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


@pytest.mark.parametrize(("action", "changed", "to"), [
    ("cancel", {"queued", "processing", "scheduled"}, "cancelled"),
    ("retry", {"failed", "cancelled"}, "queued"),
    ("delete", {"completed", "failed", "cancelled"}, None),
])
def test_each_action_takes_only_the_states_it_allows(queue: Queue, action: str,
                                                     changed: set[str], to: str | None) -> None:
    tasks = _mixed(queue)
    before = {name: queue.get(task_id).status for name, task_id in tasks.items()}
    result = queue.bulk(action, TaskQuery())
    assert (result.total, result.done) == (len(tasks), len(changed))
    assert sum(result.refused.values()) == len(tasks) - len(changed)
    for name, task_id in tasks.items():
        if name not in changed:
            assert queue.get(task_id).status == before[name]
        elif to is None:
            assert sqlite_db(queue).query("SELECT count(*) FROM task_queue WHERE id = ?",
                                  (task_id,))[0][0] == 0
            assert queue.logs(task_id) == []
        else:
            assert queue.get(task_id).status == to
            assert queue.logs(task_id)[-1].message == ACTIONS[action].message


def test_bulk_and_single_transitions_leave_the_same_row(queue: Queue, clock: FakeClock) -> None:
    a, b = queue.enqueue("echo").id, queue.enqueue("echo").id
    for task_id in (a, b):
        queue.claim("w1")
        queue.fail(task_id, "w1", "boom", permanent=True)
    clock.advance(10)
    single = queue.retry(a).to_dict()
    queue.bulk("retry", TaskQuery(text=f"#{b}"))
    assert {**queue.get(b).to_dict(), "id": a, "idempotency_key": None} == single
    queue.cancel(a)
    queue.bulk("cancel", TaskQuery(text=f"#{b}"))
    assert {**queue.get(b).to_dict(), "id": a} == queue.get(a).to_dict()


def test_set_priority_and_run_now(queue: Queue) -> None:
    waiting = queue.enqueue("echo").id
    later = queue.enqueue("echo", run_after="+2h").id
    done = queue.enqueue("echo").id
    queue.cancel(done)
    result = queue.bulk("set_priority", TaskQuery(), value=7)
    assert result.done == 2 and result.refused == {"cancelled": 1}
    assert [queue.get(i).priority for i in (waiting, later, done)] == [7, 7, 100]
    assert queue.logs(waiting)[-1].message == "priority set to 7 (bulk)"
    result = queue.bulk("run_now", TaskQuery())
    assert result.done == 1 and result.refused == {"queued": 1, "cancelled": 1}
    assert queue.get(later).run_after_utc == timeutil.to_db(queue.now())
    assert queue.count(TaskQuery(statuses=("scheduled",))) == 0
    with pytest.raises(ValidationError, match="priority"):
        queue.bulk("set_priority", TaskQuery(), value=5000)
    with pytest.raises(ValidationError, match="unknown bulk action"):
        queue.bulk("explode", TaskQuery())


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


def test_summary_names_what_was_left_alone(queue: Queue) -> None:
    queue.enqueue("echo")
    queue.cancel(queue.enqueue("echo").id)
    text = queue.bulk("cancel", TaskQuery()).summary()
    assert text == ("1 of 2 cancelled; 1 left alone (only queued, leased or processing tasks"
                    " qualify): 1 cancelled")


def test_requeue_stuck(queue: Queue, clock: FakeClock) -> None:
    queue.register_worker("alive")
    queue.register_worker("gone")
    expired, silent, healthy, last_try = (queue.enqueue("echo", max_attempts=m).id
                                          for m in (3, 3, 3, 1))
    queue.claim("alive", lease_seconds=10)                 # expired
    queue.claim("gone", lease_seconds=3600)                # silent
    queue.claim("alive", lease_seconds=3600)               # healthy
    queue.claim("alive", lease_seconds=10)                 # last_try, out of attempts
    clock.advance(120)
    queue.heartbeat("alive")
    assert {t.id for t in queue.list(queue.stuck_query())} == {expired, silent, last_try}
    assert queue.count(TaskQuery(text="status:stuck")) == 3
    result = queue.requeue_stuck()
    assert result.done == 3
    assert _statuses(queue, [expired, silent, healthy, last_try]) == [
        "queued", "queued", "processing", "failed"]
    assert queue.get(silent).error_message == "stuck: held by gone, requeued by user"
    assert queue.logs(last_try)[-1].message == (
        "stuck: held by alive, requeued by user; now failed (bulk)")
    assert queue.requeue_stuck().total == 0


def test_a_read_only_queue_refuses_and_changes_nothing(db_path: Path, clock: FakeClock) -> None:
    with Queue.open(db_path, clock=clock) as writer:
        task_id = writer.enqueue("echo").id
    with Queue.open(db_path, read_only=True, clock=clock) as reader:
        with pytest.raises(ReadOnlyError):
            reader.bulk("cancel", TaskQuery())
    with Queue.open(db_path, clock=clock) as writer:
        assert writer.get(task_id).status == "queued"


def test_stale_after_is_a_parameter(queue: Queue, clock: FakeClock) -> None:
    queue.register_worker("slow")
    queue.enqueue("echo")
    queue.claim("slow", lease_seconds=3600)
    clock.advance(90)
    assert queue.count(queue.stuck_query(stale_after=60)) == 1
    assert queue.count(queue.stuck_query(stale_after=120)) == 0
    assert queue.count(TaskQuery(statuses=("stuck",), stale_after=60)) == 1
