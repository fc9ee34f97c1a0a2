"""The connection pool under threads that come and go: a thread's connection goes back to
the pool when the thread ends (the HTTP API's worker threads end after idling)."""

from __future__ import annotations

import threading
import time

from prismq_desktop.core import Queue
from prismq_desktop.core.postgres.connection import POOL_MAX


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
