"""Helpers shared by the worker tests: waiting on conditions, and real worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support import wait_until  # noqa: F401  (the one wait_until, re-exported)

REPO = Path(__file__).resolve().parents[2]

#: A handler module for worker processes: records each execution in a per-process file.
COUNT_HANDLERS = '''
import os
from prismq_desktop.worker import handler

_OUT = open(os.environ["PQD_COUNT_FILE"], "a", buffering=1)


@handler("count")
def count(ctx):
    _OUT.write(f"{ctx.task.id}\\n")
    delay = ctx.payload.get("sleep", 0)
    if delay:
        ctx.wait(delay)
    return {"pid": os.getpid()}
'''


#: A handler that notes when it was told of a cancel, then takes a while to clean up.
SLOW_STOP_HANDLERS = '''
import time
from prismq_desktop.worker import handler


@handler("slow_stop")
def slow_stop(ctx):
    ctx.log("INFO", "running")
    while not ctx.wait(0.01):
        pass
    ctx.log("INFO", "told", at=time.time())
    time.sleep(ctx.payload["cleanup"])
'''


def child_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), **extra}


def spawn_worker(db: Path, *options: str, log: Path, **env: str) -> subprocess.Popen[Any]:
    """``python -m prismq_desktop worker --db DB OPTIONS``; output to ``log``."""
    # A file, not a pipe nobody reads: a full pipe would block the worker.
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "prismq_desktop", "worker", "--db", str(db), *options],
            env=child_env(**env), stdout=out, stderr=subprocess.STDOUT, cwd=REPO,
        )


def write_handlers(tmp_path: Path, text: str = COUNT_HANDLERS, name: str = "handlers.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def executions(files: list[Path]) -> list[int]:
    """Every task id recorded by the count handler, across processes."""
    ids: list[int] = []
    for path in files:
        if path.exists():
            ids += [int(line) for line in path.read_text().split() if line.strip()]
    return ids


def stop_process(proc: subprocess.Popen[Any], timeout: float = 10.0) -> int:
    """SIGTERM and wait (SIGKILL if it will not go); returns the exit code."""
    if proc.poll() is None:
        proc.terminate()
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait(timeout)


@contextmanager
def worker_processes() -> Iterator[Callable[..., subprocess.Popen[Any]]]:
    """``spawn_worker`` whose processes are killed on the way out, whatever the test did."""
    procs: list[subprocess.Popen[Any]] = []

    def start(*args: Any, **kwargs: Any) -> subprocess.Popen[Any]:
        procs.append(spawn_worker(*args, **kwargs))
        return procs[-1]

    try:
        yield start
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
