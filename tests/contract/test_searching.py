"""The search language through the Queue: NOT, OR and parentheses, and typos that are errors
rather than empty results (issue 11.7). Every backend compiles the same parse tree."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from prismq_desktop.core import Queue, SearchSyntaxError, TaskQuery, ValidationError


def _ids(queue: Queue, text: str) -> set[int]:
    found = {task.id for task in queue.list(TaskQuery(text=text), limit=1000)}
    assert queue.count(TaskQuery(text=text)) == len(found)
    return found


@pytest.fixture
def tasks(queue: Queue) -> dict[str, int]:
    """Four tasks by name: echo ok, echo failed with a timeout, sleep queued, sleep sized."""
    made = {
        "echo_ok": queue.enqueue("echo", {"size": 5}),
        "echo_timeout": queue.enqueue("echo", {"size": 50}),
        "sleep": queue.enqueue("sleep", {"query": "AI trends"}),
        "sleep_big": queue.enqueue("sleep", {"size": 500}),
    }
    for _ in range(2):
        claimed = queue.claim("w1", types=["echo"], strategy="fifo")
        assert claimed is not None
        if claimed.id == made["echo_ok"].id:
            queue.complete(claimed.id, "w1")
        else:
            queue.fail(claimed.id, "w1", "TimeoutError: read timed out", permanent=True)
    return {name: task.id for name, task in made.items()}


@pytest.mark.parametrize(("text", "names"), [
    ("NOT type:echo", {"sleep", "sleep_big"}),
    ("-type:echo", {"sleep", "sleep_big"}),
    ("type:sleep OR error:timeout", {"sleep", "sleep_big", "echo_timeout"}),
    ("type:echo status:completed OR type:sleep payload.size>100", {"echo_ok", "sleep_big"}),
    ("type:echo AND (status:completed OR payload.size>10)", {"echo_ok", "echo_timeout"}),
    ("(status:failed OR status:queued) NOT payload.size>100", {"echo_timeout", "sleep"}),
    ("NOT (type:sleep OR status:failed)", {"echo_ok"}),
    # Unknown is not true, so its negation is: rows without a size, rows without an error.
    ("NOT payload.size>10", {"echo_ok", "sleep"}),
    ("-error:timeout type:echo", {"echo_ok"}),
    ("NOT NOT type:sleep", {"sleep", "sleep_big"}),
    ('"AI trends" OR #0', {"sleep"}),
])
def test_not_or_and_parentheses(queue: Queue, tasks: dict[str, int], text: str,
                                names: set[str]) -> None:
    assert _ids(queue, text) == {tasks[name] for name in names}


def test_the_keywords_are_capitals_and_quoted_they_are_words(queue: Queue) -> None:
    plain = queue.enqueue("echo", {"note": "this or that"}).id
    capital = queue.enqueue("echo", {"note": "THIS OR THAT"}).id
    assert _ids(queue, "this or that") == {plain, capital}  # three words, any case
    assert _ids(queue, '"OR"') == {plain, capital}
    assert _ids(queue, 'this "OR" that') == {plain, capital}


@pytest.mark.parametrize(("text", "words"), [
    ("status:faild", 'unknown status "faild" (did you mean "failed"?)'),
    ("type:echo OR", "OR needs a term after it"),
    ("(type:echo", "this ( is never closed"),
])
def test_a_query_that_cannot_mean_anything_is_refused_and_changes_nothing(
        queue: Queue, tasks: dict[str, int], text: str, words: str) -> None:
    before = queue.counts()
    query = TaskQuery(text=text)
    for attempt in (queue.list, queue.count, lambda q: queue.bulk("cancel", q)):
        with pytest.raises(SearchSyntaxError) as caught:
            attempt(query)
        assert words in str(caught.value) and isinstance(caught.value, ValidationError)
    assert queue.counts() == before


def test_a_quoted_status_finds_one_another_tool_wrote(
        queue: Queue, force_status: Callable[[int, str], None]) -> None:
    odd = queue.enqueue("echo").id
    queue.enqueue("echo")
    force_status(odd, "paused_by_ops")
    with pytest.raises(SearchSyntaxError, match="unknown status"):
        queue.count(TaskQuery(text="status:paused_by_ops"))
    assert _ids(queue, 'status:"paused_by_ops"') == {odd}
    assert _ids(queue, 'status:failed,"paused_by_ops"') == {odd}
