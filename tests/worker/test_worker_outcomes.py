"""A real worker process records whatever its handlers return or raise (issue 17 item 1):
each task runs once and ends completed or failed with the value readable, never left to its
lease and run again."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from prismq_desktop.core import Queue, TaskQuery
from tests.worker.support import executions, spawn_worker, write_handlers

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="surrogate-escaped paths")

ODD_HANDLERS = '''
import os
from prismq_desktop.worker import handler

_OUT = open(os.environ["PQD_COUNT_FILE"], "a", buffering=1)
PATH = os.fsdecode(b"/data/caf\\xe9.csv")


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no")


@handler("odd")
def odd(ctx):
    _OUT.write(f"{ctx.task.id}\\n")
    kind = ctx.payload["kind"]
    ctx.log("INFO", f"handling {PATH}", path=PATH, score=float("nan"))
    if kind == "nan":
        return float("nan")
    if kind == "path":
        return {"file": PATH, "ratio": float("-inf")}
    if kind == "raise-path":
        raise OSError(f"cannot read {PATH}")
    if kind == "raise-unprintable":
        raise Unprintable()
    if kind == "object":
        return {(1, 2): Unprintable()}
    raise AssertionError(kind)
'''

#: kind → (final status, text that must be readable in the row or its log)
EXPECTED = {
    "nan": ("completed", '"result": "NaN"'),
    "path": ("completed", '"file": "/data/caf\\\\xe9.csv"'),
    "raise-path": ("failed", "OSError: cannot read /data/caf\\xe9.csv"),
    "raise-unprintable": ("failed", "<Unprintable that cannot be shown>"),
    "object": ("completed", '"(1, 2)": "Unprintable()"'),
}


def test_each_odd_outcome_runs_once_and_is_readable(tmp_path: Path, db_path: Path) -> None:
    with Queue.open(db_path) as queue:
        # A failure with attempts left is retried by design, so those get one attempt; a lost
        # outcome would end "failed: lease expired", which the readable text check refuses.
        ids = {kind: queue.enqueue("odd", {"kind": kind},
                                   max_attempts=3 if status == "completed" else 1).id
               for kind, (status, _) in EXPECTED.items()}
    count = tmp_path / "count.txt"
    proc = spawn_worker(db_path, "--handlers", str(write_handlers(tmp_path, ODD_HANDLERS)),
                        "--lease-seconds", "2", "--idle-exit", "0.5", "--quiet",
                        log=tmp_path / "worker.log", PQD_COUNT_FILE=str(count))
    try:
        assert proc.wait(60) == 0, (tmp_path / "worker.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert sorted(executions([count])) == sorted(ids.values())  # each ran exactly once
    with Queue.open(db_path) as queue:
        for kind, (status, readable) in EXPECTED.items():
            task = queue.get(ids[kind])
            assert (task.status, task.attempts) == (status, 1), kind
            texts = [str(task.error_message)] + [f"{e.message} {e.details}"
                                                 for e in queue.logs(task.id)]
            assert any(readable in text for text in texts), (kind, texts)
            if kind != "raise-unprintable":
                assert any("kept in a readable form" in text for text in texts), kind
        assert queue.count(TaskQuery(statuses=("processing", "queued"))) == 0
