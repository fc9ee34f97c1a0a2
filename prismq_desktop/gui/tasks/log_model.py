"""A task's log as a table model that only grows at the end (for a live tail), and its filter."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from prismq_desktop.core.models import TaskLog
from prismq_desktop.gui import formatting as fmt

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LEVEL_COLORS = {"DEBUG": "#808890", "WARNING": "#d08a00", "ERROR": "#e0443c"}
HEADERS = ("Time", "Level", "Message")
Index = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()


def level_rank(level: object) -> int:
    text = str(level or "").upper()
    text = "WARNING" if text == "WARN" else text
    return LEVELS.index(text) if text in LEVELS else 1


def entry_text(entry: TaskLog) -> str:
    """One log line as plain text (copy and save)."""
    local, _utc = fmt.local_time(entry.at_utc)
    details = f"  {entry.details}" if entry.details else ""
    return f"{local}  {str(entry.level or ''):<7}  {entry.message or ''}{details}"


class LogModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.entries: list[TaskLog] = []
        self._texts: list[tuple[str, str, str, str]] = []

    def rowCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        texts = self._texts[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return texts[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return texts[3] if index.column() == 0 else _details_tip(self.entries[index.row()])
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1:
            color = LEVEL_COLORS.get(texts[1])
            return QColor(color) if color else None
        return None

    def clear(self) -> None:
        self.beginResetModel()
        self.entries, self._texts = [], []
        self.endResetModel()

    def append(self, entries: list[TaskLog]) -> None:
        if not entries:
            return
        first = len(self.entries)
        self.beginInsertRows(QModelIndex(), first, first + len(entries) - 1)
        self.entries.extend(entries)
        self._texts.extend(_texts(entry) for entry in entries)
        self.endInsertRows()

    @property
    def last_id(self) -> int:
        return int(self.entries[-1].log_id) if self.entries else 0


def _texts(entry: TaskLog) -> tuple[str, str, str, str]:
    local, utc = fmt.local_time(entry.at_utc)
    message = str(entry.message or "")
    if entry.details:
        message += f"   {fmt.first_line(entry.details, 200)}"
    return local, str(entry.level or "").upper(), message, utc


def _details_tip(entry: TaskLog) -> str | None:
    if not entry.details:
        return str(entry.message or "") or None
    text, _note = fmt.pretty_json(entry.details)
    return f"{entry.message or ''}\n\n{text[:4000]}"


class LogFilter(QSortFilterProxyModel):
    """Hides lines below a level and lines that do not contain the search text."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._min_rank = 0
        self._text = ""

    def set_min_level(self, level: str) -> None:
        self._refilter(lambda: setattr(self, "_min_rank", level_rank(level)))

    def set_text(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "_text", text.strip().lower()))

    def _refilter(self, change: Callable[[], None]) -> None:
        """Qt 6.10 replaced invalidateFilter with begin/endFilterChange; use what exists."""
        if hasattr(self, "endFilterChange"):
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:  # noqa: N802 (Qt override)
        model = self.sourceModel()
        assert isinstance(model, LogModel)
        entry = model.entries[row]
        if level_rank(entry.level) < self._min_rank:
            return False
        return not self._text or self._text in entry_text(entry).lower()
