"""Connections to a PostgreSQL queue: the URL, a psycopg pool, short transactions, and the one
place psycopg's errors become the core's (keeping ``__cause__``).

Every connection runs in UTC with the queue's schema first on its search path, and reads
``timestamptz`` back as PrismQ's column text (``YYYY-MM-DD HH:MM:SS``) and ``jsonb`` as JSON
text, so a ``Task`` holds the same values on both backends. Reads run in autocommit: no
transaction stays open between calls.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import psycopg_pool
from psycopg import errors
from psycopg.adapt import Loader
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.string import TextLoader

from prismq_desktop.core.errors import (
    QueueBusyError,
    QueueConnectionError,
    QueueDatabaseError,
    QueueSchemaError,
    ReadOnlyError,
)
from prismq_desktop.core.locations import redacted
from prismq_desktop.core.postgres import listen

DEFAULT_SCHEMA = "prismq"
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
CONNECT_TIMEOUT_S = 10
POOL_MAX = 64
#: How long the pool keeps retrying one lost connection (its delay doubles each time) before
#: giving up; the next request starts over at a one-second delay, so a server that was down
#: for minutes is found again within seconds of coming back (psycopg_pool's default, 5
#: minutes of doubling, could leave the GUI waiting minutes after the server returned).
RECONNECT_GIVE_UP_S = 15
Params = Sequence[Any] | dict[str, Any]


@dataclass(frozen=True)
class Location:
    """A ``postgresql://`` URL split into what libpq gets, the schema, and what may be shown
    (the URL without its password)."""

    conninfo: str
    schema: str
    shown: str


def parse(url: str) -> Location:
    """Read a URL; ``?schema=NAME`` picks the schema (libpq never sees it)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((value for key, value in query if key == "schema"), DEFAULT_SCHEMA)
    if not SCHEMA_NAME.fullmatch(schema):
        raise QueueDatabaseError(f"bad schema name {schema!r} (lower-case letters, digits, _)")
    rest = urlencode([(key, value) for key, value in query if key != "schema"])
    conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment))
    try:
        conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError as exc:
        raise QueueDatabaseError(f"not a PostgreSQL URL: {_first_line(exc)}") from exc
    return Location(conninfo, schema, redacted(url))


def connect_options(location: Location, read_only: bool, lock_timeout_ms: int) -> str:
    """The conninfo with the session settings every connection needs (no extra round trip)."""
    params = conninfo_to_dict(location.conninfo)
    settings = [f"-c TimeZone=UTC -c search_path={location.schema}",
                f"-c lock_timeout={int(lock_timeout_ms)}"]
    if read_only:
        settings.append("-c default_transaction_read_only=on")
    params["options"] = " ".join([str(params.get("options") or ""), *settings]).strip()
    if not os.environ.get("PGAPPNAME"):  # libpq's own variable names it otherwise
        params.setdefault("application_name", "prismq-desktop")
    params.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    return make_conninfo("", **params)


class UtcTextLoader(Loader):
    """``timestamptz`` as stored text in UTC: ``2026-11-23 12:00:00+00`` → ``... 12:00:00``."""

    def load(self, data: Any) -> str:
        text = bytes(data).decode()
        return text[:-3] if text.endswith("+00") else text


def configure(conn: psycopg.Connection[Any]) -> None:
    conn.adapters.register_loader("timestamptz", UtcTextLoader)
    conn.adapters.register_loader("jsonb", TextLoader)
    conn.adapters.register_loader("json", TextLoader)


def check_alive(conn: psycopg.Connection[Any]) -> None:
    """The pool's check on every checkout, nearly free: an idle connection whose socket has
    something to read was told something by the server (most often that it was terminated),
    so it is asked once; one that fails is replaced before anyone's statement runs on it."""
    if conn.broken or conn.closed:
        raise psycopg.OperationalError("connection lost")
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        conn.execute("SELECT 1")


