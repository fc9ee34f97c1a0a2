"""Moving a queue between backends (``prismq-desktop copy SRC DEST``, and a PostgreSQL queue's
backup into a SQLite file): every table's rows in key order, in batches, ids kept.

Each store reads and writes raw rows of the tables named here (``Store.read_rows`` /
``write_rows``); a key already in the target is skipped, so ``--append`` onto a partly
copied target resumes it, and a non-empty target is refused unless the caller allows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prismq_desktop.core.errors import ValidationError
from prismq_desktop.core.models import TASK_COLUMNS, TaskLog
from prismq_desktop.core.schedules.model import COLUMNS as SCHEDULE_COLUMNS
from prismq_desktop.core.store import Store

#: table -> (key column, columns in order), in an order that keeps references satisfied.
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "task_queue": ("id", TASK_COLUMNS),
    "workers": ("worker_id", ("worker_id", "capabilities", "heartbeat_utc")),
    "task_logs": ("log_id", TaskLog.COLUMNS),
    "pqd_runs": ("run_id", ("run_id", "task_id", "type", "attempt", "worker_id", "outcome",
                            "wait_s", "run_s", "finished")),
    "pqd_progress": ("task_id", ("task_id", "fraction", "message", "updated")),
    "pqd_meta": ("key", ("key", "value")),
    "pqd_schedules": ("name", SCHEDULE_COLUMNS),
    "pqd_paused_types": ("type", ("type", "paused_utc")),
    "pqd_worker_control": ("worker_id", ("worker_id", "action", "requested_utc",
                                         "acknowledged_utc")),
}
BATCH = 5000
#: ``progress(table, rows copied so far in it)`` after each batch.
CopyProgress = Callable[[str, int], Any]


def table(name: str) -> tuple[str, tuple[str, ...]]:
    """(key, columns) of a copied table; anything else is refused (names go into SQL)."""
    if name not in TABLES:
        raise ValidationError(f"not a queue table: {name}")
    return TABLES[name]


@dataclass
class CopyResult:
    rows: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return ", ".join(f"{n} {name}" for name, n in self.rows.items())


def is_empty(store: Store) -> bool:
    """No task, log, worker or run: what copy may fill without being told to append."""
    return not any(store.read_rows(name, None, 1) for name in TABLES
                   if name not in ("pqd_meta", "pqd_worker_control"))


def copy_queue(source: Store, target: Store, *, append: bool = False,
               progress: CopyProgress | None = None, batch: int = BATCH) -> CopyResult:
    """Copy every table of ``source`` into ``target``; refuses a non-empty target unless
    ``append`` (then rows whose key the target has already are skipped)."""
    if not append and not is_empty(target):
        raise ValidationError(f"{target.location} already holds a queue; copy into an empty"
                              " one, or pass --append to add what it lacks")
    result = CopyResult()
    for name, (key, columns) in TABLES.items():
        position = columns.index(key)
        after: Any = None
        copied = 0
        while rows := source.read_rows(name, after, batch):
            target.write_rows(name, rows)
            copied += len(rows)
            after = rows[-1][position]
            if progress is not None:
                progress(name, copied)
        result.rows[name] = copied
    return result
