"""The storage contract: every operation and read a backend gives the ``Queue`` facade.

``Queue`` validates input, owns the clock (every ``now`` below comes from it), announces
changes in this process and composes the overviews; a ``Store`` keeps the tasks. Two
backends implement it: SQLite (core/sqlite/store.py) and PostgreSQL (core/postgres/). The
signatures name only plain values and the core's own types: no driver, connection or SQL.

Rules every backend keeps (DESIGN §3-§5; tests/contract checks them through ``Queue``):

- Every write is one short transaction; every transition after enqueue writes its log row
  in that same transaction; worker writes are guarded by status and ``locked_by``, so a late
  result changes nothing but a log line.
- Timestamps written into PrismQ columns are ``YYYY-MM-DD HH:MM:SS`` UTC
  (``timeutil.to_db``; lease and run-after times rounded up, ``timeutil.to_db_ceil``).
- Errors leave as the core's exceptions (core/errors.py), the driver's kept as ``__cause__``.
- Reads hold no transaction open between calls. A store may be used from many threads.

A backend module offers ``open_store(location, *, read_only, create, busy_timeout_ms)``
returning its store; ``Queue.open`` picks the module from the location.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from prismq_desktop.core.bulk import BulkResult, Progress
from prismq_desktop.core.claims import ClaimFilter
from prismq_desktop.core.models import Task, TaskLog, Worker
from prismq_desktop.core.query import TaskQuery
from prismq_desktop.core.reports import FileHealth, TaskDetails, WorkersOverview
from prismq_desktop.core.resultset import ResultSet
from prismq_desktop.core.schedules.model import Schedule, ScheduleSpec, WorkerControl
from prismq_desktop.core.stats_types import StatsReads, Throughput
from prismq_desktop.core.validation import NewTask

#: A cheap value that changes whenever anything commits (compare for equality only).
ChangeToken = tuple[int, ...]


class Store(Protocol):
    """One queue's storage. Every ``now`` is an aware UTC datetime from the Queue's clock."""

    # -- what it is ----------------------------------------------------------------------
    @property
    def location(self) -> str:
        """What the user opened, for titles and messages: a file path or a URL without its
        password."""

    @property
    def read_only(self) -> bool: ...

    @property
    def read_only_reason(self) -> str:
        """Why writes are refused ("" when they are not), for messages and disabled actions."""

    @property
    def schema_version(self) -> int:
        """The schema version the stored queue has (0: PrismQ's own, no app tables yet)."""

    @property
    def newer_schema(self) -> bool:
        """The stored schema is newer than this app knows: opened read-only, saying so."""

    def reopen(self, *, read_only: bool = False) -> Store:
        """Another store on the same queue with its own connections (a worker engine, a
        background rebuild); closing one leaves the other open."""

    def close(self) -> None:
        """Release every connection; later use raises QueueDatabaseError."""

    def change_token(self) -> ChangeToken:
        """Differs from the last value after any commit by anyone; cheap enough to poll."""

    # -- tasks: create, read, user transitions ---------------------------------------------
    def enqueue(self, spec: NewTask, now: datetime) -> Task:
        """Insert one task, or return the one with the same idempotency key (``is_new``
        False); two processes racing on one key create one row."""

    def enqueue_many(self, specs: Sequence[NewTask], now: datetime) -> list[int]:
        """Insert all (one transaction) and return their ids in order; known keys give the
        existing id."""

    def get(self, task_id: int) -> Task:
        """The task, or TaskNotFoundError."""

    def cancel(self, task_id: int, now: datetime) -> Task:
        """queued/leased/processing → cancelled, logged; else InvalidTransitionError saying
        the status."""

    def retry(self, task_id: int, now: datetime) -> Task:
        """failed/cancelled/dead_letter → queued, runnable now, attempts 0, logged."""

    def edit(self, task_id: int, values: dict[str, Any], now: datetime) -> Task:
        """Set validated column values (``editing.validated``) on a queued task, logging
        before and after; InvalidTransitionError with ``editing.refusal``'s reason else."""

    # -- the worker's side -----------------------------------------------------------------
    def claim(self, worker_id: str, lease_seconds: float, now: datetime, what: ClaimFilter,
              start: bool) -> Task | None:
        """Take the next runnable task in ``what.strategy`` order (one transaction), counting
        the attempt; ``start``: straight to processing. ``claimed_at`` set to ``now``. Only
        tasks of ``what.types`` whose compatibility ``what.capabilities`` satisfies
        (``compat.compatible``, in SQL)."""

    def complete_and_claim(
        self, task_id: int, worker_id: str, now: datetime, result: Any,
        claimed_at: float | None, lease_seconds: float, what: ClaimFilter,
    ) -> tuple[bool, Task | None]:
        """``complete`` then ``claim(start=True)`` in one commit."""

    def start(self, task_id: int, worker_id: str, now: datetime) -> bool:
        """leased → processing for the holder; False when it no longer holds it."""

    def complete(self, task_id: int, worker_id: str, now: datetime, result: Any,
                 claimed_at: float | None) -> bool:
        """→ completed, with a run record and a log row holding ``result``; False (and a
        "late result discarded" log row) when the worker no longer holds it."""

    def fail(self, task_id: int, worker_id: str, error: str, now: datetime, permanent: bool,
             details: dict[str, Any] | None, claimed_at: float | None,
             rng: random.Random | None) -> str | None:
        """Back to queued after ``claims.backoff_seconds`` while attempts remain, else failed;
        the new status, or None when the worker no longer held it."""

    def renew_lease(self, task_id: int, worker_id: str, lease_seconds: float,
                    now: datetime) -> bool:
        """False once the task was cancelled or the lease lost: the handler should stop."""

    def release(self, task_id: int, worker_id: str, now: datetime) -> bool:
        """Give a held task back to queued, refunding its attempt (a stopping worker)."""

    def acknowledge_cancel(self, task_id: int, worker_id: str, now: datetime,
                           message: str | None) -> bool:
        """The handler of a task cancelled while ``worker_id`` held it has stopped: end the
        lease the cancel kept (the task no longer shows as cancelling), logging ``message``
        in the same commit. False (and nothing written) unless it is cancelled and was ours."""

    def reclaim_expired(self, now: datetime) -> dict[int, str]:
        """Requeue (or fail, when out of attempts) every held task whose lease passed;
        {task id: new status}. Idempotent."""

    def set_progress(self, task_id: int, fraction: float | None, message: str | None,
                     now: datetime) -> None: ...

    # -- logs ----------------------------------------------------------------------------
    def append_log(self, task_id: int, at: datetime, level: str, message: str,
                   details: dict[str, Any] | None) -> None:
        """One log row in its own transaction; TaskNotFoundError for an unknown task."""

    def logs_since(self, task_id: int, after_log_id: int, limit: int) -> list[TaskLog]:
        """The task's log rows after ``after_log_id``, oldest first (for tailing); from
        ``models.FROM_START`` the enqueue line (``models.enqueue_line``) comes first."""

    # -- workers -------------------------------------------------------------------------
    def register_worker(self, worker_id: str, capabilities: dict[str, Any] | None,
                        now: datetime) -> None: ...

    def heartbeat(self, worker_id: str, now: datetime) -> None: ...

    def unregister_worker(self, worker_id: str) -> None: ...

    def workers(self) -> list[Worker]:
        """Registered workers, newest heartbeat first, with the tasks each holds now."""

    def workers_overview(self, now: datetime, window_minutes: float) -> WorkersOverview:
        """``reports.workers_overview`` over the workers, the holders of running tasks and
        what each finished since ``now - window_minutes``."""

    def known_workers(self, limit: int) -> list[str]:
        """Registered workers and holders of running tasks, sorted (search completion)."""

    # -- reads -----------------------------------------------------------------------------
    def list_tasks(self, query: TaskQuery, now: datetime, offset: int,
                   limit: int) -> list[Task]: ...

    def count_tasks(self, query: TaskQuery, now: datetime) -> int: ...

    def status_counts(self, now: datetime) -> dict[str, int]:
        """{status: n}, with 'scheduled' (queued, run_after ahead) split out of 'queued'."""

    def type_counts(self) -> dict[tuple[str, str], int]:
        """{(type, status): n} for every pair with tasks."""

    def oldest_ready(self, now: datetime) -> Any:
        """The stored run_after of the oldest ready (queued, due) task, or None."""

    def finished_counts(self, since: datetime) -> tuple[int, int]:
        """(completed, failed) tasks finished at or after ``since``."""

    def result_set(self, query: TaskQuery, now: datetime) -> ResultSet:
        """The query's ordered ids and the highest id, from one consistent read."""

    def refresh_result_set(self, result: ResultSet, now: datetime,
                           rebuild: bool) -> ResultSet:
        """``result`` kept current at a bounded cost: new matching ids at once in id order;
        a rebuild when ``result.rebuild_due()`` (only if ``rebuild``) or, for a set that
        ``follows_writes``, when its length no longer matches the count."""

    def window(self, result: ResultSet, offset: int, limit: int) -> list[Task | None]:
        """The tasks at positions offset.. of ``result``, read now (None: deleted since)."""

    def export_rows(self, ids: Sequence[int]) -> list[tuple[Any, ...]]:
        """The stored values (``models.TASK_COLUMNS`` order) of these tasks, in this order,
        skipping deleted ones."""

    def details(self, task_id: int) -> TaskDetails:
        """The task with its progress and finished attempts (none on a PrismQ-only queue)."""

    def stats_reads(self, edges: np.ndarray, now: datetime) -> StatsReads:
        """What the Stats tab needs for buckets between ``edges`` (epoch seconds)."""

    def throughput(self, edges: np.ndarray) -> Throughput:
        """Tasks enqueued/completed/failed/finished per bucket between ``edges``."""

    # -- acting on many ------------------------------------------------------------------
    def bulk(self, action: str, query: TaskQuery, now: datetime, value: Any,
             progress: Progress | None, cancel: threading.Event | None) -> BulkResult:
        """Apply a ``bulk.ACTIONS`` action (``value``: validated) to every task the query
        matches now, in short guarded batches; see ``Queue.bulk``."""

    # -- the app's own facts -----------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A value the app keeps about this queue (None when unset or not stored yet)."""

    def set_meta(self, key: str, value: str | None) -> None:
        """Set ``key`` (None removes it)."""

    def add_sample_history(self, tasks: int, days: float, now: datetime, *, seed: int,
                           with_logs: bool, scheduled: int, backlog: int) -> int:
        """Write a realistic made-up history (the demo, tests, benchmarks); how many tasks."""

    # -- copying between queues (core/copying.py) -------------------------------------------
    def read_rows(self, table: str, after: Any, limit: int) -> list[tuple[Any, ...]]:
        """Up to ``limit`` raw rows of a ``copying.TABLES`` table in key order, after the
        key ``after`` (None: from the first), in its ``copying.TABLES`` columns."""

    def write_rows(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert rows read by ``read_rows`` of another queue, keys kept, in one
        transaction; a key already present is skipped."""

    # -- maintenance -----------------------------------------------------------------------
    def purge(self, finished_before: datetime) -> int:
        """Delete finished tasks (with their logs and runs) finished before the cut-off, in
        short batches; how many."""

    def checkpoint(self, mode: str) -> tuple[int, int]:
        """Move written data to its final place (SQLite's WAL checkpoint; elsewhere a no-op
        answering (0, 0))."""

    def vacuum(self) -> None: ...

    def integrity_check(self) -> list[str]:
        """The backend's own check; ['ok'] when sound."""

    def wal_bytes(self) -> int:
        """Size of the write-ahead log waiting to be checkpointed (0 where none applies)."""

    def backup(self, destination: str | os.PathLike[str]) -> Path:
        """A consistent copy at ``destination`` while others write; ValidationError for a
        destination that exists or is the queue itself."""

    def file_health(self) -> FileHealth:
        """What ``check`` reports: integrity, schema versions, versions and sizes."""


@runtime_checkable
class ScheduleStore(Protocol):
    """Recurring tasks (DESIGN §14), kept beside the tasks by a store that offers them.

    ``fire_due_schedules`` is one transaction per call: every due schedule's chosen ticks
    (``Schedule.plan``) enqueued under ``Schedule.task_for``'s keys, with the schedule's next
    run, last run and last task moved on in that same transaction, so any number of
    schedulers racing make one task per tick.
    """

    def add_schedule(self, spec: ScheduleSpec, now: datetime) -> Schedule:
        """Store a new schedule, first run the next tick after ``now``; ValidationError when
        the name is taken."""

    def replace_schedule(self, spec: ScheduleSpec, now: datetime) -> Schedule:
        """Store changed fields for ``spec.name``; a changed expression or zone counts from
        ``now``. ScheduleNotFoundError for an unknown name (as every method naming one)."""

    def set_schedule_paused(self, name: str, paused: bool, now: datetime) -> Schedule:
        """Pause; or resume with the next run the first tick after ``now``."""

    def remove_schedule(self, name: str) -> None:
        """Delete the schedule (its tasks stay)."""

    def get_schedule(self, name: str) -> Schedule: ...

    def schedules(self) -> list[Schedule]:
        """Every schedule by name, with its last task's status."""

    def fire_due_schedules(self, now: datetime) -> dict[str, list[int]]:
        """Enqueue due ticks (see above); {name: ids of tasks made now}. Cheap when none is
        due."""

    def run_schedule_now(self, name: str, now: datetime) -> Task:
        """One task for the schedule now, recorded as its last run."""


@runtime_checkable
class ControlStore(Protocol):
    """Operator controls: paused types (no claim takes them) and worker requests."""

    def pause_type(self, type_: str, now: datetime) -> None: ...

    def resume_type(self, type_: str) -> bool:
        """False when the type was not paused."""

    def paused_types(self) -> dict[str, datetime | None]:
        """{type: when paused}."""

    def request_worker_control(self, worker_id: str, action: str,
                               now: datetime) -> WorkerControl:
        """Ask a registered worker to quiet or stop (replacing an earlier request);
        ValidationError for an unknown worker."""

    def worker_control(self, worker_id: str) -> WorkerControl | None: ...

    def worker_controls(self) -> list[WorkerControl]: ...

    def acknowledge_worker_control(self, worker_id: str, action: str, now: datetime) -> None:
        """The worker says it obeys ``action`` (a newer request stays unanswered)."""

    def clear_worker_control(self, worker_id: str) -> None:
        """Forget the worker's request (a worker starting or stopping)."""


@runtime_checkable
class ListenStore(Protocol):
    """A store that hears other processes' commits as they happen (PostgreSQL's
    LISTEN/NOTIFY): after ``listen`` it announces them through core/notify for its location
    until closed. Polling stays the fallback; this only makes it sooner."""

    def listen(self) -> None: ...

