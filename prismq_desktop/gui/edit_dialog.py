"""Editing a waiting task: priority, run after, max attempts, payload and compatibility JSON.

Only what the user changed is sent to the core (a scheduled task's run-after or an odd stored
payload stays exactly as it was unless touched). A running or finished task opens read-only
with the core's reason at the top; if the task starts running while the dialog is open, the
core refuses the save, and the dialog turns read-only with that reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from prismq_desktop.core import timeutil
from prismq_desktop.core.edit import refusal
from prismq_desktop.core.models import Task
from prismq_desktop.core.validation import MAX_ATTEMPTS_RANGE, PRIORITY_RANGE
from prismq_desktop.gui import formatting as fmt
from prismq_desktop.gui.json_editor import JsonEditor


class EditDialog(QDialog):
    #: Save pressed: {field: new value} for the fields that changed (Queue.edit's keywords).
    submitted = Signal(dict)

    def __init__(self, task: Task, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("editDialog")
        self.task = task
        self.setWindowTitle(f"Edit task #{task.id} ({task.type})")
        self.heading = QLabel(f"Task #{task.id} · {task.type} · {task.status}",
                              objectName="editHeading")
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.reason = QLabel(objectName="editReason", wordWrap=True)
        self.reason.setStyleSheet("background: #fff4dc; color: #6b4a00; padding: 8px;"
                                  " border: 1px solid #f0d08c; border-radius: 4px;")
        self.priority = _spin(PRIORITY_RANGE, fmt.as_int(task.priority), "editPriority")
        self.max_attempts = _spin(MAX_ATTEMPTS_RANGE, fmt.as_int(task.max_attempts),
                                  "editMaxAttempts")
        self.keep = QRadioButton("Keep", checked=True, objectName="editKeepRun")
        self.now = QRadioButton("Now", objectName="editRunNow")
        self.at = QRadioButton("At", objectName="editRunAt")
        self.when = QDateTimeEdit(calendarPopup=True, objectName="editRunAfter")
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.payload = JsonEditor("editPayload")
        self.compatibility = JsonEditor("editCompatibility")
        self.message = QLabel(objectName="editMessage", wordWrap=True)
        self.message.setStyleSheet("color: #d9362b;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save = self.buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save.setObjectName("editSave")
        self._originals: dict[str, object] = {}
        self._build()
        self._fill(task)
        self.buttons.rejected.connect(self.reject)
        self.save.clicked.connect(self.try_submit)
        self.at.toggled.connect(self.when.setEnabled)
        why = refusal(task)
        if why is not None:
            self.set_read_only(why)

    def _build(self) -> None:
        run = QHBoxLayout()
        group = QButtonGroup(self)
        for button in (self.keep, self.now, self.at):
            group.addButton(button)
            run.addWidget(button)
        run.addWidget(self.when)
        run.addStretch(1)
        form = QFormLayout()
        numbers = QHBoxLayout()
        numbers.addWidget(self.priority)
        numbers.addWidget(QLabel("Max attempts"))
        numbers.addWidget(self.max_attempts)
        numbers.addStretch(1)
        form.addRow("Priority", numbers)
        self.run_label = QLabel()
        form.addRow("Run after", self.run_label)
        form.addRow("", run)
        form.addRow("Payload (JSON)", self.payload)
        form.addRow("Compatibility", self.compatibility)
        self.compatibility.editor.setMaximumHeight(80)
        self.compatibility.setSizePolicy(QSizePolicy.Policy.Preferred,
                                         QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.reason)
        layout.addLayout(form, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.reason.hide()
        self.message.hide()
        self.resize(580, 540)

    def _fill(self, task: Task) -> None:
        stored = timeutil.parse(task.run_after_utc)
        local, utc = fmt.local_time(task.run_after_utc)
        self.run_label.setText(f"{local}  ({utc})" if utc else local or "not set")
        moment = stored or datetime.now(timezone.utc) + timedelta(hours=1)
        self.when.setDateTime(QDateTime(moment.astimezone().replace(tzinfo=None)))
        self.when.setEnabled(False)
        for name, editor, value in (("payload", self.payload, task.payload),
                                    ("compatibility", self.compatibility, task.compatibility)):
            text, _note = fmt.pretty_json(value)
            editor.set_text(text)
            self._originals[name] = editor.text()
        self._originals.update(priority=self.priority.value(),
                               max_attempts=self.max_attempts.value())

    def set_read_only(self, reason: str) -> None:
        """Show the values, not let them change, and say why at the top."""
        self.reason.setText(f"Read-only: {reason}.")
        self.reason.show()
        for widget in (self.priority, self.max_attempts, self.keep, self.now, self.at,
                       self.when):
            widget.setEnabled(False)
        for editor in (self.payload, self.compatibility):
            editor.editor.setReadOnly(True)
        self.save.hide()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")

    def changes(self) -> dict[str, Any] | None:
        """The changed fields, or None after pointing at JSON that does not parse."""
        fields: dict[str, Any] = {}
        for name, spin in (("priority", self.priority), ("max_attempts", self.max_attempts)):
            if spin.value() != self._originals[name]:
                fields[name] = spin.value()
        if self.now.isChecked():
            fields["run_after"] = None
        elif self.at.isChecked():
            fields["run_after"] = self.when.dateTime().toPython().astimezone(timezone.utc)
        for name, editor in (("payload", self.payload), ("compatibility", self.compatibility)):
            if editor.text() == self._originals[name]:
                continue
            if not editor.validate():
                self.show_error(f"Fix the {name} JSON before saving.")
                editor.focus_error()
                return None
            fields[name] = editor.value()
        return fields

    def try_submit(self) -> None:
        fields = self.changes()
        if fields is None:
            return
        if not fields:
            self.show_error("Nothing was changed.")
            return
        self.message.hide()
        self.save.setEnabled(False)
        self.submitted.emit(fields)

    def show_error(self, text: str) -> None:
        """The core refused (bad value, busy file): say why, change nothing, let the user fix."""
        self.message.setText(text)
        self.message.show()
        self.save.setEnabled(True)


def _spin(bounds: tuple[int, int], value: int | None, name: str) -> QSpinBox:
    spin = QSpinBox(objectName=name)
    spin.setRange(*bounds)
    spin.setValue(value if value is not None else bounds[0])
    return spin
