"""Many processes opening one file at the same moment (issue 17 item 5): the migration runs
once, in one ``BEGIN IMMEDIATE`` that re-reads ``user_version``; every other opener finds the
work done and goes on."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import apsw
import pytest

from prismq_desktop.core import Queue
from prismq_desktop.core.sqlite import schema
from tests.worker.support import REPO, child_env

OPENERS = 16
_OPEN_AT = """
import sys, time
from prismq_desktop.core import Queue
time.sleep(max(float(sys.argv[2]) - time.time(), 0))
with Queue.open(sys.argv[1]) as queue:
    print(queue.schema_version, queue.read_only)
"""


def _prismq_made(path: Path) -> None:
    """A file as the PrismQ backend leaves it: its tables and views, user_version 0."""
    conn = apsw.Connection(str(path))
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(schema.PRISMQ_TABLES)
    conn.execute(schema.PRISMQ_VIEWS)
    conn.execute("INSERT INTO task_queue (type, payload) VALUES ('a', '{}')")
    conn.close()


def _open_together(path: Path) -> list[str]:
    start_at = time.time() + 2.0  # every interpreter is up and waiting by then
    procs = [subprocess.Popen([sys.executable, "-c", _OPEN_AT, str(path), str(start_at)],
                              env=child_env(), cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(OPENERS)]
    done = [proc.communicate(timeout=60) for proc in procs]
    failures = [err for proc, (_, err) in zip(procs, done, strict=True) if proc.returncode]
    assert not failures, f"{len(failures)} of {OPENERS} opens failed: {failures[0]}"
    return [out.strip() for out, _ in done]


@pytest.mark.parametrize("made_by", ["prismq", "nobody"])
def test_sixteen_processes_open_one_file_at_once(tmp_path: Path, made_by: str) -> None:
    path = tmp_path / "queue.db"
    if made_by == "prismq":
        _prismq_made(path)
    outputs = _open_together(path)
    assert outputs == [f"{schema.SCHEMA_VERSION} False"] * OPENERS
    with Queue.open(path) as queue:
        assert queue.integrity_check() == ["ok"]
        assert queue.count() == (1 if made_by == "prismq" else 0)
