"""``Queue``: every core operation in one place, bound to a store and a clock.

The GUI, the worker, the CLI and the HTTP API call these methods and nothing else. Queue
validates input, announces changes to listeners in this process (core/notify.py) and composes
overviews; the :class:`~prismq_desktop.core.store.Store` under it keeps the tasks (SQLite or
PostgreSQL, chosen by :meth:`Queue.open` from the location). The clock is injected so tests
move time instead of sleeping (huey's ``loop(now=None)``).
"""

from __future__ import annotations

import builtins
import contextlib
import os
import random
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from prismq_desktop.core import (
    copying,
    editing,
    export,
    notify,
    overview,
    search,
    stats,
    storable,
    timeutil,
    unhandled,
    validation,
)
from prismq_desktop.core.bulk import BulkResult, Progress, check_action
from prismq_desktop.core.claims import DEFAULT_STRATEGY, ClaimFilter, check_strategy
from prismq_desktop.core.errors import QueueDatabaseError, ValidationError
from prismq_desktop.core.locations import DEFAULT_BUSY_TIMEOUT_MS, MigrationProgress, open_store
from prismq_desktop.core.models import FROM_START, Task, TaskLog, Worker
from prismq_desktop.core.query import STUCK_FILTER, TaskQuery
from prismq_desktop.core.reports import (
    DONE_WINDOW_MINUTES,
    STALE_AFTER_SECONDS,
    FileHealth,
    QueueHealth,
    QueueSummary,
    TaskDetails,
    WorkersOverview,
)
from prismq_desktop.core.resultset import ResultSet
from prismq_desktop.core.schedules.operations import Operator
from prismq_desktop.core.stats_types import DepthSample, Stats, Throughput, Window
from prismq_desktop.core.store import ChangeToken, ListenStore, Store

#: The ``meta`` key that marks a queue made by ``prismq-desktop demo``.
DEMO_KEY = "demo"


