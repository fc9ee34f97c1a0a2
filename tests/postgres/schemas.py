"""A fresh queue schema per test on the server ``PRISMQ_TEST_PG_URL`` names (no tests here).

Each location is a URL with ``?schema=t_<n>``: creating a schema costs a few tens of
milliseconds, and tests never see each other's rows. When the role may create databases,
the session's schemas live in a database of its own, dropped whole at the end (dropping
hundreds of schemas one by one takes minutes); else in the named database, dropped one by
one. The session fixtures (tests/contract and tests/postgres conftests) call
:func:`drop_all`.
"""

from __future__ import annotations

import itertools
import os
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from tests.support import wait_until

PG_URL_VAR = "PRISMQ_TEST_PG_URL"
_SESSION = uuid.uuid4().hex[:8]
_numbers = itertools.count()
made: list[str] = []
_database: list[str | None] = []  # [] until decided; [name] or [None]


def _base() -> str:
    """The URL the session's schemas go under (its own database when it may make one)."""
    url = os.environ[PG_URL_VAR]
    if not _database:
        name = f"prismq_t_{_SESSION}"
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            _database.append(name)
        except psycopg.errors.InsufficientPrivilege:
            _database.append(None)
    if _database[0] is None:
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{_database[0]}", parts.query, ""))


def new_location() -> str:
    """A URL naming a schema no one has used yet (created when first opened), always with a
    password (a made-up one under trust auth, which ignores it), so tests can check it is
    never shown."""
    base = _base()
    parts = urlsplit(base)
    if parts.password is None:
        netloc = f"{parts.username or 'postgres'}:s3cret-pw@{parts.hostname}:{parts.port or 5432}"
        base = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    name = f"t_{_SESSION}_{next(_numbers)}"
    made.append(name)
    return f"{base}{'&' if '?' in base else '?'}schema={name}"


def drop_all() -> None:
    """Drop the session's database, or each schema this session named."""
    if not _database:
        return
    with psycopg.connect(os.environ[PG_URL_VAR], autocommit=True) as conn:
        if _database[0] is not None:
            _drop_database(conn, _database[0])
        else:
            for name in made:
                conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    made.clear()
    _database.clear()


def _drop_database(conn: psycopg.Connection[Any], name: str) -> None:
    """DROP DATABASE, ending our own sessions in it. FORCE is refused while a session of
    another role is there (an autovacuum worker, for a role that is not superuser); a plain
    DROP then waits for it to leave (the server tells autovacuum to go)."""
    try:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    except psycopg.errors.InsufficientPrivilege:
        pass
    conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"
                 " AND usename = current_user AND pid <> pg_backend_pid()", (name,))

    def dropped() -> bool:
        try:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        except psycopg.errors.ObjectInUse:
            return False
        return True

    wait_until(dropped, timeout=30, what=f"database {name} dropped")
