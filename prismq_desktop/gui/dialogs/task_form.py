"""The form the enqueue and edit dialogs share: priority, max attempts, when to run, payload and
compatibility JSON, an error line and the submit button.

One place decides how these fields look, which bounds they take and how JSON errors are pointed
at, so a task reads the same whether it is being created or changed. The dialogs add what is
theirs (type and idempotency key; the heading, read-only reason and "keep" choice).
"""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from prismq_desktop.core.validation import MAX_ATTEMPTS_RANGE, PRIORITY_RANGE
from prismq_desktop.gui import formatting as fmt
from prismq_desktop.gui.dialogs.json_editor import JsonEditor

DEFAULT_PRIORITY = 100
DEFAULT_MAX_ATTEMPTS = 5


class TaskFormDialog(QDialog):
    """A dialog holding the shared task fields; ``prefix`` names them for ``findChild``."""

    def __init__(self, prefix: str, run_choices: tuple[str, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.priority = _spin(PRIORITY_RANGE, f"{prefix}Priority",
                              "Lower numbers are claimed first by the priority strategy")
        self.max_attempts = _spin(MAX_ATTEMPTS_RANGE, f"{prefix}MaxAttempts",
                                  "How many times a worker may try before the task fails")
        self.priority.setValue(DEFAULT_PRIORITY)
        self.max_attempts.setValue(DEFAULT_MAX_ATTEMPTS)
        #: One radio button per choice ("Keep", "Now", ...), then "At" with its date-time.
        self.run_choices = {choice: QRadioButton(choice, objectName=f"{prefix}Run{choice}")
                            for choice in run_choices}
        self.run_choices[run_choices[0]].setChecked(True)
        self.at = QRadioButton("At", objectName=f"{prefix}RunAt")
        self.when = QDateTimeEdit(QDateTime.currentDateTime().addSecs(3600), calendarPopup=True,
                                  objectName=f"{prefix}RunAfter")
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.when_utc = QLabel(objectName=f"{prefix}RunAfterUtc")
        self.payload = JsonEditor(f"{prefix}Payload")
        self.compatibility = JsonEditor(f"{prefix}Compatibility")
        self.compatibility.editor.setPlaceholderText('{}   e.g. {"region": "eu"}')
        self.message = QLabel(objectName=f"{prefix}Message", wordWrap=True)
        self.message.setStyleSheet("color: #d9362b;")
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        self._submit: QPushButton | None = None
        self.at.toggled.connect(self._update_when)
        self.when.dateTimeChanged.connect(self._update_when)
        self._update_when()

    def add_submit(self, text: str, name: str) -> QPushButton:
        """The accept button; ``try_submit`` runs when it is pressed."""
        button = self._submit = self.buttons.addButton(text,
                                                       QDialogButtonBox.ButtonRole.AcceptRole)
        button.setObjectName(name)
        button.setDefault(True)
        button.clicked.connect(self.try_submit)
        return button

    def try_submit(self) -> None:
        raise NotImplementedError

    def add_schedule(self, form: QFormLayout, current_run: QLabel | None = None) -> None:
        """Rows for priority and max attempts, then when to run (under the stored value, if
        given)."""
        numbers = QHBoxLayout()
        numbers.addWidget(self.priority)
        numbers.addWidget(QLabel("Max attempts"))
        numbers.addWidget(self.max_attempts)
        numbers.addStretch(1)
        form.addRow("Priority", numbers)
        run = QHBoxLayout()
        group = QButtonGroup(self)
        for button in (*self.run_choices.values(), self.at):
            group.addButton(button)
            run.addWidget(button)
        run.addWidget(self.when)
        run.addWidget(self.when_utc)
        run.addStretch(1)
        if current_run is None:
            form.addRow("Run", run)
        else:
            form.addRow("Run after", current_run)
            form.addRow("", run)

    def add_json(self, form: QFormLayout) -> None:
        """Rows for the payload and compatibility editors."""
        form.addRow("Payload (JSON)", self.payload)
        form.addRow("Compatibility", self.compatibility)
        self.compatibility.editor.setMaximumHeight(80)
        self.compatibility.setSizePolicy(QSizePolicy.Policy.Preferred,
                                         QSizePolicy.Policy.Maximum)

    def set_run_after(self, moment: datetime) -> None:
        self.when.setDateTime(QDateTime(moment.astimezone().replace(tzinfo=None)))

    def run_after(self) -> datetime | None:
        """The chosen UTC moment when "At" is checked, else None."""
        if not self.at.isChecked():
            return None
        return self.when.dateTime().toPython().astimezone(timezone.utc)

    def _update_when(self, *_args: object) -> None:
        self.when.setEnabled(self.at.isChecked())
        moment = self.run_after()
        self.when_utc.setText(fmt.utc_text(moment) if moment is not None else "")

    def json_ok(self, editor: JsonEditor, message: str) -> bool:
        """Whether ``editor`` holds a JSON object; if not, say ``message`` and point at it."""
        if editor.validate():
            return True
        self.show_error(message)
        editor.focus_error()
        return False

    def submitting(self) -> None:
        """Input passed the local checks: hide the old message, no second press meanwhile."""
        self.message.hide()
        if self._submit is not None:
            self._submit.setEnabled(False)

    def show_error(self, text: str) -> None:
        """The core refused (bad value, busy file): say why, change nothing, let the user fix."""
        self.message.setText(text)
        self.message.show()
        if self._submit is not None:
            self._submit.setEnabled(True)


def _spin(bounds: tuple[int, int], name: str, tip: str) -> QSpinBox:
    spin = QSpinBox(objectName=name, toolTip=tip)
    spin.setRange(*bounds)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    return spin
