"""``PostgresStore``: the Store contract (core/store.py) over one PostgreSQL queue schema, by
delegation to the modules beside it, each of which owns its statements."""

from __future__ import annotations

import os
import random
import re
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from prismq_desktop.core import copying
from prismq_desktop.core.bulk import BulkResult, Progress
from prismq_desktop.core.claims import ClaimFilter
from prismq_desktop.core.errors import ValidationError
from prismq_desktop.core.models import Task, TaskLog, Worker
from prismq_desktop.core.postgres import (
    bulk,
    claiming,
    listen,
    logs,
    maintenance,
    reads,
    schedules,
    schema,
    stats,
    tasks,
    workers,
)
from prismq_desktop.core.postgres.connection import Database, Location, connect_options, parse
from prismq_desktop.core.postgres.opening import prepare
from prismq_desktop.core.query import TaskQuery
from prismq_desktop.core.reports import FileHealth, TaskDetails, WorkersOverview
from prismq_desktop.core.resultset import ResultSet
from prismq_desktop.core.schedules.model import Schedule, ScheduleSpec, WorkerControl
from prismq_desktop.core.stats_types import StatsReads, Throughput
from prismq_desktop.core.store import ChangeToken
from prismq_desktop.core.validation import NewTask

SNAPSHOT_NUMBERS = re.compile(r"\d+")


def open_store(location: str, *, read_only: bool = False, create: bool = True,
               busy_timeout_ms: int = 5000) -> PostgresStore:
    """Open (or create) the queue a ``postgresql://`` URL names."""
    where = parse(location)
    version = prepare(where, read_only=read_only, create=create, lock_timeout_ms=busy_timeout_ms)
    newer = version > schema.SCHEMA_VERSION
    store = PostgresStore(where, version, read_only=read_only or newer,
                          lock_timeout_ms=busy_timeout_ms)
    if newer:
        store.database.read_only_reason = (
            f"the queue's schema version {version} is newer than this app knows "
            f"({schema.SCHEMA_VERSION}); update PrismQ Desktop to write to it")
    return store


