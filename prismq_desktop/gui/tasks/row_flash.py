"""The brief highlight of table rows that just changed, fading out in a few steps.

Kept apart from the model: a fade needs a timer and a colour, the model only asks which
tasks are lit and repaints them when a step passes.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QBrush, QColor

FLASH_SECONDS = 1.6
#: A few repaints per fade, not an animation: each repaint costs the GUI thread.
FADE_MS = 250
#: Alpha steps of the painted highlight; the fade repaints only every FADE_MS anyway.
BRUSH_LEVELS = 16


class RowFlash(QObject):
    #: Task ids whose highlight changed (repaint their rows).
    faded = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._until: dict[int, float] = {}
        self._color = QColor(255, 196, 0)
        self._brushes: dict[int, QBrush] = {}
        self._timer = QTimer(self, interval=FADE_MS, timeout=self._step)

    def mark(self, task_id: int) -> None:
        self._until[task_id] = time.monotonic() + FLASH_SECONDS
        if not self._timer.isActive():
            self._timer.start()

    def clear(self) -> None:
        self._until.clear()
        self._timer.stop()

    def color(self, task_id: int) -> QColor | None:
        """The highlight of a task's row now, None when it has none (the painted brush's)."""
        brush = self.brush(task_id)
        return None if brush is None else brush.color()

    def brush(self, task_id: int) -> QBrush | None:
        """The highlight as one of a few shared brushes (for painting): building a QColor or
        QBrush releases the GIL, and each re-take can wait for a busy worker thread."""
        until = self._until.get(task_id)
        if until is None:
            return None
        level = round(BRUSH_LEVELS * max(0.0, until - time.monotonic()) / FLASH_SECONDS)
        brush = self._brushes.get(level)
        if brush is None:
            color = QColor(self._color)
            color.setAlphaF(0.55 * level / BRUSH_LEVELS)
            brush = self._brushes[level] = QBrush(color)
        return brush

    def _step(self) -> None:
        lit = list(self._until)
        now = time.monotonic()
        self._until = {task: until for task, until in self._until.items() if until > now}
        if not self._until:
            self._timer.stop()
        self.faded.emit(lit)
