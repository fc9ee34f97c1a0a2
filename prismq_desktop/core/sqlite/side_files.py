"""Removing the ``-wal`` and ``-shm`` a read-only look made, when no one else uses them.

SQLite makes both to read a WAL file, and a read-only connection cannot remove them as the
last read-write one does when it closes. A command that only read the file (the CLI's
``list``, ``show``...) should leave nothing behind, unless the files were there before or
another connection uses them now.
"""

from __future__ import annotations

import os
from pathlib import Path

from prismq_desktop.core.file_safety import SIDE_FILES

try:
    import fcntl
except ImportError:  # Windows: SQLite's locks there are not fcntl's; the files stay
    fcntl = None  # type: ignore[assignment]

#: The byte of the -shm that SQLite's unix VFS locks to count connections (UNIX_SHM_DMS).
SHM_DMS_BYTE = 128


def side_files(path: Path) -> tuple[Path, ...]:
    """The ``-wal`` and ``-shm`` beside ``path``, in that order."""
    return tuple(Path(f"{path}{end}") for end in SIDE_FILES)


def any_side_file(path: Path) -> bool:
    return any(side.exists() for side in side_files(path))


def remove_unused_side_files(path: Path) -> None:
    """Delete an empty ``-wal`` and its ``-shm`` when no connection has the file open.

    SQLite's own test, as when its last connection closes: every connection holds a shared
    lock on the ``-shm``'s DMS byte, so taking it exclusively proves no one else is there.
    POSIX locks do not see this process's own, so only a process with no other connection to
    the file may ask.
    """
    if fcntl is None:
        return
    wal, shm = side_files(path)
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
