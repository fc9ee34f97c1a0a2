"""The workers table: registration, heartbeats, and who holds what.

The Workers tab reads :func:`overview`: every registered worker (this app's and any other
tool's) with its raw capabilities, parsed heartbeat, the tasks it holds now and the tasks it
finished in a recent window, plus anyone holding tasks without a ``workers`` row.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from prismq_desktop.core import timeutil
from prismq_desktop.core.models import ACTIVE, Worker
from prismq_desktop.core.reports import DONE_WINDOW_MINUTES, WorkersOverview, workers_overview
from prismq_desktop.core.sqlite import schema, stats
from prismq_desktop.core.sqlite.database import QueueDatabase
from prismq_desktop.core.sqlite.filters import quoted

UPSERT = (
    "INSERT INTO workers (worker_id, capabilities, heartbeat_utc) VALUES (?, ?, ?)"
    " ON CONFLICT (worker_id) DO UPDATE SET capabilities = excluded.capabilities,"
    " heartbeat_utc = excluded.heartbeat_utc"
)
SELECT_WORKERS = (
    "SELECT w.worker_id, w.capabilities, w.heartbeat_utc,"
    " (SELECT COUNT(*) FROM task_queue t WHERE t.locked_by = w.worker_id"
    f"   AND t.status IN ({quoted(ACTIVE)}))"
    " FROM workers w ORDER BY w.heartbeat_utc DESC, w.worker_id"
)
# Over ix_task_status_prio_time: only the running rows are visited.
HELD_BY = (
    f"SELECT locked_by, COUNT(*) FROM task_queue WHERE status IN ({quoted(ACTIVE)})"
    " GROUP BY locked_by"
)
# Files without pqd_agg (opened read-only, unmigrated): from the task columns.
FINISHED_BY = (
    "SELECT locked_by, status, COUNT(*) FROM task_queue"
    " WHERE finished_at_utc >= ? AND +status IN ('completed', 'failed')"
    " GROUP BY locked_by, status"
)


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


def overview(db: QueueDatabase, now: datetime,
             window_minutes: float = DONE_WINDOW_MINUTES) -> WorkersOverview:
    """Every ``workers`` row plus unregistered holders, with held and recently done counts.

    Three small reads, each over an index, so the cost follows the running tasks and the
    tasks finished in the window, not the size of the file.
    """
    held = {holder: n for holder, n in db.query(HELD_BY)}
    since = timeutil.to_db(now - timedelta(minutes=window_minutes))
    done: dict[Any, dict[str, int]] = {}
    if db.user_version() >= schema.AGGREGATES_VERSION:
        recent = stats.recent_flow(db, (now - timedelta(minutes=window_minutes)).timestamp())
        for holder, (_enqueued, completed, failed) in recent.items():
            if holder and (completed or failed):
                done[holder] = {"completed": completed, "failed": failed}
    else:
        for holder, status, n in db.query(FINISHED_BY, (since,)):
            done.setdefault(holder, {})[status] = n
    registered = db.query("SELECT worker_id, capabilities, heartbeat_utc FROM workers")
    return workers_overview(registered, held, done, window_minutes)
