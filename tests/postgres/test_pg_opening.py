"""Opening a PostgreSQL queue: the schema made and versioned, and bad locations refused with
one clear line, exit code 3 and never the password."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from prismq_desktop.core import Queue, QueueDatabaseError, QueueSchemaError, ReadOnlyError
from prismq_desktop.core.postgres import schema
from tests.postgres import raw, schemas

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "not-the-password-42"


def _with(url: str, **parts: str) -> str:
    """The test server's URL with its user, password or port replaced."""
    from urllib.parse import urlsplit, urlunsplit

    split = urlsplit(url)
    user = parts.get("user", split.username or "")
    password = parts.get("password", split.password or "")
    port = parts.get("port", str(split.port or 5432))
    netloc = f"{user}:{password}@{split.hostname}:{port}"
    return urlunsplit((split.scheme, netloc, split.path, split.query, ""))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "prismq_desktop", *args], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=60)


def test_a_new_schema_is_created_versioned_and_shown_without_the_password(
        pg_location: str) -> None:
    with Queue.open(pg_location) as queue:
        assert queue.schema_version == schema.SCHEMA_VERSION and not queue.read_only
        with raw.connect(pg_location) as conn:
            password = conn.info.password
        assert password and password not in queue.location
        assert queue.location.startswith("postgresql://") and "schema=" in queue.location
        assert queue.integrity_check() == ["ok"]


@pytest.mark.parametrize(("parts", "words"), [
    ({"password": PASSWORD}, "password authentication failed"),
    ({"port": "1"}, "Connection refused"),
])
def test_bad_servers_and_credentials_exit_3_in_one_line(parts: dict[str, str],
                                                         words: str) -> None:
    url = _with(os.environ[schemas.PG_URL_VAR], **parts)
    with pytest.raises(QueueDatabaseError, match=words):
        Queue.open(url)
    done = _cli("--db", url, "list")
    assert done.returncode == 3 and done.stdout == ""
    assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert PASSWORD not in done.stderr and "Traceback" not in done.stderr


def test_a_database_without_the_schema_is_refused_by_readers_and_made_by_writers(
        pg_location: str) -> None:
    with pytest.raises(QueueSchemaError, match="has no PrismQ queue in schema"):
        Queue.open(pg_location, read_only=True, create=False)
    done = _cli("--db", pg_location, "list")
    assert done.returncode == 3 and "has no PrismQ queue" in done.stderr
    assert _cli("--db", pg_location, "enqueue", "echo").returncode == 0
    assert _cli("--db", pg_location, "list").returncode == 0


def test_a_schema_from_a_newer_app_opens_read_only_with_the_reason(pg_location: str) -> None:
    Queue.open(pg_location).close()
    with raw.connect(pg_location) as conn:
        conn.execute("UPDATE pqd_version SET version = version + 1")
    with Queue.open(pg_location) as queue:
        assert queue.read_only and queue.newer_schema
        assert "newer than this app knows" in queue.read_only_reason
        assert queue.count() == 0
        with pytest.raises(ReadOnlyError, match="newer"):
            queue.enqueue("echo")


def test_a_schema_holding_other_tables_is_not_filled(pg_location: str) -> None:
    name = pg_location.rpartition("schema=")[2]
    with raw.connect(pg_location) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
        conn.execute(f'CREATE TABLE "{name}".theirs (x int)')
    with pytest.raises(QueueSchemaError, match="holds other tables"):
        Queue.open(pg_location)
    with raw.connect(pg_location) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s",
                              (name,)).fetchall()
    assert tables == [("theirs",)]


def test_racing_openers_create_the_schema_once(pg_location: str) -> None:
    code = ("import sys; from prismq_desktop.core import Queue; "
            "Queue.open(sys.argv[1]).close()")
    children = [subprocess.Popen([sys.executable, "-c", code, pg_location], cwd=ROOT,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)},
                                 stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [child.communicate(timeout=60)[1] for child in children]
    assert [child.returncode for child in children] == [0] * 4, errors
    with Queue.open(pg_location) as queue:
        assert queue.schema_version == schema.SCHEMA_VERSION
