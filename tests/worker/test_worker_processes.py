"""Reliability with real worker processes: exactly once, SIGKILL, cross-process cancel, hangs."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from prismq_desktop.core import Queue, TaskQuery
from prismq_desktop.worker import HandlerRegistry, WorkerEngine
from tests.worker.support import (
    COUNT_HANDLERS,
    SLOW_STOP_HANDLERS,
    executions,
    stop_process,
    wait_until,
    worker_processes,
    write_handlers,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture
def live(db_path: Path) -> Iterator[Queue]:
    """The queue on the real clock, as the worker processes see it."""
    with Queue.open(db_path) as queue:
        yield queue


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[Any]]]:
    """``spawn_worker`` whose processes are killed at teardown, whatever the test did."""
    with worker_processes() as start:
        yield start


def _all(queue: Queue) -> list:
    return queue.list(TaskQuery(sort="id", descending=False), limit=100_000)


def _unfinished(queue: Queue) -> int:
    counts = queue.counts()
    return sum(counts.get(s, 0) for s in ("queued", "scheduled", "leased", "processing"))


#: Holds each of its tasks until two processes have each taken one: three gates and two threads
#: a process, so the second process must take part (no hoping the scheduler shares).
GATE_HANDLERS = COUNT_HANDLERS + '''
import time


@handler("gate")
def gate(ctx):
    path = os.environ["PQD_GATE_FILE"]
    with open(path, "a") as out:
        out.write(f"{os.getpid()}\\n")
    deadline = time.monotonic() + 30
    while len(set(open(path).read().split())) < 2 and time.monotonic() < deadline:
        ctx.wait(0.02)
'''


def test_two_processes_run_every_task_exactly_once(
    tmp_path: Path, db_path: Path, live: Queue, spawn: Any
) -> None:
    live.enqueue_many([{"type": "gate", "priority": 0} for _ in range(3)])
    ids = live.enqueue_many([{"type": "count"} for _ in range(1000)])
    handlers = str(write_handlers(tmp_path, GATE_HANDLERS))
    files = [tmp_path / f"count-{n}.txt" for n in range(2)]
    gate = tmp_path / "gate.txt"
    procs = [spawn(db_path, "--concurrency", "2", "--handlers", handlers, "--quiet",
                          "--idle-exit", "0.5", log=tmp_path / f"worker-{n}.log",
                          PQD_COUNT_FILE=str(files[n]), PQD_GATE_FILE=str(gate))
             for n in range(2)]
    assert [proc.wait(60) for proc in procs] == [0, 0]
    assert sorted(executions(files)) == ids  # each id once, none missing
    assert len(set(gate.read_text().split())) == 2  # both processes took part
    assert live.counts() == {"completed": 1003}


def test_sigkilled_worker_loses_nothing(
    tmp_path: Path, db_path: Path, live: Queue, spawn: Any
) -> None:
    ids = live.enqueue_many([{"type": "count", "payload": {"sleep": 0.03}} for _ in range(900)])
    handlers = str(write_handlers(tmp_path))
    files: list[Path] = []

    def start(name: str, concurrency: str) -> subprocess.Popen[Any]:
        files.append(tmp_path / f"count-{name}.txt")
        return spawn(db_path, "--concurrency", concurrency, "--lease-seconds", "1",
                            "--handlers", handlers, "--quiet", log=tmp_path / f"{name}.log",
                            PQD_COUNT_FILE=str(files[-1]))

    steady = [start(f"steady-{n}", "1") for n in range(2)]
    rng = random.Random(20261123)
    for kill in range(20):
        victim = start(f"victim-{kill}", "2")
        wait_until(lambda: executions(files[-1:]) or not live.counts().get("queued"),
                   timeout=15, what="victim at work (or nothing left to do)")
        time.sleep(rng.uniform(0.0, 0.3))  # the random moment to kill at
        victim.kill()
        victim.wait()
    wait_until(lambda: _unfinished(live) == 0, timeout=60, what="every task finished")
    assert [stop_process(proc) for proc in steady] == [0, 0]
    tasks = _all(live)
    assert all(t.status in ("completed", "failed") for t in tasks)
    assert all(t.attempts <= t.max_attempts for t in tasks)
    assert all(t.attempts == t.max_attempts for t in tasks if t.status == "failed")
    assert sum(t.attempts > 1 for t in tasks) >= 5  # kills did land mid-task
    assert set(executions(files)) == set(ids)
    assert live.integrity_check() == ["ok"]


def _stopped(queue: Queue, task_id: int) -> bool:
    return any("stopped on cancel" in (e.message or "") for e in queue.logs(task_id))


def _pid(queue: Queue, task_id: int) -> int | None:
    for entry in queue.logs(task_id):
        if (entry.message or "").startswith("started pid"):
            return int(entry.details_data["pid"])
    return None


def test_cancel_from_another_process_stops_within_two_renewals(
    tmp_path: Path, db_path: Path, live: Queue, spawn: Any
) -> None:
    lease = 1.5
    worker = spawn(db_path, "--allow-shell", "--concurrency", "2", "--lease-seconds",
                          str(lease), "--poll-interval", "0.05", log=tmp_path / "worker.log")
    slow = live.enqueue("sleep", {"seconds": 30})
    shell = live.enqueue("shell", {"argv": ["sleep", "30"]})
    pid = wait_until(lambda: _pid(live, shell.id), timeout=15, what="shell started")
    wait_until(lambda: live.get(slow.id).status == "processing", what="sleep running")
    started = time.monotonic()
    live.cancel(slow.id)
    live.cancel(shell.id)
    wait_until(lambda: _stopped(live, slow.id) and _stopped(live, shell.id), timeout=5,
               interval=0.01, what="both handlers stopped")
    assert time.monotonic() - started <= 2 * lease / 3
    assert live.get(slow.id).status == live.get(shell.id).status == "cancelled"
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert stop_process(worker) == 0


def test_a_hung_worker_loses_its_task_and_its_late_result_is_discarded(
    tmp_path: Path, db_path: Path, live: Queue, spawn: Any
) -> None:
    hung = spawn(db_path, "--lease-seconds", "1", "--worker-id", "hung",
                        log=tmp_path / "hung.log")
    task = live.enqueue("sleep", {"seconds": 3})
    wait_until(lambda: live.get(task.id).status == "processing", timeout=15, what="claimed")
    rescuer_handlers = HandlerRegistry()
    rescuer_handlers.register("sleep", lambda ctx: "rescued")
    rescuer = WorkerEngine(live, worker_id="rescuer", registry=rescuer_handlers,
                           poll_interval=0.05, lease_seconds=5)
    os.kill(hung.pid, signal.SIGSTOP)
    try:
        rescuer.start()
        wait_until(lambda: live.get(task.id).status == "completed", timeout=10, what="rescued")
    finally:
        os.kill(hung.pid, signal.SIGCONT)
        rescuer.stop()
    wait_until(lambda: any("late result from hung discarded" in (e.message or "")
                           for e in live.logs(task.id)), timeout=10, what="late result")
    row = live.get(task.id)
    assert (row.status, row.locked_by, row.attempts) == ("completed", "rescuer", 2)
    results = [e.details_data for e in live.logs(task.id) if e.message.startswith("completed")]
    assert results == [{"result": "rescued"}]
    assert stop_process(hung) == 0


def test_sigterm_releases_the_running_task_and_exits_zero(
    tmp_path: Path, db_path: Path, live: Queue, spawn: Any
) -> None:
    log = tmp_path / "worker.log"
    worker = spawn(db_path, "--worker-id", "term", log=log)
    task = live.enqueue("sleep", {"seconds": 30})
    wait_until(lambda: live.get(task.id).status == "processing", timeout=15, what="running")
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(10) == 0 and time.monotonic() - started < 3
    row = live.get(task.id)
    assert (row.status, row.attempts, row.locked_by) == ("queued", 0, None)
    output = log.read_text()
    assert f"released #{task.id} back to the queue" in output and "Traceback" not in output
    assert live.workers() == []


def _told_at(queue: Queue, task_id: int) -> float | None:
    for entry in queue.logs(task_id):
        if entry.message == "told":
            return float(entry.details_data["at"])
    return None


def test_a_cancelled_handler_is_told_within_one_renewal_and_shows_cancelling_until_it_stops(
    tmp_path: Path, db_path: Path, live: Queue, spawn: Any
) -> None:
    """Issue 11 item 18, with a real worker process and the cancel from this process: on the
    default 30 s lease (renewed every 10 s) the handler hears of it within a second or two."""
    lease = 30.0
    handlers = write_handlers(tmp_path, SLOW_STOP_HANDLERS, "slow_stop.py")
    worker = spawn(db_path, "--handlers", str(handlers), log=tmp_path / "worker.log")
    task = live.enqueue("slow_stop", {"cleanup": 1.0})
    wait_until(lambda: any(e.message == "running" for e in live.logs(task.id)), timeout=15,
               what="handler running")
    cancelled_at = time.time()
    live.cancel(task.id)
    assert live.get(task.id).shown_status(live.now()) == "cancelling"
    told = wait_until(lambda: _told_at(live, task.id), timeout=lease / 3, what="handler told")
    assert told - cancelled_at <= 2.0  # keeper.CANCEL_CHECK_SECONDS, on a busy machine
    assert live.get(task.id).shown_status(live.now()) == "cancelling"  # still cleaning up
    wait_until(lambda: live.get(task.id).shown_status(live.now()) == "cancelled",
               timeout=lease / 3, what="handler stopped")  # its worker said so: no lease passed
    stopped = live.logs(task.id)[-1]
    assert stopped.message.startswith("handler stopped on cancel after")
    assert live.get(task.id).lease_until_utc is None
    assert stop_process(worker) == 0
