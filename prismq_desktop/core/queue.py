"""``Queue``: every core operation in one place, bound to a database and a clock.

The GUI, the worker and the CLI call these methods and nothing else. The clock is injected
so tests move time instead of sleeping (huey's ``loop(now=None)``).
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from prismq_desktop.core import notify, search, timeutil, transitions, validation
from prismq_desktop.core.models import Task, TaskLog, Worker
from prismq_desktop.core.sqlite import (
    bulk,
    claiming,
    edit,
    enqueue,
    export,
    handoff,
    health,
    logs,
    maintenance,
    meta,
    reads,
    stats,
    summary,
    task_details,
    workers,
)
from prismq_desktop.core.sqlite import unhandled as coverage
from prismq_desktop.core.sqlite.claiming import ClaimFilter
from prismq_desktop.core.sqlite.database import BUSY_TIMEOUT_MS, QueueDatabase
from prismq_desktop.core.sqlite.opening import open_queue
from prismq_desktop.core.sqlite.reads import TaskQuery
from prismq_desktop.core.sqlite.resultset import ResultSet
from prismq_desktop.core.sqlite.workers import DONE_WINDOW_MINUTES, STALE_AFTER_SECONDS


class Queue:
    def __init__(self, db: QueueDatabase, clock: timeutil.Clock = timeutil.utc_now) -> None:
        self.db = db
        self.clock = clock

    @classmethod
    def open(cls, db_path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
             create: bool = True, clock: timeutil.Clock = timeutil.utc_now,
             busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Queue:
        db = open_queue(db_path, read_only=read_only, create=create,
                        busy_timeout_ms=busy_timeout_ms)
        return cls(db, clock)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> datetime:
        return self.clock()

    # -- user operations ---------------------------------------------------------------
    def enqueue(self, type: str, payload: Any = None, **options: Any) -> Task:
        """Validate and insert one task (or return the task with the same idempotency key).

        Options: priority, max_attempts, run_after, idempotency_key, compatibility.
        """
        now = self.now()
        task = enqueue.enqueue(self.db, validation.new_task(type, payload, now=now, **options), now)
        notify.publish(self.db.path, notify.ADDED, task.id)
        return task

    def enqueue_many(self, items: Iterable[Mapping[str, Any]]) -> list[int]:
        """Insert many tasks at once (all or none); each item has enqueue's keyword names."""
        now = self.now()
        specs = []
        for index, item in enumerate(items):
            try:
                specs.append(validation.new_task(now=now, **item))
            except validation.ValidationError as exc:
                raise validation.ValidationError(f"item {index}: {exc}") from exc
            except TypeError as exc:
                raise validation.ValidationError(f"item {index}: {exc}") from exc
        ids = enqueue.enqueue_many(self.db, specs, now)
        notify.publish(self.db.path, notify.ADDED)
        return ids

    def get(self, task_id: int) -> Task:
        return transitions.get(self.db, task_id)

    def cancel(self, task_id: int) -> Task:
        task = transitions.cancel(self.db, task_id, self.now())
        notify.publish(self.db.path, notify.CANCELLED, task_id)
        return task

    def retry(self, task_id: int) -> Task:
        task = transitions.retry(self.db, task_id, self.now())
        notify.publish(self.db.path, notify.ADDED, task_id)
        return task

    # -- worker operations -------------------------------------------------------------
    def claim(self, worker_id: str, lease_seconds: float = 30.0, strategy: str = "fifo",
              types: Sequence[str] | None = None, capabilities: dict[str, Any] | None = None,
              start: bool = True) -> Task | None:
        what = ClaimFilter(strategy, tuple(types) if types is not None else None, capabilities)
        return claiming.claim(self.db, worker_id, lease_seconds, self.now(), what, start)

    def start(self, task_id: int, worker_id: str) -> bool:
        return claiming.start(self.db, task_id, worker_id, self.now())

    def complete(self, task_id: int, worker_id: str, result: Any = None,
                 claimed_at: float | None = None) -> bool:
        return claiming.complete(self.db, task_id, worker_id, self.now(), result, claimed_at)

    def complete_and_claim(
        self, task_id: int, worker_id: str, result: Any = None, claimed_at: float | None = None,
        *, lease_seconds: float = 30.0, strategy: str = "fifo",
        types: Sequence[str] | None = None, capabilities: dict[str, Any] | None = None,
    ) -> tuple[bool, Task | None]:
        """``complete`` then ``claim`` in one commit (a busy worker's hand-off)."""
        what = ClaimFilter(strategy, tuple(types) if types is not None else None, capabilities)
        return handoff.complete_and_claim(self.db, task_id, worker_id, self.now(), result,
                                          claimed_at, lease_seconds, what)

    def fail(self, task_id: int, worker_id: str, error: str, *, permanent: bool = False,
             details: dict[str, Any] | None = None, claimed_at: float | None = None,
             rng: random.Random | None = None) -> str | None:
        return claiming.fail(self.db, task_id, worker_id, error, self.now(), permanent, details,
                             claimed_at, rng)

    def renew_lease(self, task_id: int, worker_id: str, lease_seconds: float = 30.0) -> bool:
        return claiming.renew_lease(self.db, task_id, worker_id, lease_seconds, self.now())

    def release(self, task_id: int, worker_id: str) -> bool:
        return claiming.release(self.db, task_id, worker_id, self.now())

    def reclaim_expired(self) -> dict[int, str]:
        return claiming.reclaim_expired(self.db, self.now())

    def set_progress(
        self, task_id: int, fraction: float | None, message: str | None = None
    ) -> None:
        claiming.set_progress(self.db, task_id, fraction, message, self.now())

    def register_worker(self, worker_id: str, capabilities: dict[str, Any] | None = None) -> None:
        workers.register(self.db, worker_id, capabilities, self.now())

    def heartbeat(self, worker_id: str) -> None:
        workers.heartbeat(self.db, worker_id, self.now())

    def unregister_worker(self, worker_id: str) -> None:
        workers.unregister(self.db, worker_id)

    def workers(self) -> list[Worker]:
        return workers.list_workers(self.db)

    def workers_overview(
        self, window_minutes: float = DONE_WINDOW_MINUTES
    ) -> workers.WorkersOverview:
        """Every worker (registered or only holding tasks) with what it holds and has done
        in the last ``window_minutes`` (the Workers tab)."""
        return workers.overview(self.db, self.now(), window_minutes)

    def health(self, stale_after: float = STALE_AFTER_SECONDS) -> health.QueueHealth:
        """Oldest ready task's age, failure rate over 15 min, stale workers, WAL size."""
        return health.health(self.db, self.now(), stale_after)

    # -- logs ----------------------------------------------------------------------------
    def log(self, task_id: int, level: str, message: str, **details: Any) -> None:
        logs.append(self.db, task_id, timeutil.to_db(self.now()), level, message, **details)

    def logs(self, task_id: int, after_log_id: int = 0, limit: int = 10_000) -> list[TaskLog]:
        return logs.since(self.db, task_id, after_log_id, limit)

    # -- reads ---------------------------------------------------------------------------
    def list(
        self, query: TaskQuery | None = None, offset: int = 0, limit: int = 200
    ) -> list[Task]:
        return reads.list_tasks(self.db, query or TaskQuery(), self.now(), offset, limit)

    def count(self, query: TaskQuery | None = None) -> int:
        return reads.count_tasks(self.db, query or TaskQuery(), self.now())

    def counts(self) -> dict[str, int]:
        return reads.status_counts(self.db, self.now())

    def type_counts(self) -> dict[tuple[str, str], int]:
        return reads.type_status_counts(self.db)

    def unhandled_types(self, handled_here: Iterable[str] = (),
                        stale_after: float = STALE_AFTER_SECONDS) -> frozenset[str]:
        """Types of waiting tasks that no live worker lists in its capabilities ``types``
        and that are not in ``handled_here`` (what the caller can run itself); none while a
        live worker does not say which types it handles (see core/coverage.py)."""
        return coverage.unhandled_types(self.db, self.now(), handled_here, stale_after)

    def is_demo(self) -> bool:
        """Whether ``prismq-desktop demo`` made this file (the window says so)."""
        return meta.is_demo(self.db)

    def search_completion(self) -> dict[str, list[str]]:
        """Field names and known values (types, statuses, workers) for the search box."""
        return reads.completion(self.db)

    def parse_search(self, text: str) -> tuple[search.Term, ...]:
        """Check search text without running it; raises search.SearchSyntaxError."""
        return search.parse(text)

    def result_set(self, query: TaskQuery | None = None) -> ResultSet:
        """The query's ordered ids, for windows at any depth (see core/resultset.py)."""
        return ResultSet.build(self.db, query or TaskQuery(), self.now())

    def refresh_result_set(self, result: ResultSet) -> ResultSet:
        """The same query kept current at a bounded cost; call it on every change signal."""
        return result.refresh(self.db, self.now())

    def window(self, result: ResultSet, offset: int, limit: int = 200) -> list[Task | None]:
        """Rows at positions offset.. of a result set, read now (None: deleted since)."""
        return result.window(self.db, offset, limit)

    # -- acting on many, editing, exporting ------------------------------------------------
    def bulk(self, action: str, query: TaskQuery, *, value: Any = None,
             progress: bulk.Progress | None = None,
             cancel: threading.Event | None = None) -> bulk.BulkResult:
        """Apply an action to every task the query matches, in short batches (core/bulk.py).

        Actions: cancel, retry, delete (finished tasks only), set_priority (value=N),
        run_now (scheduled tasks), requeue_stuck. ``progress(done, total)`` returning False,
        or setting ``cancel``, stops between batches.
        """
        result = bulk.run(self.db, action, query, self.now(), value=value, progress=progress,
                          cancel=cancel)
        if action == "cancel":
            notify.publish(self.db.path, notify.CANCELLED)
        elif action in ("retry", "run_now", "requeue_stuck"):
            notify.publish(self.db.path, notify.ADDED)
        return result

    def edit(self, task_id: int, **fields: Any) -> Task:
        """Change a queued task: priority, run_after, max_attempts, payload, compatibility.

        Running and finished tasks raise InvalidTransitionError with the reason
        (edit.refusal(task) gives it without trying); bad values raise ValidationError.
        """
        return edit.edit(self.db, task_id, self.now(), **fields)

    def export(self, query: TaskQuery, path: str | os.PathLike[str], fmt: str = "csv", *,
               progress: export.Progress | None = None,
               cancel: threading.Event | None = None) -> export.ExportResult:
        """Stream every matching row, in the query's order, to CSV or JSON Lines ("jsonl")."""
        return export.export(self.db, query, self.now(), path, fmt, progress=progress,
                             cancel=cancel)

    def export_task(self, task_id: int, path: str | os.PathLike[str]) -> os.PathLike[str]:
        """One task with its whole log and attempt history, as JSON."""
        return export.export_task(self.db, task_id, path)

    def task_document(self, task_id: int) -> dict[str, Any]:
        """What export_task writes, as data (for copy to clipboard)."""
        return export.task_document(self.db, task_id)

    def requeue_stuck(self, stale_after: float = STALE_AFTER_SECONDS) -> bulk.BulkResult:
        """Requeue (or fail, when out of attempts) every stuck task: see stuck_query()."""
        return self.bulk("requeue_stuck", self.stuck_query(stale_after))

    @staticmethod
    def stuck_query(stale_after: float = STALE_AFTER_SECONDS) -> TaskQuery:
        """Leased/processing tasks whose lease expired or whose worker's heartbeat is older
        than ``stale_after`` seconds (the search text ``status:stuck`` says the same)."""
        return TaskQuery(statuses=(reads.STUCK_FILTER,), stale_after=stale_after)

    def stats(self, window: stats.Window | str, samples: Sequence[stats.DepthSample] = (),
              bucket: int | None = None) -> stats.Stats:
        """The Stats tab's series for a window ("15m", "1h", "24h", "7d") ending now, as NumPy
        arrays (core/stats.py); ``samples`` are live depth samples kept by the caller."""
        return stats.compute(self.db, window, self.now(), samples, bucket)

    def throughput_series(self, seconds: float, bucket: int) -> tuple[Any, stats.Throughput]:
        """Bucket edges (epoch seconds) and tasks enqueued/completed/failed per bucket for the
        last ``seconds``."""
        edges = stats.bucket_edges(seconds, self.now().timestamp(), bucket)
        return edges, stats.throughput(self.db, edges)

    def details(self, task_id: int) -> task_details.TaskDetails:
        """A task with its progress and attempt history (the GUI's detail panel)."""
        return task_details.details(self.db, task_id)

    def change_token(self) -> tuple[int, int]:
        return self.db.change_token()

    def summary(self) -> summary.QueueSummary:
        """Counts per status and type, oldest ready task, workers with heartbeat age."""
        return summary.summarize(self.db, self.now())

    def file_health(self) -> summary.FileHealth:
        """integrity_check, schema and SQLite versions, journal mode, file sizes."""
        return summary.file_health(self.db)

    # -- maintenance ---------------------------------------------------------------------
    def purge(self, older_than_days: float) -> int:
        return maintenance.purge(self.db, older_than_days, self.now())

    def checkpoint(self, mode: str = "PASSIVE") -> tuple[int, int]:
        return maintenance.checkpoint(self.db, mode)

    def vacuum(self) -> None:
        maintenance.vacuum(self.db)

    def integrity_check(self) -> list[str]:
        return maintenance.integrity_check(self.db)

    def backup(self, destination: str | os.PathLike[str]) -> os.PathLike[str]:
        return maintenance.backup(self.db, destination)
