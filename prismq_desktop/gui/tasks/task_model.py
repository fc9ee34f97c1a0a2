"""The task table's model: a known row count, windows fetched in the background, live updates.

Anki's browser table idea: the model knows how many rows match and holds only the windows
the view has asked for; a live refresh marks every cached row stale in O(1) (a generation
number) and re-reads just the visible window, announcing changed rows with ``dataChanged``.
The model resets only when the query (filter, search, sort) changes; the view restores its
selection by task id afterwards. Windows come from the query's ordered ids, which the reader
keeps in ``results`` (task_source.Results): any depth at any sort in a few milliseconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtCore import Signal as QtSignal

from prismq_desktop.core import TaskQuery
from prismq_desktop.core.unhandled import Capacity
from prismq_desktop.gui.tasks import task_source, unhandled
from prismq_desktop.gui.tasks.row_flash import RowFlash
from prismq_desktop.gui.tasks.task_rows import COLUMN_INDEX, COLUMNS, TaskRow
from prismq_desktop.gui.tasks.task_source import RowWindow
from prismq_desktop.gui.window.session import Session

T = TypeVar("T")
MARGIN = 40
MAX_WINDOW = 400
MAX_CACHED = 6000
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
#: The roles a live change to a shown row touches (text, tooltip, highlight).
CHANGED_ROLES = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                 Qt.ItemDataRole.BackgroundRole]
Index = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()
TYPE = COLUMN_INDEX["type"]

#: Before the reader's first answer nothing is marked: a mark must never be a guess.
ANYTHING_RUNS = Capacity(unknown=True)


class TaskTableModel(QAbstractTableModel):
    #: A new query's first window is in (after the reset).
    query_applied = QtSignal()
    #: A live refresh is about to change rows (views save their selection by id).
    refresh_starting = QtSignal()
    #: A live refresh was applied: how many rows the visible tasks moved down (or up).
    refreshed = QtSignal(int)
    #: Rows the view scrolled to have arrived.
    rows_loaded = QtSignal()
    #: A new query (sort, filter, search) was asked for (True) or its first rows are in (False).
    loading = QtSignal(bool)

    def __init__(self, session: Session, query: TaskQuery | None = None, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self._query = query or TaskQuery()
        self._serial = 0
        self._count = 0
        self._gen = 0
        self._rows: dict[int, tuple[TaskRow, int]] = {}
        self._row_of: dict[int, int] = {}
        self._want: tuple[int, int] | None = None
        self._visible = (0, 50)
        self._max_id = 0
        self.flash = RowFlash(self)
        self.flash.faded.connect(self._repaint_tasks)
        self.loaded_at: float | None = None
        self._unhandled: frozenset[str] = frozenset()
        self._capacity = ANYTHING_RUNS
        #: The query's ordered ids; used only inside reader jobs (see task_source.Results).
        self.results = task_source.Results()

    # -- what the view asks -------------------------------------------------------------
    def rowCount(self, parent: Index = NO_PARENT) -> int:  # noqa: N802
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = NO_PARENT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Sort by {COLUMNS[section].title.lower()}"
        return None

    def row_to_paint(self, row: int) -> TaskRow | None:
        """The cached row for painting; a missing or stale one is fetched soon after."""
        cached = self._rows.get(row)
        if cached is None or cached[1] != self._gen:
            self._note_wanted(row)
        return cached[0] if cached is not None else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        task_row, column = self.row_to_paint(index.row()), index.column()
        if task_row is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole and column == 0 else None
        if role == Qt.ItemDataRole.DisplayRole:
            return task_row.texts[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == TYPE and self.is_unhandled(task_row):
                return unhandled.row_tip(task_row.task, self._unhandled)
            return task_row.tips[column] or None
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[column].numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self.flash.color(task_row.id)
        if role == ROW_ROLE:
            return task_row
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        self.set_query(replace(self._query, sort=COLUMNS[column].sort, descending=descending))

    # -- what the window and the table use ----------------------------------------------
    @property
    def query(self) -> TaskQuery:
        return self._query

    def set_query(self, query: TaskQuery) -> None:
        """Read the new query's count and first window, then reset (late answers dropped)."""
        self._query = query
        self._serial += 1
        serial = self._serial
        self.loading.emit(True)
        limit = max(self._visible[1] - self._visible[0] + 1, 50) + MARGIN
        results = self.results
        self.session.reader.submit(
            lambda q: task_source.first_window(q, results, query, limit),
            lambda win: self._apply_query(serial, win), key="task-query")
        # Next, the ordered ids that make every deeper window cheap (no result to deliver).
        self.session.reader.submit(lambda q: results.get(q, query), key="task-order")

    def reload(self) -> None:
        self.set_query(self._query)

    def refresh(self) -> None:
        """Re-read the count and the visible window (a commit happened somewhere)."""
        serial, query, results = self._serial, self._query, self.results
        first, last = self._visible
        offset = max(0, first - MARGIN)
        limit = min(MAX_WINDOW, last - first + 1 + 2 * MARGIN)
        self.session.reader.submit(
            lambda q: self._unless_superseded(
                serial, lambda: task_source.window(q, results, query, offset, limit)),
            lambda win: self._apply_refresh(serial, win), key="task-refresh")

    def set_visible_rows(self, first: int, last: int) -> None:
        self._visible = (max(0, first), max(first, last))

    def task_row(self, row: int) -> TaskRow | None:
        cached = self._rows.get(row)
        return cached[0] if cached else None

    def row_of(self, task_id: int) -> int | None:
        return self._row_of.get(task_id)

    # -- fetching windows the view asked for ---------------------------------------------
    def _note_wanted(self, row: int) -> None:
        if self._want is None:
            self._want = (row, row)
            QTimer.singleShot(0, self._fetch_wanted)
        else:
            self._want = (min(self._want[0], row), max(self._want[1], row))

    def _fetch_wanted(self) -> None:
        if self._want is None:
            return
        first, last = self._want
        self._want = None
        offset = max(0, first - MARGIN)
        limit = min(MAX_WINDOW, last + MARGIN + 1 - offset)
        serial, gen, query, results = self._serial, self._gen, self._query, self.results
        self.session.reader.submit(
            lambda q: self._unless_superseded(
                serial, lambda: task_source.rows(q, results, query, offset, limit)) or [],
            lambda rows: self._apply_rows(serial, gen, offset, rows), key="task-window")

    def _unless_superseded(self, serial: int, read: Callable[[], T]) -> T | None:
        """Run a window read in the reader unless a newer query was set meanwhile: a stale
        read would cost a whole ordered-ids build for a query nobody shows (its answer is
        dropped anyway). Reading an int another thread sets is safe under the GIL."""
        return read() if serial == self._serial else None

    def _apply_rows(self, serial: int, gen: int, offset: int, rows: list[TaskRow]) -> None:
        if serial != self._serial:
            return
        rows = rows[: max(0, self._count - offset)]
        self._store(offset, rows, gen)
        self._evict(offset)
        self.rows_loaded.emit()

    # -- applying answers ------------------------------------------------------------------
    def _apply_query(self, serial: int, win: RowWindow) -> None:
        if serial != self._serial:
            return
        self.beginResetModel()
        self._rows.clear()
        self._row_of.clear()
        self.flash.clear()
        self._gen += 1
        self._count = win.count
        for number, task_row in enumerate(win.rows, win.offset):
            self._put(number, task_row, self._gen)
        self._max_id = max([self._max_id, *(r.id for r in win.rows)])
        self.endResetModel()
        self.loaded_at = time.perf_counter()
        self.loading.emit(False)
        self.query_applied.emit()

    def _apply_refresh(self, serial: int, win: RowWindow | None) -> None:
        if serial != self._serial or win is None:
            return
        self.refresh_starting.emit()
        shift = self._shift(win)
        self._gen += 1
        self._resize(win.count)
        self._store(win.offset, win.rows[: max(0, win.count - win.offset)], self._gen)
        self.refreshed.emit(shift)

    def _shift(self, win: RowWindow) -> int:
        """How far the first visible task still in the window moved (scroll anchoring)."""
        new_rows = {task_row.id: number for number, task_row in enumerate(win.rows, win.offset)}
        first, last = self._visible
        for row in range(first, last + 1):
            cached = self._rows.get(row)
            if cached and cached[0].id in new_rows:
                return new_rows[cached[0].id] - row
        return 0

    def _resize(self, count: int) -> None:
        old = self._count
        if count > old:
            self.beginInsertRows(QModelIndex(), old, count - 1)
            self._count = count
            self.endInsertRows()
        elif count < old:
            self.beginRemoveRows(QModelIndex(), count, old - 1)
            self._count = count
            for row in [r for r in self._rows if r >= count]:
                self._drop(row)
            self.endRemoveRows()

    def _store(self, offset: int, rows: list[TaskRow], gen: int) -> None:
        """Cache rows and announce the ones whose content changed, in narrow ranges: rows
        that were empty with no roles (paint them now), shown rows that changed with
        ``CHANGED_ROLES`` (a view may repaint those over a few frames)."""
        filled: list[int] = []
        changed: list[int] = []
        fresh = self._max_id > 0
        for number, task_row in enumerate(rows, offset):
            old = self._rows.get(number)
            if old is None or old[0] != task_row:
                (filled if old is None else changed).append(number)
                if self._is_news(old, task_row, fresh):
                    self.flash.mark(task_row.id)
            self._put(number, task_row, gen)
        if rows:
            self._max_id = max(self._max_id, max(r.id for r in rows))
        last_column = len(COLUMNS) - 1
        for first, last in _runs(filled):
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_column))
        for first, last in _runs(changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_column),
                                  CHANGED_ROLES)

    def _is_news(self, old: tuple[TaskRow, int] | None, new: TaskRow, fresh: bool) -> bool:
        """Worth a highlight: the same task with other values, or a task newer than any seen."""
        if old is not None and old[0].id == new.id:
            return old[0].task != new.task
        return fresh and new.id > self._max_id

    def _put(self, row: int, task_row: TaskRow, gen: int) -> None:
        old = self._rows.get(row)
        if old is not None and self._row_of.get(old[0].id) == row:
            del self._row_of[old[0].id]
        self._rows[row] = (task_row, gen)
        self._row_of[task_row.id] = row

    def _drop(self, row: int) -> None:
        old = self._rows.pop(row, None)
        if old is not None and self._row_of.get(old[0].id) == row:
            del self._row_of[old[0].id]

    def _evict(self, center: int) -> None:
        if len(self._rows) <= MAX_CACHED:
            return
        keep = MAX_CACHED // 2
        for row in [r for r in self._rows if abs(r - center) > keep]:
            self._drop(row)

    # -- waiting tasks of a type no live worker handles ------------------------------------
    def set_unhandled_types(self, types: frozenset[str],
                            live: Capacity = ANYTHING_RUNS) -> None:
        """The reader's latest set (and what live workers can run); repaint the type column
        when either changed."""
        if (types, live) == (self._unhandled, self._capacity):
            return
        self._unhandled, self._capacity = types, live
        if self._count:
            self.dataChanged.emit(self.index(0, TYPE), self.index(self._count - 1, TYPE))

    def is_unhandled(self, task_row: TaskRow) -> bool:
        return unhandled.cannot_run(task_row.task, self._unhandled, self._capacity)

    # -- the brief highlight of changed rows ----------------------------------------------
    def _repaint_tasks(self, task_ids: list[int]) -> None:
        rows = [self._row_of[i] for i in task_ids if i in self._row_of]
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0),
                                  self.index(max(rows), len(COLUMNS) - 1),
                                  [Qt.ItemDataRole.BackgroundRole])


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Consecutive row numbers grouped into (first, last) ranges."""
    ranges: list[tuple[int, int]] = []
    for row in rows:
        if ranges and ranges[-1][1] == row - 1:
            ranges[-1] = (ranges[-1][0], row)
        else:
            ranges.append((row, row))
    return ranges
