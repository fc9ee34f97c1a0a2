"""Crashes on PostgreSQL, with real processes: workers SIGKILLed mid-task and a worker's
connection terminated by the server mid-task. Nothing is lost, no task runs twice while its
lease holds, attempts never pass max_attempts."""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from prismq_desktop.core import Queue, TaskQuery
from tests.postgres import raw
from tests.worker.support import (
    executions,
    stop_process,
    wait_until,
    worker_processes,
    write_handlers,
)

ALL = TaskQuery(sort="id", descending=False)


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[Any]]]:
    """Worker processes, killed at teardown whatever the test did."""
    with worker_processes() as start:
        yield start


def _unfinished(queue: Queue) -> int:
    counts = queue.counts()
    return sum(counts.get(s, 0) for s in ("queued", "scheduled", "leased", "processing"))


def _check_outcome(queue: Queue, ids: list[int], files: list[Path]) -> list[Any]:
    tasks = queue.list(ALL, limit=100_000)
    assert [t.id for t in tasks] == ids
    assert all(t.status in ("completed", "failed") for t in tasks)
    assert all(t.attempts <= t.max_attempts for t in tasks)
    assert set(executions(files)) == set(ids)  # nothing lost
    assert queue.integrity_check() == ["ok"]
    return tasks


def test_sigkilled_workers_lose_nothing(tmp_path: Path, pg_location: str, spawn: Any) -> None:
    with Queue.open(pg_location) as queue:
        ids = queue.enqueue_many([{"type": "count", "payload": {"sleep": 0.03}}
                                  for _ in range(400)])
        handlers = str(write_handlers(tmp_path))
        files: list[Path] = []

        def start(name: str, concurrency: str) -> subprocess.Popen[Any]:
            files.append(tmp_path / f"count-{name}.txt")
            return spawn(pg_location, "--concurrency", concurrency, "--lease-seconds", "1",
                         "--handlers", handlers, "--quiet", log=tmp_path / f"{name}.log",
                         PQD_COUNT_FILE=str(files[-1]))

        steady = start("steady", "2")
        rng = random.Random(20261207)
        for kill in range(8):
            victim = start(f"victim-{kill}", "2")
            wait_until(lambda: executions(files[-1:]) or not queue.counts().get("queued"),
                       timeout=20, what="victim at work (or nothing left to do)")
            time.sleep(rng.uniform(0.0, 0.2))
            victim.kill()
            victim.wait()
        wait_until(lambda: _unfinished(queue) == 0, timeout=90, what="every task finished")
        assert stop_process(steady) == 0
        tasks = _check_outcome(queue, ids, files)
        assert sum(t.attempts > 1 for t in tasks) >= 1  # kills did land mid-task


def test_a_terminated_connection_mid_task_runs_it_once_while_the_lease_holds(
        tmp_path: Path, pg_location: str, spawn: Any) -> None:
    """The server drops every connection of the worker while its handlers run: the pool
    reconnects, the results land (or the leases expire and another claim runs them), and no
    task is run by two holders at once."""
    with Queue.open(pg_location) as queue:
        ids = queue.enqueue_many([{"type": "count", "payload": {"sleep": 0.2}}
                                  for _ in range(60)])
        files = [tmp_path / "count.txt"]
        name = f"prismq-crash-{os.getpid()}"  # its connections, and no one else's
        worker = spawn(pg_location, "--concurrency", "4", "--lease-seconds", "3",
                       "--handlers", str(write_handlers(tmp_path)), "--quiet",
                       log=tmp_path / "worker.log", PQD_COUNT_FILE=str(files[0]),
                       PGAPPNAME=name)
        wait_until(lambda: len(executions(files)) >= 8, timeout=30, what="the worker at work")
        with raw.connect(pg_location) as conn:
            killed = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = %s", (name,)).fetchone()
        assert killed is not None and killed[0] >= 1
        wait_until(lambda: _unfinished(queue) == 0, timeout=90, what="every task finished")
        assert stop_process(worker) == 0
        tasks = _check_outcome(queue, ids, files)
        runs = executions(files)
        for task in tasks:  # a second run only after the first attempt's lease was lost
            assert runs.count(task.id) <= task.attempts
