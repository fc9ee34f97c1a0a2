"""A bulk cancel of 100,000 tasks while a worker process claims and completes the same tasks:
every task ends completed or cancelled, each exactly as both sides report, and the worker is
never kept waiting past its busy timeout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from prismq_desktop.core import Queue, TaskQuery
from prismq_desktop.core.sqlite.database import BUSY_TIMEOUT_MS
from tests.support import sqlite_db

ROOT = Path(__file__).resolve().parents[2]
TASKS = 100_000
CHILD = """
import json, os, sys, time
from prismq_desktop.core import Queue, QueueBusyError
db, out, stop = sys.argv[1:4]
queue = Queue.open(db)
report = {"completed": 0, "refused": 0, "busy": 0, "longest": 0.0}
while not os.path.exists(stop):
    for step in ("claim", "complete"):
        started = time.perf_counter()
        try:
            if step == "claim":
                task = queue.claim("child", lease_seconds=300)
            elif task is not None:
                done = queue.complete(task.id, "child", claimed_at=task.claimed_at)
                report["completed" if done else "refused"] += 1
        except QueueBusyError:
            report["busy"] += 1
            task = None
        report["longest"] = max(report["longest"], time.perf_counter() - started)
    if task is None:
        time.sleep(0.002)
queue.close()
with open(out, "w") as handle:
    json.dump(report, handle)
"""


def _wait_for(condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_bulk_cancel_while_a_worker_process_claims(tmp_path: Path) -> None:
    db_path, out, stop = tmp_path / "q.db", tmp_path / "child.json", tmp_path / "stop"
    queue = Queue.open(db_path)
    queue.enqueue_many([{"type": "job", "payload": {"i": i}} for i in range(TASKS)])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db_path), str(out), str(stop)],
                             env=env)
    try:
        _wait_for(lambda: queue.count(TaskQuery(statuses=("completed",))) >= 20, 60)
        result = queue.bulk("cancel", TaskQuery(types=("job",)))
    finally:
        stop.touch()
        child.wait(timeout=60)
    report = json.loads(out.read_text())
    counts = queue.counts()
    assert counts == {"completed": counts["completed"], "cancelled": result.done}
    assert counts["completed"] == report["completed"] > 0
    assert result.done + result.refused.get("completed", 0) == TASKS
    assert set(result.refused) <= {"completed"}
    logged = sqlite_db(queue).query(
        "SELECT count(*) FROM task_logs WHERE message = 'cancelled (bulk)'")
    assert logged[0][0] == result.done
    assert report["busy"] == 0 and report["longest"] < BUSY_TIMEOUT_MS / 1000
    # Batches aim at a fraction of a second; what must hold on any machine is that none
    # holds the lock near a worker's busy timeout (the child's report above shows it).
    assert result.batches > 10 and result.longest_batch_s < BUSY_TIMEOUT_MS / 1000 / 2
    assert queue.integrity_check() == ["ok"]
    queue.close()
