"""The shell handler: argv only, allow-list, live output, timeout and cancel kill the group."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from prismq_desktop.core import Queue
from prismq_desktop.worker import WorkerEngine
from prismq_desktop.worker.builtins import builtin_registry
from tests.support import wait_until

PY = sys.executable


@pytest.fixture
def shell_engine(queue: Queue) -> Iterator[Any]:
    engines: list[WorkerEngine] = []

    def make(**options: Any) -> WorkerEngine:
        options.setdefault("allow_shell", True)
        engine = WorkerEngine(queue, worker_id="shell-worker", registry=builtin_registry(),
                              poll_interval=0.05, **options)
        engines.append(engine)
        engine.start()
        return engine

    yield make
    for engine in engines:
        engine.stop(timeout=5)


def _finished(queue: Queue, task_id: int) -> str | None:
    status = queue.get(task_id).status
    return status if status not in ("queued", "leased", "processing") else None


def _pid(queue: Queue, task_id: int) -> int | None:
    for entry in queue.logs(task_id):
        if entry.message and entry.message.startswith("started pid"):
            return int(entry.details_data["pid"])
    return None


def _gone(pid: int) -> bool:
    """No such process, or only its zombie (an orphan waits there for init to reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):  # reaped between the two looks
        return True


def test_output_lines_are_logged_by_stream(queue: Queue, shell_engine: Any) -> None:
    shell_engine()
    code = "import sys; print('one'); print('two', file=sys.stderr); print('three')"
    task = queue.enqueue("shell", {"argv": [PY, "-c", code]})
    assert wait_until(lambda: _finished(queue, task.id), what="shell done") == "completed"
    lines = [(e.level, e.message) for e in queue.logs(task.id)
             if e.details_data and "stream" in e.details_data]
    assert [line for line in lines if line[0] == "INFO"] == [("INFO", "one"), ("INFO", "three")]
    assert ("WARNING", "two") in lines
    assert queue.logs(task.id)[-1].details_data == {"result": {"returncode": 0}}


def test_output_streams_while_running_and_cancel_kills_the_group(
    queue: Queue, shell_engine: Any
) -> None:
    shell_engine()
    code = ("import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', "
            "'import time; time.sleep(30)']); print('ready', p.pid, flush=True); time.sleep(30)")
    task = queue.enqueue("shell", {"argv": [PY, "-c", code]})
    ready = wait_until(lambda: [e.message for e in queue.logs(task.id)
                                if e.message.startswith("ready")], what="live line")
    grandchild, pid = int(ready[0].split()[1]), _pid(queue, task.id)
    assert pid is not None and queue.get(task.id).status == "processing"
    queue.cancel(task.id)
    wait_until(lambda: _gone(pid) and _gone(grandchild), timeout=5, what="group killed")
    wait_until(lambda: "stopped on cancel" in queue.logs(task.id)[-1].message, what="stopped")
    assert queue.get(task.id).status == "cancelled"


def test_timeout_kills_and_fails(queue: Queue, shell_engine: Any) -> None:
    shell_engine()
    task = queue.enqueue("shell", {"argv": ["sleep", "30"], "timeout": 0.3}, max_attempts=1)
    assert wait_until(lambda: _finished(queue, task.id), what="timeout") == "failed"
    assert "timed out after 0.3 s" in queue.get(task.id).error_message
    assert _gone(_pid(queue, task.id) or 0)


def test_nonzero_exit_is_a_failure(queue: Queue, shell_engine: Any) -> None:
    shell_engine()
    task = queue.enqueue("shell", {"argv": [PY, "-c", "raise SystemExit(4)"]}, max_attempts=1)
    assert wait_until(lambda: _finished(queue, task.id), what="exit") == "failed"
    assert "exited with status 4" in queue.get(task.id).error_message


@pytest.mark.parametrize(("payload", "error"), [
    ({"argv": "sleep 1; rm -rf /"}, "must be a non-empty list"),
    ({"argv": []}, "must be a non-empty list"),
    ({"argv": ["pqd-no-such-program"]}, "cannot start"),
    ({"argv": ["true"], "cwd": "/no/such/dir"}, "is not a directory"),
    ({"argv": ["true"], "timeout": -1}, "positive number"),
])
def test_bad_payloads_fail_permanently(
    queue: Queue, shell_engine: Any, payload: dict[str, Any], error: str
) -> None:
    shell_engine()
    task = queue.enqueue("shell", payload)
    assert wait_until(lambda: _finished(queue, task.id), what="refusal") == "failed"
    row = queue.get(task.id)
    assert error in row.error_message and row.attempts == 1


def test_allow_list_compares_resolved_programs(queue: Queue, shell_engine: Any) -> None:
    shell_engine(shell_programs=["echo"])
    allowed = queue.enqueue("shell", {"argv": ["echo", "hi"]})
    refused = queue.enqueue("shell", {"argv": ["sleep", "0"]})
    assert wait_until(lambda: _finished(queue, allowed.id), what="echo") == "completed"
    assert wait_until(lambda: _finished(queue, refused.id), what="refusal") == "failed"
    assert "not in this worker's allow-list" in queue.get(refused.id).error_message


def test_shell_tasks_are_not_claimed_unless_enabled(queue: Queue, shell_engine: Any) -> None:
    engine = shell_engine(allow_shell=False)
    task = queue.enqueue("shell", {"argv": ["echo", "hi"]})
    queue.enqueue("echo")
    wait_until(lambda: engine.counters().done == 1, what="echo done")
    polls = engine.counters().empty_polls
    wait_until(lambda: engine.counters().empty_polls >= polls + 3, what="idle polls")
    assert queue.get(task.id).status == "queued" and queue.get(task.id).attempts == 0
