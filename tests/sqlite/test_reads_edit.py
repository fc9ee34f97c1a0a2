"""Editing a waiting task; running and finished tasks are read-only, with the reason."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from prismq_desktop.core import (
    InvalidTransitionError,
    Queue,
)
from prismq_desktop.core.editing import refusal


@pytest.mark.parametrize("make", [lambda q, i: None, lambda q, i: q.edit(i, run_after="+1h")])
def test_waiting_tasks_have_no_refusal(queue: Queue, make: Callable[[Queue, int], object]) -> None:
    task = queue.enqueue("echo")
    make(queue, task.id)
    assert refusal(queue.get(task.id)) is None


@pytest.mark.parametrize("make", [
    lambda q, i: q.claim("w1"),
    lambda q, i: q.claim("w1", start=False),
    lambda q, i: q.cancel(i),
    lambda q, i: q.complete(q.claim("w1").id, "w1"),
])
def test_refusal_gives_the_reason_edit_raises(queue: Queue,
                                              make: Callable[[Queue, int], object]) -> None:
    task = queue.enqueue("echo")
    make(queue, task.id)
    before = queue.get(task.id)
    reason = refusal(before)
    assert reason is not None
    with pytest.raises(InvalidTransitionError) as raised:
        queue.edit(task.id, priority=1)
    assert reason in str(raised.value)
