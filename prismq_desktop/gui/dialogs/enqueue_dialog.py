"""The enqueue dialog: type, priority, JSON payload and compatibility, attempts, time, key.

The dialog only collects and checks what the user typed; the main window runs the core's
enqueue off the GUI thread and tells the dialog how it went (``finish`` or ``show_error``).
The fields it shares with the edit dialog live in ``task_form``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from prismq_desktop.core.models import Task
from prismq_desktop.gui import formatting as fmt
from prismq_desktop.gui.dialogs.task_form import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_PRIORITY,
    TaskFormDialog,
)


@dataclass(frozen=True)
class EnqueueRequest:
    type: str
    options: dict[str, Any]


class EnqueueDialog(TaskFormDialog):
    #: The user pressed Enqueue with input that passed the local checks.
    submitted = Signal(object)

    def __init__(self, known_types: list[str], parent: QWidget | None = None) -> None:
        super().__init__("enqueue", ("Now",), parent)
        self.setObjectName("enqueueDialog")
        self.setWindowTitle("Enqueue task")
        self.type = QComboBox(editable=True, objectName="typeEdit")
        self.type.addItems(known_types)
        self.type.setCurrentText("")
        line = self.type.lineEdit()
        if line is not None:  # always there: the box is editable
            line.setPlaceholderText("e.g. youtube_search")
        self.key = QLineEdit(objectName="keyEdit", placeholderText="optional; a repeat returns "
                             "the existing task")
        self.ok = self.add_submit("Enqueue", "enqueueButton")
        form = QFormLayout()
        form.addRow("Type", self.type)
        self.add_schedule(form)
        form.addRow("Idempotency key", self.key)
        self.add_json(form)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(560, 520)

    def fill_from(self, task: Task) -> None:
        """Prefill with a task's fields (duplicate), leaving the idempotency key empty."""
        self.type.setCurrentText(str(task.type or ""))
        for spin, stored, default in ((self.priority, task.priority, DEFAULT_PRIORITY),
                                      (self.max_attempts, task.max_attempts,
                                       DEFAULT_MAX_ATTEMPTS)):
            number = fmt.as_int(stored)  # 0 is a priority (the most urgent), not "unset"
            spin.setValue(default if number is None else number)
        for editor, stored in ((self.payload, task.payload),
                               (self.compatibility, task.compatibility)):
            text, _note = fmt.pretty_json(stored)
            editor.set_text("" if text.strip() == "{}" else text)
        self.setWindowTitle(f"Enqueue a copy of task #{task.id}")

    def request(self) -> EnqueueRequest | None:
        """The request, or None after pointing at what is wrong."""
        if not self.type.currentText().strip():
            self.show_error("Enter a task type.")
            self.type.setFocus()
            return None
        if not all(self.json_ok(editor, "Fix the JSON before enqueueing.")
                   for editor in (self.payload, self.compatibility)):
            return None
        return EnqueueRequest(self.type.currentText().strip(), {
            "payload": self.payload.value(), "priority": self.priority.value(),
            "max_attempts": self.max_attempts.value(), "run_after": self.run_after(),
            "idempotency_key": self.key.text() or None,
            "compatibility": self.compatibility.value()})

    def try_submit(self) -> None:
        request = self.request()
        if request is not None:
            self.submitting()
            self.submitted.emit(request)

    def finish(self) -> None:
        self.ok.setEnabled(True)
        self.accept()
