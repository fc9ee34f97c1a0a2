"""``WorkerEngine``: threads that claim and run tasks, driven the same way by GUI and CLI.

Threads, not Qt: the GUI wraps ``on_event`` in a signal and polls ``current_tasks()`` and
``counters()``; the command line prints events. Each start opens the engine's own connections
to the file (one per thread) and each stop closes them.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Iterable
from typing import Any

from prismq_desktop.core import Queue, ReadOnlyError, compat
from prismq_desktop.core.claims import DEFAULT_STRATEGY
from prismq_desktop.worker import events
from prismq_desktop.worker.events import CounterBoard, EngineCounters, RunningTask
from prismq_desktop.worker.keeper import Keeper
from prismq_desktop.worker.loading import default_handlers, plugin_errors
from prismq_desktop.worker.options import check_concurrency, default_worker_id, engine_options
from prismq_desktop.worker.registry import HandlerRegistry
from prismq_desktop.worker.runner import release
from prismq_desktop.worker.runtime import EventCallback, Runtime, Settings
from prismq_desktop.worker.scheduler import SCHEDULE_PERIOD, Scheduler
from prismq_desktop.worker.slots import Slot


class WorkerEngine:
    """N threads claiming the types they have handlers for, plus one housekeeping thread.

    ``start`` and ``stop`` touch the file and wait for threads: call them off the GUI thread.
    """

    def __init__(
        self, queue_or_location: Queue | str | os.PathLike[str],
        worker_id: str | None = None, concurrency: int = 1, strategy: str = DEFAULT_STRATEGY,
        lease_seconds: float = 30, types: Iterable[str] | None = None,
        capabilities: dict[str, Any] | None = None, registry: HandlerRegistry | None = None,
        poll_interval: float = 0.25, allow_shell: bool = False, *,
        shell_programs: Iterable[str] | None = None, max_tasks: int | None = None,
        on_event: EventCallback | None = None, schedule_period: float | None = SCHEDULE_PERIOD,
    ) -> None:
        self._source = queue_or_location
        self.registry = registry if registry is not None else default_handlers()
        self.worker_id = worker_id or default_worker_id()
        self._concurrency = check_concurrency(concurrency)
        self._options = engine_options(
            strategy=strategy, lease_seconds=lease_seconds, capabilities=capabilities,
            poll_interval=poll_interval, allow_shell=allow_shell, shell_programs=shell_programs,
            max_tasks=max_tasks)
        self._types = None if types is None else tuple(types)
        self.claim_types()  # refuse unknown types now, not at start
        #: Called from the engine's threads with each :class:`EngineEvent`.
        self.on_event = on_event
        self._counters = CounterBoard()
        self._lock = threading.RLock()
        self._rt: Runtime | None = None
        self._keeper: Keeper | None = None
        #: Seconds between looks for due schedule ticks (None: this engine runs no schedules).
        self._schedule_period = schedule_period
        self._scheduler: Scheduler | None = None
        self._slots: list[Slot] = []

    # -- configuration ---------------------------------------------------------------
    def claim_types(self) -> tuple[str, ...]:
        """The types this engine claims: those with a handler (``shell`` only when allowed)."""
        known = {t for t in self.registry.types()
                 if t != "shell" or self._options["allow_shell"]}
        if self._types is None:
            return tuple(sorted(known))
        missing = sorted(set(self._types) - known)
        if missing:
            raise ValueError(f"no handler for task type(s): {', '.join(missing)}")
        return tuple(sorted(set(self._types)))

    @property
    def concurrency(self) -> int:
        return self._concurrency

    @property
    def lease_seconds(self) -> float:
        return float(self._options["lease_seconds"])

    @property
    def running(self) -> bool:
        return self._rt is not None

    @property
    def quiet(self) -> bool:
        """An operator asked this engine to claim nothing more (it obeys)."""
        rt = self._rt
        return rt is not None and rt.quiet.is_set()

    @property
    def exit_requested(self) -> bool:
        """An operator asked this worker to stop: it claims nothing more, and the one running
        it should call ``stop`` once ``busy`` is False (the command line does)."""
        rt = self._rt
        return rt is not None and rt.exit_requested.is_set()

    @property
    def busy(self) -> bool:
        """A claim is under way or a task is running."""
        rt = self._rt
        return rt is not None and rt.busy()

    @property
    def stopping(self) -> bool:
        """True from the moment ``stop`` begins until it has returned."""
        rt = self._rt
        return rt is not None and rt.stopping.is_set()

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        """Register in ``workers`` and start the threads (a no-op when already running)."""
        with self._lock:
            if self._rt is not None:
                return
            queue = self._open_queue()
            try:
                rt = Runtime(queue, self._settings(), self.registry.copy(), self._counters,
                             lambda: self.on_event)
                # The row lists the claimed types so others can see which waiting types
                # no live worker runs (core/unhandled.py); claiming never reads it back.
                queue.register_worker(self.worker_id, {**self._options["capabilities"],
                                                       compat.TYPES_KEY: list(self.claim_types())})
                queue.clear_worker_control(self.worker_id)  # requests were for a former run
            except BaseException:
                queue.close()
                raise
            self._rt, self._keeper = rt, Keeper(rt)
            queue.subscribe(rt.on_notice)
            self._announce(rt)
            self._keeper.start()
            if self._schedule_period is not None:
                self._scheduler = Scheduler(rt, self._schedule_period)
                self._scheduler.start()
            self._slots = []
            self._add_slots(self._concurrency)

    def stop(self, release: bool = True, timeout: float = 10.0) -> list[int]:
        """Stop within about ``timeout`` seconds; returns the ids given back to the queue.

        ``release=True`` asks running handlers to stop (their flag goes up) and releases their
        tasks; ``release=False`` lets them finish. Either way a handler still running at the
        deadline has its task released, and its late result is discarded by the core.
        """
        with self._lock:
            rt, keeper, slots = self._rt, self._keeper, self._slots
            if rt is None or keeper is None:
                return []
            deadline = time.monotonic() + max(timeout, 0.0)
            rt.begin_stop(release)
            _join(slots, deadline)
            self._release_stragglers(rt)
            keeper.stop(max(deadline - time.monotonic(), 0.5))
            if self._scheduler is not None:
                self._scheduler.stop(max(deadline - time.monotonic(), 0.5))
            self._close(rt)
            self._rt, self._keeper, self._slots, self._scheduler = None, None, [], None
        rt.emit(events.ENGINE_STOPPED, f"worker {self.worker_id} stopped"
                + (f"; released {len(rt.released)} task(s)" if rt.released else ""))
        return list(rt.released)

    def set_concurrency(self, n: int) -> None:
        """Change the number of threads; a removed thread first finishes its current task."""
        n = check_concurrency(n)
        with self._lock:
            self._concurrency = n
            if self._rt is None:
                return
            self._slots = [slot for slot in self._slots if slot.alive and not slot.retired]
            extra = len(self._slots) - n
            if extra < 0:
                self._add_slots(-extra)
            for slot in sorted(self._slots, key=lambda s: s.busy)[:max(extra, 0)]:
                slot.retired = True
            self._rt.waker.wake()

    def wake(self) -> None:
        """Claim now: call after enqueueing (enqueues through ``Queue`` in this process do)."""
        rt = self._rt
        if rt is not None:
            rt.waker.wake()

    # -- what the GUI and CLI show ---------------------------------------------------
    def current_tasks(self) -> list[RunningTask]:
        rt = self._rt
        if rt is None:
            return []
        return sorted((RunningTask(ctx.task_id, str(ctx.task.type), int(ctx.task.attempts or 0),
                                   ctx.started, ctx.fraction, ctx.message, ctx.cancelled)
                       for ctx in rt.contexts()), key=lambda task: task.started)

    def counters(self) -> EngineCounters:
        return self._counters.snapshot()

    def idle_seconds(self) -> float:
        """How long nothing has been running or claimable (0 while busy or stopped)."""
        rt = self._rt
        return 0.0 if rt is None else rt.idle_seconds()

    @property
    def finished(self) -> bool:
        """True once ``max_tasks`` tasks were claimed and all of them have ended."""
        rt = self._rt
        return rt is not None and rt.budget_spent()

    # -- internals -------------------------------------------------------------------
    def _settings(self) -> Settings:
        return Settings(worker_id=self.worker_id, types=self.claim_types(), **self._options)

    def _open_queue(self) -> Queue:
        """The engine's own connections (closed at stop), on the caller's queue and clock."""
        source = self._source
        if isinstance(source, Queue):
            if source.read_only:
                raise ReadOnlyError(f"cannot run a worker: {source.read_only_reason}")
            return source.reopen()
        queue = Queue.open(source)
        if queue.read_only:
            reason = queue.read_only_reason
            queue.close()
            raise ReadOnlyError(f"cannot run a worker: {reason}")
        return queue

    def _add_slots(self, n: int) -> None:
        assert self._rt is not None
        used = {slot.index for slot in self._slots}
        free = (i for i in itertools.count() if i not in used)
        for index in itertools.islice(free, n):
            slot = Slot(self._rt, index)
            self._slots.append(slot)
            slot.start()

    def _release_stragglers(self, rt: Runtime) -> None:
        """Handlers still running at the deadline: raise their flag and release their tasks."""
        for ctx in rt.contexts():
            ctx.cancel("worker stopping", releasing=True)
            if rt.settle(ctx):
                try:
                    release(rt, ctx.task)
                except Exception as exc:  # noqa: BLE001 - shutting down: report and go on
                    rt.report_error(f"releasing task {ctx.task_id}", exc)

    def _close(self, rt: Runtime) -> None:
        rt.queue.unsubscribe(rt.on_notice)
        try:
            rt.queue.clear_worker_control(self.worker_id)
            rt.queue.unregister_worker(self.worker_id)
        except Exception as exc:  # noqa: BLE001 - shutting down: report and go on
            rt.report_error("unregistering the worker", exc)
        rt.queue.close()

    def _announce(self, rt: Runtime) -> None:
        for problem in plugin_errors():
            rt.emit(events.ERROR, problem)
        settings = rt.settings
        offers = compat.describe(settings.capabilities)
        rt.emit(events.ENGINE_STARTED,
                f"worker {self.worker_id} started: {self._concurrency} thread(s), strategy "
                f"{settings.strategy}, lease {settings.lease_seconds:g} s, "
                + (f"capabilities {offers}, " if offers else "")
                + f"handlers {', '.join(settings.types) or '(none)'}")


def _join(slots: list[Slot], deadline: float) -> None:
    for slot in slots:
        if slot.thread is not threading.current_thread():
            slot.thread.join(max(deadline - time.monotonic(), 0.0))
