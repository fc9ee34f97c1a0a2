"""The connection pool under threads that come and go: a thread's connection goes back to
the pool when the thread ends (the HTTP API's worker threads end after idling); a lock
timeout is a busy queue, raised once after the timeout, and keeps the connection."""

from __future__ import annotations

import threading
import time

import pytest

from prismq_desktop.core import Queue, QueueBusyError, TaskQuery
from prismq_desktop.core.postgres.connection import POOL_MAX
from tests.postgres import raw


def test_threads_that_end_give_their_connections_back(pg_location: str) -> None:
    with Queue.open(pg_location) as queue:
        database = queue._store.database  # type: ignore[attr-defined]
        failures: list[Exception] = []

        def count() -> None:
            try:
                queue.count()
            except Exception as exc:  # noqa: BLE001 - reported by the test below
                failures.append(exc)

        started = time.monotonic()
        for n in range(POOL_MAX + 16):
            thread = threading.Thread(target=count, name=f"short-{n}")
            thread.start()
            thread.join(timeout=5)
            assert not thread.is_alive(), f"thread {n} still waits for a connection"
        assert failures == []
        assert time.monotonic() - started < 30
        assert len(database._held) <= 2
        assert database.pool.get_stats()["pool_size"] <= 4


def test_a_lock_timeout_is_busy_after_the_timeout_and_keeps_the_connection(
        pg_location: str) -> None:
    Queue.open(pg_location).close()  # the schema exists before another session locks it
    with Queue.open(pg_location, busy_timeout_ms=1000) as queue:
        database = queue._store.database  # type: ignore[attr-defined]
        searched = TaskQuery(text="anything")  # counted on task_queue itself
        backend = database.one("SELECT pg_backend_pid()")[0]
        checkouts = database.pool.get_stats().get("requests_num", 0)
        with raw.connect(pg_location) as other, other.transaction():
            other.execute("LOCK TABLE task_queue IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            with pytest.raises(QueueBusyError):
                queue.count(searched)
            waited = time.monotonic() - started
        assert 0.9 < waited < 1.8
        assert queue.count(searched) == 0
        assert database.one("SELECT pg_backend_pid()")[0] == backend
        assert database.pool.get_stats().get("requests_num", 0) == checkouts  # never handed back
