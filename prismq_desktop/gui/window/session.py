"""One open queue file as the GUI sees it: executors, the live-change signal, shared requests.

Every view gets the ``Session`` and nothing else: it reads through ``reader`` (a read-only
connection on a background thread), writes through ``writer`` (core operations on another
thread), and refreshes when ``changed`` fires. ``changed`` comes from polling the cheap change
token (``PRAGMA data_version``) at the refresh interval, so commits by any process show up and
a quiet queue costs one tiny query per tick; a file watch on the WAL polls early when another
process writes (see change_watch).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from prismq_desktop.core import Queue
from prismq_desktop.core.locations import location_of
from prismq_desktop.gui.executor import Executor
from prismq_desktop.gui.tasks.change_watch import ChangeWatch

DEFAULT_REFRESH_MS = 500
#: The longest wait between two polls while the server is unreachable.
MAX_BACKOFF_MS = 10_000


class Session(QObject):
    #: Something committed since the last tick (by this app or any other process).
    changed = Signal()
    #: A view asks the task table to show this filter (e.g. a click on a chart bucket).
    filter_requested = Signal(object)
    #: A view asks to select and show this task id.
    task_requested = Signal(int)
    #: Seconds the last change-token round trip took (status bar's refresh latency).
    polled = Signal(float)
    #: Reads fail because the server is unreachable or dropped the connection: the reason
    #: (no password). Polling goes on, further apart each time, until ``reconnected``.
    connection_lost = Signal(str)
    #: The server answers again after ``connection_lost``; ``changed`` follows.
    reconnected = Signal()

    def __init__(self, db_path: str | Path, read_only_reason: str = "",
                 refresh_ms: int = DEFAULT_REFRESH_MS, parent: QObject | None = None,
                 demo: bool = False) -> None:
        super().__init__(parent)
        self.db_path = location_of(db_path)
        self.read_only_reason = read_only_reason
        self.demo = demo
        self.reader = Executor(lambda: Queue.open(self.db_path, read_only=True), "prismq-reader",
                               self)
        self.writer = Executor(lambda: Queue.open(self.db_path, create=False), "prismq-writer",
                               self)
        self._token: object = None
        self._paused = False
        self._refresh_ms = refresh_ms
        self._failures = 0
        self.reader.lost.connect(self._on_lost)
        self.writer.lost.connect(self._on_lost)
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.poll)
        self._timer.start()
        # A file's commits are heard early by a file watch; a server's come by polling.
        self._watch = ChangeWatch(self.db_path, self) if isinstance(self.db_path, Path) else None
        if self._watch is not None:
            self._watch.touched.connect(self.poll)
        # The first token is the baseline: read it before any view's first read (the reader
        # runs jobs in order), so a commit between that read and the first tick is noticed.
        self.poll()

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    def set_refresh_interval(self, ms: int) -> None:
        self._refresh_ms = max(50, ms)
        if not self._failures:
            self._timer.setInterval(self._refresh_ms)

    @property
    def connected(self) -> bool:
        """False from a lost connection until a poll reaches the server again."""
        return not self._failures

    def set_paused(self, paused: bool) -> None:
        """Pause live updates (the token is still read on resume, so nothing is missed)."""
        self._paused = paused

    @property
    def paused(self) -> bool:
        return self._paused

    def poll(self) -> None:
        """Ask the reader for the change token; fire ``changed`` when it moved."""
        if self._paused:
            return
        started = time.perf_counter()
        self.reader.submit(lambda q: q.change_token(),
                           lambda token: self._on_token(token, started), key="change-token")

    def _on_lost(self, reason: str) -> None:
        """Poll less often while the server is away (doubling, capped); say so once."""
        self._failures += 1
        backoff = min(self._refresh_ms * 2 ** min(self._failures, 16), MAX_BACKOFF_MS)
        self._timer.setInterval(max(backoff, self._refresh_ms))
        if self._failures == 1:
            self.connection_lost.emit(reason)

    def _on_token(self, token: object, started: float) -> None:
        self.polled.emit(time.perf_counter() - started)
        if self._failures:
            # Views' reads failed meanwhile: every view reloads, whatever the token says.
            self._failures = 0
            self._timer.setInterval(self._refresh_ms)
            self._token = token
            self.reconnected.emit()
            self.changed.emit()
            return
        if token != self._token:
            first = self._token is None
            self._token = token
            if not first:
                self.changed.emit()

    def close(self) -> None:
        self._timer.stop()
        if self._watch is not None:
            self._watch.stop()
        self.reader.close()
        self.writer.close()
