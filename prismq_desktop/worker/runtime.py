"""State shared by one engine run's threads: settings, running tasks, claim budget, reporting.

Created by ``WorkerEngine.start`` and dropped at ``stop``; a new start gets a fresh one (and a
fresh connection set), so a stopped engine holds nothing open.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prismq_desktop.core import Queue, notify
from prismq_desktop.worker import events
from prismq_desktop.worker.context import TaskContext, WorkerInfo
from prismq_desktop.worker.events import CounterBoard, EngineEvent
from prismq_desktop.worker.registry import HandlerRegistry
from prismq_desktop.worker.waker import Waker

log = logging.getLogger("prismq_desktop.worker")
EventCallback = Callable[[EngineEvent], None]


@dataclass(frozen=True)
class Settings:
    worker_id: str
    strategy: str
    lease_seconds: float
    #: The types this engine claims: those it has handlers for (and was asked to run).
    types: tuple[str, ...]
    #: What it offers; a task's compatibility must ask no more (core/compat.py).
    capabilities: dict[str, Any]
    poll_interval: float
    allow_shell: bool
    shell_programs: tuple[str, ...] | None
    max_tasks: int | None

    @property
    def renew_period(self) -> float:
        return self.lease_seconds / 3


class Runtime:
    def __init__(self, queue: Queue, settings: Settings, registry: HandlerRegistry,
                 counters: CounterBoard, on_event: Callable[[], EventCallback | None]) -> None:
        self.queue = queue
        self.settings = settings
        self.registry = registry
        self.counters = counters
        self.info = WorkerInfo(settings.worker_id, settings.allow_shell, settings.shell_programs)
        self.waker = Waker()
        self.stopping = threading.Event()
        #: An operator asked this worker to claim nothing more (worker/controls.py).
        self.quiet = threading.Event()
        #: ... and to exit once its running tasks have finished.
        self.exit_requested = threading.Event()
        #: Set to make the keeper renew leases now instead of at its next period.
        self.renew_now = threading.Event()
        self._on_event = on_event
        self._lock = threading.Lock()
        self._running: dict[int, TaskContext] = {}
        self._settled: set[int] = set()
        self._claims = 0
        #: Claims reserved and not yet finished (a claimed task is counted before it is tracked).
        self._in_flight = 0
        #: When the last claim found nothing with nothing running (None: busy, or not yet).
        self._idle_since: float | None = None
        #: Ids given back to the queue by this run's stop, in order.
        self.released: list[int] = []
        self._release_on_stop = False

    # -- reporting -------------------------------------------------------------------
    def emit(self, kind: str, message: str, task: Any = None, **extra: Any) -> None:
        callback = self._on_event()
        if callback is None:
            return
        event = EngineEvent(kind, message, getattr(task, "id", None), getattr(task, "type", None),
                            extra.pop("elapsed", None), details=extra)
        try:
            callback(event)
        except Exception:
            log.exception("the worker's event callback failed")

    def report_error(self, where: str, exc: BaseException) -> None:
        """An engine problem: logged with its traceback, and sent to the callback in one line."""
        log.warning("%s: %s", where, exc, exc_info=exc)
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.emit(events.ERROR, f"{where}: {type(exc).__name__}: {exc}", traceback=detail)

    # -- claim budget (``max_tasks``) and idleness -----------------------------------
    def reserve_claim(self) -> bool:
        with self._lock:
            limit = self.settings.max_tasks
            if limit is not None and self._claims >= limit:
                return False
            self._claims += 1
            self._in_flight += 1
            return True

    def unreserve_claim(self) -> None:
        """The claim found nothing (or failed): give the reservation back; maybe now idle."""
        with self._lock:
            self._claims -= 1
            self._in_flight -= 1
            if not self._in_flight and self._idle_since is None:
                self._idle_since = time.monotonic()

    def busy(self) -> bool:
        """A claim is under way or a task is running."""
        with self._lock:
            return self._in_flight > 0

    def budget_spent(self) -> bool:
        limit = self.settings.max_tasks
        with self._lock:
            return limit is not None and self._claims >= limit and not self._in_flight

    def idle_seconds(self) -> float:
        with self._lock:
            since = self._idle_since
        return 0.0 if since is None else time.monotonic() - since

    # -- running tasks ---------------------------------------------------------------
    def begin_stop(self, release: bool) -> None:
        """Stop claiming; with ``release`` raise every running task's flag, now and later."""
        with self._lock:
            self._release_on_stop = release
            self.stopping.set()
            running = list(self._running.values()) if release else []
        for ctx in running:
            ctx.cancel("worker stopping", releasing=True)
        self.waker.wake()

    def track(self, ctx: TaskContext) -> None:
        with self._lock:
            self._running[ctx.task_id] = ctx
            self._idle_since = None
            late = self.stopping.is_set() and self._release_on_stop
        if late:  # claimed just as the stop began: release it rather than run it to the end
            ctx.cancel("worker stopping", releasing=True)

    def untrack(self, ctx: TaskContext) -> None:
        with self._lock:
            self._running.pop(ctx.task_id, None)
            self._settled.discard(ctx.task_id)
            self._in_flight -= 1

    def contexts(self) -> list[TaskContext]:
        with self._lock:
            return list(self._running.values())

    def settle(self, ctx: TaskContext) -> bool:
        """True for the first caller only: the slot recording an outcome, or stop releasing."""
        with self._lock:
            if ctx.task_id in self._settled:
                return False
            self._settled.add(ctx.task_id)
            return True

    # -- same-process notices --------------------------------------------------------
    def on_notice(self, event: str, task_id: int | None) -> None:
        """Called in the writer's thread after an enqueue or cancel through ``Queue``."""
        if event == notify.ADDED:
            self.waker.wake()
        elif event == notify.CANCELLED and task_id is None:
            self.renew_now.set()  # many cancelled at once: a renewal round finds ours
        elif event == notify.CANCELLED and task_id is not None:
            with self._lock:
                ctx = self._running.get(task_id)
            if ctx is not None:
                ctx.cancel("cancelled")
