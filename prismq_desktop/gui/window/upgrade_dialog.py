"""The "Upgrading <file> for this version… N %" dialog while an open migrates an old file.

The open runs on the opener's thread and reports fractions through a queued signal; this
only shows them. A quick upgrade never flashes a dialog: it appears once the upgrade has run
for ``SHOW_AFTER_MS``. Cancel asks the opener to stop; the core rolls the upgrade back, so
the file stays as it was, and the open fails with a message saying so.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressBar, QProgressDialog, QWidget

from prismq_desktop.core.locations import display_name

#: An upgrade quicker than this shows no dialog.
SHOW_AFTER_MS = 500
STEPS = 1000


class UpgradeProgress(QObject):
    """Shows an open's upgrade progress after a moment; ``cancel_requested`` on Cancel."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.dialog: QProgressDialog | None = None
        self._name = ""
        self._fraction = 0.0
        self._timer = QTimer(self, singleShot=True, interval=SHOW_AFTER_MS)
        self._timer.timeout.connect(self._show)

    def start(self, path: str | Path) -> None:
        """An open of ``path`` begins (nothing shows unless it reports an upgrade)."""
        self.finish()
        self._name = display_name(path)
        self._fraction = 0.0

    def report(self, fraction: float) -> None:
        """The opener's ``upgrading``: the first report starts the clock to the dialog."""
        self._fraction = fraction
        if self.dialog is not None:
            self._update()
        elif not self._timer.isActive() and fraction < 1.0:
            self._timer.start()

    def finish(self) -> None:
        """The open ended (opened, failed or cancelled): no dialog any more."""
        self._timer.stop()
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.canceled.disconnect(self._cancel)
            dialog.close()
            dialog.deleteLater()

    def _show(self) -> None:
        dialog = QProgressDialog(self._parent, minimumDuration=0, autoClose=False,
                                 autoReset=False)
        dialog.setObjectName("upgradeDialog")
        bar = QProgressBar(textVisible=False)  # the label says the percentage once
        dialog.setBar(bar)
        dialog.setRange(0, STEPS)
        dialog.setWindowTitle("Upgrading queue file")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumWidth(420)
        dialog.canceled.connect(self._cancel)
        self.dialog = dialog
        self._update()
        dialog.show()

    def _update(self) -> None:
        assert self.dialog is not None
        percent = int(self._fraction * 100)
        self.dialog.setLabelText(f"Upgrading {self._name} for this version… {percent} %\n"
                                 "Cancel leaves the file exactly as it was.")
        self.dialog.setValue(round(self._fraction * STEPS))

    def _cancel(self) -> None:
        """Cancel pressed (QProgressDialog hides itself): the upgrade stops within moments."""
        self.cancel_requested.emit()
