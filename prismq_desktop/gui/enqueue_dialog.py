"""The enqueue dialog: type, priority, JSON payload and compatibility, attempts, time, key.

The dialog only collects and checks what the user typed; the main window runs the core's
enqueue off the GUI thread and tells the dialog how it went (``finish`` or ``show_error``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from typing import Any

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from prismq_desktop.core.models import Task
from prismq_desktop.core.validation import MAX_ATTEMPTS_RANGE, PRIORITY_RANGE
from prismq_desktop.gui import formatting as fmt
from prismq_desktop.gui.json_editor import JsonEditor


@dataclass(frozen=True)
class EnqueueRequest:
    type: str
    options: dict[str, Any]


class EnqueueDialog(QDialog):
    #: The user pressed Enqueue with input that passed the local checks.
    submitted = Signal(object)

    def __init__(self, known_types: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enqueueDialog")
        self.setWindowTitle("Enqueue task")
        self.type = QComboBox(editable=True, objectName="typeEdit")
        self.type.addItems(known_types)
        self.type.setCurrentText("")
        self.type.lineEdit().setPlaceholderText("e.g. youtube_search")
        self.priority = _spin(PRIORITY_RANGE, 100, "priorityEdit",
                              "Lower numbers are claimed first by the priority strategy")
        self.max_attempts = _spin(MAX_ATTEMPTS_RANGE, 5, "maxAttemptsEdit",
                                  "How many times a worker may try before the task fails")
        self.run_now = QRadioButton("Now", checked=True)
        self.run_at = QRadioButton("At")
        self.when = QDateTimeEdit(QDateTime.currentDateTime().addSecs(3600), calendarPopup=True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.when_utc = QLabel()
        self.key = QLineEdit(objectName="keyEdit", placeholderText="optional; a repeat returns "
                             "the existing task")
        self.payload = JsonEditor("payload")
        self.compatibility = JsonEditor("compatibility")
        self.compatibility.editor.setPlaceholderText('{}   e.g. {"region": "eu"}')
        self.message = QLabel(objectName="enqueueMessage", wordWrap=True)
        self.message.setStyleSheet("color: #d9362b;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton("Enqueue", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("enqueueButton")
        self.ok.setDefault(True)
        self._build()
        self._wire()
        self._update_when()

    def _build(self) -> None:
        when = QHBoxLayout()
        group = QButtonGroup(self)
        for widget in (self.run_now, self.run_at, self.when, self.when_utc):
            when.addWidget(widget)
        group.addButton(self.run_now)
        group.addButton(self.run_at)
        when.addStretch(1)
        form = QFormLayout()
        form.addRow("Type", self.type)
        numbers = QHBoxLayout()
        numbers.addWidget(self.priority)
        numbers.addWidget(QLabel("Max attempts"))
        numbers.addWidget(self.max_attempts)
        numbers.addStretch(1)
        form.addRow("Priority", numbers)
        form.addRow("Run", when)
        form.addRow("Idempotency key", self.key)
        form.addRow("Payload (JSON)", self.payload)
        form.addRow("Compatibility", self.compatibility)
        self.compatibility.editor.setMaximumHeight(70)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.message.hide()
        self.resize(560, 520)

    def _wire(self) -> None:
        self.buttons.rejected.connect(self.reject)
        self.ok.clicked.connect(self.try_submit)
        self.run_at.toggled.connect(self._update_when)
        self.when.dateTimeChanged.connect(self._update_when)

    def _update_when(self, *_args: object) -> None:
        self.when.setEnabled(self.run_at.isChecked())
        moment = self.when.dateTime().toPython().astimezone(timezone.utc)
        self.when_utc.setText(fmt.utc_text(moment) if self.run_at.isChecked() else "")

    def fill_from(self, task: Task) -> None:
        """Prefill with a task's fields (duplicate), leaving the idempotency key empty."""
        self.type.setCurrentText(str(task.type or ""))
        self.priority.setValue(fmt.as_int(task.priority) or 100)
        self.max_attempts.setValue(fmt.as_int(task.max_attempts) or 5)
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
        for editor in (self.payload, self.compatibility):
            if not editor.validate():
                self.show_error("Fix the JSON before enqueueing.")
                editor.focus_error()
                return None
        run_after = (self.when.dateTime().toPython().astimezone(timezone.utc)
                     if self.run_at.isChecked() else None)
        return EnqueueRequest(self.type.currentText().strip(), {
            "payload": self.payload.value(), "priority": self.priority.value(),
            "max_attempts": self.max_attempts.value(), "run_after": run_after,
            "idempotency_key": self.key.text() or None,
            "compatibility": self.compatibility.value()})

    def try_submit(self) -> None:
        request = self.request()
        if request is not None:
            self.message.hide()
            self.ok.setEnabled(False)
            self.submitted.emit(request)

    def show_error(self, text: str) -> None:
        """The core refused (or the file is busy): say why and let the user fix it."""
        self.message.setText(text)
        self.message.show()
        self.ok.setEnabled(True)

    def finish(self) -> None:
        self.ok.setEnabled(True)
        self.accept()


def _spin(bounds: tuple[int, int], value: int, name: str, tip: str) -> QSpinBox:
    spin = QSpinBox(objectName=name, toolTip=tip)
    spin.setRange(*bounds)
    spin.setValue(value)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    return spin
