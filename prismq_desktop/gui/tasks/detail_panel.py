"""The selected task: every field, timeline, progress, attempts, error and pretty JSON.

Odd rows are shown as they are: JSON that does not parse appears raw with a note, unknown
statuses and unreadable timestamps as stored.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from prismq_desktop.core.models import ACTIVE
from prismq_desktop.core.reports import Run, TaskDetails
from prismq_desktop.gui import formatting as fmt
from prismq_desktop.gui.tasks import long_text
from prismq_desktop.gui.tasks.detail_texts import BOXES, BoxText, box_texts
from prismq_desktop.gui.tasks.timeline import Timeline

FIELDS = (
    ("Priority", "priority"), ("Worker", "locked_by"), ("Lease until", "lease_until_utc"),
    ("Idempotency key", "idempotency_key"), ("Created", "created_at_utc"),
    ("Run after", "run_after_utc"), ("Claimed", "reserved_at_utc"),
    ("Started", "processing_started_utc"), ("Finished", "finished_at_utc"),
    ("Updated", "updated_at_utc"),
)

#: A field's value is shown up to this many characters (all of it in the tooltip, cut there
#: at long_text.TIP_CHARS).
FIELD_CHARS = 300
#: The error box grows to this many lines before it scrolls.
ERROR_LINES = 10


class TextBox(QWidget):
    """A titled, read-only text (pretty JSON or an error) with its notes and "Show all".

    The text comes cut to what lays out quickly (detail_texts, in the reader); it is set only
    when it changed, so a live refresh keeps the user's scroll position and selection in it.
    """

    #: "Show all" pressed.
    show_all = Signal()

    def __init__(self, title: str, most_lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.most_lines = most_lines
        self.title = _section(title)
        self.more = QToolButton(text="Show all", objectName="showAllButton")
        self.more.setToolTip("Open the whole text in a window of its own")
        self.more.clicked.connect(self.show_all)
        self.note = QLabel(objectName="jsonNote", wordWrap=True)  # the JSON did not parse
        self.clip_note = QLabel(objectName="clipNote", wordWrap=True)  # part is shown
        self.text = _mono_text()
        heading = QHBoxLayout()
        heading.setContentsMargins(0, 0, 0, 0)
        heading.addWidget(self.title)
        heading.addStretch(1)
        heading.addWidget(self.more)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(heading)
        for widget in (self.note, self.clip_note, self.text):
            layout.addWidget(widget)

    def set_box(self, box: BoxText) -> None:
        self.note.setText(f"⚠ {box.json_note}" if box.json_note else "")
        self.note.setVisible(bool(box.json_note))
        self.clip_note.setText(box.clipped.note)
        self.clip_note.setVisible(box.clipped.cut)
        self.more.setVisible(box.clipped.cut)
        if box.clipped.text != self.text.toPlainText():
            self.text.setPlainText(box.clipped.text)
            fit_height(self.text, box.clipped.text, self.most_lines)


class DetailPanel(QScrollArea):
    #: "Show all" pressed on a box: the Task field it shows.
    show_all = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("taskDetail")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.setWidget(body)
        self.heading = QLabel("No task selected")
        self.heading.setObjectName("detailHeading")
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.timeline = Timeline()
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.fields = QFormLayout()
        self.fields.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self._values: dict[str, QLabel] = {}
        self.attempts = QLabel()
        self.attempts.setWordWrap(True)
        self.boxes = {field: TextBox(title, ERROR_LINES if field == "error_message" else 14)
                      for field, (title, _json) in BOXES.items()}
        self.error = self.boxes["error_message"]
        self.payload = self.boxes["payload"]
        self.compatibility = self.boxes["compatibility"]
        for field, box in self.boxes.items():
            box.show_all.connect(lambda f=field: self.show_all.emit(f))
        self._build(body)
        self._body_shown = True
        self.show_details(None)

    def _build(self, body: QWidget) -> None:
        for label, column in (("Attempts", "attempts"), *FIELDS):
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            # One line each: wrapped labels make the scroll area squeeze every row (it does
            # not ask heights for the width); a long key or worker id is clipped, and its
            # full text is in the tooltip and can be selected.
            value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self._values[column] = value
            self.fields.addRow(label, value)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 10, 12, 10)
        widget: QWidget
        for widget in (self.heading, self.timeline, self.progress):
            layout.addWidget(widget)
        layout.addLayout(self.fields)
        for widget in (self.attempts, self.error, self.payload, self.compatibility):
            layout.addWidget(widget)
        layout.addStretch(1)

    def show_details(self, details: TaskDetails | None, status: str = "",
                     texts: dict[str, BoxText] | None = None) -> None:
        """Show one task (or the empty state); ``status`` is the displayed one (scheduled…),
        ``texts`` the boxes' texts prepared in the reader (detail_texts.box_texts)."""
        self._show_body(details is not None)
        if details is None:
            self.heading.setText("No task selected")
            self.timeline.set_task(None)
            return
        task = details.task
        status = status or str(task.status)
        self.heading.setText(f"<b>#{task.id}</b>&nbsp;&nbsp;{html.escape(str(task.type))}"
                             f"&nbsp;&nbsp;<span style='opacity:.7'>{html.escape(status)}</span>")
        self.timeline.set_task(task, status, details.runs)
        self._fill_fields(details)
        self._fill_progress(details.progress, task.status in ACTIVE)
        self.attempts.setText(_runs_text(details.runs))
        self.attempts.setVisible(bool(details.runs))
        texts = texts if texts is not None else box_texts(task)
        for field, box in self.boxes.items():
            box.set_box(texts[field])
        self.error.setVisible(bool(task.error_message))

    def _show_body(self, shown: bool) -> None:
        """Show or hide everything under the heading, only when that changes: a live refresh
        every half second must not flip widgets (the layout would jump and squeeze rows).
        Direct children only: a text box's own scroll bars and viewport are Qt's to show."""
        if shown == self._body_shown:
            return
        self._body_shown = shown
        body = self.widget()
        if body is None:
            return
        for child in body.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if child is not self.heading:
                child.setVisible(shown)

    def _fill_fields(self, details: TaskDetails) -> None:
        task = details.task
        self._values["attempts"].setText(f"{task.attempts} of {task.max_attempts}")
        for _label, column in FIELDS:
            value = getattr(task, column)
            label = self._values[column]
            if column.endswith("_utc"):
                text, tip = fmt.local_time(value)
                label.setText(text or "—")
                label.setToolTip(tip)
            else:
                text = "" if value in (None, "") else str(value)
                label.setText(long_text.one_line(text, FIELD_CHARS)[0] if text else "—")
                label.setToolTip(long_text.tip(text))

    def _fill_progress(self, progress: tuple | None, running: bool) -> None:
        """A live bar while the task runs; once it stopped, its last report greyed out (a
        busy indicator or a bright bar on a failed task would read as still running)."""
        fraction = progress[0] if progress else None
        self.progress.setVisible(progress is not None)
        if progress is None:
            return
        self.progress.setEnabled(running)
        self.progress.setRange(0, 0 if fraction is None and running else 1000)
        self.progress.setValue(int((fraction or 0) * 1000))
        message = progress[1] or ""
        percent = "" if fraction is None else f"{fraction * 100:.0f} %"
        text = " · ".join(p for p in (percent, message) if p)
        self.progress.setFormat(text if running else f"last reported: {text}")


