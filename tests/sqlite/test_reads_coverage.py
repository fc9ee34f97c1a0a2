"""Which waiting task types no live worker handles: computed from the counts and workers."""

from __future__ import annotations

import json
from datetime import timedelta

from prismq_desktop.core import Queue
from prismq_desktop.core.unhandled import declared_types
from tests.support import FakeClock, sqlite_db


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


def test_odd_capabilities_and_heartbeats_never_raise(queue: Queue) -> None:
    assert declared_types('{"types": ["a", 3, null, "b"]}') == {"a", "b"}
    assert declared_types('{"types": "a"}') == {"a"}
    assert declared_types('{"types": []}') == set()
    for odd in ("not json", "[1, 2]", "42", '{"types": {"a": 1}}', None, '{"region": "eu"}'):
        assert declared_types(odd) is None
    queue.enqueue("a")
    sqlite_db(queue).execute("INSERT INTO workers (worker_id, capabilities, heartbeat_utc)"
                     " VALUES ('odd-time', ?, 'yesterday-ish')", (json.dumps({"types": ["a"]}),))
    sqlite_db(queue).execute("INSERT INTO workers (worker_id, capabilities, heartbeat_utc)"
                     " VALUES ('no-beat', 'not json', '')")
    assert queue.unhandled_types() == {"a"}
    sqlite_db(queue).execute("INSERT INTO workers (worker_id, capabilities, heartbeat_utc)"
                     " VALUES ('foreign', 'not json', ?)", (queue.now().strftime("%F %T"),))
    assert queue.unhandled_types() == frozenset()
