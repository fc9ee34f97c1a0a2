"""The workers table: registration, heartbeats, and who holds what."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from prismq_desktop.core import timeutil
from prismq_desktop.core.database import QueueDatabase
from prismq_desktop.core.models import Worker

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