def translate(exc: BaseException, shown: str = "the server") -> QueueDatabaseError:
    """The core exception for a driver or pool one (raise it ``from exc``)."""
    if isinstance(exc, QueueDatabaseError):
        return exc
    if isinstance(exc, (errors.LockNotAvailable, errors.DeadlockDetected,
                        errors.SerializationFailure)):
        return QueueBusyError(f"the queue is locked by another session ({_first_line(exc)})")
    if isinstance(exc, errors.QueryCanceled):  # an OperationalError, but the server is fine
        return QueueBusyError(f"the queue is busy ({_first_line(exc)})")
    if isinstance(exc, errors.ReadOnlySqlTransaction):
        return ReadOnlyError("the queue was opened read-only")
    if isinstance(exc, (errors.UndefinedTable, errors.InvalidSchemaName)):
        return QueueSchemaError(f"{shown} has no PrismQ queue tables ({_first_line(exc)})")
    if isinstance(exc, errors.InsufficientPrivilege):
        return ReadOnlyError(f"not allowed: {_first_line(exc)}")
    if isinstance(exc, psycopg_pool.PoolTimeout):
        return QueueConnectionError(f"no connection to {shown} (is the server running?)")
    if isinstance(exc, psycopg.OperationalError):
        return QueueConnectionError(f"lost the connection to {shown}: {_first_line(exc)}")
    return QueueDatabaseError(_first_line(exc))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class Database:
    """A pool of connections to one queue schema. ``transaction()`` for writes (refused
    when read-only), ``query``/``one`` for reads in autocommit."""

    def __init__(self, location: Location, *, read_only: bool, lock_timeout_ms: int) -> None:
        self.location = location
        self.read_only = read_only
        self.read_only_reason = "opened read-only" if read_only else ""
        self.lock_timeout_ms = lock_timeout_ms
        self.conninfo = connect_options(location, read_only, lock_timeout_ms)
        self.pool: psycopg_pool.ConnectionPool[psycopg.Connection[Any]] = \
            psycopg_pool.ConnectionPool(
                self.conninfo, min_size=1, max_size=POOL_MAX, open=False, num_workers=1,
                kwargs={"autocommit": True}, configure=configure, check=check_alive,
                timeout=CONNECT_TIMEOUT_S, reconnect_timeout=RECONNECT_GIVE_UP_S,
                name=f"prismq-{location.schema}")
        self.pool.open()
        self._local = threading.local()
        #: Every thread's connection, with the thread: one that ended is handed back.
        self._held: list[tuple[threading.Thread, psycopg.Connection[Any]]] = []
        self._lock = threading.Lock()

    @property
    def schema(self) -> str:
        return self.location.schema

    @property
    def channel(self) -> str:
        """The LISTEN/NOTIFY channel of this queue (postgres/listen.py)."""
        return listen.channel(self.schema)

    def close(self) -> None:
        with self._lock:
            held, self._held = self._held, []
        for _, conn in held:
            self._give_back(conn)
        self.pool.close()

    @contextlib.contextmanager
    def translated(self) -> Iterator[None]:
        try:
            yield
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            raise translate(exc, self.location.shown) from exc

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """This thread's connection from the pool, in autocommit (reads, or statements that
        commit alone). A thread keeps its connection: checking one out and back in for every
        statement cost as much as a short statement (measured: 3,100 → 9,100 ``SELECT 1``
        a second); one the server dropped is handed back and replaced, and so is one whose
        thread ended (the HTTP API's worker threads end after idling)."""
        if self.pool.closed:
            raise QueueSchemaError("the queue database is closed")
        with self.translated():
            conn = self._mine()
            try:
                yield conn
            except psycopg.OperationalError:
                if conn.broken:  # not on a lock timeout: the connection is still good
                    self._drop(conn)
                raise

    def _mine(self) -> psycopg.Connection[Any]:
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is not None:
            try:
                check_alive(conn)
                return conn
            except psycopg.Error:
                self._drop(conn)
        self._reap()
        conn = self.pool.getconn()
        self._local.conn = conn
        with self._lock:
            self._held.append((threading.current_thread(), conn))
        return conn

    def _reap(self) -> None:
        """Give back the connections of threads that ended: nothing else would, and after
        ``POOL_MAX`` of them every new thread would wait for a connection in vain."""
        ended: list[psycopg.Connection[Any]] = []
        with self._lock:
            held, self._held = self._held, []
            for thread, conn in held:
                if thread.is_alive():
                    self._held.append((thread, conn))
                else:
                    ended.append(conn)
        for conn in ended:
            self._give_back(conn)

    def _drop(self, conn: psycopg.Connection[Any]) -> None:
        """Give this thread's connection back (the pool discards a broken one)."""
        self._local.conn = None
        with self._lock:
            self._held = [(thread, c) for thread, c in self._held if c is not conn]
        self._give_back(conn)

    def _give_back(self, conn: psycopg.Connection[Any]) -> None:
        with contextlib.suppress(psycopg.Error, psycopg_pool.PoolTimeout, ValueError):
            self.pool.putconn(conn)

    def check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError(f"cannot write: {self.read_only_reason}")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """One short write transaction: commit on success, roll back on any exception."""
        self.check_writable()
        with self.connection() as conn, conn.transaction():
            yield conn

    def query(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        """A read; tried once more on a new connection when the server dropped this one (a
        restart, ``pg_terminate_backend``): reads change nothing, so that is always safe. A
        lock timeout is not tried again (it would double the wait the caller asked for)."""
        try:
            with self.connection() as conn:
                return conn.execute(sql, params).fetchall()
        except QueueConnectionError as exc:
            if not isinstance(exc.__cause__, psycopg.OperationalError):
                raise
        with self.connection() as conn:
            return conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Params | None = None) -> tuple[Any, ...]:
        return self.query(sql, params)[0]
