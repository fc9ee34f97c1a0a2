"""The contract suite's backends: every test here runs once per entry of ``BACKENDS``.

Tests in this folder use the ``Queue`` API only (huey's ``StorageTests`` idea): no SQL, no
driver, no backend module. What the API cannot make (a state only other tools write, such as
``dead_letter``) comes from the backend's own small raw-helper module, named in its entry.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from prismq_desktop.core import Queue
from tests.support import FakeClock

PG_URL_VAR = "PRISMQ_TEST_PG_URL"


@dataclass(frozen=True)
class Backend:
    """How to get a fresh, empty queue location for one test, and where its raw helpers live.

    The raw module provides ``set_status(location, task_id, status)`` for states this app
    never writes (see tests/sqlite/raw.py).
    """

    name: str
    new_location: Callable[[Path], str]
    raw_module: str

    def raw(self) -> ModuleType:
        return importlib.import_module(self.raw_module)


def _sqlite_location(folder: Path) -> str:
    return str(folder / "queue.db")


def _postgres_location(folder: Path) -> str:
    return os.environ[PG_URL_VAR]


BACKENDS = [
    pytest.param(Backend("sqlite", _sqlite_location, "tests.sqlite.raw"), id="sqlite"),
    pytest.param(
        Backend("postgres", _postgres_location, "tests.postgres.raw"), id="postgres",
        marks=pytest.mark.skipif(
            not os.environ.get(PG_URL_VAR),
            reason=f"PostgreSQL contract run skipped: set {PG_URL_VAR}=postgresql://... "
                   "to a throwaway server (DESIGN §12)"),
    ),
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def location(backend: Backend, tmp_path: Path) -> str:
    """A fresh queue location (a file path, a postgresql:// URL) for this test."""
    return backend.new_location(tmp_path)


QueueFactory = Callable[..., Queue]


@pytest.fixture
def queue_factory(location: str, clock: FakeClock) -> Iterator[QueueFactory]:
    """Open another Queue on the test's location (a second process's view, read-only, ...);
    each shares the test's clock unless given its own, and all are closed afterwards."""
    opened: list[Queue] = []

    def open_queue(**options: Any) -> Queue:
        options.setdefault("clock", clock)
        queue = Queue.open(location, **options)
        opened.append(queue)
        return queue

    yield open_queue
    for queue in reversed(opened):
        queue.close()


@pytest.fixture
def queue(queue_factory: QueueFactory) -> Queue:
    return queue_factory()


@pytest.fixture
def force_status(backend: Backend, location: str) -> Callable[[int, str], None]:
    """Put a task in a state only other tools write (``dead_letter``), through the backend."""
    raw = backend.raw()

    def force(task_id: int, status: str) -> None:
        raw.set_status(location, task_id, status)

    return force