class Queue(Operator):
    def __init__(self, store: Store, clock: timeutil.Clock = timeutil.utc_now) -> None:
        self._store = store
        self.clock = clock

    @classmethod
    def open(cls, location: str | os.PathLike[str] | None = None, *, read_only: bool = False,
             create: bool = True, clock: timeutil.Clock = timeutil.utc_now,
             busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
             progress: MigrationProgress | None = None,
             remove_side_files: bool = False) -> Queue:
        """Open a queue: a file path or ``sqlite:///path`` (None: the default file), or a
        ``postgresql://`` URL. A newer schema, or a queue we may not write, opens read-only
        with ``read_only_reason`` saying why. ``progress(fraction)`` hears how upgrading a
        file for this version goes; returning False stops it (MigrationCancelledError, the
        file unchanged). ``remove_side_files`` (read-only, a SQLite file): a look leaves no
        ``-wal``/``-shm`` behind that it made and no one else uses, even when opening fails;
        only for a process with no other connection to the file (a CLI read)."""
        return cls(open_store(location, read_only=read_only, create=create,
                              busy_timeout_ms=busy_timeout_ms, progress=progress,
                              remove_side_files=remove_side_files), clock)

    def reopen(self, *, read_only: bool = False) -> Queue:
        """The same queue with connections of its own (a worker engine, a background read);
        closing either leaves the other open."""
        return Queue(self._store.reopen(read_only=read_only), self.clock)

    def with_clock(self, clock: timeutil.Clock) -> Queue:
        """This queue (same connections) seen through another clock (sample data, tests)."""
        return Queue(self._store, clock)

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> datetime:
        return self.clock()

    # -- what is open ------------------------------------------------------------------------
    @property
    def location(self) -> str:
        """The file path or URL (without password) the queue was opened from."""
        return self._store.location

    @property
    def read_only(self) -> bool:
        return self._store.read_only

    @property
    def read_only_reason(self) -> str:
        """Why writes are refused ("" when they are not)."""
        return self._store.read_only_reason

    @property
    def schema_version(self) -> int:
        return self._store.schema_version

    @property
    def newer_schema(self) -> bool:
        """The queue's schema is newer than this app knows (it is open read-only)."""
        return self._store.newer_schema

    def subscribe(self, listener: notify.Listener) -> None:
        """Call ``listener(event, task_id)`` after each change made in this process to this
        queue (notify.ADDED, notify.CANCELLED), from the writer's thread: keep it quick.
        On a store that hears other processes (PostgreSQL), their changes are announced too."""
        notify.subscribe(self.location, listener)
        if isinstance(self._store, ListenStore):
            self._store.listen()

    def unsubscribe(self, listener: notify.Listener) -> None:
        notify.unsubscribe(self.location, listener)

    def _announce(self, event: str, task_id: int | None = None) -> None:
        notify.publish(self.location, event, task_id)

    # -- user operations ---------------------------------------------------------------
    def enqueue(self, type: str, payload: Any = None, **options: Any) -> Task:
        """Validate and insert one task (or return the task with the same idempotency key).

        Options: priority, max_attempts, run_after, idempotency_key, compatibility.
        """
        now = self.now()
        task = self._store.enqueue(validation.new_task(type, payload, now=now, **options), now)
        self._announce(notify.ADDED, task.id)
        return task

    def enqueue_many(self, items: Iterable[Mapping[str, Any]]) -> list[int]:
        """Insert many tasks at once (all or none); each item has enqueue's keyword names."""
        now = self.now()
        specs = []
        for index, item in enumerate(items):
            try:
                specs.append(validation.new_task(now=now, **item))
            except ValidationError as exc:
                raise ValidationError(f"item {index}: {exc}") from exc
            except TypeError as exc:
                raise ValidationError(f"item {index}: {exc}") from exc
        ids = self._store.enqueue_many(specs, now)
        self._announce(notify.ADDED)
        return ids

    def get(self, task_id: int) -> Task:
        return self._store.get(task_id)

    def cancel(self, task_id: int) -> Task:
        task = self._store.cancel(task_id, self.now())
        self._announce(notify.CANCELLED, task_id)
        return task

    def retry(self, task_id: int) -> Task:
        task = self._store.retry(task_id, self.now())
        self._announce(notify.ADDED, task_id)
        return task

    # -- worker operations -------------------------------------------------------------
    def claim(self, worker_id: str, lease_seconds: float = 30.0, strategy: str = DEFAULT_STRATEGY,
              types: Sequence[str] | None = None, capabilities: dict[str, Any] | None = None,
              start: bool = True) -> Task | None:
        what = _claim_filter(strategy, types, capabilities)
        return self._store.claim(worker_id, lease_seconds, self.now(), what, start)

    def start(self, task_id: int, worker_id: str) -> bool:
        return self._store.start(task_id, worker_id, self.now())

    def complete(self, task_id: int, worker_id: str, result: Any = None,
                 claimed_at: float | None = None) -> bool:
        """processing/leased → completed; False when the worker no longer held the task.

        Any result is recorded: what JSON cannot hold is stored readably, with a log note.
        """
        result, notes = storable.storable(result)
        done = self._store.complete(task_id, worker_id, self.now(), result, claimed_at)
        self._note(task_id, "the result", notes)
        return done

    def complete_and_claim(
        self, task_id: int, worker_id: str, result: Any = None, claimed_at: float | None = None,
        *, lease_seconds: float = 30.0, strategy: str = DEFAULT_STRATEGY,
        types: Sequence[str] | None = None, capabilities: dict[str, Any] | None = None,
    ) -> tuple[bool, Task | None]:
        """``complete`` then ``claim`` in one commit (a busy worker's hand-off)."""
        what = _claim_filter(strategy, types, capabilities)
        result, notes = storable.storable(result)
        outcome = self._store.complete_and_claim(task_id, worker_id, self.now(), result,
                                                 claimed_at, lease_seconds, what)
        self._note(task_id, "the result", notes)
        return outcome

    def fail(self, task_id: int, worker_id: str, error: str, *, permanent: bool = False,
             details: dict[str, Any] | None = None, claimed_at: float | None = None,
             rng: random.Random | None = None) -> str | None:
        """Retry with backoff or fail; any error text and details are recorded (stored
        readably when JSON or UTF-8 cannot hold them, with a log note)."""
        error, escaped = storable.storable_text(error)
        details, notes = storable.storable(details)
        if escaped:
            notes.insert(0, "the error message: text with undecodable bytes stored escaped")
        status = self._store.fail(task_id, worker_id, error, self.now(), permanent, details,
                                  claimed_at, rng)
        self._note(task_id, "the failure", notes)
        return status

    def _note(self, task_id: int, what: str, notes: builtins.list[str]) -> None:
        """Say in the task's log which values were stored differently (best effort: the
        outcome itself is already recorded)."""
        if notes:
            with contextlib.suppress(QueueDatabaseError):
                self._store.append_log(task_id, self.now(), "WARNING",
                                       storable.note_text(what, notes), None)

    def renew_lease(self, task_id: int, worker_id: str, lease_seconds: float = 30.0) -> bool:
        return self._store.renew_lease(task_id, worker_id, lease_seconds, self.now())

    def release(self, task_id: int, worker_id: str) -> bool:
        return self._store.release(task_id, worker_id, self.now())

    def acknowledge_cancel(self, task_id: int, worker_id: str,
                           message: str | None = None) -> bool:
        """The handler of a task cancelled while this worker held it has stopped; until
        then the task shows as cancelling (``Task.is_cancelling``)."""
        return self._store.acknowledge_cancel(task_id, worker_id, self.now(), message)

    def reclaim_expired(self) -> dict[int, str]:
        return self._store.reclaim_expired(self.now())

    def set_progress(
        self, task_id: int, fraction: float | None, message: str | None = None
    ) -> None:
        if fraction is not None and not 0.0 <= fraction <= 1.0:
            raise ValidationError("progress must be between 0 and 1")
        self._store.set_progress(task_id, fraction, message, self.now())

    def register_worker(self, worker_id: str, capabilities: dict[str, Any] | None = None) -> None:
        self._store.register_worker(worker_id, capabilities, self.now())

    def heartbeat(self, worker_id: str) -> None:
        self._store.heartbeat(worker_id, self.now())

    def unregister_worker(self, worker_id: str) -> None:
        self._store.unregister_worker(worker_id)

    def workers(self) -> list[Worker]:
        return self._store.workers()

    def workers_overview(
        self, window_minutes: float = DONE_WINDOW_MINUTES
    ) -> WorkersOverview:
        """Every worker (registered or only holding tasks) with what it holds and has done
        in the last ``window_minutes`` (the Workers tab)."""
        return self._store.workers_overview(self.now(), window_minutes)

    def health(self, stale_after: float = STALE_AFTER_SECONDS) -> QueueHealth:
        """Oldest ready task's age, failure rate over 15 min, stale workers, WAL size."""
        return overview.health(self._store, self.now(), stale_after)

    # -- logs ----------------------------------------------------------------------------
    def log(self, task_id: int, level: str, message: str, **details: Any) -> None:
        """Append a log line; text and details JSON cannot hold are stored readably, and the
        line's details say so under ``stored_as``."""
        message, escaped = storable.storable_text(message)
        kept, notes = storable.storable(details or None)
        if escaped:
            notes.insert(0, "the message: text with undecodable bytes stored escaped")
        if notes:
            kept = {**(kept or {}), "stored_as": notes}
        self._store.append_log(task_id, self.now(), level, message, kept)

    def logs(self, task_id: int, after_log_id: int = FROM_START,
             limit: int = 10_000) -> list[TaskLog]:
        """The log after ``after_log_id``; from the start, the enqueue line comes first."""
        return self._store.logs_since(task_id, after_log_id, limit)

    # -- reads ---------------------------------------------------------------------------
    def list(
        self, query: TaskQuery | None = None, offset: int = 0, limit: int = 200
    ) -> builtins.list[Task]:
        return self._store.list_tasks(query or TaskQuery(), self.now(), offset, limit)

    def count(self, query: TaskQuery | None = None) -> int:
        return self._store.count_tasks(query or TaskQuery(), self.now())

    def counts(self) -> dict[str, int]:
        return self._store.status_counts(self.now())

    def type_counts(self) -> dict[tuple[str, str], int]:
        return self._store.type_counts()

    def unhandled_types(self, handled_here: Iterable[str] = (),
                        stale_after: float = STALE_AFTER_SECONDS) -> frozenset[str]:
        """Types of waiting tasks that no live worker lists in its capabilities ``types``
        and that are not in ``handled_here`` (what the caller can run itself); none while a
        live worker does not say which types it handles (see core/unhandled.py)."""
        return unhandled.unhandled_types(self._store, self.now(), handled_here, stale_after)

    def capacity(self, handled_here: Iterable[str] = (),
                 capabilities_here: dict[str, Any] | None = None,
                 stale_after: float = STALE_AFTER_SECONDS) -> unhandled.Capacity:
        """What the live workers and the caller can run; ``can_run(type, compatibility)``
        tells whether a waiting task will ever be claimed (see core/unhandled.py)."""
        return unhandled.capacity(self._store, self.now(), handled_here, capabilities_here,
                                  stale_after)

    def is_demo(self) -> bool:
        """Whether ``prismq-desktop demo`` made this file (the window says so)."""
        return self._store.get_meta(DEMO_KEY) == "1"

    def search_completion(self) -> dict[str, builtins.list[str]]:
        """Field names and known values (types, statuses, workers) for the search box."""
        return overview.completion(self._store)

    def parse_search(self, text: str) -> search.Node:
        """Check search text without running it; raises search.SearchSyntaxError."""
        return search.parse(text)

    def result_set(self, query: TaskQuery | None = None) -> ResultSet:
        """The query's ordered ids, for windows at any depth (see core/resultset.py)."""
        return self._store.result_set(query or TaskQuery(), self.now())

    def refresh_result_set(self, result: ResultSet, *, rebuild: bool = True) -> ResultSet:
        """The same query kept current at a bounded cost; call it on every change signal.

        ``rebuild=False`` leaves a rebuild for age to the caller (``result.rebuild_due()``
        says when), e.g. to run it on a ``reopen``-ed queue while this set keeps answering.
        """
        return self._store.refresh_result_set(result, self.now(), rebuild)

    def window(self, result: ResultSet, offset: int,
               limit: int = 200) -> builtins.list[Task | None]:
        """Rows at positions offset.. of a result set, read now (None: deleted since)."""
        return self._store.window(result, offset, limit)

    # -- acting on many, editing, exporting ------------------------------------------------
    def bulk(self, action: str, query: TaskQuery, *, value: Any = None,
             progress: Progress | None = None,
             cancel: threading.Event | None = None) -> BulkResult:
        """Apply an action to every task the query matches, in short batches (core/bulk.py).

        Actions: cancel, retry, delete (finished tasks only), set_priority (value=N),
        run_now (scheduled tasks), requeue_stuck. ``progress(done, total)`` returning False,
        or setting ``cancel``, stops between batches.
        """
        check_action(action)
        value = validation.check_int(value, "priority", validation.PRIORITY_RANGE) \
            if action == "set_priority" else None
        result = self._store.bulk(action, query, self.now(), value, progress, cancel)
        if action == "cancel":
            self._announce(notify.CANCELLED)
        elif action in ("retry", "run_now", "requeue_stuck"):
            self._announce(notify.ADDED)
        return result

    def edit(self, task_id: int, **fields: Any) -> Task:
        """Change a queued task: priority, run_after, max_attempts, payload, compatibility.

        Running and finished tasks raise InvalidTransitionError with the reason
        (editing.refusal(task) gives it without trying); bad values raise ValidationError.
        """
        now = self.now()
        return self._store.edit(task_id, editing.validated(fields, now), now)

    def export(self, query: TaskQuery, path: str | os.PathLike[str], fmt: str = "csv", *,
               progress: Progress | None = None,
               cancel: threading.Event | None = None) -> export.ExportResult:
        """Stream every matching row, in the query's order, to CSV or JSON Lines ("jsonl")."""
        return export.export(self._store, query, self.now(), path, fmt, progress=progress,
                             cancel=cancel)

    def export_task(self, task_id: int, path: str | os.PathLike[str]) -> os.PathLike[str]:
        """One task with its whole log and attempt history, as JSON."""
        return export.export_task(self._store, task_id, path)

    def task_document(self, task_id: int) -> dict[str, Any]:
        """What export_task writes, as data (for copy to clipboard)."""
        return export.task_document(self._store, task_id)

    def requeue_stuck(self, stale_after: float = STALE_AFTER_SECONDS) -> BulkResult:
        """Requeue (or fail, when out of attempts) every stuck task: see stuck_query()."""
        return self.bulk("requeue_stuck", self.stuck_query(stale_after))

    @staticmethod
    def stuck_query(stale_after: float = STALE_AFTER_SECONDS) -> TaskQuery:
        """Leased/processing tasks whose lease expired or whose worker's heartbeat is older
        than ``stale_after`` seconds (the search text ``status:stuck`` says the same)."""
        return TaskQuery(statuses=(STUCK_FILTER,), stale_after=stale_after)

    def stats(self, window: Window | str, samples: Sequence[DepthSample] = (),
              bucket: int | None = None) -> Stats:
        """The Stats tab's series for a window ("15m", "1h", "24h", "7d") ending now, as NumPy
        arrays (core/stats.py); ``samples`` are live depth samples kept by the caller."""
        now = self.now()
        span = stats.window_of(window)
        step = bucket or stats.bucket_seconds(span.seconds)
        edges = stats.bucket_edges(span.seconds, now.timestamp(), step)
        reads = self._store.stats_reads(edges, now)
        return stats.compute(reads, span, edges, step, now, samples)

    def throughput_series(self, seconds: float, bucket: int) -> tuple[np.ndarray, Throughput]:
        """Bucket edges (epoch seconds) and tasks enqueued/completed/failed per bucket for the
        last ``seconds``."""
        edges = stats.bucket_edges(seconds, self.now().timestamp(), bucket)
        return edges, self._store.throughput(edges)

    def details(self, task_id: int) -> TaskDetails:
        """A task with its progress and attempt history (the GUI's detail panel)."""
        return self._store.details(task_id)

    def change_token(self) -> ChangeToken:
        """Differs after any commit by anyone: poll it to know when to refresh."""
        return self._store.change_token()

    def summary(self) -> QueueSummary:
        """Counts per status and type, oldest ready task, workers with heartbeat age."""
        return overview.summarize(self._store, self.now())

    def file_health(self) -> FileHealth:
        """integrity_check, schema and SQLite versions, journal mode, file sizes."""
        return self._store.file_health()

    # -- sample data -----------------------------------------------------------------------
    def add_sample_history(self, tasks: int, days: float, *, seed: int = 7,
                           with_logs: bool = True, scheduled: int = 0, backlog: int = 0) -> int:
        """Write a realistic made-up history of ``tasks`` tasks over ``days`` up to now, plus
        ``backlog`` ready and ``scheduled`` future ones (the demo, tests, benchmarks)."""
        written = self._store.add_sample_history(tasks, days, self.now(), seed=seed,
                                                 with_logs=with_logs, scheduled=scheduled,
                                                 backlog=backlog)
        self._announce(notify.ADDED)
        return written

    def mark_demo(self, demo: bool = True) -> None:
        """Say (or stop saying) that this queue holds the demo's made-up data."""
        self._store.set_meta(DEMO_KEY, "1" if demo else None)

    # -- maintenance ---------------------------------------------------------------------
    def purge(self, older_than_days: float) -> int:
        """Delete tasks finished more than ``older_than_days`` ago, with their logs."""
        if older_than_days < 0:
            raise ValidationError("older-than must be zero or more days")
        return self._store.purge(self.now() - timedelta(days=older_than_days))

    def checkpoint(self, mode: str = "PASSIVE") -> tuple[int, int]:
        return self._store.checkpoint(mode)

    def vacuum(self) -> None:
        self._store.vacuum()

    def integrity_check(self) -> builtins.list[str]:
        return self._store.integrity_check()

    def backup(self, destination: str | os.PathLike[str]) -> Path:
        return self._store.backup(destination)

    def copy_to(self, target: Queue, *, append: bool = False,
                progress: copying.CopyProgress | None = None) -> copying.CopyResult:
        """Copy this queue's tasks, logs, workers, runs, schedules and app tables into
        ``target`` (any backend), ids kept; a non-empty target is refused unless ``append``
        (then rows it has, by id, are skipped)."""
        result = copying.copy_queue(self._store, target._store, append=append,
                                    progress=progress)
        target._announce(notify.ADDED)
        return result


def _claim_filter(strategy: str, types: Sequence[str] | None,
                  capabilities: dict[str, Any] | None) -> ClaimFilter:
    return ClaimFilter(check_strategy(strategy), tuple(types) if types is not None else None,
                       dict(capabilities or {}))
