"""The debounced search box: the query language searches the table, ``#123`` jumps to a task."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

DEBOUNCE_MS = 300
ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
TIP = """Free text searches type, payload, error message and idempotency key.
Fields: type:transcode  status:failed,cancelled  status:stuck  error:timeout
  payload.query:"AI trends"  payload.size>100  compat.region:eu  worker:w-01
  key:s-001  created>2026-11-01  finished<-2h  priority<50  attempts>=3
Dates and times without a zone are local, as the table shows them
  (created>"2026-11-20 09:30"); add Z or an offset for another zone (created>2026-11-20T14:30Z).
A leading - or NOT negates a term or a group (-status:completed, NOT type:echo);
* is a wildcard in field values; a typo in a status is an error that suggests the name.
Terms side by side (or joined by AND) must all match; OR matches either, and AND binds
tighter: status:failed (type:transcode OR error:timeout). AND, OR, NOT in capitals only;
quote them to search for the word ("OR").
Type #123 and press Enter to jump to task 123.  (Ctrl+F)"""
_JUMP = re.compile(r"^\s*#\s*(\d{1,18})\s*$")


def task_jump(text: str) -> int | None:
    """The task id in ``#123`` (or None for ordinary search text)."""
    match = _JUMP.match(text)
    return int(match.group(1)) if match else None


class SearchBox(QLineEdit):
    #: The search text settled (typing paused, Enter pressed, or cleared).
    search_changed = Signal(str)
    #: ``#123`` was entered: show that task.
    jump_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchBox")
        self.setClearButtonEnabled(True)
        self.setPlaceholderText("Search…  e.g. error:timeout  status:failed,cancelled  "
                                "payload.size>100     #123 jumps to a task")
        self.setToolTip(TIP)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS, timeout=self._settle)
        self._last = ""
        self.textChanged.connect(self._typed)
        self.returnPressed.connect(self._settle)

    def _typed(self, text: str) -> None:
        if task_jump(text) is None:
            self._timer.start()
        else:
            self._timer.stop()

    def _settle(self) -> None:
        self._timer.stop()
        text = self.text()
        jump = task_jump(text)
        if jump is not None:
            self.jump_requested.emit(jump)
            return
        if text.strip() != self._last:
            self._last = text.strip()
            self.search_changed.emit(self._last)

    def set_text_silently(self, text: str) -> None:
        """Show a search another view applied, without searching again."""
        self._last = text.strip()
        blocked = self.blockSignals(True)
        self.setText(text)
        self.blockSignals(blocked)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        completer = self.completer()
        popup = completer.popup() if completer is not None else None
        if popup is not None and popup.isVisible():
            if event.key() in ENTER and not popup.currentIndex().isValid():
                popup.hide()  # Enter without choosing a completion searches at once
                self._settle()
                return
            if event.key() in (Qt.Key.Key_Escape, *ENTER):
                super().keyPressEvent(event)  # ignored: the completer closes or completes
                return
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            self._settle()
            return
        super().keyPressEvent(event)
