"""Keeping the file healthy: purge old finished tasks, checkpoint, vacuum, check, back up."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import apsw

from prismq_desktop.core import timeutil
from prismq_desktop.core.errors import QueueDatabaseError, ValidationError
from prismq_desktop.core.models import TERMINAL
from prismq_desktop.core.sqlite.database import QueueDatabase
from prismq_desktop.core.sqlite.filters import quoted
from prismq_desktop.core.sqlite.opening import create_private_file
from prismq_desktop.core.sqlite.translate import translated

PURGE_BATCH = 2000


def purge(db: QueueDatabase, finished_before: datetime) -> int:
    """Delete finished tasks (and their logs and attempts) finished before the cut-off.

    Works in batches of short transactions so workers are never blocked for long.
    """
    cutoff = timeutil.to_db(finished_before)
    total = 0
    while True:
        with db.transaction() as conn:
            ids = [row[0] for row in conn.execute(
                f"SELECT id FROM task_queue WHERE status IN ({quoted(TERMINAL)})"
                " AND coalesce(finished_at_utc, updated_at_utc) < ? LIMIT ?",
                (cutoff, PURGE_BATCH))]
            if not ids:
                return total
            marks = ", ".join("?" * len(ids))
            conn.execute(f"DELETE FROM task_logs WHERE task_id IN ({marks})", ids)
            conn.execute(f"DELETE FROM pqd_attempts WHERE task_id IN ({marks})", ids)
            conn.execute(f"DELETE FROM pqd_progress WHERE task_id IN ({marks})", ids)
            conn.execute(f"DELETE FROM task_queue WHERE id IN ({marks})", ids)
            total += len(ids)


def checkpoint(db: QueueDatabase, mode: str = "PASSIVE") -> tuple[int, int]:
    """Copy the WAL into the main file; returns (WAL frames, frames checkpointed)."""
    if mode.upper() not in ("PASSIVE", "FULL", "RESTART", "TRUNCATE"):
        raise ValidationError(f"unknown checkpoint mode {mode!r}")
    row = db.query(f"PRAGMA wal_checkpoint({mode.upper()})")[0]
    return int(row[1]), int(row[2])


def vacuum(db: QueueDatabase) -> None:
    db.execute("VACUUM")


def integrity_check(db: QueueDatabase) -> list[str]:
    """SQLite's own check; ['ok'] when the file is sound."""
    return [row[0] for row in db.query("PRAGMA integrity_check")]


def wal_size(db: QueueDatabase) -> int:
    wal = Path(str(db.path) + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def backup(db: QueueDatabase, destination: str | os.PathLike[str]) -> Path:
    """A consistent copy made with SQLite's backup API while workers go on writing."""
    dest = Path(destination)
    if dest.is_dir():
        raise ValidationError(f"{dest} is a directory; give a file name for the backup")
    if dest.exists():
        raise ValidationError(f"{dest} already exists; choose a new file name")
    if dest.resolve() == Path(db.path).resolve():
        raise ValidationError("the backup cannot overwrite the queue file itself")
    if not dest.parent.is_dir():  # made here, a failed backup would leave folders behind
        raise ValidationError(f"the folder {dest.parent} does not exist; create it first")
    create_private_file(dest)
    try:
        with translated():
            target = apsw.Connection(str(dest))
            try:
                with target.backup("main", db.get_connection(), "main") as copy:
                    while not copy.done:
                        copy.step(1024)
            finally:
                target.close()
    except QueueDatabaseError:
        dest.unlink(missing_ok=True)
        raise
    return dest
