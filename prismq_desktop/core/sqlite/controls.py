"""Operator controls: paused task types (``pqd_paused_types``, read by every claim) and
requests to worker processes (``pqd_worker_control``, read with each heartbeat)."""

from __future__ import annotations

from datetime import datetime

from prismq_desktop.core import timeutil
from prismq_desktop.core.errors import ValidationError
from prismq_desktop.core.schedules.model import WorkerControl
from prismq_desktop.core.sqlite.database import QueueDatabase

PAUSE = "INSERT INTO pqd_paused_types (type, paused_utc) VALUES (?, ?) ON CONFLICT DO NOTHING"
RESUME = "DELETE FROM pqd_paused_types WHERE type = ?"
PAUSED = "SELECT type, paused_utc FROM pqd_paused_types ORDER BY type"
REQUEST = (
    "INSERT INTO pqd_worker_control (worker_id, action, requested_utc, acknowledged_utc)"
    " VALUES (?, ?, ?, NULL) ON CONFLICT (worker_id) DO UPDATE SET action = excluded.action,"
    " requested_utc = excluded.requested_utc, acknowledged_utc = NULL"
)
CONTROL_COLUMNS = "worker_id, action, requested_utc, acknowledged_utc"
SELECT_ONE = f"SELECT {CONTROL_COLUMNS} FROM pqd_worker_control WHERE worker_id = ?"
SELECT_ALL = f"SELECT {CONTROL_COLUMNS} FROM pqd_worker_control ORDER BY worker_id"
ACKNOWLEDGE = (
    "UPDATE pqd_worker_control SET acknowledged_utc = ? WHERE worker_id = ? AND action = ?"
    " AND acknowledged_utc IS NULL"
)
CLEAR = "DELETE FROM pqd_worker_control WHERE worker_id = ?"
KNOWN_WORKER = "SELECT 1 FROM workers WHERE worker_id = ?"


def pause_type(db: QueueDatabase, type_: str, now: datetime) -> None:
    with db.transaction() as conn:
        conn.execute(PAUSE, (type_, timeutil.to_db(now)))


def resume_type(db: QueueDatabase, type_: str) -> bool:
    """False when the type was not paused."""
    with db.transaction() as conn:
        conn.execute(RESUME, (type_,))
        return conn.changes() > 0


def paused_types(db: QueueDatabase) -> dict[str, datetime | None]:
    if "pqd_paused_types" not in db.table_names():
        return {}
    return {type_: timeutil.parse(at) for type_, at in db.query(PAUSED)}


def request(db: QueueDatabase, worker_id: str, action: str, now: datetime) -> WorkerControl:
    """Ask a registered worker to quiet or stop; ValidationError for an unknown worker."""
    with db.transaction() as conn:
        if not conn.execute(KNOWN_WORKER, (worker_id,)).fetchall():
            raise ValidationError(f"no worker {worker_id!r} is registered (see the Workers tab "
                                  "or 'stats')")
        conn.execute(REQUEST, (worker_id, action, timeutil.to_db(now)))
        return _control(conn.execute(SELECT_ONE, (worker_id,)).fetchall()[0])


def control(db: QueueDatabase, worker_id: str) -> WorkerControl | None:
    rows = db.query(SELECT_ONE, (worker_id,))
    return _control(rows[0]) if rows else None


def controls(db: QueueDatabase) -> list[WorkerControl]:
    if "pqd_worker_control" not in db.table_names():
        return []
    return [_control(row) for row in db.query(SELECT_ALL)]


def acknowledge(db: QueueDatabase, worker_id: str, action: str, now: datetime) -> None:
    with db.transaction() as conn:
        conn.execute(ACKNOWLEDGE, (timeutil.to_db(now), worker_id, action))


def clear(db: QueueDatabase, worker_id: str) -> None:
    with db.transaction() as conn:
        conn.execute(CLEAR, (worker_id,))


def _control(row: tuple[object, ...]) -> WorkerControl:
    worker_id, action, requested, acknowledged = row
    return WorkerControl(str(worker_id), str(action), timeutil.parse(requested),
                         timeutil.parse(acknowledged))
