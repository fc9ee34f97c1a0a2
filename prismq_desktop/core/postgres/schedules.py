"""Schedules and operator controls on PostgreSQL (DESIGN §14; core/sqlite/schedules.py and
controls.py are the SQLite side and say the rules).

Firing locks the due schedules ``FOR UPDATE SKIP LOCKED``: a racing scheduler skips the ones
being fired and finds them no longer due afterwards, and each tick's idempotency key would
refuse a second task anyway.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from prismq_desktop.core.errors import ValidationError
from prismq_desktop.core.models import Task
from prismq_desktop.core.postgres import logs, tasks
from prismq_desktop.core.postgres.connection import Database
from prismq_desktop.core.postgres.tasks import stamp
from prismq_desktop.core.schedules.model import (
    COLUMNS,
    Schedule,
    ScheduleNotFoundError,
    ScheduleSpec,
    WorkerControl,
)
from prismq_desktop.core.timeutil import parse, to_db

SELECT = (
    f"SELECT {', '.join('s.' + c for c in COLUMNS)}, t.status FROM pqd_schedules s"
    " LEFT JOIN task_queue t ON t.id = s.last_task_id"
)
INSERT = (
    f"INSERT INTO pqd_schedules ({', '.join(COLUMNS)})"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0, %s, NULL, NULL, %s, %s)"
)
UPDATE_SPEC = (
    "UPDATE pqd_schedules SET cron = %s, type = %s, payload = %s, priority = %s,"
    " max_attempts = %s, timezone = %s, catch_up = %s, next_run_utc = %s, updated_utc = %s"
    " WHERE name = %s"
)
FIRED = (
    "UPDATE pqd_schedules SET next_run_utc = %s, last_run_utc = coalesce(%s, last_run_utc),"
    " last_task_id = coalesce(%s, last_task_id) WHERE name = %s"
)
DUE = (
    "SELECT name FROM pqd_schedules WHERE paused = 0 AND next_run_utc <= %s"
    " ORDER BY next_run_utc FOR UPDATE SKIP LOCKED"
)
CONTROL = "SELECT worker_id, action, requested_utc, acknowledged_utc FROM pqd_worker_control"


def _one(conn: psycopg.Connection[Any], name: str, lock: bool = False) -> Schedule:
    row = conn.execute(f"{SELECT} WHERE s.name = %s" + (" FOR UPDATE OF s" if lock else ""),
                       (name,)).fetchone()
    if row is None:
        raise ScheduleNotFoundError(f"no schedule named {name!r}")
    return Schedule.from_row(row)


def add(db: Database, spec: ScheduleSpec, now: datetime) -> Schedule:
    with db.transaction() as conn:
        if conn.execute("SELECT 1 FROM pqd_schedules WHERE name = %s", (spec.name,)).fetchone():
            raise ValidationError(f"a schedule named {spec.name!r} exists already; edit it or "
                                  "choose another name")
        conn.execute(INSERT, (spec.name, spec.cron, spec.type, spec.payload, spec.priority,
                              spec.max_attempts, spec.timezone, spec.catch_up,
                              spec.first_run(now), stamp(now), stamp(now)))
        return _one(conn, spec.name)


def replace(db: Database, spec: ScheduleSpec, now: datetime) -> Schedule:
    with db.transaction() as conn:
        old = _one(conn, spec.name, lock=True)
        timing_changed = (old.spec.cron, old.spec.timezone) != (spec.cron, spec.timezone)
        next_run = spec.first_run(now) if timing_changed or old.next_run is None \
            else old.next_run
        conn.execute(UPDATE_SPEC, (spec.cron, spec.type, spec.payload, spec.priority,
                                   spec.max_attempts, spec.timezone, spec.catch_up, next_run,
                                   stamp(now), spec.name))
        return _one(conn, spec.name)


def set_paused(db: Database, name: str, paused: bool, now: datetime) -> Schedule:
    with db.transaction() as conn:
        old = _one(conn, name, lock=True)
        next_run = old.next_run if paused else old.spec.first_run(now)
        conn.execute("UPDATE pqd_schedules SET paused = %s, next_run_utc = %s, updated_utc = %s"
                     " WHERE name = %s", (int(paused), next_run, stamp(now), name))
        return _one(conn, name)


def remove(db: Database, name: str) -> None:
    with db.transaction() as conn:
        _one(conn, name)
        conn.execute("DELETE FROM pqd_schedules WHERE name = %s", (name,))


def get(db: Database, name: str) -> Schedule:
    with db.connection() as conn:
        return _one(conn, name)


def list_all(db: Database) -> list[Schedule]:
    return [Schedule.from_row(row) for row in db.query(f"{SELECT} ORDER BY s.name")]


def fire_due(db: Database, now: datetime) -> dict[str, list[int]]:
    """Enqueue every due tick; a cheap indexed read first, so polling writes only when due."""
    if not db.query("SELECT 1 FROM pqd_schedules WHERE paused = 0 AND next_run_utc <= %s"
                    " LIMIT 1", (now,)):
        return {}
    fired: dict[str, list[int]] = {}
    with db.transaction() as conn:
        for (name,) in conn.execute(DUE, (now,)).fetchall():
            fired[name] = _fire(conn, _one(conn, name), now, db.channel)
    return fired


def _fire(conn: psycopg.Connection[Any], schedule: Schedule, now: datetime,
          channel: str) -> list[int]:
    plan = schedule.plan(now)
    made: list[int] = []
    last_id = None
    for tick in plan.ticks:
        task = tasks.insert_one(conn, schedule.task_for(tick, now), now, channel)
        last_id = task.id
        if task.is_new:
            made.append(task.id)
            message = f"enqueued by schedule {schedule.name} for {to_db(tick)} UTC"
            if plan.missed:
                message += (f" ({plan.missed} earlier tick(s) skipped: catch-up "
                            f"{schedule.spec.catch_up})")
            logs.write(conn, task.id, stamp(now), "INFO", message)
    last_run = plan.ticks[-1] if plan.ticks else None
    conn.execute(FIRED, (plan.next_run, last_run, last_id, schedule.name))
    return made


def run_now(db: Database, name: str, now: datetime) -> Task:
    with db.transaction() as conn:
        schedule = _one(conn, name, lock=True)
        task = tasks.insert_one(conn, schedule.task_for(None, now), now, db.channel)
        if task.is_new:
            logs.write(conn, task.id, stamp(now), "INFO", f"enqueued by schedule {name} (run now)")
        conn.execute(FIRED, (schedule.next_run, stamp(now), task.id, name))
        return task


# -- operator controls ------------------------------------------------------------------------
def pause_type(db: Database, type_: str, now: datetime) -> None:
    with db.transaction() as conn:
        conn.execute("INSERT INTO pqd_paused_types (type, paused_utc) VALUES (%s, %s)"
                     " ON CONFLICT DO NOTHING", (type_, stamp(now)))


def resume_type(db: Database, type_: str) -> bool:
    with db.transaction() as conn:
        return conn.execute("DELETE FROM pqd_paused_types WHERE type = %s",
                            (type_,)).rowcount > 0


def paused_types(db: Database) -> dict[str, datetime | None]:
    return {type_: parse(at) for type_, at in
            db.query("SELECT type, paused_utc FROM pqd_paused_types ORDER BY type")}


def request(db: Database, worker_id: str, action: str, now: datetime) -> WorkerControl:
    with db.transaction() as conn:
        if not conn.execute("SELECT 1 FROM workers WHERE worker_id = %s",
                            (worker_id,)).fetchone():
            raise ValidationError(f"no worker {worker_id!r} is registered (see the Workers tab "
                                  "or 'stats')")
        conn.execute(
            "INSERT INTO pqd_worker_control (worker_id, action, requested_utc,"
            " acknowledged_utc) VALUES (%s, %s, %s, NULL) ON CONFLICT (worker_id) DO UPDATE"
            " SET action = excluded.action, requested_utc = excluded.requested_utc,"
            " acknowledged_utc = NULL", (worker_id, action, stamp(now)))
        return _control(conn.execute(f"{CONTROL} WHERE worker_id = %s", (worker_id,)
                                     ).fetchall()[0])


def control(db: Database, worker_id: str) -> WorkerControl | None:
    rows = db.query(f"{CONTROL} WHERE worker_id = %s", (worker_id,))
    return _control(rows[0]) if rows else None


def controls(db: Database) -> list[WorkerControl]:
    return [_control(row) for row in db.query(f"{CONTROL} ORDER BY worker_id")]


def acknowledge(db: Database, worker_id: str, action: str, now: datetime) -> None:
    with db.transaction() as conn:
        conn.execute("UPDATE pqd_worker_control SET acknowledged_utc = %s WHERE worker_id = %s"
                     " AND action = %s AND acknowledged_utc IS NULL",
                     (stamp(now), worker_id, action))


def clear(db: Database, worker_id: str) -> None:
    with db.transaction() as conn:
        conn.execute("DELETE FROM pqd_worker_control WHERE worker_id = %s", (worker_id,))


def _control(row: tuple[Any, ...]) -> WorkerControl:
    worker_id, action, requested, acknowledged = row
    return WorkerControl(str(worker_id), str(action), parse(requested), parse(acknowledged))