class PostgresStore:
    """A PostgreSQL queue behind the Store contract."""

    def __init__(self, location: Location, version: int, *, read_only: bool,
                 lock_timeout_ms: int) -> None:
        self.database = Database(location, read_only=read_only, lock_timeout_ms=lock_timeout_ms)
        self.version = version
        self._listening: tuple[str, str] | None = None

    # -- what it is ----------------------------------------------------------------------
    @property
    def location(self) -> str:
        return self.database.location.shown

    @property
    def read_only(self) -> bool:
        return self.database.read_only

    @property
    def read_only_reason(self) -> str:
        return self.database.read_only_reason

    @property
    def schema_version(self) -> int:
        return self.version

    @property
    def newer_schema(self) -> bool:
        return self.version > schema.SCHEMA_VERSION

    def reopen(self, *, read_only: bool = False) -> PostgresStore:
        db = self.database
        store = PostgresStore(db.location, self.version, read_only=read_only or db.read_only,
                              lock_timeout_ms=db.lock_timeout_ms)
        if db.read_only and db.read_only_reason:
            store.database.read_only_reason = db.read_only_reason
        return store

    def close(self) -> None:
        if self._listening is not None:
            listen.stop(self._listening)
            self._listening = None
        self.database.close()

    def listen(self) -> None:
        """Hear other processes' enqueues and cancels (one connection per process)."""
        if self._listening is None:
            db = self.database
            self._listening = listen.start(connect_options(db.location, False,
                                                           db.lock_timeout_ms),
                                           db.schema, self.location)

    def change_token(self) -> ChangeToken:
        """The server's transaction snapshot (next id and those in flight): it moves when any
        write transaction starts or commits, never on reads."""
        text = self.database.one("SELECT pg_current_snapshot()::text")[0]
        return tuple(int(n) for n in SNAPSHOT_NUMBERS.findall(str(text)))

    # -- tasks ---------------------------------------------------------------------------
    def enqueue(self, spec: NewTask, now: datetime) -> Task:
        return tasks.enqueue(self.database, spec, now)

    def enqueue_many(self, specs: Sequence[NewTask], now: datetime) -> list[int]:
        return tasks.enqueue_many(self.database, specs, now)

    def get(self, task_id: int) -> Task:
        return tasks.get(self.database, task_id)

    def cancel(self, task_id: int, now: datetime) -> Task:
        return tasks.cancel(self.database, task_id, now)

    def retry(self, task_id: int, now: datetime) -> Task:
        return tasks.retry(self.database, task_id, now)

    def edit(self, task_id: int, values: dict[str, Any], now: datetime) -> Task:
        return tasks.edit(self.database, task_id, values, now)

    # -- the worker's side ---------------------------------------------------------------
    def claim(self, worker_id: str, lease_seconds: float, now: datetime, what: ClaimFilter,
              start: bool) -> Task | None:
        taken = claiming.claim(self.database, worker_id, lease_seconds, now, what, start)
        return taken[0] if taken else None

    def claim_many(self, worker_id: str, lease_seconds: float, now: datetime,
                   what: ClaimFilter, start: bool, n: int) -> list[Task]:
        return claiming.claim(self.database, worker_id, lease_seconds, now, what, start, n)

    def complete_and_claim(
        self, task_id: int, worker_id: str, now: datetime, result: Any,
        claimed_at: float | None, lease_seconds: float, what: ClaimFilter,
    ) -> tuple[bool, Task | None]:
        done = self.complete(task_id, worker_id, now, result, claimed_at)
        return done, self.claim(worker_id, lease_seconds, now, what, True)

    def start(self, task_id: int, worker_id: str, now: datetime) -> bool:
        return claiming.start(self.database, task_id, worker_id, now)

    def complete(self, task_id: int, worker_id: str, now: datetime, result: Any,
                 claimed_at: float | None) -> bool:
        return claiming.complete(self.database, task_id, worker_id, now, result, claimed_at)

    def fail(self, task_id: int, worker_id: str, error: str, now: datetime, permanent: bool,
             details: dict[str, Any] | None, claimed_at: float | None,
             rng: random.Random | None) -> str | None:
        return claiming.fail(self.database, task_id, worker_id, error, now, permanent,
                             details, claimed_at, rng)

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

    # -- logs ----------------------------------------------------------------------------
    def append_log(self, task_id: int, at: datetime, level: str, message: str,
                   details: dict[str, Any] | None) -> None:
        logs.append(self.database, task_id, tasks.stamp(at), level, message, details)

    def logs_since(self, task_id: int, after_log_id: int, limit: int) -> list[TaskLog]:
        return logs.since(self.database, task_id, after_log_id, limit)

    # -- workers -------------------------------------------------------------------------
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

    # -- reads ---------------------------------------------------------------------------
    def list_tasks(self, query: TaskQuery, now: datetime, offset: int,
                   limit: int) -> list[Task]:
        return reads.list_tasks(self.database, query, now, offset, limit)

    def count_tasks(self, query: TaskQuery, now: datetime) -> int:
        return reads.count_tasks(self.database, query, now)

    def status_counts(self, now: datetime) -> dict[str, int]:
        return reads.status_counts(self.database, now)

    def type_counts(self) -> dict[tuple[str, str], int]:
        return reads.type_counts(self.database)

    def oldest_ready(self, now: datetime) -> Any:
        return reads.oldest_ready(self.database, now)

    def finished_counts(self, since: datetime) -> tuple[int, int]:
        return reads.finished_counts(self.database, since)

    def result_set(self, query: TaskQuery, now: datetime) -> ResultSet:
        return reads.build(self.database, query, now)

    def refresh_result_set(self, result: ResultSet, now: datetime,
                           rebuild: bool) -> ResultSet:
        return reads.refresh(self.database, result, now, rebuild)

    def window(self, result: ResultSet, offset: int, limit: int) -> list[Task | None]:
        return reads.window(self.database, result, offset, limit)

    def export_rows(self, ids: Sequence[int]) -> list[tuple[Any, ...]]:
        return reads.rows(self.database, ids)

    def details(self, task_id: int) -> TaskDetails:
        return reads.details(self.database, task_id, self.get(task_id))

    def stats_reads(self, edges: np.ndarray, now: datetime) -> StatsReads:
        return stats.stats_reads(self.database, edges, now, self.version)

    def throughput(self, edges: np.ndarray) -> Throughput:
        return stats.throughput(self.database, edges, self.version)

    # -- acting on many ------------------------------------------------------------------
    def bulk(self, action: str, query: TaskQuery, now: datetime, value: Any,
             progress: Progress | None, cancel: threading.Event | None) -> BulkResult:
        return bulk.run(self.database, action, query, now, value, progress, cancel)

    # -- the app's own facts ---------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        return reads.get_meta(self.database, key)

    def set_meta(self, key: str, value: str | None) -> None:
        reads.set_meta(self.database, key, value)

    def add_sample_history(self, tasks: int, days: float, now: datetime, *, seed: int,
                           with_logs: bool, scheduled: int, backlog: int) -> int:
        return maintenance.add_sample_history(self.database, tasks, days, now, seed=seed,
                                              with_logs=with_logs, scheduled=scheduled,
                                              backlog=backlog)

    # -- copying between queues -----------------------------------------------------------
    def read_rows(self, table: str, after: Any, limit: int) -> list[tuple[Any, ...]]:
        return maintenance.read_rows(self.database, table, after, limit)

    def write_rows(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        maintenance.write_rows(self.database, table, rows)

    # -- maintenance -----------------------------------------------------------------------
    def purge(self, finished_before: datetime) -> int:
        return maintenance.purge(self.database, finished_before)

    def checkpoint(self, mode: str) -> tuple[int, int]:
        return (0, 0)

    def vacuum(self) -> None:
        maintenance.vacuum(self.database)

    def integrity_check(self) -> list[str]:
        return maintenance.integrity_check(self.database)

    def wal_bytes(self) -> int:
        return 0

    def backup(self, destination: str | os.PathLike[str]) -> Path:
        """A SQLite file holding this queue (ids kept), readable anywhere the app runs."""
        from prismq_desktop.core.locations import open_store as open_location

        target = Path(destination)
        if target.exists():
            raise ValidationError(f"{target} already exists; choose a new file name")
        copy = open_location(target)
        try:
            copying.copy_queue(self, copy)
        finally:
            copy.close()
        return target

    def file_health(self) -> FileHealth:
        return maintenance.file_health(self.database, self.version)

    # -- schedules (ScheduleStore) -------------------------------------------------------
    def add_schedule(self, spec: ScheduleSpec, now: datetime) -> Schedule:
        return schedules.add(self.database, spec, now)

    def replace_schedule(self, spec: ScheduleSpec, now: datetime) -> Schedule:
        return schedules.replace(self.database, spec, now)

    def set_schedule_paused(self, name: str, paused: bool, now: datetime) -> Schedule:
        return schedules.set_paused(self.database, name, paused, now)

    def remove_schedule(self, name: str) -> None:
        schedules.remove(self.database, name)

    def get_schedule(self, name: str) -> Schedule:
        return schedules.get(self.database, name)

    def schedules(self) -> list[Schedule]:
        return schedules.list_all(self.database)

    def fire_due_schedules(self, now: datetime) -> dict[str, list[int]]:
        return schedules.fire_due(self.database, now)

    def run_schedule_now(self, name: str, now: datetime) -> Task:
        return schedules.run_now(self.database, name, now)

    # -- operator controls (ControlStore) ----------------------------------------------------
    def pause_type(self, type_: str, now: datetime) -> None:
        schedules.pause_type(self.database, type_, now)

    def resume_type(self, type_: str) -> bool:
        return schedules.resume_type(self.database, type_)

    def paused_types(self) -> dict[str, datetime | None]:
        return schedules.paused_types(self.database)

    def request_worker_control(self, worker_id: str, action: str,
                               now: datetime) -> WorkerControl:
        return schedules.request(self.database, worker_id, action, now)

    def worker_control(self, worker_id: str) -> WorkerControl | None:
        return schedules.control(self.database, worker_id)

    def worker_controls(self) -> list[WorkerControl]:
        return schedules.controls(self.database)

    def acknowledge_worker_control(self, worker_id: str, action: str, now: datetime) -> None:
        schedules.acknowledge(self.database, worker_id, action, now)

    def clear_worker_control(self, worker_id: str) -> None:
        schedules.clear(self.database, worker_id)
