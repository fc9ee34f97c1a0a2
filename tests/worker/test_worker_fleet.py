"""The reliability battery's fleet, kept short for CI (issue 17): worker processes claim from
one file while a killer SIGKILLs one at random moments and starts a replacement. Nothing is
lost, nothing runs again after its completion was recorded, attempts never pass the limit,
and the file passes integrity_check (DESIGN §10)."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from prismq_desktop.core import Queue, TaskQuery
from tests.worker.support import (
    executions,
    stop_process,
    wait_until,
    worker_processes,
    write_handlers,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

TASKS = 800
FLEET = 3
KILL_FOR_S = 10.0
#: Printed by the test (pytest -s) for the battery's figures.
FIGURES: dict[str, int] = {}


class Fleet:
    """Worker processes on one file, each recording the ids it ran in its own file."""

    def __init__(self, tmp_path: Path, db: Path,
                 spawn: Callable[..., subprocess.Popen[Any]]) -> None:
        self.tmp_path, self.db, self.spawn = tmp_path, db, spawn
        self.handlers = str(write_handlers(tmp_path))
        self.procs: list[subprocess.Popen[Any]] = []
        self.files: list[Path] = []

    def start(self) -> subprocess.Popen[Any]:
        n = len(self.procs)
        self.files.append(self.tmp_path / f"count-{n}.txt")
        self.procs.append(self.spawn(self.db, "--concurrency", "2", "--lease-seconds", "1",
                                     "--handlers", self.handlers, "--quiet",
                                     log=self.tmp_path / f"worker-{n}.log",
                                     PQD_COUNT_FILE=str(self.files[-1])))
        return self.procs[-1]

    def alive(self) -> list[subprocess.Popen[Any]]:
        return [proc for proc in self.procs if proc.poll() is None]


@pytest.fixture
def fleet(tmp_path: Path, db_path: Path) -> Iterator[Fleet]:
    with worker_processes() as spawn:  # (kills whatever the test left running)
        yield Fleet(tmp_path, db_path, spawn)


def _unfinished(queue: Queue) -> int:
    return queue.count(TaskQuery(statuses=("queued", "scheduled", "leased", "processing")))


def test_a_fleet_under_sigkill_loses_nothing_and_reruns_nothing(db_path: Path,
                                                                fleet: Fleet) -> None:
    with Queue.open(db_path) as queue:
        queue.enqueue_many([{"type": "count", "payload": {"sleep": 0.02}}] * TASKS)
        for _ in range(FLEET):
            fleet.start()
        rng = random.Random(17)
        kills = 0
        wait_until(lambda: executions(fleet.files), timeout=20, what="the fleet at work")
        deadline = time.monotonic() + KILL_FOR_S
        while time.monotonic() < deadline and _unfinished(queue):
            time.sleep(rng.uniform(0.2, 0.6))
            victim = rng.choice(fleet.alive())
            victim.kill()  # SIGKILL: no cleanup, its tasks stay leased until they expire
            victim.wait(10)
            kills += 1
            fleet.start()
        wait_until(lambda: _unfinished(queue) == 0, timeout=60, what="every task finished")
        # A SIGTERM is a clean stop once a worker is up; one sent while Python itself is
        # still starting (a replacement spawned a moment ago) kills it before any handler.
        wait_until(lambda: {f"-{proc.pid}" for proc in fleet.alive()}
                   <= {w.worker_id[w.worker_id.rfind("-"):] for w in queue.workers()},
                   timeout=30, what="every live worker registered")
        assert [stop_process(proc) for proc in fleet.alive()] == [0] * FLEET
        tasks = queue.list(TaskQuery(sort="id", descending=False), limit=TASKS + 10)
        ran = Counter(executions(fleet.files))
        completions = {task.id: [entry.message for entry in queue.logs(task.id)]
                       for task in tasks}
        assert queue.integrity_check() == ["ok"]
    assert len(tasks) == TASKS and all(task.status == "completed" for task in tasks)
    for task in tasks:
        messages = completions[task.id]
        done = [i for i, m in enumerate(messages) if m.startswith("completed")]
        assert len(done) == 1, (task.id, messages)  # completed once
        assert not any(m.startswith("claimed") for m in messages[done[0]:]), messages
        assert 1 <= ran[task.id] <= task.attempts <= task.max_attempts, (task.id, messages)
    FIGURES.update(tasks=TASKS, kills=kills, processes=len(fleet.procs),
                   executions=sum(ran.values()), retried=sum(t.attempts > 1 for t in tasks))
    print(f"\nfleet: {FIGURES}", file=sys.stderr)
    assert kills >= 5 and FIGURES["retried"] >= 1  # the kills did land mid-task
