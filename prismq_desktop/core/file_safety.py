"""Refuse a queue location another user could have planted or can tamper with (issue 17).

The PrismQ default, ``/tmp/prismq/queue/queue.db``, sits in a folder everyone may write: a
folder or file another user made there first would be used silently (their tasks run by our
worker, our payloads read by them). Like ssh with ``~/.ssh``, before opening a queue:

- every existing folder above the file is not writable by others (a sticky folder such as
  /tmp is fine above, never as the queue's own folder: the ``-wal`` and ``-shm`` files are
  made beside the file);
- for the built-in default (nobody chose it) also: those folders are ours or root's, no
  symlink on the way unless root made it, and the file and its ``-wal``/``-shm`` are ours and
  not symlinks. A path the user named may be a symlink and may be someone else's (an
  operator watching a service's queue in the service's folder).

POSIX only: Windows has no owner bits to read here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from prismq_desktop.core.errors import QueueDatabaseError

HOW_TO_CHOOSE = "choose another queue with --db PATH or PRISMQ_QUEUE_DB_PATH"
#: What SQLite makes beside a WAL file, named by what it appends to the file's path.
SIDE_FILES = ("-wal", "-shm")


class UnsafeLocationError(QueueDatabaseError):
    """The queue's file or a folder above it could be another user's doing."""


def check_location(path: Path, *, named: bool) -> None:
    """Raise UnsafeLocationError saying why and what to do; nothing is created or changed."""
    if os.name != "posix":
        return
    if not named:
        _check_no_foreign_links(path)
    real = Path(os.path.realpath(path))
    for folder in (real.parent, *real.parent.parents):
        _check_folder(folder, own=folder == real.parent, strict=not named)
    if not named:
        for candidate in (path, *(Path(f"{path}{end}") for end in SIDE_FILES)):
            _check_own_file(candidate)


def _me() -> int:
    return os.geteuid()


def _refuse(what: Path, why: str) -> UnsafeLocationError:
    return UnsafeLocationError(f"refusing the queue at {what}: {why}; another user could plant"
                               f" tasks or read payloads there; {HOW_TO_CHOOSE}")


def _owner_ok(info: os.stat_result) -> bool:
    return info.st_uid in (_me(), 0)


def _check_folder(folder: Path, own: bool, strict: bool) -> None:
    try:
        info = folder.stat()
    except FileNotFoundError:
        return  # made by us later, 0700
    if strict and not _owner_ok(info):
        raise _refuse(folder, f"the folder belongs to user {info.st_uid}, not to you")
    foreign_group = info.st_gid != os.getegid()
    writable = info.st_mode & stat.S_IWOTH or (foreign_group and info.st_mode & stat.S_IWGRP)
    if writable and (own or not info.st_mode & stat.S_ISVTX):
        raise _refuse(folder, "other users may write in the folder")


def _check_no_foreign_links(path: Path) -> None:
    """Symlinks on the way to a location nobody chose: only root's (macOS's /tmp)."""
    for step in (path, *path.parents):
        try:
            info = step.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode) and info.st_uid != 0:
            raise _refuse(step, "it is a symbolic link (give the real path with --db to use it)")


def _check_own_file(path: Path) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(path, "it is not a regular file")
    if info.st_uid != _me():
        raise _refuse(path, f"the file belongs to user {info.st_uid}, not to you")
