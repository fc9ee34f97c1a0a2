"""Opening a PostgreSQL queue: reach the server (saying clearly why not), find or create the
queue's schema, migrate it, or open a newer one read-only with the reason.

One direct connection does this before the pool opens, so an unreachable server or a wrong
password gives libpq's own reason at once instead of a pool's timeout; messages name the URL
without its password.
"""

from __future__ import annotations

from typing import Any

import psycopg

from prismq_desktop.core.errors import QueueDatabaseError, QueueSchemaError
from prismq_desktop.core.postgres import schema
from prismq_desktop.core.postgres.connection import Location, configure, connect_options

#: Creators and migrators of one schema take turns (a transaction-level lock: pooler-safe).
LOCK = "SELECT pg_advisory_xact_lock(hashtext(%s))"


def prepare(location: Location, *, read_only: bool, create: bool,
            lock_timeout_ms: int) -> int:
    """The schema's version after creating or migrating it as allowed."""
    conninfo = connect_options(location, read_only, lock_timeout_ms)
    try:
        conn = psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as exc:
        raise QueueDatabaseError(f"cannot connect to {location.shown}: {reason(exc)}") from exc
    try:
        configure(conn)
        try:
            return _prepare(conn, location, read_only=read_only, create=create)
        except _Retry:
            return _prepare(conn, location, read_only=read_only, create=create)
    except psycopg.Error as exc:
        raise QueueDatabaseError(f"cannot open the queue at {location.shown}: "
                                 f"{reason(exc)}") from exc
    finally:
        conn.close()


def reason(exc: BaseException) -> str:
    """libpq's reason without its preamble: 'password authentication failed for user "x"'."""
    text = str(exc).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else type(exc).__name__
    first = first.rpartition(" failed: ")[2] if " failed: " in first else first
    return first.removeprefix("FATAL:").strip()


def version(conn: psycopg.Connection[Any], name: str) -> int | None:
    found = conn.execute("SELECT to_regclass(%s)", (f"{name}.pqd_version",)).fetchone()
    if found is None or found[0] is None:
        return None
    row = conn.execute(f'SELECT max(version) FROM "{name}".pqd_version').fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _prepare(conn: psycopg.Connection[Any], location: Location, *, read_only: bool,
             create: bool) -> int:
    name = location.schema
    current = version(conn, name)
    if current is None and (read_only or not create):
        raise QueueSchemaError(
            f"{location.shown} has no PrismQ queue in schema {name!r}; open it for writing"
            " (e.g. prismq-desktop enqueue, or the app) to create one")
    if current is not None and (current >= schema.SCHEMA_VERSION or read_only):
        return current
    with conn.transaction():
        conn.execute(LOCK, (f"prismq-schema-{name}",))
        if current is None and _made_meanwhile(conn, name):
            raise _Retry
        if current is not None:  # another process may have migrated it meanwhile
            current = version(conn, name) or 0
            if current >= schema.SCHEMA_VERSION:
                return current
        else:
            _refuse_foreign(conn, location)
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{name}"')
            conn.execute(f'SET LOCAL search_path = "{name}"')
            conn.execute(schema.VERSION_TABLE)
            conn.execute("INSERT INTO pqd_version VALUES (0)")
            current = 0
        conn.execute(f'SET LOCAL search_path = "{name}"')
        for step in range(current, schema.SCHEMA_VERSION):
            conn.execute(schema.MIGRATIONS[step])
        conn.execute("UPDATE pqd_version SET version = %s", (schema.SCHEMA_VERSION,))
    return schema.SCHEMA_VERSION


class _Retry(Exception):
    """Another process made the schema while we waited for the lock: look again in a new
    transaction (names this session looked up are cached until one starts)."""


def _made_meanwhile(conn: psycopg.Connection[Any], name: str) -> bool:
    """Read from the catalog tables themselves, which every statement sees afresh."""
    return conn.execute("SELECT 1 FROM pg_tables WHERE schemaname = %s"
                        " AND tablename = 'pqd_version'", (name,)).fetchone() is not None


def _refuse_foreign(conn: psycopg.Connection[Any], location: Location) -> None:
    """A schema by that name that holds other tables is not ours to fill."""
    found = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s",
                         (location.schema,)).fetchone()
    if found and found[0]:
        raise QueueSchemaError(
            f"schema {location.schema!r} at {location.shown} holds other tables and no PrismQ"
            " queue; nothing was changed (pick another with ?schema=NAME)")
