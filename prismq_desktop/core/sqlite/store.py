"""``SQLiteStore``: the Store contract (core/store.py) over one queue file, by delegation to the
modules beside it, each of which owns its statements."""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import apsw
import numpy as np

from prismq_desktop.core import timeutil
from prismq_desktop.core.bulk import BulkResult, Progress
from prismq_desktop.core.claims import ClaimFilter
from prismq_desktop.core.locations import MigrationProgress
from prismq_desktop.core.models import Task, TaskLog, Worker
from prismq_desktop.core.query import TaskQuery
from prismq_desktop.core.reports import FileHealth, TaskDetails, WorkersOverview
from prismq_desktop.core.resultset import ResultSet
from prismq_desktop.core.schedules.model import Schedule, ScheduleSpec, WorkerControl
from prismq_desktop.core.sqlite import (
    bulk,
    claiming,
    controls,
    copy_rows,
    edit,
    enqueue,
    file_health,
    handoff,
    health,
    logs,
    maintenance,
    meta,
    reads,
    resultset,
    sample_data,
    schema,
    stats,
    task_details,
    transitions,
    workers,
)
from prismq_desktop.core.sqlite import schedules as schedule_sql
from prismq_desktop.core.sqlite.database import BUSY_TIMEOUT_MS, QueueDatabase
from prismq_desktop.core.sqlite.opening import open_queue
from prismq_desktop.core.stats_types import StatsReads, Throughput
from prismq_desktop.core.store import ChangeToken
from prismq_desktop.core.validation import NewTask

if TYPE_CHECKING:
    from prismq_desktop.core.queue import Queue


def library_versions() -> dict[str, str]:
    """The SQLite library apsw bundles (DESIGN §3: --version and About print it) and apsw."""
    return {"SQLite": apsw.sqlite_lib_version(), "apsw": apsw.apsw_version()}


def database_of(queue: Queue) -> QueueDatabase:
    """The SQLite database under a queue, for SQLite-specific tests and benchmarks that write
    odd rows on purpose or look at SQLite itself. Front ends never do: ``Queue`` has no
    database attribute."""
    store = queue._store
    if not isinstance(store, SQLiteStore):
        raise TypeError(f"{queue.location} is not a SQLite queue")
    return store.database


def open_store(location: str | os.PathLike[str] | None = None, *, read_only: bool = False,
               create: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
               progress: MigrationProgress | None = None,
               remove_side_files: bool = False) -> SQLiteStore:
    """Open (or create) a queue file; see :func:`opening.open_queue` for what is refused."""
    return SQLiteStore(open_queue(location, read_only=read_only, create=create,
                                  busy_timeout_ms=busy_timeout_ms, progress=progress,
                                  remove_side_files=remove_side_files))


