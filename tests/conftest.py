"""Shared fixtures: Qt runs offscreen; every test gets real files under tmp_path."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

from prismq_desktop.core import Queue
from tests.support import FakeClock


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_schemas() -> Iterator[None]:
    """PostgreSQL tests make a schema per queue (tests/postgres/schemas.py): drop them all
    when the session ends, whichever folder made them."""
    yield
    if "tests.postgres.schemas" in sys.modules:
        sys.modules["tests.postgres.schemas"].drop_all()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "queue.db"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def queue(db_path: Path, clock: FakeClock) -> Iterator[Queue]:
    q = Queue.open(db_path, clock=clock)
    yield q
    q.close()
