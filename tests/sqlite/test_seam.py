"""The storage seam: Queue over a Store, the SQLite store keeping the whole contract, locations
choosing the backend, and nothing outside core reaching below the facade."""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import pytest

from prismq_desktop.core import Queue, QueueDatabaseError
from prismq_desktop.core.locations import POSTGRES_MISSING, sqlite_path
from prismq_desktop.core.sqlite.store import SQLiteStore
from prismq_desktop.core.store import Store

PACKAGE = Path(__file__).resolve().parents[2] / "prismq_desktop"
FRONT_ENDS = ("gui", "cli", "worker", "api")


def _contract() -> list[str]:
    return [name for name in vars(Store) if not name.startswith("_")]


@pytest.mark.parametrize("name", _contract())
def test_the_sqlite_store_keeps_every_member_of_the_contract(name: str) -> None:
    wanted, given = getattr(Store, name), getattr(SQLiteStore, name, None)
    assert given is not None, f"SQLiteStore lacks {name}"
    if isinstance(wanted, property):
        assert isinstance(given, property), name
        return
    assert list(inspect.signature(given).parameters) == list(inspect.signature(wanted).parameters)


def test_queue_has_no_public_way_under_the_facade(queue: Queue) -> None:
    public = {name for name in dir(queue) if not name.startswith("_")}
    assert not public & {"db", "database", "store", "connection", "conn"}


def test_front_ends_import_neither_the_sqlite_backend_nor_a_driver() -> None:
    below = re.compile(r"core\.sqlite|core\.postgres|^\s*(import|from) (apsw|psycopg|sqlite3)\b",
                       re.MULTILINE)
    offenders = [str(path.relative_to(PACKAGE)) for folder in FRONT_ENDS
                 for path in (PACKAGE / folder).rglob("*.py") if below.search(path.read_text())]
    assert offenders == []


def test_the_neutral_core_imports_no_driver() -> None:
    driver = re.compile(r"^\s*(import|from) (apsw|psycopg|sqlite3)\b", re.MULTILINE)
    assert [p.name for p in (PACKAGE / "core").glob("*.py") if driver.search(p.read_text())] == []


@pytest.mark.parametrize(("location", "expected"), [
    ("sqlite:///queue.db", Path("queue.db")),
    ("sqlite:////tmp/x/queue.db", Path("/tmp/x/queue.db")),
    ("/tmp/x/queue.db", Path("/tmp/x/queue.db")),
    (Path("rel.db"), Path("rel.db")),
])
def test_sqlite_locations(location: str | Path, expected: Path) -> None:
    assert sqlite_path(location) == expected


def test_a_sqlite_url_opens_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with Queue.open("sqlite:///by-url.db") as queue:
        queue.enqueue("echo")
        assert queue.location == "by-url.db" and not queue.read_only
    with Queue.open(tmp_path / "by-url.db") as again:
        assert again.count() == 1


def test_a_malformed_sqlite_url_is_refused() -> None:
    with pytest.raises(QueueDatabaseError, match="sqlite:///PATH"):
        Queue.open("sqlite://queue.db")


def test_postgres_without_its_backend_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "prismq_desktop.core.postgres", None)  # not installed
    with pytest.raises(QueueDatabaseError) as caught:
        Queue.open("postgresql://localhost/prismq")
    assert str(caught.value) == POSTGRES_MISSING
    assert "pip install 'prismq-desktop[postgres]'" in POSTGRES_MISSING


def test_reopen_gives_own_connections_on_the_same_queue_and_clock(queue: Queue) -> None:
    other = queue.reopen()
    try:
        task = other.enqueue("echo")
        assert other.clock is queue.clock and queue.get(task.id).type == "echo"
    finally:
        other.close()
    assert queue.count() == 1  # closing the other left this one open
