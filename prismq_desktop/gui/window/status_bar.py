"""The status bar: file, read-only or read-write, counts, queue health, worker state, refresh
latency.

Health (oldest ready task, failure rate over 15 minutes, stale workers, WAL size) is read in
the background on every change and on a slow timer, since ages grow while nothing commits.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from prismq_desktop.core.locations import display_name, redacted
from prismq_desktop.core.reports import QueueHealth
from prismq_desktop.gui.formatting import duration, thousands
from prismq_desktop.gui.tasks.status_badge import is_dark, status_color
from prismq_desktop.gui.window.facts_label import SEPARATOR, ElidedLabel, FactsLabel
from prismq_desktop.gui.window.session import Session
from prismq_desktop.gui.workers.workers_view import stale_after_setting

MESSAGE_MS = 6000
#: Room kept free on each side of a message (Qt's own message margin).
MESSAGE_MARGIN = 6
HEALTH_EVERY_MS = 5000
#: Past these, a number is shown in the warning colour.
OLD_READY_SECONDS = 300.0
BAD_FAILURE_RATE = 0.10
BIG_WAL_BYTES = 64 * 1024 * 1024


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self._message = ""  # the whole of the message showing, and when it goes
        self._message_until = 0.0
        self.file = ElidedLabel("statusFile")
        self.mode = QLabel(objectName="statusMode")
        self.counts = FactsLabel("statusCounts")
        self.health = FactsLabel("statusHealth")
        self.worker = FactsLabel("statusWorker")
        self.latency = QLabel(objectName="statusLatency")
        # The name gives way (the path is in the tooltip) so the facts on the right fit.
        # On a narrow window the long facts give way a whole fact at a time (their tooltips
        # say it all) instead of making the window wider than the screen.
        self.addWidget(self.file, 1)
        for label in (self.mode, self.counts, self.health, self.worker, self.latency):
            self.addPermanentWidget(label)
        self.set_file(None, "")
        self.set_worker("worker stopped")
        self.messageChanged.connect(self._message_changed)

    def set_file(self, path: str | Path | None, read_only_reason: str) -> None:
        # The name alone leaves room for the counts and health; the folder is in the tooltip
        # (and the window title names the file too). A URL is shown without its password.
        self.file.set_full_text(display_name(path) if path else "No queue open")
        self.file.setToolTip(redacted(path) if path else "")
        if path is None:
            self.mode.setText("")
            self.health.set_facts([])
            return
        self.mode.setText("read-only" if read_only_reason else "read-write")
        self.mode.setToolTip(read_only_reason or "Changes are written to the file")

    def set_counts(self, counts: dict[str, int]) -> None:
        total = sum(counts.values())
        running = counts.get("leased", 0) + counts.get("processing", 0)
        self.counts.set_facts([(f"{thousands(total)} tasks", None),
                               (f"{thousands(counts.get('queued', 0))} queued", None),
                               (f"{thousands(running)} running", None),
                               (f"{thousands(counts.get('failed', 0))} failed", None)])
        self._fit_message()

    def set_health(self, state: QueueHealth) -> None:
        """Four short facts, each in the warning colour when it is bad; details in the tooltip."""
        warn = status_color("failed", is_dark(self.palette())).name()
        self.health.set_facts([(text, warn if bad else None) for text, bad in health_parts(state)],
                              health_tooltip(state))
        self._fit_message()

    def set_worker(self, text: str) -> None:
        """The worker's state as facts joined by " · " (the first, its state, stays longest)."""
        self.worker.set_facts([(part, None) for part in text.split(SEPARATOR)])
        self._fit_message()

    def set_latency(self, seconds: float, paused: bool) -> None:
        if paused:
            self.latency.setText("⏸ live updates paused")
        else:
            self.latency.setText(f"refresh {seconds * 1000:.0f} ms")
        self.latency.setToolTip("Time the last check for changes took")

    def flash(self, text: str) -> None:
        """A message for a few seconds. The health, then the counts, step aside while it shows
        if it needs their room; what still does not fit is elided (Qt clips it mid-word
        otherwise), the whole of it in the tooltip meanwhile."""
        self._message = text
        self._message_until = time.monotonic() + MESSAGE_MS / 1000
        self._fit_message()

    def _fit_message(self) -> None:
        """Fit the message to the room left now; again whenever the facts or the width change
        while it shows (facts that arrive after it would otherwise be drawn over it)."""
        left_ms = int((self._message_until - time.monotonic()) * 1000)
        if not self._message or left_ms <= 0:
            return
        text = self._message
        for label in (self.health, self.counts):
            if self._message_room() >= self.fontMetrics().horizontalAdvance(text):
                break
            label.hide()
        room = self._message_room()
        shown = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, max(room, 0))
        self.setToolTip(text if shown != text else "")
        if shown != self.currentMessage():
            self.showMessage(shown, left_ms)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.currentMessage():
            self._fit_message()

    def _message_room(self) -> int:
        """Pixels left of the permanent facts, once the layout has placed what is visible."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        permanent = [w for w in self.findChildren(QWidget)
                     if w.parent() is self and w is not self.file and w.isVisibleTo(self)
                     and w.width()]
        return min((w.x() for w in permanent), default=self.width()) - 2 * MESSAGE_MARGIN

    def _message_changed(self, text: str) -> None:
        # Qt hides the file name under a message only when both happen after the bar is
        # shown; a message shown while the window opens was drawn over it.
        self.file.setVisible(not text)
        if not text:
            self._message = ""
            self.setToolTip("")
            self.counts.show()
            self.health.show()


def health_parts(state: QueueHealth) -> list[tuple[str, bool]]:
    """(text, bad) for each health fact, as the status bar shows them."""
    age = state.oldest_ready_age
    rate = state.failure_rate
    return [
        ("nothing waiting" if age is None else f"oldest {duration(age)}",
         age is not None and age > OLD_READY_SECONDS),
        ("none finished /15 min" if rate is None else f"{rate:.0%} failed /15 min",
         rate is not None and rate > BAD_FAILURE_RATE),
        (f"{state.stale_workers} stale worker{'' if state.stale_workers == 1 else 's'}",
         state.stale_workers > 0),
        (f"WAL {_size(state.wal_bytes)}", state.wal_bytes > BIG_WAL_BYTES),
    ]


def health_tooltip(state: QueueHealth) -> str:
    age, rate = state.oldest_ready_age, state.failure_rate
    window = f"{state.window_minutes:g} min"
    finished = state.completed_recently + state.failed_recently
    lines = [
        "Queue health",
        ("No task is ready and waiting" if age is None else
         f"Oldest ready task has waited {duration(age)} (since {state.oldest_ready_utc} UTC)"),
        (f"No task finished in the last {window}" if rate is None else
         f"Failed tasks, last {window}: {rate:.1%} ({state.failed_recently:,} of the "
         f"{finished:,} tasks that finished)"),
        f"Stale workers: {state.stale_workers} of {state.workers} (no heartbeat for more than "
        f"{duration(state.stale_after)}; see the Workers tab)",
        f"WAL file: {_size(state.wal_bytes)} (a WAL that keeps growing means a reader holds "
        "checkpoints back)",
    ]
    return "\n".join(lines)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


class HealthReport(QObject):
    """Keeps the status bar's health current for one session (it dies with the session)."""

    def __init__(self, session: Session, bar: StatusBar) -> None:
        super().__init__(session)
        self.session = session
        self.bar = bar
        self._timer = QTimer(self, interval=HEALTH_EVERY_MS, timeout=self.refresh)
        self._timer.start()
        session.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        if self.session.paused:
            return
        stale_after = stale_after_setting()
        self.session.reader.submit(lambda q: q.health(stale_after), self.bar.set_health,
                                   key="status-health")
