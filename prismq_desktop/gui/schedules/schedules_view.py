"""The Schedules tab: every schedule with its runs in words, next and last run, the last
task's outcome, and the actions (add, edit, pause or resume, run now, remove, show tasks).

Rows are read by the session's reader when something commits and when the tab is shown (a
hidden tab reads nothing); every change goes through the writer, so the GUI thread runs no
SQL. Next-run times move on by themselves, so a visible tab also rereads every few seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from prismq_desktop.core import Queue, Schedule, TaskQuery
from prismq_desktop.gui.formatting import counted
from prismq_desktop.gui.schedules.schedule_dialog import ScheduleDialog
from prismq_desktop.gui.schedules.schedules_model import TASK_COLUMN, SchedulesModel
from prismq_desktop.gui.window.session import Session

READ_EVERY_MS = 5000


class SchedulesView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="schedulesView")
        self.session = session
        self.model = SchedulesModel(self.palette(), self)
        self.table = QTableView(objectName="schedulesTable")
        self.summary = QLabel("Reading schedules…", objectName="schedulesSummary")
        self.result = QLabel(objectName="schedulesResult", wordWrap=True)
        self.buttons: dict[str, QPushButton] = {}
        self.dialog: ScheduleDialog | None = None
        self._known_types: list[str] = []
        self._dirty = True
        self._timer = QTimer(self, interval=READ_EVERY_MS, timeout=self.refresh)
        self._setup()
        session.changed.connect(self.refresh)

    # -- building ------------------------------------------------------------------------------
    def _setup(self) -> None:
        table = self.table
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((150, 330, 130, 120, 150, 150, 130)):
            table.setColumnWidth(column, width)
        table.clicked.connect(self._clicked)
        table.doubleClicked.connect(lambda index: self.edit_selected())
        table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        reason = self.session.read_only_reason
        for key, label, slot, tip in (
            ("add", "Add…", self.add, "Add a schedule"),
            ("edit", "Edit…", self.edit_selected, "Change the selected schedule"),
            ("pause", "Pause", self.toggle_pause, "Stop (or start again) enqueueing its tasks"),
            ("run", "Run now", self.run_now, "Enqueue one task of it now"),
            ("tasks", "Show tasks", self.show_tasks, "Show the tasks it made in the task table"),
            ("remove", "Remove…", self.remove_selected, "Delete it (its tasks stay)"),
        ):
            button = QPushButton(label, objectName=f"schedule{key.title()}Button")
            button.setToolTip(f"Unavailable: {reason}" if reason and key != "tasks" else tip)
            button.clicked.connect(slot)
            self.buttons[key] = button
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addWidget(self.result)
        layout.addWidget(self.table, 1)
        self.result.hide()
        self._update_buttons()

    # -- reading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the schedules now, or when the tab is next shown."""
        if not self.isVisible() or self.session.paused:
            self._dirty = True
            return
        self._dirty = False
        self.session.reader.submit(_read, self._arrived, key=("schedules", id(self)))

    def _arrived(self, found: tuple[list[Schedule], list[str]]) -> None:
        rows, self._known_types = found
        selected = self.selected()
        self.model.set_rows(rows)
        if selected is not None:
            self.select(selected.name)
        paused = sum(s.paused for s in rows)
        self.summary.setText("No schedules yet: add one to enqueue a task on a cron timetable."
                             if not rows else counted(len(rows), "schedule")
                             + (f" · {paused} paused" if paused else ""))
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._timer.start()
        if self._dirty:
            QTimer.singleShot(0, self.refresh)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        super().hideEvent(event)
        self._timer.stop()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.model.set_palette(self.palette())

    # -- selection -----------------------------------------------------------------------------
    def selected(self) -> Schedule | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def select(self, name: str) -> None:
        row = self.model.row_of(name)
        if row is not None:
            self.table.selectRow(row)

    def _update_buttons(self) -> None:
        chosen = self.selected()
        writable = not self.session.read_only_reason
        self.buttons["add"].setEnabled(writable)
        for key in ("edit", "pause", "run", "remove"):
            self.buttons[key].setEnabled(writable and chosen is not None)
        self.buttons["tasks"].setEnabled(chosen is not None)
        self.buttons["pause"].setText("Resume" if chosen is not None and chosen.paused
                                      else "Pause")

    def _clicked(self, index: QModelIndex) -> None:
        if index.column() == TASK_COLUMN:
            task_id = self.model.rows[index.row()].last_task_id
            if task_id is not None:
                self.session.task_requested.emit(task_id)

    # -- acting --------------------------------------------------------------------------------
    def add(self) -> None:
        self._open_dialog(None)

    def edit_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None and not self.session.read_only_reason:
            self._open_dialog(chosen)

    def _open_dialog(self, schedule: Schedule | None) -> None:
        dialog = ScheduleDialog(self._known_types, schedule, self)
        dialog.submitted.connect(lambda values: self._store(dialog, values))
        dialog.finished.connect(lambda _result: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()

    def _store(self, dialog: ScheduleDialog, values: dict[str, Any]) -> None:
        name = values.pop("name")
        editing = dialog.editing is not None

        def job(queue: Queue) -> Schedule:
            if editing:
                return queue.edit_schedule(name, **values)
            return queue.add_schedule(name, values.pop("cron"), values.pop("type"),
                                      values.pop("payload"), **values)

        def done(made: Schedule) -> None:
            dialog.finish()
            self._say(f"Schedule {made.name} {'saved' if editing else 'added'}: "
                      f"{made.describe()} ({made.spec.timezone}).")
            self.refresh()
            QTimer.singleShot(0, lambda: self.select(made.name))

        self.session.writer.submit(job, done, lambda exc: dialog.show_error(str(exc)))

    def toggle_pause(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        name, resume = chosen.name, chosen.paused
        self._write(lambda q: q.resume_schedule(name) if resume else q.pause_schedule(name),
                    lambda s: f"Schedule {s.name} {'resumed' if resume else 'paused'}.")

    def run_now(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        name = chosen.name
        self._write(lambda q: q.run_schedule_now(name),
                    lambda task: f"Enqueued task #{task.id} for schedule {name}.")

    def remove_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Remove schedule",
                          f"Remove the schedule {chosen.name}? No more tasks will be enqueued "
                          "for it; the tasks it made stay.",
                          QMessageBox.StandardButton.Cancel, self)
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.setObjectName("removeScheduleBox")
        name = chosen.name
        box.buttonClicked.connect(lambda button: self._write(
            lambda q: q.remove_schedule(name), lambda _none: f"Schedule {name} removed.")
            if button is remove else None)
        box.open()

    def show_tasks(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.session.filter_requested.emit(TaskQuery(text=chosen.search_text()))

    def _write(self, job: Callable[[Queue], Any], said: Callable[[Any], str]) -> None:
        def done(result: Any) -> None:
            self._say(said(result))
            self.refresh()
        self.session.writer.submit(job, done, lambda exc: self._say(f"Nothing changed: {exc}"))

    def _say(self, text: str) -> None:
        self.result.setText(text)
        self.result.show()


def _read(queue: Queue) -> tuple[list[Schedule], list[str]]:
    """The schedules, and the task types known in the file (the dialog offers them)."""
    types = sorted({kind for kind, _status in queue.type_counts()})
    return queue.schedules(), types
