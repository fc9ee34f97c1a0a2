"""The backends the contract suite runs on, and how each gives a fresh queue location.

A new backend adds one entry to ``BACKENDS`` (and a raw-helper module beside its own tests).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from prismq_desktop.core import Queue

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
    from tests.postgres import schemas  # psycopg only when the PostgreSQL entry runs

    return schemas.new_location()


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

#: Opens another Queue on the test's location (``queue_factory``'s type).
QueueFactory = Callable[..., Queue]
