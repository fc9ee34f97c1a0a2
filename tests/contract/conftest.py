"""The contract suite's fixtures: every test here runs once per entry of ``BACKENDS``.

Tests in this folder use the ``Queue`` API only (huey's ``StorageTests`` idea): no SQL, no
driver, no backend module. What the API cannot make (a state only other tools write, such as
``dead_letter``) comes from the backend's own small raw-helper module, named in its entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from prismq_desktop.core import Queue
from tests.contract.backends import BACKENDS, Backend, QueueFactory
from tests.support import FakeClock


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def location(backend: Backend, tmp_path: Path) -> str:
    """A fresh queue location (a file path, a postgresql:// URL) for this test."""
    return backend.new_location(tmp_path)


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


@pytest.fixture
def force_columns(backend: Backend, location: str) -> Callable[..., None]:
    """Write a task's columns as another tool would (``attempts`` past ``max_attempts``)."""
    raw = backend.raw()
    if not hasattr(raw, "set_columns"):
        pytest.skip(f"{backend.name}: its raw helpers cannot write columns yet")

    def force(task_id: int, **values: object) -> None:
        raw.set_columns(location, task_id, values)

    return force
