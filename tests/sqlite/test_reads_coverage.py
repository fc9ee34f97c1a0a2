"""Which waiting task types no live worker handles: computed from the counts and workers."""

from __future__ import annotations

import json

from prismq_desktop.core import Queue
from prismq_desktop.core.unhandled import declared_types
from tests.support import sqlite_db


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
