"""Acting on every task the current filter matches: the one confirmation, with exact counts.

The dialog opens at once saying it is counting; the reader then counts the filter's matches
and, among them, the tasks the action can apply to (the filter narrowed to the statuses the
core's guard accepts), and the dialog states both numbers before anything can be confirmed.
The run itself (``bulk_run``) acts on exactly those eligible tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from prismq_desktop.core import TaskQuery
from prismq_desktop.core.validation import PRIORITY_RANGE
from prismq_desktop.gui.formatting import counted


@dataclass(frozen=True)
class BulkKind:
    """One bulk action as the user sees it; ``eligible``: the (pseudo) statuses it applies to."""

    action: str
    verb: str
    doing: str
    eligible: tuple[str, ...]
    noun: str
    note: str = ""


KINDS: dict[str, BulkKind] = {kind.action: kind for kind in (
    BulkKind("cancel", "Cancel", "Cancelling", ("queued", "scheduled", "leased", "processing"),
             "waiting or running", "Running handlers are told to stop."),
    BulkKind("retry", "Retry", "Retrying", ("failed", "cancelled", "dead_letter"),
             "failed, cancelled or dead-letter", "Each runs again with its full attempts."),
    BulkKind("delete", "Delete", "Deleting", ("completed", "failed", "cancelled", "dead_letter"),
             "finished", "Deleted tasks and their logs cannot be restored."),
    BulkKind("set_priority", "Set the priority of", "Setting the priority of",
             ("queued", "scheduled"), "waiting", "Lower numbers are claimed first."),
    BulkKind("run_now", "Run now", "Making runnable", ("scheduled",), "scheduled",
             "Their run-after time becomes now, so workers claim them at once."),
    BulkKind("requeue_stuck", "Requeue", "Requeueing", ("stuck",), "stuck",
             "Tasks out of attempts are marked failed instead."),
)}


def eligible_query(query: TaskQuery, kind: BulkKind) -> TaskQuery:
    """The filter narrowed to the tasks the action applies to.

    Without a status filter the statuses go in as one (countable from the totals when the
    rest of the query is simple: 0.1 ms instead of a 0.6 s scan of a million rows); with
    one, a ``status:`` search term is ANDed to it.
    """
    if not query.statuses:
        return replace(query, statuses=kind.eligible)
    return replace(query, text=f"{query.text} status:{','.join(kind.eligible)}".strip())


def describe_query(query: TaskQuery) -> str:
    """The filter in words, e.g. "status failed · type transcode · search “payload.size>1”"."""
    parts = []
    if query.statuses:
        parts.append("status " + ", ".join(s.replace("\x00", "") for s in query.statuses))
    if query.types:
        parts.append("type " + ", ".join(query.types))
    if query.text:
        parts.append(f"search “{query.text}”")
    return " · ".join(parts) or "all tasks in the file"


class BulkConfirm(QDialog):
    """Asks once, stating the exact count; ``confirmed(value)`` carries the new priority."""

    confirmed = Signal(object)

    def __init__(self, kind: BulkKind, query: TaskQuery, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bulkConfirm")
        self.setWindowTitle(f"{kind.verb} all matching tasks")
        self.kind = kind
        self.heading = QLabel("Counting the matching tasks…", objectName="bulkHeading")
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.filter = QLabel(f"Filter: {describe_query(query)}", objectName="bulkFilter")
        self.filter.setWordWrap(True)
        self.detail = QLabel(objectName="bulkDetail", wordWrap=True)
        self.note = QLabel(kind.note, objectName="bulkNote", wordWrap=True)
        self.priority = QSpinBox(objectName="bulkPriority")
        self.priority.setRange(*PRIORITY_RANGE)
        self.priority.setValue(100)
        self.priority.setMinimumWidth(90)
        self.priority_row = QWidget()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(kind.verb, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("bulkOk")
        self.ok.setEnabled(False)
        self.count: int | None = None
        self._build()
        self.buttons.rejected.connect(self.reject)
        self.ok.clicked.connect(self._confirm)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        for widget in (self.heading, self.filter, self.detail, self.note):
            layout.addWidget(widget)
        row = QHBoxLayout(self.priority_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("New priority"))
        row.addWidget(self.priority)
        row.addStretch(1)
        layout.addWidget(self.priority_row)
        self.priority_row.setVisible(self.kind.action == "set_priority")
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        if self.kind.action == "delete":
            self.note.setStyleSheet("color: #d9362b;")
        self.setMinimumWidth(480)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)

    def set_counts(self, matches: int, eligible: int) -> None:
        """Both counts are in: say exactly what will happen, and allow it if anything will."""
        kind, left = self.kind, max(0, matches - eligible)
        self.count = eligible
        if eligible == 0:
            self.heading.setText(f"None of the {counted(matches, 'task')} matching the filter "
                                 f"{'is' if matches == 1 else 'are'} {kind.noun}; "
                                 "nothing would change.")
            for widget in (self.detail, self.note, self.priority_row, self.ok):
                widget.hide()
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
            return
        self.heading.setText(f"{kind.verb} {counted(eligible, 'task')}?")
        self.detail.setText(
            f"The filter matches {counted(matches, 'task')}; only {kind.noun} tasks qualify, so "
            f"{counted(left, 'task')} will be left alone." if left else
            f"All {counted(matches, 'task')} matching the filter are {kind.noun}.")
        self.ok.setText(f"{kind.verb} {counted(eligible, 'task')}")
        self.ok.setEnabled(True)
        self.ok.setDefault(kind.action != "delete")

    def show_error(self, text: str) -> None:
        self.heading.setText("Could not count the matching tasks")
        self.detail.setText(text)
        self.detail.setStyleSheet("color: #d9362b;")

    def _confirm(self) -> None:
        value = self.priority.value() if self.kind.action == "set_priority" else None
        self.accept()
        self.confirmed.emit(value)

