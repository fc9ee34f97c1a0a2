"""The Stats tab's per-type table: counts now and all time, attempts and run times in the window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QWidget

from prismq_desktop.core.stats_types import TypeStats
from prismq_desktop.gui.empty_state import EmptyStateTable
from prismq_desktop.gui.formatting import duration
from prismq_desktop.gui.tasks.status_badge import is_dark, status_color

Index = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


def _count(*statuses: str) -> Callable[[TypeStats], int]:
    return lambda row: sum(row.counts.get(status, 0) for status in statuses)


def _seconds(value: float | None) -> str:
    return "–" if value is None else duration(value)


#: (header, value for sorting, text, badge colour of the column or "", tooltip). Each header
#: names its time base: now, all time, or the chart window ("{window}", e.g. "last 24 h").
COLUMNS: tuple[tuple[str, Callable[[TypeStats], Any], Callable[[Any], str], str, str], ...] = (
    ("Type", lambda r: r.type, str, "", ""),
    ("Queued\nnow", _count("queued"), "{:,}".format, "queued",
     "tasks waiting now (ready or scheduled)"),
    ("Running\nnow", _count("leased", "processing"), "{:,}".format, "processing",
     "tasks leased or processing now"),
    ("Completed\nall time", _count("completed"), "{:,}".format, "completed",
     "tasks completed, all time (every task in the file)"),
    ("Failed tasks\nall time", _count("failed", "dead_letter"), "{:,}".format, "failed",
     "tasks that failed for good, all time"),
    ("Cancelled\nall time", _count("cancelled"), "{:,}".format, "cancelled",
     "tasks cancelled, all time"),
    ("Failed attempts\n{window}", lambda r: r.failure_rate,
     lambda v: "–" if v is None else f"{v * 100:.1f} %", "",
     "failed attempts / finished attempts in the chart window (an attempt that failed may "
     "have been retried and completed: this is not the share of failed tasks)"),
    ("Run p50\n{window}", lambda r: r.run_p50, _seconds, "",
     "median run time in the chart window"),
    ("Run p95\n{window}", lambda r: r.run_p95, _seconds, "",
     "95th percentile run time in the chart window"),
    ("Oldest ready\nnow", lambda r: r.oldest_ready_age, _seconds, "",
     "how long the longest-waiting runnable task has waited, now"),
)


class TypeStatsModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[TypeStats] = []
        self.dark = False
        self.window_label = ""

    def set_rows(self, rows: list[TypeStats]) -> None:
        """Replace the rows; same types in the same order only repaint (selection stays)."""
        if [r.type for r in rows] == [r.type for r in self.rows]:
            self.rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(len(rows) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = NO_PARENT) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = NO_PARENT) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        _header, value_of, text_of, status, _tip = COLUMNS[index.column()]
        value = value_of(self.rows[index.row()])
        if role == Qt.ItemDataRole.DisplayRole:
            return text_of(value) if value is not None else "–"
        if role == SORT_ROLE:
            return -1.0 if value is None else value
        if role == Qt.ItemDataRole.ForegroundRole and status and value:
            return status_color(status, self.dark)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0].format(window=f"last {self.window_label}")
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][4] or None
        return None


class TypeStatsTable(EmptyStateTable):
    """Sortable by any column (numbers sort as numbers)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statsTypeTable")
        self.loaded = False
        self.source = TypeStatsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setMinimumSectionSize(96)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def set_rows(self, rows: list[TypeStats], window_label: str) -> None:
        """The rows and the chart window their in-window columns cover (e.g. "24 h")."""
        self.source.dark = is_dark(self.palette())
        if window_label != self.source.window_label:
            self.source.window_label = window_label
            self.source.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        self.loaded = True
        self.source.set_rows(rows)

    def empty_text(self) -> str:
        """A new queue has no types yet (nothing is said before the first read)."""
        return ("No task types yet\nEach type gets a row once a task of it is enqueued."
                if self.loaded else "")
