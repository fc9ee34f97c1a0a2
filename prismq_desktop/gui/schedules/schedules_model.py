"""The Schedules tab's table: one row per schedule, every text made from the last read.

Next and last runs show in local time with UTC in the tooltip; the last task reads like a
link (the view opens it on a click).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QPalette

from prismq_desktop.core import Schedule
from prismq_desktop.gui.formatting import local_time
from prismq_desktop.gui.tasks.status_badge import is_dark, status_color

COLUMNS = ("Name", "Runs", "Time zone", "Task type", "Next run", "Last run", "Last task", "State")
NEXT_COLUMN, LAST_COLUMN, TASK_COLUMN, STATE_COLUMN = 4, 5, 6, 7
Index = QModelIndex | QPersistentModelIndex


class SchedulesModel(QAbstractTableModel):
    def __init__(self, palette: QPalette, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Schedule] = []
        self._palette = palette

    def set_rows(self, rows: list[Schedule]) -> None:
        """Replace the rows: the same names in the same order only repaint."""
        if [s.name for s in rows] == [s.name for s in self.rows]:
            self.rows = list(rows)
            if rows:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(len(rows) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def set_palette(self, palette: QPalette) -> None:
        self._palette = palette
        if self.rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self.rows) - 1, len(COLUMNS) - 1))

    def row_of(self, name: str) -> int | None:
        return next((i for i, s in enumerate(self.rows) if s.name == name), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt API)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._color(row, column)
        if role == Qt.ItemDataRole.FontRole and column == TASK_COLUMN and row.last_task_id:
            font = QFont()
            font.setUnderline(True)
            return font
        return None

    def _color(self, row: Schedule, column: int) -> Any:
        dark = is_dark(self._palette)
        if column == TASK_COLUMN and row.last_task_id:
            return self._palette.link().color()
        if column == STATE_COLUMN:
            return status_color("cancelled" if row.paused else "completed", dark)
        if column == NEXT_COLUMN and row.paused:
            return status_color("cancelled", dark)
        return None


def text(row: Schedule, column: int) -> str:
    spec = row.spec
    if column == 0:
        return row.name
    if column == 1:
        return f"{row.describe()}  ({spec.cron})"
    if column == 2:
        return spec.timezone
    if column == 3:
        return spec.type
    if column == NEXT_COLUMN:
        return "paused" if row.paused else (local_time(row.next_run)[0] or "never")
    if column == LAST_COLUMN:
        return local_time(row.last_run)[0] or "not yet"
    if column == TASK_COLUMN:
        if row.last_task_id is None:
            return ""
        return f"#{row.last_task_id} {row.last_task_status or 'deleted'}"
    return "Paused" if row.paused else "Active"


def tooltip(row: Schedule, column: int) -> str:
    if column == 1:
        return f"cron {row.spec.cron} in {row.spec.timezone}; catch-up after downtime: " \
               f"{row.spec.catch_up}"
    if column == NEXT_COLUMN and not row.paused:
        return local_time(row.next_run)[1]
    if column == LAST_COLUMN:
        return local_time(row.last_run)[1]
    if column == TASK_COLUMN and row.last_task_id is not None:
        return "Click to show this task"
    if column == 0:
        return "Double-click to edit; 'Show tasks' lists every task it made"
    return ""
