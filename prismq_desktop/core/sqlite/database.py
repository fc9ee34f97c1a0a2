"""Connections to the queue file: one per thread, the PRAGMAs, and write transactions.

Only apsw opens the file (DESIGN §3: the stdlib's older SQLite carries the WAL-reset bug,
and two SQLite copies in one process break each other's POSIX locks).
"""

from __future__ import annotations

import contextlib
import os
import threading
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import apsw

from prismq_desktop.core.errors import QueueSchemaError, ReadOnlyError
from prismq_desktop.core.locations import (
    DEFAULT_BUSY_TIMEOUT_MS,
    MigrationProgress,
    default_db_path,
)
from prismq_desktop.core.models import TASK_COLUMNS, RawText
from prismq_desktop.core.reports import ASKED_READ_ONLY
from prismq_desktop.core.sqlite import aggregates, migrating, schema
from prismq_desktop.core.sqlite.side_files import any_side_file, remove_unused_side_files
from prismq_desktop.core.sqlite.translate import translate, translated

# The seeds' PRAGMAs (DESIGN §3). wal_autocheckpoint stays at 1000 although 4000 measured
# about 10 % faster claims: the WAL of a file shared with the PrismQ backend stays at ~4 MB.
PRAGMAS = (
    ("synchronous", "NORMAL"),
    ("wal_autocheckpoint", "1000"),
    ("foreign_keys", "ON"),
    ("temp_store", "MEMORY"),
    ("mmap_size", "134217728"),
    ("cache_size", "-20000"),
)
BUSY_TIMEOUT_MS = DEFAULT_BUSY_TIMEOUT_MS
SQLITE_HEADER = b"SQLite format 3\x00"


