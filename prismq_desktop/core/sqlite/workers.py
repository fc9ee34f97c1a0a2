"""The workers table: registration, heartbeats, and who holds what.

The Workers tab reads :func:`overview`: every registered worker (this app's and any other
tool's) with its raw capabilities, parsed heartbeat, the tasks it holds now and the tasks it
finished in a recent window, plus anyone holding tasks without a ``workers`` row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prismq_desktop.core import timeutil
from prismq_desktop.core.models import ACTIVE, Worker
from prismq_desktop.core.sqlite.database import QueueDatabase

#: A worker whose last heartbeat is older than this is probably gone (two lease periods);
#: its running tasks count as stuck. The one default every view and command starts from.
STALE_AFTER_SECONDS = 60.0
#: How far back "done in window" looks unless told otherwise.
DONE_WINDOW_MINUTES = 60

UPSERT = (
    "INSERT INTO workers (worker_id, capabilities, heartbeat_utc) VALUES (?, ?, ?)"
    " ON CONFLICT (worker_id) DO UPDATE SET capabilities = excluded.capabilities,"
    " heartbeat_utc = excluded.heartbeat_utc"
)
SELECT_WORKERS = (
    "SELECT w.worker_id, w.capabilities, w.heartbeat_utc,"
    " (SELECT COUNT(*) FROM task_queue t WHERE t.locked_by = w.worker_id"
    "   AND t.status IN ('leased', 'processing'))"
    " FROM workers w ORDER BY w.heartbeat_utc DESC, w.worker_id"
)
_ACTIVE_SQL = ", ".join(f"'{status}'" for status in ACTIVE)
# Over ix_task_status_prio_time: only the running rows are visited.
HELD_BY = (
    f"SELECT locked_by, COUNT(*) FROM task_queue WHERE status IN ({_ACTIVE_SQL})"
    " GROUP BY locked_by"
)
# Over pqd_ix_task_finished: only the rows finished in the window are visited.
FINISHED_BY = (
    "SELECT locked_by, status, COUNT(*) FROM task_queue"
    " WHERE finished_at_utc >= ? AND +status IN ('completed', 'failed')"
    " GROUP BY locked_by, status"
)


def is_stale(age: float | None, stale_after: float = STALE_AFTER_SECONDS) -> bool:
    """Silent for longer than ``stale_after`` seconds, or never heard from in a readable form:
    the one rule of the Workers tab, the status bar's health and ``queue summary``."""
    return age is None or age > stale_after


def register(db: QueueDatabase, worker_id: str, capabilities: dict[str, Any] | None,
             now: datetime) -> None:
    """Insert or refresh this worker's row (capabilities as canonical JSON)."""
    caps = json.dumps(capabilities or {}, ensure_ascii=False)
    with db.transaction() as conn:
        conn.execute(UPSERT, (worker_id, caps, timeutil.to_db(now)))


def heartbeat(db: QueueDatabase, worker_id: str, now: datetime) -> None:
    with db.transaction() as conn:
        conn.execute("UPDATE workers SET heartbeat_utc = ? WHERE worker_id = ?",
                     (timeutil.to_db(now), worker_id))


def unregister(db: QueueDatabase, worker_id: str) -> None:
    with db.transaction() as conn:
        conn.execute("DELETE FROM workers WHERE worker_id = ?", (worker_id,))


def list_workers(db: QueueDatabase) -> list[Worker]:
    return [Worker.from_row(row) for row in db.query(SELECT_WORKERS)]


@dataclass(frozen=True)
class WorkerRow:
    """One worker as the Workers tab shows it; ages are computed later from ``heartbeat``."""

    worker_id: str
    #: The column as stored (text that may not be JSON at all).
    capabilities: Any
    #: The column as stored, and parsed (None when missing or unreadable).
    heartbeat_utc: Any
    heartbeat: datetime | None
    active: int = 0
    completed: int = 0
    failed: int = 0
    #: False for a holder of running tasks that has no ``workers`` row.
    registered: bool = True

    def heartbeat_age(self, now: datetime) -> float | None:
        return None if self.heartbeat is None else (now - self.heartbeat).total_seconds()

    def is_stale(self, now: datetime, stale_after: float = STALE_AFTER_SECONDS) -> bool:
        return is_stale(self.heartbeat_age(now), stale_after)

    def capabilities_text(self) -> str:
        """Compact JSON when the column is JSON, else the stored text as is."""
        raw = self.capabilities
        if not isinstance(raw, str):
            return "" if raw is None else str(raw)
        try:
            return json.dumps(json.loads(raw), ensure_ascii=False, separators=(", ", ": "))
        except ValueError:
            return raw


@dataclass(frozen=True)
class WorkersOverview:
    rows: list[WorkerRow]
    #: The window of the done counts.
    window_minutes: float


def overview(db: QueueDatabase, now: datetime,
             window_minutes: float = DONE_WINDOW_MINUTES) -> WorkersOverview:
    """Every ``workers`` row plus unregistered holders, with held and recently done counts.

    Three small reads, each over an index, so the cost follows the running tasks and the
    tasks finished in the window, not the size of the file.
    """
    held = {holder: n for holder, n in db.query(HELD_BY)}
    since = timeutil.to_db(now - timedelta(minutes=window_minutes))
    done: dict[Any, dict[str, int]] = {}
    for holder, status, n in db.query(FINISHED_BY, (since,)):
        done.setdefault(holder, {})[status] = n
    rows = []
    for worker_id, caps, beat in db.query("SELECT worker_id, capabilities, heartbeat_utc"
                                          " FROM workers"):
        rows.append(_row(worker_id, caps, beat, held, done, True))
    known = {row.worker_id for row in rows}
    rows.extend(_row(holder, None, None, held, done, False)
                for holder in held if holder not in known and holder is not None)
    return WorkersOverview(rows, window_minutes)


def _row(worker_id: Any, caps: Any, beat: Any, held: dict, done: dict,
         registered: bool) -> WorkerRow:
    finished = done.get(worker_id, {})
    return WorkerRow(
        worker_id="" if worker_id is None else str(worker_id), capabilities=caps,
        heartbeat_utc=beat, heartbeat=timeutil.parse(beat), active=held.get(worker_id, 0),
        completed=finished.get("completed", 0), failed=finished.get("failed", 0),
        registered=registered,
    )
