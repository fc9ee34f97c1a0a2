"""Database work off the GUI thread: one serialized thread per executor, results by signal.

Anki's taskman idea: the GUI submits small jobs (``job(queue) -> result``); a single background
thread runs them in order on its own connection; the result (or the exception) comes back
through a queued signal and the callback runs on the GUI thread. Jobs submitted with a ``key``
coalesce: a pending job is replaced by a newer one with the same key, and a result that
arrives after a newer request with that key was made is dropped, so late answers for an old
query never overwrite a newer one.
"""

from __future__ import annotations

import itertools
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from prismq_desktop.core import Queue, QueueConnectionError

T = TypeVar("T")
Job = Callable[[Queue], Any]
Done = Callable[[Any], None]
Failed = Callable[[Exception], None]


class Executor(QObject):
    """A background thread owning one ``Queue``; see the module docstring."""

    #: (callback, result, error, key, sequence) — delivered on the GUI thread.
    _delivered = Signal(object, object, object, object, int)
    #: An exception no ``on_error`` handled: (summary, traceback text). Shown as a banner.
    failed = Signal(str, str)
    #: Like ``failed``, for a server that is unreachable or dropped the connection: the reason
    #: (no password). Not a bug to report: the session says so and retries.
    lost = Signal(str)

    def __init__(self, open_queue: Callable[[], Queue], name: str, parent: QObject | None = None):
        super().__init__(parent)
        self._open_queue = open_queue
        self._pending: OrderedDict[Hashable, tuple[Job, Done | None, Failed | None, int]] = (
            OrderedDict()
        )
        self._latest: dict[Hashable, int] = {}
        self._sequence = itertools.count(1)
        self._anonymous = itertools.count()
        self._wake = threading.Condition()
        self._stopping = False
        self._delivered.connect(self._deliver)
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Job, on_done: Done | None = None, on_error: Failed | None = None,
               key: Hashable | None = None) -> None:
        """Queue ``job``; ``on_done(result)`` or ``on_error(exc)`` run later on the GUI thread."""
        sequence = next(self._sequence)
        slot = key if key is not None else ("anonymous", next(self._anonymous))
        with self._wake:
            if self._stopping:
                return
            self._pending.pop(slot, None)
            self._pending[slot] = (job, on_done, on_error, sequence)
            if key is not None:
                self._latest[key] = sequence
            self._wake.notify()

    def close(self, timeout: float = 5.0) -> None:
        """Finish the running job, drop the pending ones, close the connection, join."""
        with self._wake:
            self._stopping = True
            self._pending.clear()
            self._wake.notify()
        self._thread.join(timeout)

    @property
    def busy(self) -> bool:
        with self._wake:
            return bool(self._pending)

    def _loop(self) -> None:
        queue: Queue | None = None
        try:
            while True:
                with self._wake:
                    while not self._pending and not self._stopping:
                        self._wake.wait()
                    if self._stopping:
                        return
                    slot, (job, on_done, on_error, sequence) = self._pending.popitem(last=False)
                key = None if isinstance(slot, tuple) and slot[:1] == ("anonymous",) else slot
                try:
                    if queue is None:
                        queue = self._open_queue()
                    result, error = job(queue), None
                # Every failure becomes a signal, never a dead thread.
                except Exception as exc:  # noqa: BLE001
                    result, error = None, exc
                    if on_error is None and isinstance(exc, QueueConnectionError):
                        self.lost.emit(str(exc))
                    elif on_error is None:
                        self.failed.emit(f"{type(exc).__name__}: {exc}", traceback.format_exc())
                callback = on_done if error is None else on_error
                if callback is not None:
                    self._delivered.emit(callback, result if error is None else error, error,
                                         key, sequence)
        finally:
            if queue is not None:
                queue.close()

    def _deliver(self, callback: Callable[[Any], None], value: Any, _error: Any,
                 key: Hashable | None, sequence: int) -> None:
        if self._stopping:
            return  # closed with its session: the views waiting for this may be gone
        if key is not None and self._latest.get(key) != sequence:
            return  # a newer request with this key was made: this answer is stale
        callback(value)
