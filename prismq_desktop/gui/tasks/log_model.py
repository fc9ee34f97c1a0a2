"""A task's log as a table model that only grows at the end (for a live tail), and its filter.

Each line's texts are made in the reader thread (``with_texts``), cut to bounded sizes
(long_text), so no line, however long, is laid out or scanned whole on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from prismq_desktop.core.models import FROM_START, TaskLog
from prismq_desktop.gui import formatting as fmt
from prismq_desktop.gui.tasks import long_text
from prismq_desktop.gui.tasks.long_text import one_line

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LEVEL_COLORS = {"DEBUG": "#808890", "WARNING": "#d08a00", "ERROR": "#e0443c"}
HEADERS = ("Time", "Level", "Message")
#: The filter searches this many characters of each line's message and of its details.
SEARCH_CHARS = 65_536
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
    return f"{local}  {entry.level or ''!s:<7}  {entry.message or ''}{details}"


@dataclass(frozen=True)
class LineText:
    """One log line's texts, made in the reader thread: a 10 MB line is cut here, so the
    table, its tooltip and the filter never lay out or scan more than a bounded part."""

    time: str
    level: str
    message: str
    utc: str
    tip: str
    #: What the filter searches: the line's first SEARCH_CHARS characters, lower case.
    haystack: str
    #: The message cell shows only part of the line (the whole of it on double-click).
    cut: bool


def line_text(entry: TaskLog) -> LineText:
    local, utc = fmt.local_time(entry.at_utc)
    message = str(entry.message or "")
    details = "" if entry.details is None else str(entry.details)
    shown, cut = one_line(message)
    tip_text = long_text.tip(message)
    if details:
        first, more = one_line(details, 200)
        shown, cut = f"{shown}   {first}", cut or more
        tip_text += "\n\n" + long_text.tip(fmt.pretty_json(details)[0])
    level = str(entry.level or "").upper()
    haystack = f"{local}  {level}  {message[:SEARCH_CHARS]}  {details[:SEARCH_CHARS]}".lower()
    return LineText(local, level, shown, utc, tip_text, haystack, cut)


def with_texts(entries: list[TaskLog]) -> tuple[list[TaskLog], list[LineText]]:
    """The reader's part of a log page: the entries and their texts."""
    return entries, [line_text(entry) for entry in entries]


class LogModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.entries: list[TaskLog] = []
        self.texts: list[LineText] = []

    def rowCount(self, parent: Index = NO_PARENT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = NO_PARENT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        texts = self.texts[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (texts.time, texts.level, texts.message)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return texts.utc if index.column() == 0 else (texts.tip or None)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1:
            color = LEVEL_COLORS.get(texts.level)
            return QColor(color) if color else None
        return None

    def clear(self) -> None:
        self.beginResetModel()
        self.entries, self.texts = [], []
        self.endResetModel()

    def append(self, entries: list[TaskLog], texts: list[LineText] | None = None) -> None:
        """Add lines at the end; ``texts`` from the reader (``with_texts``)."""
        if not entries:
            return
        first = len(self.entries)
        self.beginInsertRows(QModelIndex(), first, first + len(entries) - 1)
        self.entries.extend(entries)
        self.texts.extend(texts if texts is not None else map(line_text, entries))
        self.endInsertRows()

    @property
    def last_id(self) -> int:
        return int(self.entries[-1].log_id) if self.entries else FROM_START


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
        if level_rank(model.entries[row].level) < self._min_rank:
            return False
        return not self._text or self._text in model.texts[row].haystack
