"""Operator controls obeyed by real worker processes (DESIGN §14): a paused type is claimed by
no one within a poll, quiet stops claiming, stop finishes the running task and exits; and a
running worker enqueues a schedule's due ticks."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from prismq_desktop.core import Queue
from prismq_desktop.worker import WorkerEngine
from tests.worker.support import stop_process, wait_until, worker_processes, write_handlers

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
POLL = 0.2


@pytest.fixture
def live(db_path: Path) -> Iterator[Queue]:
    with Queue.open(db_path) as queue:
        yield queue


@pytest.fixture
def worker(tmp_path: Path, db_path: Path) -> Iterator[Callable[..., subprocess.Popen[Any]]]:
    """Start a worker process named ``w1`` (killed at teardown if the test left it)."""
    handlers = str(write_handlers(tmp_path))
    with worker_processes() as spawn:
        yield lambda *options: spawn(
            db_path, "--worker-id", "w1", "--handlers", handlers, "--poll-interval", str(POLL),
            "--lease-seconds", "3", *options, log=tmp_path / "worker.log",
            PQD_COUNT_FILE=str(tmp_path / "count.txt"))


def _taken(queue: Queue) -> int:
    counts = queue.counts()
    return sum(counts.get(s, 0) for s in ("leased", "processing", "completed", "failed"))


def _registered(queue: Queue) -> bool:
    return any(w.worker_id == "w1" for w in queue.workers())


def test_a_paused_type_stops_claims_in_another_process_within_a_poll(
        live: Queue, worker: Callable[..., subprocess.Popen[Any]]) -> None:
    live.enqueue_many([{"type": "count", "payload": {"sleep": 0.05}} for _ in range(400)])
    proc = worker()
    wait_until(lambda: _taken(live) >= 5, what="the worker to get going")
    live.pause_type("count")
    at_pause = _taken(live)
    time.sleep(POLL * 5)  # five polls: long enough for any claim the pause did not stop
    assert _taken(live) - at_pause <= 1  # at most the claim that raced the pause's commit
    assert live.counts().get("queued", 0) > 300
    live.resume_type("count")
    wait_until(lambda: _taken(live) >= at_pause + 5, what="claims after resume")
    assert stop_process(proc) == 0


def test_quiet_stops_claiming_and_is_acknowledged(
        live: Queue, worker: Callable[..., subprocess.Popen[Any]]) -> None:
    proc = worker()
    wait_until(lambda: _registered(live), what="the worker to register")
    running = live.enqueue("count", {"sleep": 1.0})
    wait_until(lambda: live.get(running.id).status == "processing", what="the first task")
    live.request_worker_control("w1", "quiet")
    wait_until(lambda: (c := live.worker_control("w1")) is not None and c.state == "quiet",
               what="the quiet request's acknowledgement")
    waiting = live.enqueue("count")
    wait_until(lambda: live.get(running.id).status == "completed", what="the running task")
    time.sleep(POLL * 5)
    assert live.get(waiting.id).status == "queued"
    assert proc.poll() is None  # quiet is not stop
    assert stop_process(proc) == 0
    assert live.worker_control("w1") is None  # a stopping worker clears its request


def test_stop_finishes_the_running_task_then_exits(
        live: Queue, worker: Callable[..., subprocess.Popen[Any]]) -> None:
    proc = worker()
    wait_until(lambda: _registered(live), what="the worker to register")
    running = live.enqueue("count", {"sleep": 1.5})
    wait_until(lambda: live.get(running.id).status == "processing", what="the task to start")
    live.request_worker_control("w1", "stop")
    waiting = live.enqueue("count")
    assert proc.wait(20) == 0
    assert live.get(running.id).status == "completed"  # finished, not released
    assert live.get(waiting.id).status == "queued"
    assert not _registered(live) and live.worker_controls() == []


def test_an_engine_enqueues_due_ticks_and_runs_them(db_path: Path, live: Queue) -> None:
    """The engine's scheduler makes the task of a due tick, and the engine runs it."""
    live.add_schedule("every-minute", "* * * * *", "echo", catch_up="all")
    # The engine's clock stands at the first run, so its scheduler finds that tick due.
    schedule = live.schedule("every-minute")
    assert schedule.next_run is not None
    engine = WorkerEngine(live.with_clock(lambda: schedule.next_run), worker_id="sched-w",
                          poll_interval=POLL, schedule_period=0.05)
    engine.start()
    try:
        made = wait_until(lambda: live.schedule("every-minute").last_task_id,
                          what="the scheduled task")
        wait_until(lambda: live.get(made).status == "completed", what="the task to run")
    finally:
        engine.stop()