def fit_height(edit: QPlainTextEdit, text: str, most_lines: int) -> None:
    """Size a text box to its content (wrapped lines estimated), up to ``most_lines``; it
    stops measuring once that many lines are counted."""
    metrics = edit.fontMetrics()
    width = max(1, edit.viewport().width() or 320)
    lines = 0
    for line in text.split("\n"):
        lines += 1 + metrics.horizontalAdvance(line) // width
        if lines >= most_lines:
            break
    edit.setFixedHeight(min(max(lines, 1), most_lines) * metrics.lineSpacing() + 14)


def _runs_text(runs: list[Run]) -> str:
    lines = ["<b>Attempt history</b>"]
    for run in runs:
        when = datetime.fromtimestamp(run.finished, timezone.utc).astimezone()
        worker = html.escape(str(run.worker_id or "?"))
        lines.append(f"#{run.attempt} {html.escape(str(run.outcome))} on {worker}"
                     f" — waited {fmt.duration(run.wait_s) or '?'}, ran "
                     f"{fmt.duration(run.run_s) or '?'}, at {when:%Y-%m-%d %H:%M:%S}")
    return "<br>".join(lines)


def _section(title: str) -> QLabel:
    label = QLabel(f"<b>{title}</b>")
    label.setObjectName("detailSection")
    return label


def _mono_text() -> QPlainTextEdit:
    text = QPlainTextEdit()
    text.setReadOnly(True)
    text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
    return text


