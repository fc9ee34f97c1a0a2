"""Add or edit a schedule, with the expression in words and its next five runs as you type.

The preview is pure arithmetic (no file): it runs on the GUI thread on every keystroke. The
dialog only collects; the view stores through the writer and answers with ``finish`` or
``show_error``, so a refused schedule keeps the dialog open with what the user typed.
"""

from __future__ import annotations

import functools
import html
import zoneinfo
from datetime import datetime, timezone
from typing import Any

from PySide6.QtCore import QTimeZone, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from prismq_desktop.core import CATCH_UP, Queue, QueueDatabaseError, Schedule, local_zone_name
from prismq_desktop.gui.formatting import LOCAL_FORMAT

CATCH_UP_TEXT = {"latest": "Run the latest missed tick once", "all": "Run every missed tick",
                 "none": "Skip missed ticks"}


@functools.lru_cache(maxsize=1)
def zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def system_zone() -> str:
    """This machine's IANA zone as Qt knows it (Windows too), else the core's guess."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode(errors="replace")
    return name if name in zone_names() else local_zone_name()


class ScheduleDialog(QDialog):
    #: The user pressed Save with input the preview accepted: ``Queue.add_schedule``'s
    #: keyword arguments plus ``name``.
    submitted = Signal(dict)

    def __init__(self, known_types: list[str], schedule: Schedule | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scheduleDialog")
        self.editing = schedule
        self.setWindowTitle(f"Edit schedule {schedule.name}" if schedule else "Add schedule")
        self.name = QLineEdit(objectName="scheduleName", placeholderText="e.g. nightly-report")
        self.cron = QLineEdit(objectName="cronEdit", placeholderText="*/5 * * * *")
        self.cron.setToolTip("minute hour day-of-month month day-of-week, e.g. 30 2 * * 1-5; "
                             "or @hourly, @daily, @weekly, @monthly, @yearly")
        self.words = QLabel(objectName="cronWords", wordWrap=True)
        self.zone = QComboBox(editable=True, objectName="zoneEdit")
        self.zone.addItems(zone_names())
        completer = QCompleter(zone_names(), self.zone)
        completer.setFilterMode(completer.filterMode().MatchContains)
        completer.setCaseSensitivity(completer.caseSensitivity().CaseInsensitive)
        self.zone.setCompleter(completer)
        self.type = QComboBox(editable=True, objectName="scheduleType")
        self.type.addItems(known_types)
        self.payload = QPlainTextEdit(objectName="schedulePayload", placeholderText="{}")
        self.payload.setFixedHeight(80)
        self.priority = QSpinBox(objectName="schedulePriority", minimum=0, maximum=1000,
                                 value=100)
        self.max_attempts = QSpinBox(objectName="scheduleAttempts", minimum=1, maximum=100,
                                     value=5)
        self.catch_up = QComboBox(objectName="catchUp")
        for key in CATCH_UP:
            self.catch_up.addItem(CATCH_UP_TEXT[key], key)
        self.preview = QLabel(objectName="schedulePreview", wordWrap=True)
        self.message = QLabel(objectName="scheduleMessage", wordWrap=True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok: QPushButton = self.buttons.addButton(
            "Save" if schedule else "Add", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("saveSchedule")
        self.buttons.rejected.connect(self.reject)
        self.ok.clicked.connect(self._submit)
        self._layout()
        self._fill(schedule)
        for signal in (self.cron.textChanged, self.zone.currentTextChanged):
            signal.connect(self.update_preview)
        self.update_preview()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Cron", self.cron)
        form.addRow("", self.words)
        form.addRow("Time zone", self.zone)
        form.addRow("Next runs", self.preview)
        form.addRow("Task type", self.type)
        form.addRow("Payload (JSON)", self.payload)
        form.addRow("Priority", self.priority)
        form.addRow("Max attempts", self.max_attempts)
        form.addRow("After downtime", self.catch_up)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.message.hide()
        self.resize(560, 520)

    def _fill(self, schedule: Schedule | None) -> None:
        if schedule is None:
            self.zone.setCurrentText(system_zone())
            self.type.setCurrentText("")
            return
        spec = schedule.spec
        self.name.setText(spec.name)
        self.name.setReadOnly(True)
        self.cron.setText(spec.cron)
        self.zone.setCurrentText(spec.timezone)
        self.type.setCurrentText(spec.type)
        self.payload.setPlainText("" if spec.payload == "{}" else spec.payload)
        self.priority.setValue(spec.priority)
        self.max_attempts.setValue(spec.max_attempts)
        self.catch_up.setCurrentIndex(max(self.catch_up.findData(spec.catch_up), 0))

    # -- live preview ------------------------------------------------------------------------
    def update_preview(self) -> bool:
        """Words and the next five runs, or the error with its position; True when valid."""
        expression, zone = self.cron.text(), self.zone.currentText().strip()
        try:
            runs = Queue.preview_schedule(expression, zone, datetime.now(timezone.utc), 5)
            words = Queue.describe_cron(expression)
        except QueueDatabaseError as exc:  # CronError or an unknown zone: say so, keep typing
            self.words.setText(f"<span style='color:#c0392b'>{html.escape(str(exc))}</span>"
                               if expression.strip() else "")
            self.preview.setText("")
            self.ok.setEnabled(False)
            return False
        self.words.setText(words)
        self.preview.setText("<br>".join(_run_line(run, zone) for run in runs) or "never")
        self.ok.setEnabled(True)
        return True

    # -- submit and the answer ------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        return {"name": self.name.text().strip(), "cron": self.cron.text().strip(),
                "type": self.type.currentText().strip(),
                "payload": self.payload.toPlainText().strip() or None,
                "priority": self.priority.value(), "max_attempts": self.max_attempts.value(),
                "timezone": self.zone.currentText().strip(),
                "catch_up": self.catch_up.currentData()}

    def _submit(self) -> None:
        if not self.update_preview():
            return
        self.ok.setEnabled(False)
        self.message.hide()
        self.submitted.emit(self.values())

    def show_error(self, text: str) -> None:
        self.message.setText(f"<span style='color:#c0392b'>{html.escape(text)}</span>")
        self.message.show()
        self.ok.setEnabled(True)

    def finish(self) -> None:
        self.accept()


def _run_line(run: datetime, zone: str) -> str:
    """Local time of this machine, and the schedule's own when that differs."""
    local = run.astimezone()
    text = local.strftime(f"{LOCAL_FORMAT} %a")
    there = run.astimezone(zoneinfo.ZoneInfo(zone))
    if zone != system_zone():
        text += f"  ·  {there.strftime('%H:%M %Z')} in {zone}"
    return text


