"""Progress of a long core operation (bulk action, export) shown live, with a Cancel button.

The core calls ``progress(done, total)`` on its own thread between batches and checks a
``threading.Event`` to stop; ``Progress`` relays the calls to the GUI thread by a queued
signal and owns the event, so the GUI never waits on the operation and the operation never
touches a widget.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from prismq_desktop.gui.formatting import thousands


class Progress(QObject):
    #: (done, total), delivered on the GUI thread.
    progressed = Signal(int, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cancel = threading.Event()

    def report(self, done: int, total: int) -> bool:
        """The core's progress callback (any thread): False once the user cancelled."""
        self.progressed.emit(done, total)
        return not self.cancel.is_set()


class ProgressPanel(QWidget):
    """What is happening, a bar with counts, and a Cancel button that stops between batches."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(objectName="progressLabel", wordWrap=True)
        self.bar = QProgressBar(objectName="progressBar")
        self.bar.setRange(0, 0)  # busy until the first report gives the total
        self.bar.setTextVisible(False)
        self.counts = QLabel(objectName="progressCounts")
        self.cancel_button = QPushButton("Cancel", objectName="progressCancel")
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.counts)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addLayout(row)
        self._progress: Progress | None = None
        self.cancel_button.clicked.connect(self._cancel)

    def start(self, text: str, progress: Progress) -> None:
        self._progress = progress
        progress.progressed.connect(self.set_value)
        self.label.setText(text)
        self.bar.setRange(0, 0)
        self.counts.setText("starting…")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")

    def set_value(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done if total else 1)
        self.counts.setText(f"{thousands(done)} of {thousands(total)}")

    def _cancel(self) -> None:
        if self._progress is not None:
            self._progress.cancel.set()
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Stopping…")
        self.label.setText(self.label.text() + "  Stopping after the current batch…")
