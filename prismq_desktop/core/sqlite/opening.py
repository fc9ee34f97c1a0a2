"""Opening a queue file safely: refuse what is not a queue, create new files owner-only."""

from __future__ import annotations

import os
from pathlib import Path

from prismq_desktop.core.errors import QueueDatabaseError, QueueSchemaError
from prismq_desktop.core.file_safety import check_location
from prismq_desktop.core.locations import MigrationProgress, chosen_by_user, default_db_path
from prismq_desktop.core.sqlite import schema
from prismq_desktop.core.sqlite.database import BUSY_TIMEOUT_MS, SQLITE_HEADER, QueueDatabase


def create_private_file(path: Path) -> None:
    """Create an empty file 0600 (in folders made 0700) before SQLite opens it.

    SQLite gives the ``-wal`` and ``-shm`` files the main file's permissions, so the queue
    stays owner-only (DESIGN §10).
    """
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    for folder in reversed(missing):  # mkdir(parents=True) would make the upper ones 0777-umask
        folder.mkdir(mode=0o700, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return  # another process created it a moment ago: open theirs
    os.close(fd)


def check_file(path: Path) -> None:
    """Refuse a directory or a non-SQLite file without writing anything."""
    if path.is_dir():
        raise QueueDatabaseError(f"{path} is a directory, not a queue file")
    if path.exists() and path.stat().st_size > 0:
        with open(path, "rb") as handle:
            if handle.read(16) != SQLITE_HEADER:
                raise QueueSchemaError(f"{path} is not a SQLite database")


def open_queue(
    db_path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
    create: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    progress: MigrationProgress | None = None, remove_side_files: bool = False,
) -> QueueDatabase:
    """Open (or create) a queue file, ready to use.

    Raises for a directory, a non-SQLite file, or a SQLite file with other tables than the
    queue's (we create tables only in a new or empty file). A newer schema, or a file we may
    not write, opens read-only with ``read_only_reason`` set. ``busy_timeout_ms`` is how long
    to wait for another process's lock before raising QueueBusyError. ``progress`` hears how
    an upgrade for this version goes and may stop it (see migrating.py).
    ``remove_side_files``: see :class:`QueueDatabase` (also when opening fails).
    """
    path = Path(db_path) if db_path is not None else default_db_path()
    check_location(path, named=chosen_by_user(path))
    check_file(path)
    if not path.exists():
        if read_only or not create:
            raise QueueDatabaseError(f"{path} does not exist")
        create_private_file(path)
        check_location(path, named=chosen_by_user(path))  # no one slipped in meanwhile
    elif not read_only and path.stat().st_size > 0:
        _probe(path, busy_timeout_ms)
    db = QueueDatabase(path, read_only=read_only, busy_timeout_ms=busy_timeout_ms,
                       remove_side_files=remove_side_files)
    if not read_only and not os.access(path, os.W_OK):
        db.mark_read_only("the file is read-only (no write permission)")
    elif not read_only and not os.access(path.parent, os.W_OK):
        db.mark_read_only(f"the folder {path.parent} is read-only (SQLite writes its -wal and"
                          " -shm files beside the queue)")
    try:
        _prepare(db, path, progress)
    except BaseException:
        db.close()
        raise
    return db


def _probe(path: Path, busy_timeout_ms: int) -> None:
    """Refuse a foreign SQLite file before a writer touches it.

    A read-write connection switches the journal to WAL as it opens, which rewrites the
    header of a file that may turn out not to be a queue; a read-only look changes nothing.
    """
    probe = QueueDatabase(path, read_only=True, busy_timeout_ms=busy_timeout_ms)
    try:
        _check_tables(probe.table_names(), path)
    finally:
        probe.close()


def _check_tables(names: set[str], path: Path) -> None:
    missing = [name for name in schema.PRISMQ_TABLE_NAMES if name not in names]
    if names and missing:
        raise QueueSchemaError(
            f"{path} is a SQLite database without the PrismQ queue tables "
            f"(missing {', '.join(missing)}); nothing was changed"
        )


def _prepare(db: QueueDatabase, path: Path, progress: MigrationProgress | None) -> None:
    names = db.table_names()
    if not names:
        if db.read_only:
            raise QueueSchemaError(f"{path} is an empty database without the queue tables")
        db.execute("PRAGMA page_size=4096")
        db.initialize_schema(progress)
        return
    _check_tables(names, path)
    db.initialize_schema(progress)
