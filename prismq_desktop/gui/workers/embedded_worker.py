"""The embedded worker: a Qt wrapper that owns a Qt-free ``WorkerEngine``.

Starting and stopping touch the file and join threads, so they run on a control thread, never
the GUI thread. The engine's event callback runs on its worker threads; events are buffered
and handed to the GUI in batches a few times a second, so a worker finishing thousands of
tasks a second never floods the GUI thread with queued signals.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from prismq_desktop.core.claims import DEFAULT_STRATEGY
from prismq_desktop.worker import (
    EngineCounters,
    EngineEvent,
    RunningTask,
    WorkerEngine,
    default_handlers,
)

STOPPED, STARTING, RUNNING, STOPPING = "stopped", "starting", "running", "stopping"
EVENT_BATCH_MS = 250
MAX_BUFFERED = 2000
#: How often views re-read the running worker's counters and current tasks.
LIVE_MS = 1000


def handler_types() -> tuple[str, ...]:
    """The task types the embedded worker can run: its handlers' types (never ``shell``,
    which the GUI does not enable)."""
    return tuple(t for t in default_handlers().types() if t != "shell")


def toggle_availability(state: str, blocked: str) -> tuple[bool, str]:
    """(enabled, tooltip) of a start/stop toggle in ``state``: one rule for the toolbar action
    and the Workers tab button. ``blocked`` (why this file or build cannot run a worker) never
    keeps a running worker from being stopped; while starting or stopping, both wait."""
    if blocked and state != RUNNING:
        return False, f"Start the embedded worker — unavailable: {blocked}"
    if state == RUNNING:
        return True, "Stop the embedded worker (its running tasks go back to the queue)"
    return state == STOPPED, "Start the embedded worker in this app, on this file"


class EmbeddedWorker(QObject):
    #: stopped / starting / running / stopping
    state_changed = Signal(str)
    #: A batch of ``EngineEvent``s (oldest first), delivered on the GUI thread.
    events = Signal(list)
    #: Starting or stopping failed: a one-line reason.
    failed = Signal(str)
    #: Time to re-read counters() and current_tasks() (in-memory snapshots, no SQL): once a
    #: second while running and after every state change, one clock for every view of them.
    live = Signal()
    #: Concurrency, strategy, allowed types or capabilities changed (controls follow it).
    options_changed = Signal()
    #: (future, next state, unused): a control job ended; crosses back to the GUI thread.
    _finished = Signal(object, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path: str | Path | None = None
        self.concurrency = 1
        self.strategy = DEFAULT_STRATEGY
        #: Task types it may claim; None means every type it has a handler for.
        self.types: tuple[str, ...] | None = None
        #: What it offers, matched against tasks' compatibility (core/compat.py).
        self.capabilities: dict[str, Any] = {}
        self.state = STOPPED
        self._engine: WorkerEngine | None = None
        self._control = ThreadPoolExecutor(1, thread_name_prefix="prismq-worker-control")
        self._buffer: collections.deque = collections.deque(maxlen=MAX_BUFFERED)
        self._buffer_lock = threading.Lock()
        self._drain = QTimer(self, interval=EVENT_BATCH_MS, timeout=self._deliver)
        self._live = QTimer(self, interval=LIVE_MS)
        self._live.timeout.connect(self.live)
        self._finished.connect(self._after)

    # -- what the window asks --------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.state == RUNNING

    def set_database(self, path: str | Path | None) -> None:
        """The file to work on; a running worker is stopped first."""
        if self.state in (RUNNING, STARTING) and path != self.db_path:
            self.stop()
        self.db_path = path

    def toggle(self) -> None:
        if self.state in (RUNNING, STARTING):
            self.stop()
        else:
            self.start()

    def start(self) -> None:
        if self.state != STOPPED or self.db_path is None:
            return
        path, concurrency, strategy = self.db_path, self.concurrency, self.strategy
        types, offers = self.claimable_types(), dict(self.capabilities)
        self._set_state(STARTING)
        self._run(lambda: self._start_engine(path, concurrency, strategy, types, offers), RUNNING)

    def stop(self) -> None:
        if self.state not in (RUNNING, STARTING):
            return
        self._set_state(STOPPING)
        self._run(self._stop_engine, STOPPED)

    def set_concurrency(self, n: int) -> None:
        if int(n) == self.concurrency:
            return
        self.concurrency = int(n)
        engine = self._engine
        if engine is not None:
            self._run(lambda: engine.set_concurrency(self.concurrency), None)
        self.options_changed.emit()

    def set_strategy(self, strategy: str) -> None:
        """The strategy is fixed per engine run: a running worker restarts with the new one."""
        if strategy == self.strategy:
            return
        self.strategy = strategy
        self._restart_if_running()
        self.options_changed.emit()

    def set_types(self, types: tuple[str, ...] | None) -> None:
        """Limit the task types it claims (None: all it has handlers for); restarts it."""
        types = None if types is None else tuple(sorted(set(types)))
        if types == self.types:
            return
        self.types = types
        self._restart_if_running()
        self.options_changed.emit()

    def set_capabilities(self, capabilities: dict[str, Any]) -> None:
        """What it offers (checked by ``compat.capabilities_from_text``); restarts it."""
        if capabilities == self.capabilities:
            return
        self.capabilities = dict(capabilities)
        self._restart_if_running()
        self.options_changed.emit()

    def claimable_types(self) -> tuple[str, ...] | None:
        """The allowed types that have a handler in this build (None: every handled type).

        A remembered type whose handler is gone is skipped rather than refused, so an old
        setting never keeps the worker from starting.
        """
        if self.types is None:
            return None
        known = set(handler_types())
        return tuple(t for t in self.types if t in known)

    def _restart_if_running(self) -> None:
        """A starting engine took the old options: it is restarted too (its start and this
        stop run in order on the control thread)."""
        if self.state in (RUNNING, STARTING):
            self.stop()
            self._run(lambda: None, "restart")

    def counters(self) -> EngineCounters | None:
        engine = self._engine
        return engine.counters() if engine is not None else None

    def current_tasks(self) -> list[RunningTask]:
        engine = self._engine
        return engine.current_tasks() if engine is not None else []

    @property
    def worker_id(self) -> str | None:
        engine = self._engine
        return engine.worker_id if engine is not None else None

    def close(self, timeout: float = 15.0) -> None:
        """Stop the engine (releasing its tasks) and end the control thread; for app exit."""
        self._drain.stop()
        if self._engine is not None or self.state != STOPPED:
            self._control.submit(self._stop_engine)
        self._control.shutdown(wait=True)

    # -- on the control thread ---------------------------------------------------------------
    def _start_engine(self, path: str | Path, concurrency: int, strategy: str,
                      types: tuple[str, ...] | None, capabilities: dict[str, Any]) -> None:
        engine = WorkerEngine(str(path), concurrency=concurrency, strategy=strategy,
                              types=types, capabilities=capabilities, on_event=self._on_event)
        engine.start()
        self._engine = engine

    def _stop_engine(self) -> None:
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.stop(release=True, timeout=10.0)

    def _on_event(self, event: EngineEvent) -> None:
        with self._buffer_lock:
            self._buffer.append(event)

    def _run(self, job: Callable[[], None], then: str | None) -> None:
        future = self._control.submit(job)
        future.add_done_callback(lambda f: self._finished.emit(f, then, None))

    # -- back on the GUI thread ---------------------------------------------------------------
    def _after(self, future: Future, then: str | None, _unused: object) -> None:
        error = future.exception()
        if error is not None:
            message = f"{type(error).__name__}: {error}" if not str(error) else str(error)
            self._set_state(RUNNING if self._engine is not None else STOPPED)
            self.failed.emit(f"Worker: {message}")
            return
        if then == "restart":
            self.start()
        elif then is not None:
            self._set_state(then)

    def _set_state(self, state: str) -> None:
        self.state = state
        if state in (RUNNING, STARTING):
            self._drain.start()
        if state == RUNNING:
            self._live.start()
        else:
            self._live.stop()
        self.state_changed.emit(state)
        self.live.emit()
        if state == STOPPED:
            self._deliver()
            self._drain.stop()

    def _deliver(self) -> None:
        engine = self._engine
        if engine is not None and engine.exit_requested and not engine.busy \
                and self.state == RUNNING:
            self.stop()  # an operator asked it to stop (Workers tab or worker-control)
        with self._buffer_lock:
            batch = list(self._buffer)
            self._buffer.clear()
        if batch:
            self.events.emit(batch)
