"""Opening the queue file the way each command needs it.

Commands that only read open the file read-only and never create it, so `list` on a typo'd
path says so instead of leaving an empty queue behind, and a PrismQ backend file is not
migrated by looking at it. Only `enqueue` creates a missing file (and the app's New): a
`worker` on a mistyped path says so instead of waiting on an empty queue of its own.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from prismq_desktop.cli.upgrade_line import upgrading
from prismq_desktop.core import Queue, QueueDatabaseError
from prismq_desktop.core.locations import location_of

try:
    import fcntl
except ImportError:  # Windows: SQLite's locks there are not fcntl's; sidecars stay
    fcntl = None  # type: ignore[assignment]

SIDECARS = ("-wal", "-shm")
#: The byte of the -shm that SQLite's unix VFS locks to count connections (UNIX_SHM_DMS).
SHM_DMS_BYTE = 128


def db_path(args: argparse.Namespace) -> str | Path:
    """The queue: ``--db`` (a file or a ``postgresql://`` URL), else ``PRISMQ_QUEUE_DSN``,
    else ``PRISMQ_QUEUE_DB_PATH``, else the PrismQ backend's default file."""
    return location_of(args.db)


def demo_db_path() -> Path:
    """Where ``demo`` writes without ``--db``: ``/tmp/prismq/demo/demo.db`` (the temp
    folder's equivalent elsewhere), never the real queue's default."""
    return Path(tempfile.gettempdir()) / "prismq" / "demo" / "demo.db"


def require_existing(args: argparse.Namespace) -> None:
    path = db_path(args)
    if isinstance(path, Path) and not path.exists():
        hint = "" if args.db is not None else " (give --db PATH or set PRISMQ_QUEUE_DB_PATH)"
        raise QueueDatabaseError(f"{path} does not exist{hint}")


def _timeout_ms(args: argparse.Namespace) -> int:
    return int(args.lock_timeout * 1000)


@contextlib.contextmanager
def open_for_reading(args: argparse.Namespace) -> Iterator[Queue]:
    """The queue read-only, for the ``with`` block. Reading leaves nothing behind: the
    ``-wal`` and ``-shm`` that SQLite makes to read a WAL file (and a read-only connection
    cannot remove) go again, unless they were there before or another connection uses them."""
    require_existing(args)
    path = db_path(args)
    ours = isinstance(path, Path) and not any(Path(f"{path}{suffix}").exists()
                                              for suffix in SIDECARS)
    try:
        with Queue.open(path, read_only=True, create=False,
                        busy_timeout_ms=_timeout_ms(args)) as queue:
            yield queue
    finally:
        if ours and fcntl is not None and isinstance(path, Path):
            remove_unused_sidecars(path)


def remove_unused_sidecars(path: Path) -> None:
    """Delete an empty ``-wal`` and its ``-shm`` when no connection has the file open.

    SQLite's own test, as when its last connection closes: every connection holds a shared
    lock on the ``-shm``'s DMS byte, so taking it exclusively proves no one else is there.
    """
    wal, shm = (Path(f"{path}{suffix}") for suffix in SIDECARS)
    try:
        if wal.exists() and wal.stat().st_size > 0:
            return  # someone wrote: their changes live there until a checkpoint
        fd = os.open(shm, os.O_RDWR)
    except OSError:
        return
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, SHM_DMS_BYTE, os.SEEK_SET)
        wal.unlink(missing_ok=True)
        shm.unlink(missing_ok=True)
    except OSError:
        pass  # another connection holds it: the files are theirs now
    finally:
        os.close(fd)  # drops the lock


def open_for_writing(args: argparse.Namespace, *, create: bool = False) -> Queue:
    """The queue read-write, upgraded for this version first when it needs it (progress on a
    terminal; Ctrl+C leaves it as it was: see upgrade_line.py)."""
    if not create:
        require_existing(args)
    path = db_path(args)
    with upgrading(path) as progress:
        return Queue.open(path, create=create, busy_timeout_ms=_timeout_ms(args),
                          progress=progress)
