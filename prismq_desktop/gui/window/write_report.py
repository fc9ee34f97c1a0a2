"""What the runners of write batches share: a status-bar line, a ``finished`` signal, why a run
stopped early, and one message box that reports the outcome.

Cancel/retry of a selection (``tasks/selection_run``) and the actions on everything a filter
matches (``dialogs/bulk_run``) both write many tasks in the writer thread and must tell the
user, in one message, what was done and what was refused or left, never skip anything silently.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from prismq_desktop.core import QueueBusyError, ReadOnlyError
from prismq_desktop.gui.window.session import Session


def stop_reason(error: Exception) -> str:
    """Why a batch of writes stopped, in the user's words."""
    if isinstance(error, QueueBusyError):
        return "the queue file stayed locked by another process"
    if isinstance(error, ReadOnlyError):
        return "the file is read-only"
    return str(error)


class WriteReporter(QObject):
    #: A one-line outcome for the status bar.
    message = Signal(str)
    #: The run ended (completely or stopped); carries the runner's result.
    finished = Signal(object)

    def __init__(self, session: Session, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self._parent = parent

    def report(self, title: str, text: str, details: str, icon: QMessageBox.Icon,
               name: str) -> QMessageBox:
        """One non-modal box: ``text`` in bold, ``details`` under it; it deletes itself."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._parent)
        box.setObjectName(name)
        box.setInformativeText(details)
        box.finished.connect(box.deleteLater)
        box.open()
        return box
