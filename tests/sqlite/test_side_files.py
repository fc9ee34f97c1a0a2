"""A read-only look asked to leave no side files: the ``-wal``/``-shm`` it made go at close,
also when opening fails, while those that were there before or are in use stay. (The CLI's
reads, each in a process of their own: tests/cli/test_cli_leftovers.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from prismq_desktop.core import Queue, QueueDatabaseError
from tests.support import sqlite_db

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SQLite's locks are fcntl's")


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def queue_file(tmp_path: Path) -> Path:
    with Queue.open(tmp_path / "q.db") as queue:
        queue.enqueue("echo")
    assert _names(tmp_path) == ["q.db"]
    return tmp_path / "q.db"


def test_a_look_that_removes_side_files_leaves_only_the_file(queue_file: Path) -> None:
    with Queue.open(queue_file, read_only=True, remove_side_files=True) as look:
        assert len(look.list()) == 1
        assert _names(queue_file.parent) == ["q.db", "q.db-shm", "q.db-wal"]
    assert _names(queue_file.parent) == ["q.db"]


def test_without_asking_a_look_leaves_them(queue_file: Path) -> None:
    with Queue.open(queue_file, read_only=True) as look:
        look.list()
    assert _names(queue_file.parent) == ["q.db", "q.db-shm", "q.db-wal"]


def test_a_failed_open_removes_them_too(queue_file: Path) -> None:
    with Queue.open(queue_file) as queue:
        sqlite_db(queue).execute("DROP TABLE task_logs")
    with pytest.raises(QueueDatabaseError):
        Queue.open(queue_file, read_only=True, remove_side_files=True)
    assert _names(queue_file.parent) == ["q.db"]


def test_side_files_that_were_there_stay(queue_file: Path) -> None:
    with Queue.open(queue_file, read_only=True) as look:
        look.list()
    with Queue.open(queue_file, read_only=True, remove_side_files=True) as look:
        look.list()
    assert _names(queue_file.parent) == ["q.db", "q.db-shm", "q.db-wal"]
