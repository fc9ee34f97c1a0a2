"""Keeping a PostgreSQL queue healthy: purge, vacuum, a consistency check, its health report,
raw rows for ``copy`` (ids kept), and made-up history written with COPY."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prismq_desktop.core import copying, sample_data
from prismq_desktop.core.errors import QueueDatabaseError
from prismq_desktop.core.models import TERMINAL
from prismq_desktop.core.postgres import reads, schema
from prismq_desktop.core.postgres.connection import Database
from prismq_desktop.core.reports import FileHealth

PURGE_BATCH = 2000
DOOMED = (
    "SELECT id FROM task_queue WHERE status = ANY(%s)"
    " AND coalesce(finished_at_utc, updated_at_utc) < %s LIMIT %s FOR UPDATE SKIP LOCKED"
)
#: Tables whose key is drawn from a sequence: moved on after rows come in with their ids.
SERIAL_KEYS = {"task_queue": "id", "task_logs": "log_id", "pqd_runs": "run_id"}


def purge(db: Database, finished_before: datetime) -> int:
    total = 0
    while True:
        with db.transaction() as conn:
            ids = [row[0] for row in conn.execute(
                DOOMED, (list(TERMINAL), finished_before, PURGE_BATCH)).fetchall()]
            if not ids:
                return total
            for table in ("task_logs", "pqd_runs", "pqd_progress"):
                conn.execute(f"DELETE FROM {table} WHERE task_id = ANY(%s)", (ids,))
            conn.execute("DELETE FROM task_queue WHERE id = ANY(%s)", (ids,))
            total += len(ids)


def vacuum(db: Database) -> None:
    db.check_writable()
    reads.fold_counts(db)
    with db.connection() as conn:
        for table in schema.TABLE_NAMES:
            conn.execute(f"VACUUM (ANALYZE) {table}")


def integrity_check(db: Database) -> list[str]:
    """['ok'] when the kept counts match the rows (the server keeps pages and keys sound)."""
    kept = reads.type_counts(db)
    rows = {(kind, status): int(n) for kind, status, n in db.query(
        "SELECT type, status, count(*) FROM task_queue GROUP BY type, status")}
    wrong = [f"kept count of {kind}/{status} is {kept.get((kind, status), 0)}, rows say {n}"
             for (kind, status), n in sorted({**{k: 0 for k in kept}, **rows}.items())
             if kept.get((kind, status), 0) != n]
    return wrong or ["ok"]


def file_health(db: Database, version: int) -> FileHealth:
    server, size = db.one(
        "SELECT current_setting('server_version'), coalesce(sum(pg_total_relation_size("
        "format('%%I.%%I', schemaname, tablename))), 0) FROM pg_tables WHERE schemaname = %s",
        (db.schema,))
    return FileHealth(
        integrity=integrity_check(db), schema_version=version,
        app_schema_version=schema.SCHEMA_VERSION, journal_mode="postgresql",
        sqlite_version=f"PostgreSQL {server}", file_bytes=int(size), wal_bytes=0,
        read_only_reason=db.read_only_reason)


def read_rows(db: Database, table: str, after: Any, limit: int) -> list[tuple[Any, ...]]:
    key, columns = copying.table(table)
    where = "" if after is None else f" WHERE {key} > %s"
    params = [] if after is None else [after]
    return db.query(f"SELECT {', '.join(columns)} FROM {table}{where} ORDER BY {key}"
                    " LIMIT %s", [*params, limit])


def write_rows(db: Database, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows as read from another queue, ids kept; a key already here is skipped."""
    key, columns = copying.table(table)
    marks = ", ".join(["%s"] * len(columns))
    try:
        with db.transaction() as conn:
            with conn.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                                   " ON CONFLICT DO NOTHING", rows)
            if table in SERIAL_KEYS:
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'),"
                             f" greatest((SELECT max({key}) FROM {table}), 1))")
    except QueueDatabaseError as exc:
        raise QueueDatabaseError(f"cannot copy {table} rows: {exc}") from exc


def add_sample_history(db: Database, tasks: int, days: float, now: datetime, *, seed: int,
                       with_logs: bool, scheduled: int, backlog: int) -> int:
    """``sample_data.plan``'s history, written with COPY in batches."""
    rng, planned = sample_data.plan(tasks, days, now, seed=seed, scheduled=scheduled,
                                    backlog=backlog)
    for start in range(0, len(planned), 20_000):
        _write_batch(db, rng, planned[start:start + 20_000], now, with_logs)
    return len(planned)


def _write_batch(db: Database, rng: random.Random, planned: Sequence[sample_data.Planned],
                 now: datetime, with_logs: bool) -> None:
    columns = [sample_data.columns(rng, profile, created, out, now)
               for profile, created, out in planned]
    with db.transaction() as conn:
        ids = [row[0] for row in conn.execute(
            "SELECT nextval(pg_get_serial_sequence('task_queue', 'id'))"
            " FROM generate_series(1, %s)", (len(planned),)).fetchall()]
        names = ", ".join(("id", *sample_data.COLUMNS))
        with conn.cursor().copy(f"COPY task_queue ({names}) FROM STDIN") as copy:
            for task_id, values in zip(ids, columns, strict=True):
                copy.write_row((task_id, *values))
        if with_logs:
            with conn.cursor().copy(
                    "COPY task_logs (task_id, at_utc, level, message) FROM STDIN") as copy:
                for task_id, (_p, created, out) in zip(ids, planned, strict=True):
                    for entry in sample_data.log_entries(task_id, created, out):
                        copy.write_row(entry)
        with conn.cursor().copy("COPY pqd_runs (task_id, type, attempt, worker_id, outcome,"
                                " wait_s, run_s, finished) FROM STDIN") as copy:
            for task_id, (profile, _c, out) in zip(ids, planned, strict=True):
                run = sample_data.run_row(task_id, profile, out)
                if run is not None:
                    copy.write_row(run)
