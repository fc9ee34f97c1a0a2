"""Reads: list with filters, sort and window; counts; result sets; completion; unhandled types."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from prismq_desktop.core import Queue, TaskQuery, ValidationError
from prismq_desktop.core.search import field_names
from tests.support import FakeClock


def _mixed(queue: Queue) -> dict[str, list[int]]:
    """Tasks of two types in every state the app writes, ids by state."""
    queue.enqueue_many([{"type": kind, "priority": p} for kind in ("a", "b") for p in (5, 1, 9)])
    held = [queue.claim("w1", strategy="priority") for _ in range(4)]
    ids = [task.id for task in held if task is not None]
    queue.complete(ids[0], "w1")
    queue.fail(ids[1], "w1", "boom", permanent=True)
    queue.cancel(ids[2])
    return {"completed": [ids[0]], "failed": [ids[1]], "cancelled": [ids[2]],
            "processing": [ids[3]], "scheduled": [queue.enqueue("a", run_after="+1h").id],
            "queued": [t.id for t in queue.list(TaskQuery(statuses=("queued",)))]}


def test_filters_select_by_status_and_type(queue: Queue) -> None:
    by_state = _mixed(queue)
    assert queue.counts() == {state: len(ids) for state, ids in by_state.items()}
    for state, ids in by_state.items():
        query = TaskQuery(statuses=(state,))
        assert [t.id for t in queue.list(query)] == sorted(ids, reverse=True)
        assert queue.count(query) == len(ids)
    both = TaskQuery(statuses=("failed", "cancelled"))
    assert {t.id for t in queue.list(both)} == {*by_state["failed"], *by_state["cancelled"]}
    assert {t.status for t in queue.list(TaskQuery(statuses=("active",)))} == {"processing"}
    assert {t.type for t in queue.list(TaskQuery(types=("b",)))} == {"b"}
    assert queue.count(TaskQuery(types=("b",))) == 3
    assert queue.count(TaskQuery(statuses=("queued",), types=("nope",))) == 0
    assert queue.count() == 7


@pytest.mark.parametrize("sort", ["id", "type", "priority", "created", "attempts"])
@pytest.mark.parametrize("descending", [True, False])
def test_sorts_order_by_the_key_then_id(queue: Queue, clock: FakeClock, sort: str,
                                        descending: bool) -> None:
    rng = random.Random(4)
    for _ in range(30):
        queue.enqueue(rng.choice("xyz"), priority=rng.randint(1, 4))
        clock.advance(rng.choice([0, 1]))
    for _ in range(10):
        task = queue.claim("w", strategy="lifo")
        assert task is not None and queue.complete(task.id, "w")
    column = {"created": "created_at_utc"}.get(sort, sort)
    tasks = queue.list(TaskQuery(sort=sort, descending=descending), limit=100)
    keys = [(getattr(t, column), t.id) for t in tasks]
    assert len(keys) == 30 and keys == sorted(keys, reverse=descending)


def test_list_windows_with_offset_and_limit(queue: Queue) -> None:
    ids = queue.enqueue_many([{"type": "echo"}] * 25)
    newest_first = sorted(ids, reverse=True)
    assert [t.id for t in queue.list(limit=10)] == newest_first[:10]
    assert [t.id for t in queue.list(offset=20, limit=10)] == newest_first[20:]
    assert queue.list(offset=25) == []
    oldest_first = TaskQuery(descending=False)
    assert [t.id for t in queue.list(oldest_first, offset=5, limit=3)] == ids[5:8]


def test_an_unknown_sort_is_refused(queue: Queue) -> None:
    with pytest.raises(ValidationError, match="cannot sort by 'colour'"):
        queue.list(TaskQuery(sort="colour"))


def test_scheduled_count_moves_with_the_clock(queue: Queue, clock: FakeClock) -> None:
    queue.enqueue("a", run_after="+10m")
    queue.enqueue("a")
    assert queue.counts() == {"queued": 1, "scheduled": 1}
    clock.advance(601)
    assert queue.counts() == {"queued": 2}


def test_scheduled_tasks_become_queued_as_time_passes(queue: Queue, clock: FakeClock) -> None:
    queue.enqueue("echo", run_after=clock() + timedelta(minutes=5))
    assert queue.count(TaskQuery(statuses=("scheduled",))) == 1
    assert queue.count(TaskQuery(statuses=("queued",))) == 0
    clock.advance(360)
    assert queue.count(TaskQuery(statuses=("queued",))) == 1
    assert queue.counts() == {"queued": 1}


def test_windows_positions_and_count(queue: Queue) -> None:
    rng = random.Random(2)
    queue.enqueue_many([{"type": "echo", "priority": rng.randint(0, 1000)}
                        for _ in range(3100)])
    query = TaskQuery(sort="priority", descending=False)
    result = queue.result_set(query)
    assert len(result) == queue.count(query) == 3100
    middle = queue.window(result, 1500, 200)
    assert [t.id for t in middle] == result.task_ids(1500, 200)
    assert [t.id for t in middle] == [t.id for t in queue.list(query, 1500, 200)]
    last = queue.window(result, len(result) - 7, 200)
    assert len(last) == 7 and last[-1].id == int(result.ids[-1])
    assert queue.window(result, len(result), 200) == []
    task_id = int(result.ids[2345])
    assert result.position_of(task_id) == 2345
    assert result.position_of(10**9) is None


def test_an_empty_result(queue: Queue) -> None:
    queue.enqueue("echo")
    result = queue.result_set(TaskQuery(statuses=("dead_letter",)))
    assert len(result) == 0 and queue.window(result, 0) == []


def test_deleted_rows_show_as_none_until_rebuilt(queue: Queue) -> None:
    ids = [queue.enqueue("echo", {"i": i}).id for i in range(5)]
    result = queue.result_set(TaskQuery(sort="id", descending=False))
    for task_id in ids[1:3]:
        queue.cancel(task_id)
    queue.bulk("delete", TaskQuery(text=f"#{ids[1]}"))
    window = queue.window(result, 0, 10)
    assert [t.id if t else None for t in window] == [ids[0], None, ids[2], ids[3], ids[4]]
    assert window[2] is not None and window[2].status == "cancelled"  # current values


def test_refreshing_a_result_set_shows_new_tasks(queue: Queue) -> None:
    first = queue.enqueue("echo").id
    result = queue.result_set(TaskQuery(statuses=("queued",)))
    new = queue.enqueue("echo").id
    assert queue.refresh_result_set(result).ids.tolist() == [new, first]


def test_completion_lists_fields_and_known_values(queue: Queue) -> None:
    queue.enqueue("youtube_search", {"query": "x"})
    queue.register_worker("w-01")
    values = queue.search_completion()
    assert values["fields"] == field_names()
    assert "payload." in values["fields"] and "status" in values["fields"]
    assert values["type"] == ["youtube_search"]
    assert {"failed", "scheduled", "stuck"} <= set(values["status"])
    assert values["worker"] == ["w-01"]


def test_completion_names_workers_that_hold_tasks_unregistered(queue: Queue) -> None:
    queue.register_worker("w-02")
    queue.enqueue("b")
    queue.claim("w-09")  # a worker that never registered but holds a task
    values = queue.search_completion()
    assert values["worker"] == ["w-02", "w-09"] and values["type"] == ["b"]


def test_a_type_is_handled_by_a_live_worker_that_lists_it_or_by_the_caller(
        queue: Queue, clock: FakeClock) -> None:
    for kind in ("echo", "resize", "thumb", "crop"):
        queue.enqueue(kind)
    queue.enqueue("later", run_after=clock.moment + timedelta(hours=1))  # scheduled waits too
    done = queue.enqueue("finished")
    queue.claim("w-x", types=["finished"])
    queue.complete(done.id, "w-x")
    queue.register_worker("w-live", {"types": ["thumb"], "region": "eu"})
    clock.advance(-120)
    queue.register_worker("w-stale", {"types": ["crop"]})  # heartbeat two minutes ago
    clock.advance(120)
    assert queue.unhandled_types() == {"echo", "resize", "crop", "later"}
    assert queue.unhandled_types(["echo"]) == {"resize", "crop", "later"}
    assert queue.unhandled_types(["echo"], stale_after=300) == {"resize", "later"}
    clock.advance(61)  # now w-live is silent for longer than the stale limit too
    assert "thumb" in queue.unhandled_types()


def test_nothing_waiting_means_nothing_unhandled(queue: Queue) -> None:
    task = queue.enqueue("echo")
    queue.cancel(task.id)
    assert queue.unhandled_types() == frozenset()


def test_a_live_worker_that_does_not_say_what_it_handles_marks_nothing(
        queue: Queue, clock: FakeClock) -> None:
    queue.enqueue("a")
    queue.register_worker("w-types", {"types": []})
    assert queue.unhandled_types() == {"a"}
    queue.register_worker("w-silent", {"region": "eu"})  # another tool's worker: no types
    assert queue.unhandled_types() == frozenset()
    clock.advance(61)
    queue.register_worker("w-types", {"types": []})  # only w-silent went stale
    assert queue.unhandled_types() == {"a"}


def test_a_task_asking_for_capabilities_no_live_worker_offers_cannot_run(
        queue: Queue, clock: FakeClock) -> None:
    """Issue 11 item 5: capacity says which waiting tasks nothing will claim (types or
    capabilities), counting the caller's own worker."""
    gpu = queue.enqueue("render", compatibility={"gpu": True})
    plain = queue.enqueue("render")
    queue.register_worker("w-cpu", {"types": ["render"], "gpu": False})
    live = queue.capacity()
    assert live.can_run("render", plain.compatibility)
    assert not live.can_run("render", gpu.compatibility)
    assert not live.can_run("other", "{}")
    assert queue.unhandled_types() == frozenset()  # the type has a worker: no type mark
    assert queue.capacity(["render"], {"gpu": True}).can_run("render", gpu.compatibility)
    clock.advance(-120)
    queue.register_worker("w-old-gpu", {"types": ["render"], "gpu": True})  # stale
    clock.advance(120)
    assert not queue.capacity().can_run("render", gpu.compatibility)
    queue.register_worker("w-gpu", {"types": ["render"], "gpu": True})
    assert queue.capacity().can_run("render", gpu.compatibility)
    queue.register_worker("w-other", {"region": "eu"})  # says no types: anything might run
    assert queue.capacity().unknown and queue.capacity().can_run("x", '{"tpu": 1}')
