"""``copy`` between SQLite and PostgreSQL, both ways, ids kept; a non-empty target refused
unless ``--append``, which resumes; a PostgreSQL backup is a SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from prismq_desktop.core import Queue, TaskQuery, ValidationError
from prismq_desktop.core.models import Task

ROOT = Path(__file__).resolve().parents[2]
ALL = TaskQuery(sort="id", descending=False)


def _demo(path: Path) -> Queue:
    queue = Queue.open(path)
    queue.add_sample_history(600, 2, scheduled=5, backlog=5)
    queue.register_worker("w1", {"types": ["echo"]})
    queue.mark_demo()
    return queue


def _values(task: Task) -> dict[str, object]:
    """A task's columns, JSON ones parsed: jsonb keeps the value, not the text (key order,
    spacing)."""
    values = task.to_dict()
    for column in ("payload", "compatibility"):
        values[column] = json.loads(values[column])
    return values


def _same(one: Queue, other: Queue) -> None:
    a, b = one.list(ALL, limit=10_000), other.list(ALL, limit=10_000)
    assert [t.id for t in a] == [t.id for t in b] and len(a) == 610
    for x, y in zip(a, b, strict=True):
        assert _values(x) == _values(y)
    assert one.counts() == other.counts() and one.type_counts() == other.type_counts()
    some = a[len(a) // 2].id
    left, right = one.details(some), other.details(some)
    assert _values(left.task) == _values(right.task)
    assert (left.progress, left.runs) == (right.progress, right.runs)
    assert one.logs(some) == other.logs(some)
    assert [w.worker_id for w in other.workers()] == ["w1"] and other.is_demo()


def test_sqlite_to_postgres_and_back_keeps_everything(tmp_path: Path, pg_location: str) -> None:
    with _demo(tmp_path / "src.db") as source, Queue.open(pg_location) as middle:
        result = source.copy_to(middle)
        assert result.rows["task_queue"] == 610 and result.rows["workers"] == 1
        _same(source, middle)
        with Queue.open(tmp_path / "back.db") as back:
            middle.copy_to(back)
            _same(source, back)
        new = middle.enqueue("echo")  # the id sequence moved past the copied ids
        assert new.id == 611


def test_a_non_empty_target_is_refused_unless_appending(tmp_path: Path,
                                                        pg_location: str) -> None:
    with _demo(tmp_path / "src.db") as source, Queue.open(pg_location) as target:
        source.copy_to(target)
        with pytest.raises(ValidationError, match="already holds a queue"):
            source.copy_to(target)
        with target.reopen() as again:
            again.bulk("delete", TaskQuery(statuses=("completed",)))
        before = target.count()
        result = source.copy_to(target, append=True)  # resumes: fills in what is missing
        assert target.count() == 610 > before and result.rows["task_queue"] == 610


def test_the_command_line_copy_and_a_backup(tmp_path: Path, pg_location: str) -> None:
    _demo(tmp_path / "src.db").close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "prismq_desktop", "copy",
                           str(tmp_path / "src.db"), pg_location], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "copied 610 task_queue" in done.stdout and "copying task_queue" in done.stderr
    password = urlsplit(pg_location).password
    assert password
    assert password not in done.stdout + done.stderr
    again = subprocess.run([sys.executable, "-m", "prismq_desktop", "copy",
                            str(tmp_path / "src.db"), pg_location], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "--append" in again.stderr
    with Queue.open(pg_location) as queue, \
            Queue.open(queue.backup(tmp_path / "backup.db")) as backup:
        assert backup.count() == queue.count() == 610
