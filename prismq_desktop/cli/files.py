"""Opening the queue file the way each command needs it.

Commands that only read open the file read-only and never create it, so `list` on a typo'd
path says so instead of leaving an empty queue behind, and a PrismQ backend file is not
migrated by looking at it. Only `enqueue` creates a missing file (and the app's New): a
`worker` on a mistyped path says so instead of waiting on an empty queue of its own.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from prismq_desktop.cli.upgrade_line import upgrading
from prismq_desktop.core import Queue, QueueDatabaseError
from prismq_desktop.core.locations import location_of


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


def open_for_reading(args: argparse.Namespace) -> Queue:
    """The queue read-only. Reading leaves nothing behind: the ``-wal`` and ``-shm`` that
    SQLite makes to read a WAL file go again when it closes, unless they were there before
    or another connection uses them (this process has no other)."""
    require_existing(args)
    return Queue.open(db_path(args), read_only=True, create=False,
                      busy_timeout_ms=_timeout_ms(args), remove_side_files=True)


def open_for_writing(args: argparse.Namespace, *, create: bool = False) -> Queue:
    """The queue read-write, upgraded for this version first when it needs it (progress on a
    terminal; Ctrl+C leaves it as it was: see upgrade_line.py)."""
    if not create:
        require_existing(args)
    path = db_path(args)
    with upgrading(path) as progress:
        return Queue.open(path, create=create, busy_timeout_ms=_timeout_ms(args),
                          progress=progress)