def fetch_rows(conn: apsw.Connection, sql: str,
               params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of one SELECT. apsw decodes text as strict UTF-8, so one value another tool
    wrote as other bytes would fail the whole read (DESIGN §3: show rows as they are): then
    the read runs again with text fetched as bytes, decoded here, the odd ones as RawText."""
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchall()
    except UnicodeDecodeError:
        width = len(cursor.get_description())
    names = [f"c{i}" for i in range(width)]
    rows = conn.execute(f"WITH pqd_read({', '.join(names)}) AS ({sql})"
                        f" SELECT {as_stored(names)} FROM pqd_read", params).fetchall()
    return [decode_stored(row) for row in rows]


def as_stored(columns: Sequence[str]) -> str:
    """Select (or RETURNING) list giving each column as stored: a flag saying it is text,
    then the value with text as its bytes (see :func:`decode_stored`)."""
    return ", ".join(f"typeof({c}) = 'text', CASE typeof({c}) WHEN 'text'"
                     f" THEN CAST({c} AS BLOB) ELSE {c} END" for c in columns)


def decode_stored(row: Sequence[Any]) -> tuple[Any, ...]:
    """A row read through :func:`as_stored`: text decoded, odd bytes as RawText."""
    return tuple(RawText.decode(row[i + 1]) if row[i] else row[i + 1]
                 for i in range(0, len(row), 2))


#: The task columns as stored, for reads and RETURNING clauses that met text not in UTF-8.
TASK_AS_STORED = as_stored(TASK_COLUMNS)
T = TypeVar("T")


def or_as_stored(write: Callable[[bool], T]) -> T:
    """``write(False)``; when the row it returns holds text not in UTF-8 (its transaction
    rolled back), ``write(True)``: the same write, RETURNING the row as stored."""
    try:
        return write(False)
    except UnicodeDecodeError:
        return write(True)


class Transaction:
    """``with db.transaction() as conn``: commit on success, roll back on any exception.

    A class rather than a generator context manager: every claim and completion enters one,
    and this costs a few microseconds less each time. apsw errors leave as core errors.
    """

    __slots__ = ("conn", "savepoint")

    def __init__(self, conn: apsw.Connection) -> None:
        self.conn = conn
        self.savepoint = False

    def __enter__(self) -> apsw.Connection:
        conn = self.conn
        try:
            if conn.get_autocommit():
                conn.execute("BEGIN IMMEDIATE")
            else:
                conn.__enter__()  # apsw: a SAVEPOINT inside the outer transaction
                self.savepoint = True
        except apsw.Error as exc:
            raise translate(exc) from exc
        return conn

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        conn = self.conn
        try:
            if self.savepoint:
                conn.__exit__(kind, exc, tb)
            elif kind is None:
                conn.execute("COMMIT")
        except apsw.Error as failure:
            if kind is None:
                kind, exc = type(failure), failure
        if kind is not None and not self.savepoint and not conn.get_autocommit():
            try:  # never leave the connection mid-transaction
                conn.execute("ROLLBACK")
            except apsw.Error:
                pass  # the first error is the one to report
        if isinstance(exc, apsw.Error):
            raise translate(exc) from exc


class QueueDatabase:
    """The queue file: per-thread apsw connections and ``BEGIN IMMEDIATE`` transactions.

    ``read_only`` opens every connection read-only (the GUI's reader, or a file the app must
    not write); ``read_only_reason`` says why, for messages and disabled actions.
    ``remove_side_files`` (read-only only): the ``-wal`` and ``-shm`` this database makes go
    again when it closes, if no one else uses them (see side_files.py).
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str] | None = None,
        *,
        read_only: bool = False,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        remove_side_files: bool = False,
    ) -> None:
        self.path = Path(db_path) if db_path is not None else default_db_path()
        self.read_only = read_only
        self._remove_side_files = remove_side_files and read_only and not any_side_file(self.path)
        self.read_only_reason = ASKED_READ_ONLY if read_only else ""
        #: Read as an immutable file: the folder is read-only and has no -shm (see above).
        self.immutable = False
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[apsw.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    # -- connections -----------------------------------------------------------------
    def get_connection(self) -> apsw.Connection:
        """This thread's connection, opened on first use."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise QueueSchemaError("the queue database is closed")
            conn = self._open_connection()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    connection = get_connection

    def _open_connection(self) -> apsw.Connection:
        flags = apsw.SQLITE_OPEN_READONLY if self.read_only else apsw.SQLITE_OPEN_READWRITE
        with translated():
            try:
                conn = self._connect(flags)
            except apsw.CantOpenError:
                if not self._folder_read_only():
                    raise
                self.immutable = True
                self.read_only_reason = (
                    f"the folder {self.path.parent} is read-only, so the file is shown as it"
                    " was when opened, without live updates")
                conn = self._connect(flags)
            if not self.read_only:
                conn.execute("PRAGMA journal_mode=WAL")
            for name, value in PRAGMAS:
                conn.execute(f"PRAGMA {name}={value}")
        return conn

    def _connect(self, flags: int) -> apsw.Connection:
        if not self.immutable:
            conn = apsw.Connection(str(self.path), flags=flags)
        else:
            uri = f"file:{urllib.parse.quote(str(self.path.absolute()))}?immutable=1"
            conn = apsw.Connection(uri, flags=flags | apsw.SQLITE_OPEN_URI)
        conn.set_busy_timeout(self.busy_timeout_ms)
        if self.read_only:
            try:  # SQLite opens the file (and a WAL's -shm) at the first read
                conn.execute("PRAGMA user_version").fetchall()
            except apsw.Error:
                conn.close()
                raise
        return conn

    def _folder_read_only(self) -> bool:
        """A WAL file opened read-only needs its -shm beside it; in a folder nobody may write
        (a read-only mount, a 0555 share) and with none there, SQLite can only read the file
        as immutable: every read works, but changes by others are not seen."""
        return (self.read_only and not os.access(self.path.parent, os.W_OK)
                and not os.path.exists(f"{self.path}-shm"))

    def close(self) -> None:
        """Close every thread's connection; later use raises."""
        self._closed = True
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(apsw.Error):
                conn.close()
        self._local = threading.local()
        if self._remove_side_files:
            self._remove_side_files = False
            remove_unused_side_files(self.path)

    def __enter__(self) -> QueueDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- statements ------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> apsw.Cursor:
        """Run one statement on this thread's connection (autocommit unless in a transaction)."""
        with translated():
            return self.get_connection().execute(sql, params)

    def execute_many(self, sql: str, param_list: Sequence[Sequence[Any]]) -> None:
        with translated():
            self.get_connection().executemany(sql, param_list)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of a read, fetched at once so no read transaction stays open; text that
        is not UTF-8 comes back as :class:`RawText` instead of failing the read."""
        with translated():
            return fetch_rows(self.get_connection(), sql, params)

    def transaction(self) -> Transaction:
        """A short ``BEGIN IMMEDIATE`` write transaction (a savepoint when nested)."""
        if self.read_only:
            raise ReadOnlyError(f"cannot write: {self.read_only_reason}")
        return Transaction(self.get_connection())

    immediate_transaction = transaction

    def change_token(self) -> tuple[int, int]:
        """Cheap "did anything commit?" token: data_version (others) + total_changes (us)."""
        conn = self.get_connection()
        with translated():
            version = int(conn.execute("PRAGMA data_version").fetchall()[0][0])  # type: ignore[arg-type]
        return version, conn.total_changes()

    # -- schema ----------------------------------------------------------------------
    def user_version(self) -> int:
        return int(self.query("PRAGMA user_version")[0][0])

    def table_names(self) -> set[str]:
        rows = self.query("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')")
        return {name for (name,) in rows}

    def initialize_schema(self, progress: MigrationProgress | None = None) -> None:
        """Create PrismQ's tables and views if missing, then run this app's migrations.

        One ``BEGIN IMMEDIATE`` that reads ``user_version`` inside it: when several processes
        open a file at once, the first migrates and the others find the work done (issue 17),
        waiting for it longer than the busy timeout when it is a long one (migrating.py).
        A newer ``user_version`` than we know makes the database read-only instead.
        ``progress(fraction)`` hears how a migration goes; returning False stops it:
        MigrationCancelledError, and the file is as it was.
        """
        version = self.user_version()
        if self._newer(version) or self.read_only:
            return
        meter = migrating.Meter(progress)
        with migrating.patient(self.get_connection(), version < schema.SCHEMA_VERSION,
                               self.busy_timeout_ms, progress), self.transaction() as conn:
            current = int(conn.execute("PRAGMA user_version").fetchall()[0][0])  # type: ignore[arg-type]
            if current <= schema.SCHEMA_VERSION:
                conn.execute(schema.PRISMQ_TABLES)
                conn.execute(schema.PRISMQ_VIEWS)
                pending = range(current, schema.SCHEMA_VERSION)
                stale = current > 0 and bool(conn.execute(aggregates.STALE).fetchall())
                with meter.running(conn, pending, stale):
                    for version in pending:
                        meter.next_stage()
                        conn.execute(schema.MIGRATIONS[version])
                    if current < schema.SCHEMA_VERSION:
                        conn.execute(f"PRAGMA user_version={schema.SCHEMA_VERSION}")
                    if conn.execute(aggregates.STALE).fetchall():  # rows copied in (copy_rows.py)
                        meter.next_stage()
                        conn.execute(aggregates.REBUILD)
        meter.committed()
        self._newer(current)  # made newer by another app meanwhile

    def _newer(self, version: int) -> bool:
        """A schema newer than this app knows: refuse writes, saying why."""
        if version <= schema.SCHEMA_VERSION:
            return False
        self.mark_read_only(
            f"the file's schema version {version} is newer than this app knows "
            f"({schema.SCHEMA_VERSION}); update PrismQ Desktop to write to it"
        )
        return True

    def mark_read_only(self, reason: str) -> None:
        """Refuse writes from now on, saying why; reopens connections read-only."""
        self.read_only = True
        self.read_only_reason = reason
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(apsw.Error):
                conn.close()
        self._local = threading.local()

    def needs_migration(self) -> bool:
        return self.user_version() < schema.SCHEMA_VERSION

    def sqlite_version(self) -> str:
        return apsw.sqlite_lib_version()
