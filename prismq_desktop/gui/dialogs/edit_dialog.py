"""Editing a waiting task: priority, run after, max attempts, payload and compatibility JSON.

Only what the user changed is sent to the core (a scheduled task's run-after or an odd stored
payload stays exactly as it was unless touched). A running or finished task opens read-only
with the core's reason at the top; if the task starts running while the dialog is open, the
core refuses the save, and the dialog turns read-only with that reason. The fields it shares
with the enqueue dialog live in ``task_form``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from prismq_desktop.core import timeutil
from prismq_desktop.core.editing import refusal
from prismq_desktop.core.models import Task
from prismq_desktop.gui import formatting as fmt
from prismq_desktop.gui.dialogs.task_form import TaskFormDialog


class EditDialog(TaskFormDialog):
    #: Save pressed: {field: new value} for the fields that changed (Queue.edit's keywords).
    submitted = Signal(dict)

    def __init__(self, task: Task, parent: QWidget | None = None) -> None:
        super().__init__("edit", ("Keep", "Now"), parent)
        self.setObjectName("editDialog")
        self.task = task
        self.setWindowTitle(f"Edit task #{task.id} ({task.type})")
        self.heading = QLabel(f"Task #{task.id} · {task.type} · {task.status}",
                              objectName="editHeading")
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.reason = QLabel(objectName="editReason", wordWrap=True)
        self.reason.setStyleSheet("background: #fff4dc; color: #6b4a00; padding: 8px;"
                                  " border: 1px solid #f0d08c; border-radius: 4px;")
        self.reason.hide()
        self.now = self.run_choices["Now"]
        self.save = self.add_submit("Save", "editSave")
        self.run_label = QLabel()
        form = QFormLayout()
        self.add_schedule(form, self.run_label)
        self.add_json(form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.reason)
        layout.addLayout(form, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(580, 540)
        self._originals: dict[str, object] = {}
        self._fill(task)
        why = refusal(task)
        if why is not None:
            self.set_read_only(why)

    def _fill(self, task: Task) -> None:
        stored = timeutil.parse(task.run_after_utc)
        local, utc = fmt.local_time(task.run_after_utc)
        self.run_label.setText(f"{local}  ({utc})" if utc else local or "not set")
        self.set_run_after(stored or datetime.now(timezone.utc) + timedelta(hours=1))
        for spin, value in ((self.priority, task.priority),
                            (self.max_attempts, task.max_attempts)):
            number = fmt.as_int(value)
            spin.setValue(number if number is not None else spin.minimum())
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
        for widget in (self.priority, self.max_attempts, *self.run_choices.values(), self.at,
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
            fields["run_after"] = self.run_after()
        for name, editor in (("payload", self.payload), ("compatibility", self.compatibility)):
            if editor.text() == self._originals[name]:
                continue
            if not self.json_ok(editor, f"Fix the {name} JSON before saving."):
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
        self.submitting()
        self.submitted.emit(fields)