class SQLiteStore:
    """A queue file behind the Store contract. ``database`` is for SQLite-specific code and
    tests only; the front ends reach the file through ``Queue``."""

    def __init__(self, database: QueueDatabase) -> None:
        self.database = database

    # -- what it is ----------------------------------------------------------------------
    @property
    def location(self) -> str:
        return str(self.database.path)

    @property
    def read_only(self) -> bool:
        return self.database.read_only

    @property
    def read_only_reason(self) -> str:
        return self.database.read_only_reason

    @property
    def schema_version(self) -> int:
        return self.database.user_version()

    @property
    def newer_schema(self) -> bool:
        return self.database.user_version() > schema.SCHEMA_VERSION

    def reopen(self, *, read_only: bool = False) -> SQLiteStore:
        db = self.database
        if read_only:
            return open_store(db.path, read_only=True, create=False,
                              busy_timeout_ms=db.busy_timeout_ms)
        return SQLiteStore(QueueDatabase(db.path, busy_timeout_ms=db.busy_timeout_ms))

    def close(self) -> None:
        self.database.close()

    def change_token(self) -> ChangeToken:
        return self.database.change_token()

    # -- tasks -----------------------------------------------------------------------------
    def enqueue(self, spec: NewTask, now: datetime) -> Task:
        return enqueue.enqueue(self.database, spec, now)

    def enqueue_many(self, specs: Sequence[NewTask], now: datetime) -> list[int]:
        return enqueue.enqueue_many(self.database, specs, now)

    def get(self, task_id: int) -> Task:
        return transitions.get(self.database, task_id)

    def cancel(self, task_id: int, now: datetime) -> Task:
        return transitions.cancel(self.database, task_id, now)

    def retry(self, task_id: int, now: datetime) -> Task:
        return transitions.retry(self.database, task_id, now)

    def edit(self, task_id: int, values: dict[str, Any], now: datetime) -> Task:
        return edit.edit(self.database, task_id, values, now)

    # -- the worker's side -----------------------------------------------------------------
    def claim(self, worker_id: str, lease_seconds: float, now: datetime, what: ClaimFilter,
              start: bool) -> Task | None:
        return claiming.claim(self.database, worker_id, lease_seconds, now, what, start)

    def complete_and_claim(
        self, task_id: int, worker_id: str, now: datetime, result: Any,
        claimed_at: float | None, lease_seconds: float, what: ClaimFilter,
    ) -> tuple[bool, Task | None]:
        return handoff.complete_and_claim(self.database, task_id, worker_id, now, result,
                                          claimed_at, lease_seconds, what)

    def start(self, task_id: int, worker_id: str, now: datetime) -> bool:
        return claiming.start(self.database, task_id, worker_id, now)

    def complete(self, task_id: int, worker_id: str, now: datetime, result: Any,
                 claimed_at: float | None) -> bool:
        return claiming.complete(self.database, task_id, worker_id, now, result, claimed_at)

    def fail(self, task_id: int, worker_id: str, error: str, now: datetime, permanent: bool,
             details: dict[str, Any] | None, claimed_at: float | None,
             rng: random.Random | None) -> str | None:
        return claiming.fail(self.database, task_id, worker_id, error, now, permanent, details,
                             claimed_at, rng)

    def renew_lease(self, task_id: int, worker_id: str, lease_seconds: float,
                    now: datetime) -> bool:
        return claiming.renew_lease(self.database, task_id, worker_id, lease_seconds, now)

    def release(self, task_id: int, worker_id: str, now: datetime) -> bool:
        return claiming.release(self.database, task_id, worker_id, now)

    def acknowledge_cancel(self, task_id: int, worker_id: str, now: datetime,
                           message: str | None) -> bool:
        return claiming.acknowledge_cancel(self.database, task_id, worker_id, now, message)

    def reclaim_expired(self, now: datetime) -> dict[int, str]:
        return claiming.reclaim_expired(self.database, now)

    def set_progress(self, task_id: int, fraction: float | None, message: str | None,
                     now: datetime) -> None:
        claiming.set_progress(self.database, task_id, fraction, message, now)

    # -- logs ------------------------------------------------------------------------------
    def append_log(self, task_id: int, at: datetime, level: str, message: str,
                   details: dict[str, Any] | None) -> None:
        logs.append(self.database, task_id, timeutil.to_db(at), level, message, details)

    def logs_since(self, task_id: int, after_log_id: int, limit: int) -> list[TaskLog]:
        return logs.since(self.database, task_id, after_log_id, limit)

    # -- workers -----------------------------------------------------------------------------
    def register_worker(self, worker_id: str, capabilities: dict[str, Any] | None,
                        now: datetime) -> None:
        workers.register(self.database, worker_id, capabilities, now)

    def heartbeat(self, worker_id: str, now: datetime) -> None:
        workers.heartbeat(self.database, worker_id, now)

    def unregister_worker(self, worker_id: str) -> None:
        workers.unregister(self.database, worker_id)

    def workers(self) -> list[Worker]:
        return workers.list_workers(self.database)

    def workers_overview(self, now: datetime, window_minutes: float) -> WorkersOverview:
        return workers.overview(self.database, now, window_minutes)

    def known_workers(self, limit: int) -> list[str]:
        return reads.known_workers(self.database, limit)

    # -- reads -------------------------------------------------------------------------------
    def list_tasks(self, query: TaskQuery, now: datetime, offset: int,
                   limit: int) -> list[Task]:
        return reads.list_tasks(self.database, query, now, offset, limit)

    def count_tasks(self, query: TaskQuery, now: datetime) -> int:
        return reads.count_tasks(self.database, query, now)

    def status_counts(self, now: datetime) -> dict[str, int]:
        return reads.status_counts(self.database, now)

    def type_counts(self) -> dict[tuple[str, str], int]:
        return reads.type_status_counts(self.database)

    def oldest_ready(self, now: datetime) -> Any:
        return health.oldest_ready(self.database, now)

    def finished_counts(self, since: datetime) -> tuple[int, int]:
        return health.finished_counts(self.database, since)

    def result_set(self, query: TaskQuery, now: datetime) -> ResultSet:
        return resultset.build(self.database, query, now)

    def refresh_result_set(self, result: ResultSet, now: datetime,
                           rebuild: bool) -> ResultSet:
        return resultset.refresh(self.database, result, now, rebuild=rebuild)

    def window(self, result: ResultSet, offset: int, limit: int) -> list[Task | None]:
        return resultset.window(self.database, result, offset, limit)

    def export_rows(self, ids: Sequence[int]) -> list[tuple[Any, ...]]:
        return resultset.rows(self.database, ids)

    def details(self, task_id: int) -> TaskDetails:
        return task_details.details(self.database, task_id)

    def stats_reads(self, edges: np.ndarray, now: datetime) -> StatsReads:
        return stats.stats_reads(self.database, edges, now)

    def throughput(self, edges: np.ndarray) -> Throughput:
        return stats.throughput(self.database, edges)

    # -- acting on many --------------------------------------------------------------------
    def bulk(self, action: str, query: TaskQuery, now: datetime, value: Any,
             progress: Progress | None, cancel: threading.Event | None) -> BulkResult:
        return bulk.run(self.database, action, query, now, value=value, progress=progress,
                        cancel=cancel)

    # -- the app's own facts -----------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        return meta.get(self.database, key)

    def set_meta(self, key: str, value: str | None) -> None:
        meta.put(self.database, key, value)

    def add_sample_history(self, tasks: int, days: float, now: datetime, *, seed: int,
                           with_logs: bool, scheduled: int, backlog: int) -> int:
        return sample_data.generate(self.database, tasks, days, now, seed=seed,
                                    with_logs=with_logs, scheduled=scheduled, backlog=backlog)

    # -- copying between queues -----------------------------------------------------------
    def read_rows(self, table: str, after: Any, limit: int) -> list[tuple[Any, ...]]:
        return copy_rows.read_rows(self.database, table, after, limit)

    def write_rows(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        copy_rows.write_rows(self.database, table, rows)

    # -- maintenance -------------------------------------------------------------------------
    def purge(self, finished_before: datetime) -> int:
        return maintenance.purge(self.database, finished_before)

    def checkpoint(self, mode: str) -> tuple[int, int]:
        return maintenance.checkpoint(self.database, mode)

    def vacuum(self) -> None:
        maintenance.vacuum(self.database)

    def integrity_check(self) -> list[str]:
        return maintenance.integrity_check(self.database)

    def wal_bytes(self) -> int:
        return maintenance.wal_size(self.database)

    def backup(self, destination: str | os.PathLike[str]) -> Path:
        return maintenance.backup(self.database, destination)

    def file_health(self) -> FileHealth:
        return file_health.file_health(self.database)

    # -- schedules (ScheduleStore) ------------------------------------------------------------
    def add_schedule(self, spec: ScheduleSpec, now: datetime) -> Schedule:
        return schedule_sql.add(self.database, spec, now)

    def replace_schedule(self, spec: ScheduleSpec, now: datetime) -> Schedule:
        return schedule_sql.replace(self.database, spec, now)

    def set_schedule_paused(self, name: str, paused: bool, now: datetime) -> Schedule:
        return schedule_sql.set_paused(self.database, name, paused, now)

    def remove_schedule(self, name: str) -> None:
        schedule_sql.remove(self.database, name)

    def get_schedule(self, name: str) -> Schedule:
        return schedule_sql.get(self.database, name)

    def schedules(self) -> list[Schedule]:
        return schedule_sql.list_all(self.database)

    def fire_due_schedules(self, now: datetime) -> dict[str, list[int]]:
        return schedule_sql.fire_due(self.database, now)

    def run_schedule_now(self, name: str, now: datetime) -> Task:
        return schedule_sql.run_now(self.database, name, now)

    # -- operator controls (ControlStore) -----------------------------------------------------
    def pause_type(self, type_: str, now: datetime) -> None:
        controls.pause_type(self.database, type_, now)

    def resume_type(self, type_: str) -> bool:
        return controls.resume_type(self.database, type_)

    def paused_types(self) -> dict[str, datetime | None]:
        return controls.paused_types(self.database)

    def request_worker_control(self, worker_id: str, action: str,
                               now: datetime) -> WorkerControl:
        return controls.request(self.database, worker_id, action, now)

    def worker_control(self, worker_id: str) -> WorkerControl | None:
        return controls.control(self.database, worker_id)

    def worker_controls(self) -> list[WorkerControl]:
        return controls.controls(self.database)

    def acknowledge_worker_control(self, worker_id: str, action: str, now: datetime) -> None:
        controls.acknowledge(self.database, worker_id, action, now)

    def clear_worker_control(self, worker_id: str) -> None:
        controls.clear(self.database, worker_id)
