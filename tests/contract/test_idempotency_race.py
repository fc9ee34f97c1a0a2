"""Two processes racing one idempotency key create one task (DESIGN §5), with real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from prismq_desktop.core import Queue, TaskQuery

ROOT = Path(__file__).resolve().parents[2]
RACERS = 8
#: Each child opens the queue, says it is ready, waits for the start file, then enqueues.
CHILD = """
import json, os, sys, time
from prismq_desktop.core import Queue
location, ready, go = sys.argv[1:4]
queue = Queue.open(location)
open(ready, "w").close()
deadline = time.monotonic() + 60
while not os.path.exists(go):
    if time.monotonic() > deadline:
        sys.exit("never told to go")
    time.sleep(0.001)
task = queue.enqueue("race", {"pid": os.getpid()}, idempotency_key="one-key")
queue.close()
print(json.dumps({"id": task.id, "new": task.is_new}))
"""


def _await_files(paths: list[Path], children: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + 60
    while not all(path.exists() for path in paths):
        assert all(child.poll() is None for child in children), "a racer died before the start"
        assert time.monotonic() < deadline, "racers never got ready"
        time.sleep(0.01)


def test_racing_processes_create_one_task_and_all_get_its_id(queue: Queue, location: str,
                                                             tmp_path: Path) -> None:
    queue.enqueue("warm-up")  # the schema exists before the racers open the location
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ready = [tmp_path / f"ready-{i}" for i in range(RACERS)]
    go = tmp_path / "go"
    children = [subprocess.Popen([sys.executable, "-c", CHILD, location, str(mark), str(go)],
                                 env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
                for mark in ready]
    try:
        _await_files(ready, children)
        go.touch()
        outputs = [child.communicate(timeout=60) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    for child, (_out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err.strip().splitlines()[-1:]
    answers = [json.loads(out) for out, _err in outputs]
    rows = queue.list(TaskQuery(types=("race",)))
    assert len(rows) == 1 and rows[0].idempotency_key == "one-key"
    assert {answer["id"] for answer in answers} == {rows[0].id}
    assert sorted(answer["new"] for answer in answers) == [False] * (RACERS - 1) + [True]
    assert json.loads(rows[0].payload)["pid"] in {child.pid for child in children}
