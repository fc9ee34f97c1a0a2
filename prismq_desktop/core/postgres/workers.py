"""The workers table on PostgreSQL: registration, heartbeats, who holds and finished what."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from prismq_desktop.core.models import Worker
from prismq_desktop.core.postgres.connection import Database
from prismq_desktop.core.postgres.tasks import stamp
from prismq_desktop.core.reports import WorkersOverview, workers_overview

UPSERT = (
    "INSERT INTO workers (worker_id, capabilities, heartbeat_utc) VALUES (%s, %s, %s)"
    " ON CONFLICT (worker_id) DO UPDATE SET capabilities = excluded.capabilities,"
    " heartbeat_utc = excluded.heartbeat_utc"
)
SELECT_WORKERS = (
    "SELECT w.worker_id, w.capabilities, w.heartbeat_utc,"
    " (SELECT count(*) FROM task_queue t WHERE t.locked_by = w.worker_id"
    "  AND t.status IN ('leased', 'processing'))"
    " FROM workers w ORDER BY w.heartbeat_utc DESC, w.worker_id"
)
HELD_BY = (
    "SELECT locked_by, count(*) FROM task_queue WHERE status IN ('leased', 'processing')"
    " GROUP BY locked_by"
)
FINISHED_BY = (
    "SELECT locked_by, status, count(*) FROM task_queue WHERE finished_at_utc >= %s"
    " AND status IN ('completed', 'failed') GROUP BY locked_by, status"
)


def register(db: Database, worker_id: str, capabilities: dict[str, Any] | None,
             now: datetime) -> None:
    caps = json.dumps(capabilities or {}, ensure_ascii=False)
    with db.transaction() as conn:
        conn.execute(UPSERT, (worker_id, caps, stamp(now)))


def heartbeat(db: Database, worker_id: str, now: datetime) -> None:
    with db.transaction() as conn:
        conn.execute("UPDATE workers SET heartbeat_utc = %s WHERE worker_id = %s",
                     (stamp(now), worker_id))


def unregister(db: Database, worker_id: str) -> None:
    with db.transaction() as conn:
        conn.execute("DELETE FROM workers WHERE worker_id = %s", (worker_id,))


def list_workers(db: Database) -> list[Worker]:
    return [Worker(row[0], row[1], row[2], int(row[3])) for row in db.query(SELECT_WORKERS)]


def overview(db: Database, now: datetime, window_minutes: float) -> WorkersOverview:
    held = {holder: int(n) for holder, n in db.query(HELD_BY)}
    done: dict[Any, dict[str, int]] = {}
    for holder, status, n in db.query(FINISHED_BY,
                                      (now - timedelta(minutes=window_minutes),)):
        done.setdefault(holder, {})[status] = int(n)
    registered = db.query("SELECT worker_id, capabilities, heartbeat_utc FROM workers")
    return workers_overview([(a, b, c) for a, b, c in registered], held, done, window_minutes)
