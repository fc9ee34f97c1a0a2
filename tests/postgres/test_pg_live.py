"""LISTEN/NOTIFY: another process's enqueue wakes this one at once, the listener survives a
killed connection, and an idle worker with a long poll still starts new work within 0.5 s."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from prismq_desktop.core import Queue, notify
from prismq_desktop.core.postgres import listen
from prismq_desktop.worker import WorkerEngine
from tests.postgres import raw
from tests.support import wait_until

ROOT = Path(__file__).resolve().parents[2]
ENQUEUE = ("import sys; from prismq_desktop.core import Queue;"
           " Queue.open(sys.argv[1]).enqueue('echo')")


def _enqueue_elsewhere(location: str) -> None:
    subprocess.run([sys.executable, "-c", ENQUEUE, location], cwd=ROOT, check=True, timeout=60,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})


class Heard:
    """Records events for one location; ``wait`` returns when one arrived."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int | None, float]] = []
        self.arrived = threading.Event()

    def __call__(self, event: str, task_id: int | None) -> None:
        self.events.append((event, task_id, time.monotonic()))
        self.arrived.set()

    def clear(self) -> None:
        self.events.clear()
        self.arrived.clear()


@pytest.fixture
def watched(pg_location: str) -> Iterator[tuple[Queue, Heard]]:
    queue = Queue.open(pg_location)
    heard = Heard()
    queue.subscribe(heard)
    wait_until(lambda: heard.events, timeout=10, what="the listener connected")
    yield queue, heard
    queue.unsubscribe(heard)
    queue.close()


def _listener_pids(location: str) -> list[int]:
    """The backends whose last statement was this queue's LISTEN."""
    with raw.connect(location) as conn:
        return [pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE query = %s",
            (f"LISTEN {listen.channel(location.rpartition('schema=')[2])}",)).fetchall()]


def test_another_process_enqueue_is_heard_within_half_a_second(
        watched: tuple[Queue, Heard], pg_location: str) -> None:
    queue, heard = watched
    heard.clear()
    _enqueue_elsewhere(pg_location)  # the child's commit comes before it exits
    done = time.monotonic()
    assert heard.arrived.wait(0.5), "no NOTIFY within 0.5 s of the other process's commit"
    assert heard.events[0][0] == notify.ADDED and heard.events[0][2] - done < 0.5
    assert queue.count() == 1


def test_a_killed_listening_connection_comes_back(watched: tuple[Queue, Heard],
                                                  pg_location: str) -> None:
    _queue, heard = watched
    pids = _listener_pids(pg_location)
    assert len(pids) == 1
    heard.clear()
    with raw.connect(pg_location) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pids[0],))
    assert heard.arrived.wait(10), "the listener never reconnected"  # announces the gap
    wait_until(lambda: _listener_pids(pg_location) not in ([], pids), timeout=10,
               what="a new listening connection")
    heard.clear()
    _enqueue_elsewhere(pg_location)
    assert heard.arrived.wait(2)


def test_one_listening_connection_per_process(pg_location: str) -> None:
    queues = [Queue.open(pg_location) for _ in range(3)]
    try:
        for queue in queues:
            queue.subscribe(Heard())
        assert len(listen._listeners) == 1
        wait_until(lambda: len(_listener_pids(pg_location)) == 1, timeout=10,
                   what="one LISTEN connection")
    finally:
        for queue in queues:
            queue.close()
    assert not listen._listeners


def test_an_idle_worker_with_a_long_poll_starts_new_work_at_once(pg_location: str) -> None:
    with Queue.open(pg_location) as queue:
        engine = WorkerEngine(queue, concurrency=2, poll_interval=5.0, schedule_period=None)
        engine.start()
        try:
            # idle (both threads wait out their 5 s poll) and listening for new work
            wait_until(lambda: engine.idle_seconds() > 0
                       and len(_listener_pids(pg_location)) == 1,
                       timeout=10, what="an idle worker listening")
            _enqueue_elsewhere(pg_location)
            done = time.monotonic()
            wait_until(lambda: queue.counts().get("completed"), timeout=4, interval=0.01,
                       what="the task ran")
            assert time.monotonic() - done < 1.0
        finally:
            engine.stop()
