"""Start-up timing: with ``PRISMQ_DESKTOP_STARTUP_PROBE=1`` the app prints
``first-paint <epoch seconds>`` once the task table has painted rows, then closes.

``scripts/startup_time.py`` starts the built program with it and subtracts its own clock
at launch, so the figure covers everything a user waits for: unpacking, Python, imports,
Qt, opening the file and the first rows.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QAbstractItemView, QApplication

from prismq_desktop.gui.platform_check import check

ENV = "PRISMQ_DESKTOP_STARTUP_PROBE"


class FirstPaint(QObject):
    """Watches paint events for the task table's viewport with rows in the model."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        if event.type() == QEvent.Type.Paint and self._is_table_with_rows(watched.parent()):
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
            QTimer.singleShot(0, self._report)  # after this paint has finished
        return False

    @staticmethod
    def _is_table_with_rows(widget: QObject | None) -> bool:
        return (isinstance(widget, QAbstractItemView) and widget.objectName() == "taskTable"
                and widget.model() is not None and widget.model().rowCount() > 0)

    def _report(self) -> None:
        print(f"first-paint {time.time():.3f}", flush=True)
        QApplication.closeAllWindows()


def install() -> None:
    """Create the QApplication early and watch for the first painted rows; not where Qt
    cannot start (it would abort): the command then says why in its one line."""
    if check().problem:
        return
    app = QApplication.instance() or QApplication(sys.argv[:1])
    probe = FirstPaint(app)
    app.installEventFilter(probe)
