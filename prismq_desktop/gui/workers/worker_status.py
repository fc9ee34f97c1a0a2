"""The embedded worker as the window shows it: the toggle action, its controls, the status bar.

Counters and running tasks are in-memory snapshots of the engine (no SQL), read on the
worker's ``live`` signal (once a second while it runs). It gets the worker and the toggle
action; the status-bar text goes out through ``described``.
"""

from __future__ import annotations

import contextlib
import json

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from prismq_desktop.core import compat
from prismq_desktop.core.claims import DEFAULT_STRATEGY
from prismq_desktop.gui import settings
from prismq_desktop.gui.formatting import counted
from prismq_desktop.gui.workers.embedded_worker import (
    RUNNING,
    STARTING,
    STOPPING,
    EmbeddedWorker,
    toggle_availability,
)
from prismq_desktop.gui.workers.worker_controls import WorkerControls

TEXTS = {RUNNING: "Stop worker", STARTING: "Starting worker…", STOPPING: "Stopping worker…"}


class WorkerStatus(QObject):
    #: The worker's state in a few words, for the status bar.
    described = Signal(str)

    def __init__(self, worker: EmbeddedWorker, toggle: QAction,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker, self.toggle_action = worker, toggle
        self.worker.concurrency = int(settings.value("worker/concurrency", 1, int))
        self.worker.strategy = str(settings.value("worker/strategy", DEFAULT_STRATEGY))
        types = settings.value("worker/types", None)  # comma-separated; absent means all
        self.worker.types = (None if types is None
                             else tuple(t for t in str(types).split(",") if t))
        with contextlib.suppress(ValueError):  # a hand-edited setting: offer nothing
            self.worker.capabilities = compat.capabilities_from_text(
                str(settings.value("worker/capabilities", "")))
        self.controls = WorkerControls(self.worker)
        self.worker.options_changed.connect(self._remember)
        self.worker.live.connect(self.show_state)

    def _remember(self) -> None:
        """Keep the worker's options for the next run, whichever copy of the controls set them."""
        settings.set_value("worker/concurrency", self.worker.concurrency)
        settings.set_value("worker/strategy", self.worker.strategy)
        settings.set_value("worker/capabilities", json.dumps(self.worker.capabilities))
        if self.worker.types is None:
            settings.settings().remove("worker/types")
        else:
            settings.set_value("worker/types", ",".join(self.worker.types))

    def update_action(self, write_reason: str) -> None:
        """The toggle's text, check mark and availability (with the reason when unavailable)."""
        action = self.toggle_action
        state = self.worker.state
        blocked = write_reason
        enabled, tip = toggle_availability(state, blocked)
        action.setEnabled(enabled)
        action.setToolTip(tip)
        action.setText(TEXTS.get(state, "Start worker"))
        action.setChecked(state in (RUNNING, STARTING))
        self.controls.setEnabled(not blocked or state == RUNNING)

    def show_state(self) -> None:
        self.described.emit(self.describe())

    def describe(self) -> str:
        state = self.worker.state
        if state != RUNNING:
            return f"worker {state}"
        counters = self.worker.counters()
        active = len(self.worker.current_tasks())
        text = f"worker {active}/{self.worker.concurrency} busy"
        if counters is not None:
            # Attempts, not tasks (a failed attempt may be retried): the counts beside this
            # in the status bar are tasks. The rate is in the Workers tab (room is short).
            text += f" · {counters.done:,} completed · {counted(counters.failed, 'failed attempt')}"
        return text

