"""The ``pqd_schedules`` table: schedules and their bookkeeping, and firing due ticks.

Firing is one ``BEGIN IMMEDIATE`` transaction: read the due schedules, enqueue each chosen
tick under a key made of the schedule's name and the tick's time, move the schedule's next
run on. Any number of schedulers (worker processes, the app's embedded worker) may run it at
once: the write lock puts them in line, the next one finds the schedule no longer due, and
the key would refuse a second task for a tick anyway.
"""

from __future__ import annotations

from datetime import datetime

import apsw

from prismq_desktop.core import timeutil
from prismq_desktop.core.errors import ValidationError
from prismq_desktop.core.models import Task
from prismq_desktop.core.schedules.model import (
    COLUMNS,
    Schedule,
    ScheduleNotFoundError,
    ScheduleSpec,
)
from prismq_desktop.core.sqlite import enqueue, logs
from prismq_desktop.core.sqlite.database import QueueDatabase

SELECT = (
    f"SELECT {', '.join('s.' + c for c in COLUMNS)}, t.status FROM pqd_schedules s"
    " LEFT JOIN task_queue t ON t.id = s.last_task_id"
)
SELECT_ALL = f"{SELECT} ORDER BY s.name"
SELECT_ONE = f"{SELECT} WHERE s.name = ?"
ANY_DUE = (
    "SELECT 1 FROM pqd_schedules INDEXED BY pqd_ix_schedules_due"
    " WHERE paused = 0 AND next_run_utc <= ? LIMIT 1"
)
SELECT_DUE = f"{SELECT} WHERE s.paused = 0 AND s.next_run_utc <= ? ORDER BY s.next_run_utc"
INSERT = (
    f"INSERT INTO pqd_schedules ({', '.join(COLUMNS)})"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, NULL, ?, ?)"
)
UPDATE_SPEC = (
    "UPDATE pqd_schedules SET cron = ?, type = ?, payload = ?, priority = ?, max_attempts = ?,"
    " timezone = ?, catch_up = ?, next_run_utc = ?, updated_utc = ? WHERE name = ?"
)
SET_PAUSED = "UPDATE pqd_schedules SET paused = ?, next_run_utc = ?, updated_utc = ? WHERE name = ?"
FIRED = (
    "UPDATE pqd_schedules SET next_run_utc = ?, last_run_utc = coalesce(?, last_run_utc),"
    " last_task_id = coalesce(?, last_task_id) WHERE name = ?"
)
DELETE = "DELETE FROM pqd_schedules WHERE name = ?"


def _db_time(moment: datetime | None) -> str | None:
    return None if moment is None else timeutil.to_db(moment)


def _one(conn: apsw.Connection, name: str) -> Schedule:
    rows = conn.execute(SELECT_ONE, (name,)).fetchall()
    if not rows:
        raise ScheduleNotFoundError(f"no schedule named {name!r}")
    return Schedule.from_row(rows[0])


def add(db: QueueDatabase, spec: ScheduleSpec, now: datetime) -> Schedule:
    now_text = timeutil.to_db(now)
    with db.transaction() as conn:
        if conn.execute(SELECT_ONE, (spec.name,)).fetchall():
            raise ValidationError(f"a schedule named {spec.name!r} exists already; edit it or "
                                  "choose another name")
        conn.execute(INSERT, (spec.name, spec.cron, spec.type, spec.payload, spec.priority,
                              spec.max_attempts, spec.timezone, spec.catch_up,
                              _db_time(spec.first_run(now)), now_text, now_text))
        return _one(conn, spec.name)


def replace(db: QueueDatabase, spec: ScheduleSpec, now: datetime) -> Schedule:
    """Store a changed spec; a new expression or zone starts counting from now."""
    with db.transaction() as conn:
        old = _one(conn, spec.name)
        timing_changed = (old.spec.cron, old.spec.timezone) != (spec.cron, spec.timezone)
        next_run = spec.first_run(now) if timing_changed or old.next_run is None \
            else old.next_run
        conn.execute(UPDATE_SPEC, (spec.cron, spec.type, spec.payload, spec.priority,
                                   spec.max_attempts, spec.timezone, spec.catch_up,
                                   _db_time(next_run), timeutil.to_db(now), spec.name))
        return _one(conn, spec.name)


def set_paused(db: QueueDatabase, name: str, paused: bool, now: datetime) -> Schedule:
    """Pause, or resume from now on: ticks that fell in the pause are not missed ones."""
    with db.transaction() as conn:
        old = _one(conn, name)
        next_run = old.next_run if paused else old.spec.first_run(now)
        conn.execute(SET_PAUSED, (int(paused), _db_time(next_run), timeutil.to_db(now), name))
        return _one(conn, name)


def remove(db: QueueDatabase, name: str) -> None:
    """Delete the schedule; the tasks it made stay."""
    with db.transaction() as conn:
        _one(conn, name)
        conn.execute(DELETE, (name,))


def get(db: QueueDatabase, name: str) -> Schedule:
    return _one(db.get_connection(), name)


def list_all(db: QueueDatabase) -> list[Schedule]:
    """Every schedule by name (none in a PrismQ file this app has only read)."""
    if "pqd_schedules" not in db.table_names():
        return []
    return [Schedule.from_row(row) for row in db.query(SELECT_ALL)]


def fire_due(db: QueueDatabase, now: datetime) -> dict[str, list[int]]:
    """Enqueue every due tick of every schedule; {schedule name: new task ids}.

    A cheap indexed read first, so a scheduler polling every second writes only when a
    schedule is due.
    """
    now_text = timeutil.to_db(now)
    if not db.query(ANY_DUE, (now_text,)):
        return {}
    fired: dict[str, list[int]] = {}
    with db.transaction() as conn:
        for row in conn.execute(SELECT_DUE, (now_text,)).fetchall():
            schedule = Schedule.from_row(row)
            fired[schedule.name] = _fire(conn, schedule, now, now_text)
    return fired


def _fire(conn: apsw.Connection, schedule: Schedule, now: datetime, now_text: str) -> list[int]:
    plan = schedule.plan(now)
    made: list[int] = []
    last_id = None
    for tick in plan.ticks:
        task = enqueue._insert_one(conn, schedule.task_for(tick, now), now_text)
        last_id = task.id
        if task.is_new:
            made.append(task.id)
            message = f"enqueued by schedule {schedule.name} for {timeutil.to_db(tick)} UTC"
            if plan.missed:
                message += f" ({plan.missed} earlier tick(s) skipped: catch-up " \
                           f"{schedule.spec.catch_up})"
            logs.write(conn, task.id, now_text, "INFO", message)
    last_run = _db_time(plan.ticks[-1]) if plan.ticks else None
    conn.execute(FIRED, (_db_time(plan.next_run), last_run, last_id, schedule.name))
    return made


def run_now(db: QueueDatabase, name: str, now: datetime) -> Task:
    """Enqueue one task for the schedule now (its ticks go on as before)."""
    now_text = timeutil.to_db(now)
    with db.transaction() as conn:
        schedule = _one(conn, name)
        task = enqueue._insert_one(conn, schedule.task_for(None, now), now_text)
        if task.is_new:
            logs.write(conn, task.id, now_text, "INFO", f"enqueued by schedule {name} (run now)")
        conn.execute(FIRED, (_db_time(schedule.next_run), now_text, task.id, name))
        return task
