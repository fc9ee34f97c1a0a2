"""Enqueue: what a new task holds, what is refused (changing nothing), and idempotency keys."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from prismq_desktop.core import Queue, TaskNotFoundError, TaskQuery, ValidationError
from tests.support import FakeClock


def test_a_new_task_is_queued_and_runnable_now(queue: Queue, clock: FakeClock) -> None:
    task = queue.enqueue("echo", {"x": 1}, priority=7, max_attempts=2,
                         compatibility={"region": "eu"})
    assert task.is_new and task.status == "queued" and task.attempts == 0
    assert (task.type, task.priority, task.max_attempts) == ("echo", 7, 2)
    assert json.loads(task.payload) == {"x": 1}
    assert json.loads(task.compatibility) == {"region": "eu"}
    assert task.time("run_after_utc") == task.time("created_at_utc") == clock().replace(
        microsecond=0)
    assert task.locked_by is None and task.lease_until_utc is None
    assert queue.get(task.id) == task
    assert not task.is_scheduled(clock())


def test_defaults(queue: Queue) -> None:
    task = queue.enqueue("echo")
    assert (task.priority, task.max_attempts, json.loads(task.payload),
            json.loads(task.compatibility), task.idempotency_key) == (100, 5, {}, {}, None)


def test_run_after_in_the_future_is_scheduled_and_rounded_up(queue: Queue,
                                                              clock: FakeClock) -> None:
    clock.advance(0.25)
    task = queue.enqueue("echo", run_after="+90s")
    due = clock() + timedelta(seconds=90)
    assert task.time("run_after_utc") == due.replace(microsecond=0) + timedelta(seconds=1)
    assert task.is_scheduled(clock()) and queue.get(task.id).is_scheduled(clock())
    assert queue.logs(task.id)[0].message.startswith("enqueued")


def test_the_log_starts_with_the_enqueue_line_once(queue: Queue, clock: FakeClock) -> None:
    """Enqueue writes no log row; the log shows it first, from the row's own timestamps
    (DESIGN §4), and a tail that goes on after it never sees it twice."""
    task = queue.enqueue("echo", run_after="+60s")
    first = queue.logs(task.id)
    assert [(e.log_id, e.at_utc, e.level) for e in first] == [(0, task.created_at_utc, "INFO")]
    assert first[0].message == f"enqueued, runs after {task.run_after_utc}"
    assert queue.logs(task.id, after_log_id=first[-1].log_id) == []
    queue.cancel(task.id)
    entries = queue.logs(task.id)
    assert [e.message for e in entries] == ["enqueued", "cancelled"]
    assert [e.message for e in queue.logs(task.id, after_log_id=0)] == ["cancelled"]


@pytest.mark.parametrize(("args", "options", "words"), [
    (("",), {}, "task type must not be empty"),
    (("  ",), {}, "task type must not be empty"),
    (("a" * 101,), {}, "longer than 100"),
    (("a\nb",), {}, "control characters"),
    (("echo", "{not json"), {}, "payload is not valid JSON at line 1, column 2"),
    (("echo", "{a: 1}"), {}, "payload is not valid JSON"),  # JSON5 is never stored
    (("echo", [1, 2]), {}, "payload must be a JSON object"),
    (("echo", {"x": float("nan")}), {}, "payload cannot be stored as JSON"),
    (("echo",), {"compatibility": "42"}, "compatibility must be a JSON object"),
    (("echo",), {"priority": 5000}, "priority must be from 0 to 1000"),
    (("echo",), {"priority": True}, "priority must be a whole number"),
    (("echo",), {"max_attempts": 0}, "max attempts must be from 1 to 100"),
    (("echo",), {"run_after": "whenever"}, "cannot read"),
    (("echo",), {"idempotency_key": "k" * 201}, "longer than 200"),
    (("echo",), {"idempotency_key": 5}, "idempotency key must be text"),
    (("echo", {"k": ["a\u0000"]}), {}, "payload must not contain NUL"),
    (("echo", '{"a\\u0000": 1}'), {}, "payload must not contain NUL"),
    (("echo",), {"compatibility": {"gpu": "\u0000"}}, "compatibility must not contain NUL"),
    (("echo",), {"idempotency_key": "a\u0000b"}, "idempotency key must not contain NUL"),
])
def test_bad_input_is_refused_and_nothing_is_written(queue: Queue, args: tuple[Any, ...],
                                                     options: dict[str, Any],
                                                     words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        queue.enqueue(*args, **options)
    assert queue.count() == 0 and queue.counts() == {}


def test_unknown_ids_raise(queue: Queue) -> None:
    with pytest.raises(TaskNotFoundError):
        queue.get(12345)


def test_enqueue_many_returns_ids_in_order(queue: Queue) -> None:
    ids = queue.enqueue_many([{"type": "a"}, {"type": "b", "payload": {"i": 1}},
                              {"type": "c", "priority": 3}])
    assert [queue.get(i).type for i in ids] == ["a", "b", "c"]
    assert queue.get(ids[2]).priority == 3 and queue.get(ids[1]).payload_dict == {"i": 1}
    assert all(queue.logs(i)[0].message == "enqueued" for i in ids)
    assert queue.enqueue_many([]) == []


@pytest.mark.parametrize("bad", [{"type": ""}, {"type": "a", "priority": -1},
                                 {"type": "a", "colour": "red"}, {"payload": {}}])
def test_enqueue_many_is_all_or_nothing(queue: Queue, bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="item 2: "):
        queue.enqueue_many([{"type": "a"}, {"type": "b"}, bad])
    assert queue.count() == 0


def test_a_known_idempotency_key_returns_the_existing_task(queue: Queue,
                                                           clock: FakeClock) -> None:
    first = queue.enqueue("echo", {"n": 1}, idempotency_key="order-7")
    clock.advance(30)
    again = queue.enqueue("other", {"n": 2}, priority=1, idempotency_key="order-7")
    assert not again.is_new and again == queue.get(first.id) == first
    assert queue.count() == 1
    assert len(queue.logs(first.id)) == 1  # the second request changed nothing


def test_enqueue_many_with_keys_reuses_known_ones(queue: Queue) -> None:
    known = queue.enqueue("echo", idempotency_key="k1").id
    ids = queue.enqueue_many([{"type": "echo", "idempotency_key": "k1"},
                              {"type": "echo", "idempotency_key": "k2"},
                              {"type": "echo", "idempotency_key": "k2"},
                              {"type": "echo"}])
    assert ids[0] == known and ids[1] == ids[2] != known
    assert len(set(ids)) == 3 and queue.count() == 3
    assert queue.count(TaskQuery(text="key:k2")) == 1
