"""What a handler gets: the task, its payload, logging, progress and the cancellation flag.

A handler runs in one engine thread; call the context's methods from that thread (each thread
that writes opens its own connection to the queue file).
"""

from __future__ import annotations

import contextlib
import functools
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from prismq_desktop.core import Queue, QueueBusyError, Task

#: Progress is written to the file at most this often per task; the engine keeps the latest.
PROGRESS_WRITE_INTERVAL = 0.2
#: While log lines wait for a locked file, a new line tries to write them this often (each
#: try can wait the busy timeout, so not on every line).
LOG_RETRY_INTERVAL = 1.0


class PermanentError(Exception):
    """Raise from a handler to fail the task at once: retrying would not help."""


class TaskCancelled(Exception):
    """Raised by ``ctx.check_cancelled()``; the engine treats it as the handler stopping."""


@dataclass(frozen=True)
class WorkerInfo:
    """The engine settings a handler may need (the shell handler reads the last two)."""

    worker_id: str
    allow_shell: bool = False
    shell_programs: tuple[str, ...] | None = None


class TaskContext:
    """One running task as its handler sees it."""

    def __init__(self, queue: Queue, task: Task, worker: WorkerInfo) -> None:
        self.task = task
        self.worker = worker
        self.started = time.time()
        self.cancel_reason: str | None = None
        self.releasing = False
        self.fraction: float | None = None
        self.message: str | None = None
        self._queue = queue
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._written_at = 0.0
        self._dirty = False
        self._pending_logs: deque[tuple[str, str, dict[str, Any]]] = deque()
        self._log_tried_at = 0.0

    @property
    def task_id(self) -> int:
        return int(self.task.id)

    @functools.cached_property
    def payload(self) -> dict[str, Any]:
        """The payload as a dict ({} when it is not a JSON object), parsed on first use."""
        return self.task.payload_dict

    # -- cancellation ------------------------------------------------------------------
    @property
    def cancelled(self) -> bool:
        """True once the task was cancelled, its lease was lost, or the worker is stopping."""
        return self._cancel.is_set()

    def cancel(self, reason: str, releasing: bool = False) -> None:
        """Raise the flag (the engine does this); the first reason is kept."""
        with self._lock:
            if self.cancel_reason is None:
                self.cancel_reason = reason
            self.releasing = self.releasing or releasing
        self._cancel.set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking at once on cancel; True when cancelled."""
        return self._cancel.wait(max(seconds, 0.0))

    def check_cancelled(self) -> None:
        """Raise :class:`TaskCancelled` if the flag is up (a one-line way to stop)."""
        if self._cancel.is_set():
            raise TaskCancelled(self.cancel_reason or "cancelled")

    # -- output --------------------------------------------------------------------------
    def log(self, level: str, message: str, **details: Any) -> None:
        """Append a line to the task's log (``task_logs``), with optional JSON details.

        Never raises QueueBusyError into the handler: while the file stays locked, lines wait
        here in order and are written on a later call or with the task's outcome (issue 17).
        """
        with self._lock:
            self._pending_logs.append((level, message, details))
            waited = time.monotonic() - self._log_tried_at
        if len(self._pending_logs) == 1 or waited >= LOG_RETRY_INTERVAL:
            with contextlib.suppress(QueueBusyError):
                self.flush_logs()

    def flush_logs(self) -> None:
        """Write the lines :meth:`log` kept back, in order; raises QueueBusyError when the
        file is still locked (the rest stay kept)."""
        while True:
            with self._lock:
                if not self._pending_logs:
                    return
                level, message, details = self._pending_logs[0]
                self._log_tried_at = time.monotonic()
            self._queue.log(self.task_id, level, message, **details)
            with self._lock:
                self._pending_logs.popleft()

    @property
    def pending_logs(self) -> int:
        """Lines kept back by a locked file, not yet written."""
        return len(self._pending_logs)

    def progress(self, fraction: float | None, message: str | None = None) -> None:
        """Report how far along the task is (0..1, or None for unknown) for the GUI."""
        if fraction is not None and (not math.isfinite(fraction) or not 0.0 <= fraction <= 1.0):
            raise ValueError(f"progress must be between 0 and 1, not {fraction!r}")
        with self._lock:
            self.fraction, self.message, self._dirty = fraction, message, True
        if time.monotonic() - self._written_at >= PROGRESS_WRITE_INTERVAL:
            self.flush_progress()

    def flush_progress(self) -> None:
        """Write the latest progress if it changed since the last write.

        Best effort: while the file stays locked the write is skipped and the latest value
        kept for the next flush (the keeper's, or the handler's next report)."""
        with self._lock:
            if not self._dirty:
                return
            fraction, message, self._dirty = self.fraction, self.message, False
            self._written_at = time.monotonic()
        try:
            self._queue.set_progress(self.task_id, fraction, message)
        except QueueBusyError:
            with self._lock:
                self._dirty = True
