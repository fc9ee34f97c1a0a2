"""The embedded worker in the Workers tab: start/stop, its options, live counters, and the
tasks it is running with their progress.

Counters and running tasks are in-memory snapshots of the engine (no SQL), read on the
worker's ``live`` signal (once a second while it runs).
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from prismq_desktop.gui.empty_state import EmptyStateTableWidget
from prismq_desktop.gui.formatting import counted, duration
from prismq_desktop.gui.workers.embedded_worker import (
    RUNNING,
    STARTING,
    STOPPED,
    STOPPING,
    EmbeddedWorker,
    toggle_availability,
)
from prismq_desktop.gui.workers.worker_controls import WorkerControls

RUNNING_COLUMNS = ("Task", "Type", "Attempt", "Running for", "Progress", "Message")
PROGRESS_WIDTH = 220
BUTTON_TEXTS = {RUNNING: "Stop", STARTING: "Starting…", STOPPING: "Stopping…", STOPPED: "Start"}


class EmbeddedPanel(QGroupBox):
    #: The user double-clicked a running task: its id.
    task_activated = Signal(int)

    def __init__(self, worker: EmbeddedWorker, read_only_reason: str,
                 parent: QWidget | None = None) -> None:
        super().__init__("Embedded worker", parent, objectName="embeddedWorker")
        self.worker = worker
        self.blocked = read_only_reason
        self.toggle = QPushButton(objectName="workerStartStop")
        self.toggle.setMinimumWidth(96)
        self.state = QLabel(objectName="workerState")
        self.controls = WorkerControls(worker, with_types=True)
        self.counters = QLabel(objectName="workerCounters", textFormat=Qt.TextFormat.PlainText)
        self.running = EmptyStateTableWidget(0, len(RUNNING_COLUMNS), objectName="runningTasks")
        self.running.empty_text = self.empty_text
        self.running.setHorizontalHeaderLabels(RUNNING_COLUMNS)
        self.running.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.running.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.running.verticalHeader().hide()
        self.running.horizontalHeader().setStretchLastSection(True)
        header = self.running.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Fixed)
        self.running.setColumnWidth(4, PROGRESS_WIDTH)
        self.running.setToolTip("Tasks the embedded worker is running; double-click one to "
                                "show it in the task table")
        self._build()
        self.toggle.clicked.connect(worker.toggle)
        self.running.cellDoubleClicked.connect(self._activated)
        worker.state_changed.connect(self._state_changed)
        worker.live.connect(self.show_live)
        self._state_changed(worker.state)
        self.show_live()

    def _build(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.toggle)
        top.addWidget(self.controls)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.state)
        layout.addWidget(self.counters)
        layout.addWidget(self.running, 1)

    # -- state -------------------------------------------------------------------------------
    def _state_changed(self, state: str) -> None:
        self.toggle.setText(BUTTON_TEXTS.get(state, "Start"))
        enabled, tip = toggle_availability(state, self.blocked)
        self.toggle.setEnabled(enabled)
        self.toggle.setToolTip(tip)
        self.controls.setEnabled(not self.blocked or state == RUNNING)
        self.running.viewport().update()  # its empty state follows the state

    def empty_text(self) -> str:
        """What the running-tasks table says with no task in it, by the worker's state."""
        state = self.worker.state
        if state == RUNNING:
            return ("Idle: no task it can run is waiting\nIt claims the next one as soon as "
                    "one is ready.")
        if state == STOPPED:
            why = f" ({self.blocked})" if self.blocked else ""
            return f"Not running{why}\nStart runs tasks from this queue inside the app."
        return ""

    def show_live(self) -> None:
        """Counters and running tasks from the engine's in-memory snapshots."""
        state = self.worker.state
        worker_id = self.worker.worker_id
        self.state.setText(f"{state.capitalize()}" + (f" as {worker_id}" if worker_id else "")
                           + (f" — {self.blocked}" if self.blocked and state == STOPPED else ""))
        counters = self.worker.counters()
        if counters is None:
            self.counters.setText("No counters while it is stopped")
        else:
            self.counters.setText(
                f"{counters.done:,} completed · {counted(counters.failed, 'failed attempt')} · "
                f"{counters.per_second:.1f} per second · {counters.cancelled:,} cancelled · "
                f"{counters.released:,} released")
        self._show_running()

    def _show_running(self) -> None:
        tasks = sorted(self.worker.current_tasks(), key=lambda t: t.task_id)
        table = self.running
        table.setRowCount(len(tasks))
        now = time.time()
        for row, task in enumerate(tasks):
            cells = {0: f"#{task.task_id}", 1: task.task_type, 2: str(task.attempt),
                     3: duration(max(0.0, now - task.started)), 5: task.message or ""}
            for column, text in cells.items():
                item = table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    table.setItem(row, column, item)
                item.setText(text)
                item.setData(Qt.ItemDataRole.UserRole, task.task_id)
            bar = table.cellWidget(row, 4)
            if not isinstance(bar, QProgressBar):
                bar = QProgressBar()
                table.setCellWidget(row, 4, bar)
            bar.setRange(0, 1000)
            bar.setValue(0 if task.progress is None else int(task.progress * 1000))
            bar.setFormat("running" if task.progress is None else "%p%")
            bar.setToolTip("No progress reported: running" if task.progress is None
                           else f"{task.progress:.0%}")

    def _activated(self, row: int, _column: int) -> None:
        item = self.running.item(row, 0)
        if item is not None:
            self.task_activated.emit(int(item.data(Qt.ItemDataRole.UserRole)))
