"""The busy cue over a table while a new order or filter loads (issue 11.19).

The old rows stay until the new query's first rows come, up to a second at a million rows
for some sorts; without a cue a click looked ignored. The cursor turns busy at once, and a
note ("Sorting by priority…") shows over the rows when the wait is long enough to notice.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QLabel

#: A wait longer than this (ms) shows the note (shorter ones would only flicker).
DELAY_MS = 150
#: Window colours with a frame: it must read over any row, the selected one included.
STYLE = ("QLabel { background: palette(window); color: palette(window-text);"
         " border: 1px solid palette(mid); border-radius: 4px; padding: 6px 14px; }")


class BusyNote(QObject):
    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view
        self.label = QLabel(view.viewport(), objectName="tableBusy")
        self.label.setStyleSheet(STYLE)
        self.label.hide()
        self.text = ""
        self._later = QTimer(self, singleShot=True, interval=DELAY_MS, timeout=self._show)

    def set_loading(self, on: bool) -> None:
        viewport = self.view.viewport()
        if on:
            viewport.setCursor(Qt.CursorShape.BusyCursor)
            if not self._later.isActive() and not self.label.isVisible():
                self._later.start()
            return
        self._later.stop()
        self.text = ""
        self.label.hide()
        viewport.unsetCursor()

    def _show(self) -> None:
        self.label.setText(self.text or "Loading…")
        self.label.adjustSize()
        viewport = self.view.viewport()
        self.label.move((viewport.width() - self.label.width()) // 2,
                        (viewport.height() - self.label.height()) // 3)
        self.label.show()
        self.label.raise_()
