"""Editing a waiting task; running and finished tasks are read-only, with the reason."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from prismq_desktop.core import (
    InvalidTransitionError,
    Queue,
    TaskNotFoundError,
    TaskQuery,
    ValidationError,
    timeutil,
)
from prismq_desktop.core.editing import refusal
from tests.support import FakeClock


def test_edit_every_field_of_a_queued_task(queue: Queue, clock: FakeClock) -> None:
    task = queue.enqueue("youtube_search", {"query": "AI"}, run_after="+1h")
    clock.advance(5)
    after = queue.edit(task.id, priority=7, max_attempts=9, run_after="",
                       payload='{"query": "AI trends"}', compatibility={"region": "eu"})
    assert (after.priority, after.max_attempts) == (7, 9)
    assert after.run_after_utc == after.updated_at_utc == timeutil.to_db(clock())
    assert json.loads(after.payload) == {"query": "AI trends"}
    assert queue.get(task.id) == after
    assert queue.count(TaskQuery(text="compat.region:eu payload.query:\"AI trends\"")) == 1
    entry = queue.logs(task.id)[-1]
    assert entry.message.startswith("edited: priority 100 → 7")
    assert "payload changed" in entry.message and "compatibility changed" in entry.message
    assert entry.details_data["before"]["payload"] == '{"query": "AI"}'


def test_scheduled_tasks_are_editable_and_can_be_rescheduled(queue: Queue) -> None:
    task = queue.enqueue("echo", run_after="+1h")
    assert refusal(task) is None
    assert queue.edit(task.id, run_after="+2d").is_scheduled(queue.now())


@pytest.mark.parametrize(("make", "words"), [
    (lambda q, i: q.claim("w1"), "is processing; running tasks cannot be edited"),
    (lambda q, i: q.claim("w1", start=False), "is leased; running tasks cannot be edited"),
    (lambda q, i: q.cancel(i), "is cancelled; finished tasks cannot be edited"),
    (lambda q, i: q.complete(q.claim("w1").id, "w1"), "is completed; finished tasks"),
])
def test_running_and_finished_tasks_are_refused_with_the_reason(
        queue: Queue, make: Callable[[Queue, int], object], words: str) -> None:
    task = queue.enqueue("echo")
    make(queue, task.id)
    before = queue.get(task.id)
    with pytest.raises(InvalidTransitionError, match=words):
        queue.edit(task.id, priority=1)
    assert refusal(before) is not None and words in refusal(before)  # type: ignore[operator]
    assert queue.get(task.id) == before


@pytest.mark.parametrize(("fields", "words"), [
    ({"priority": 5000}, "priority must be from 0 to 1000"),
    ({"max_attempts": 0}, "max attempts"),
    ({"payload": "{not json"}, "payload is not valid JSON"),
    ({"payload": "[1, 2]"}, "payload must be a JSON object"),
    ({"compatibility": "42"}, "compatibility must be a JSON object"),
    ({"run_after": "whenever"}, "cannot read"),
    ({"type": "other"}, "cannot edit type"),
    ({}, "nothing to change"),
])
def test_bad_values_change_nothing(queue: Queue, fields: dict, words: str) -> None:
    task = queue.enqueue("echo", {"a": 1})
    with pytest.raises(ValidationError, match=words):
        queue.edit(task.id, **fields)
    assert queue.get(task.id) == task
    assert len(queue.logs(task.id)) == 1


def test_max_attempts_must_exceed_attempts_made(queue: Queue) -> None:
    task = queue.enqueue("echo", max_attempts=3)
    claimed = queue.claim("w1")
    assert claimed is not None
    queue.fail(task.id, "w1", "boom")
    with pytest.raises(ValidationError, match="more than the 1 attempt"):
        queue.edit(task.id, max_attempts=1)
    assert queue.edit(task.id, max_attempts=2).max_attempts == 2


def test_unknown_task(queue: Queue) -> None:
    with pytest.raises(TaskNotFoundError):
        queue.edit(999, priority=1)
