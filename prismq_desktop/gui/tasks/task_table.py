"""The task table view: badges, column choices, and a selection that survives live refreshes.

The selection is remembered by task id: before a refresh changes rows the ids are saved, and
afterwards the same tasks are selected again wherever they now are; when the tasks in view
moved (new rows above them), the view scrolls by the same amount so nothing jumps.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import (
    QByteArray,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from prismq_desktop.gui.dialogs.bulk_dialog import describe_query
from prismq_desktop.gui.empty_state import paint_empty_text
from prismq_desktop.gui.tasks.busy_note import BusyNote
from prismq_desktop.gui.tasks.row_delegate import TaskRowDelegate
from prismq_desktop.gui.tasks.task_model import TaskTableModel
from prismq_desktop.gui.tasks.task_rows import COLUMN_INDEX, COLUMNS, DEFAULT_ORDER

ROW_HEIGHT = 24
#: Rows repainted per event-loop turn after a bigger change. A whole view repainted at once
#: held the GUI thread 25-45 ms while the embedded worker's 4 threads were busy (each cell's
#: paint must take the GIL from them); in steps of 8 rows each paint is a quarter of that,
#: input and timers run in between, and all rows still show the change within a few ms.
PAINT_STEP_ROWS = 8
NO_TASKS = "This queue has no tasks yet"
#: Seconds after which a step that never got its paint (view hidden) no longer holds the next.
STEP_TIMEOUT = 0.25


class TaskTable(QTableView):
    #: The selected task ids changed (loaded rows only; see ``selected_ranges``).
    selection_changed = Signal()
    #: The current (focused) task changed: its id, or -1 for none.
    current_task_changed = Signal(int)

    def __init__(self, model: TaskTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("taskTable")
        self.setModel(model)
        self._model = model
        self._saved: tuple[list[int], int | None] = ([], None)
        self._current_id = -1
        self._last_ids: list[int] = []
        self._setup_look()
        self._setup_header()
        model.refresh_starting.connect(self._save_selection)
        model.refreshed.connect(self._after_refresh)
        model.query_applied.connect(self._after_query)
        self.busy = BusyNote(self)
        model.loading.connect(self.busy.set_loading)
        self.verticalScrollBar().valueChanged.connect(self._report_visible)
        model.rowsInserted.connect(self._report_visible)
        self.selectionModel().selectionChanged.connect(self._on_selection)
        self.selectionModel().currentRowChanged.connect(self._on_selection)
        self._context_actions: list[QAction] = []
        #: A line for the empty state after a search matched nothing (a close value name).
        self.hint = ""
        self._dirty_rows: set[int] = set()
        self._step_at = 0.0

    def _setup_look(self) -> None:
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setItemDelegate(TaskRowDelegate(self._model, self))
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)

    def _setup_header(self) -> None:
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for index, column in enumerate(COLUMNS):
            header.resizeSection(index, column.width)
        self._default_order()
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        header.setSortIndicatorShown(True)
        header.sectionClicked.connect(self._sort_clicked)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)

    # -- sorting: by SQL, through the model's query ------------------------------------------
    def _sort_clicked(self, section: int) -> None:
        self.busy.text = f"Sorting by {COLUMNS[section].title.lower()}…"
        self._model.sort(section, self.horizontalHeader().sortIndicatorOrder())

    def show_sort(self, key: str, descending: bool) -> None:
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        section = next((i for i, column in enumerate(COLUMNS) if column.sort == key), 0)
        self.horizontalHeader().setSortIndicator(section, order)

    # -- column choices ------------------------------------------------------------------------
    def _column_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        header = self.horizontalHeader()
        for index, column in enumerate(COLUMNS):
            action = menu.addAction(column.title)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(index))
            action.setEnabled(column.key != "id")
            action.toggled.connect(lambda shown, i=index: header.setSectionHidden(i, not shown))
        menu.addSeparator()
        menu.addAction("Reset columns", self.reset_columns)
        menu.popup(header.mapToGlobal(pos))

    def reset_columns(self) -> None:
        header = self.horizontalHeader()
        for index, column in enumerate(COLUMNS):
            header.setSectionHidden(index, False)
            header.resizeSection(index, column.width)
        self._default_order()

    def _default_order(self) -> None:
        header = self.horizontalHeader()
        for place, key in enumerate(DEFAULT_ORDER):
            header.moveSection(header.visualIndex(COLUMN_INDEX[key]), place)

    def header_state(self) -> QByteArray:
        return self.horizontalHeader().saveState()

    def restore_header(self, state: object) -> None:
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.horizontalHeader().restoreState(state)
        self.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)

    # -- context menu ------------------------------------------------------------------------
    def set_context_actions(self, actions: list[QAction | None]) -> None:
        """Actions for the right-click menu; None is a separator."""
        self._context_actions = actions  # type: ignore[assignment]

    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for action in self._context_actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        menu.popup(self.viewport().mapToGlobal(pos))

    # -- selection by id ---------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        return sorted(index.row() for index in self.selectionModel().selectedRows())

    def selected_ids(self) -> list[int]:
        """Ids of the selected rows that are loaded (all of them for ordinary selections)."""
        ids = []
        for row in self.selected_rows():
            task_row = self._model.task_row(row)
            if task_row is not None:
                ids.append(task_row.id)
        return ids

    def selected_ranges(self) -> list[tuple[int, int]]:
        """The selection as (first, last) row ranges, for bulk actions over unloaded rows."""
        return [(r.top(), r.bottom()) for r in self.selectionModel().selection().toList()]

    def current_id(self) -> int:
        return self._current_id

    def select_task(self, task_id: int, scroll: bool = True) -> bool:
        """Select (and scroll to) a task if its row is loaded; False when it is not."""
        row = self._model.row_of(task_id)
        if row is None:
            return False
        index = self._model.index(row, 0)
        flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                 | QItemSelectionModel.SelectionFlag.Rows)
        self.selectionModel().setCurrentIndex(index, flags)
        if scroll:
            self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def holds_current(self) -> bool:
        """True when the current task's row is loaded and selected (what the user sees)."""
        row = self._model.row_of(self._current_id)
        return row is not None and self.selectionModel().isRowSelected(row)

    def forget_current(self) -> None:
        """Drop the selection and the current task (it left the table, or another task is
        shown by id); listeners hear -1."""
        self.selectionModel().clear()
        self._last_ids = []
        if self._current_id != -1:
            self._current_id = -1
            self.current_task_changed.emit(-1)

    def _save_selection(self) -> None:
        rows = self.selected_rows()
        ids = self.selected_ids()
        current = self._model.task_row(self.currentIndex().row())
        whole = len(ids) == len(rows)
        self._saved = (ids if whole else [], current.id if current and whole else None)

    def _after_refresh(self, shift: int) -> None:
        bar = self.verticalScrollBar()
        if shift and bar.value() > 0:
            bar.setValue(bar.value() + shift)
        ids, current = self._saved
        if ids or current is not None:
            self._restore(ids, current)
        self._report_visible()

    def _after_query(self) -> None:
        """After a reset the rows are new: select the tasks remembered before it."""
        current = self._current_id if self._current_id >= 0 else None
        self.scrollToTop()
        self._restore(self._last_ids, current)
        if current is not None and self._model.row_of(current) is not None:
            self.scrollTo(self.currentIndex(), QAbstractItemView.ScrollHint.PositionAtCenter)
        self._report_visible()

    def _restore(self, ids: list[int], current: int | None) -> None:
        selection = QItemSelection()
        for task_id in ids:
            row = self._model.row_of(task_id)
            if row is not None:
                index = self._model.index(row, 0)
                selection.select(index, index)
        model = self.selectionModel()
        blocked = model.blockSignals(True)
        flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                 | QItemSelectionModel.SelectionFlag.Rows)
        model.select(selection, flags)
        row = self._model.row_of(current) if current is not None else None
        if row is not None:
            model.setCurrentIndex(self._model.index(row, self.currentIndex().column() or 0),
                                  QItemSelectionModel.SelectionFlag.NoUpdate)
        model.blockSignals(blocked)
        self._repaint_rows(0, self._model.rowCount() - 1)
        self._on_selection(keep_current=row is None)

    def _on_selection(self, *_args: object, keep_current: bool = False) -> None:
        """Tell listeners; ``keep_current`` when a restore could not find the current task
        among the loaded rows (the detail panel keeps showing it)."""
        ids = self.selected_ids()
        if ids or not self.selected_rows():
            self._last_ids = ids
        current = self._model.task_row(self.currentIndex().row())
        current_id = current.id if current is not None and self.selectionModel().isRowSelected(
            self.currentIndex().row()) else (ids[0] if len(ids) == 1 else -1)
        self.selection_changed.emit()
        if keep_current and current_id < 0:
            return
        if current_id != self._current_id and (current_id >= 0 or not ids):
            self._current_id = current_id
            self.current_task_changed.emit(current_id)

    # -- telling the model what is on screen ---------------------------------------------------
    def _report_visible(self, *_args: object) -> None:
        first = max(0, self.rowAt(0))
        last = self.rowAt(self.viewport().height() - 1)
        if last < 0:
            last = min(self._model.rowCount() - 1, first + self.viewport().height() // ROW_HEIGHT)
        self._model.set_visible_rows(first, max(first, last))

    # -- repainting changed rows a few at a time ---------------------------------------------
    def dataChanged(self, top_left: QModelIndex | QPersistentModelIndex,  # noqa: N802
                    bottom_right: QModelIndex | QPersistentModelIndex,
                    roles: Sequence[int] | None = None) -> None:
        """Rows just loaded and small changes as Qt does them (at once); bigger changes to
        rows on show (the model names the roles) repainted in steps (PAINT_STEP_ROWS)."""
        if not roles or bottom_right.row() - top_left.row() < PAINT_STEP_ROWS:
            super().dataChanged(top_left, bottom_right, roles or [])
        else:
            self._repaint_rows(top_left.row(), bottom_right.row())

    def _repaint_rows(self, first: int, last: int) -> None:
        """Queue the visible rows among first..last for repainting, PAINT_STEP_ROWS a frame."""
        top = max(first, self.rowAt(0), 0)
        bottom = self.rowAt(self.viewport().height() - 1)
        bottom = min(last, self._model.rowCount() - 1 if bottom < 0 else bottom)
        if top > bottom:
            return
        self._dirty_rows.update(range(top, bottom + 1))
        if time.monotonic() - self._step_at > STEP_TIMEOUT:  # none pending (or one lost)
            self._repaint_step()

    def _repaint_step(self) -> None:
        """Ask for the next few rows; the paint that follows asks for the rest (Qt merges
        updates asked within one frame into one paint)."""
        rows = sorted(self._dirty_rows)[:PAINT_STEP_ROWS]
        self._dirty_rows.difference_update(rows)
        if not rows:
            self._step_at = 0.0
            return
        self._step_at = time.monotonic()
        top = self.rowViewportPosition(rows[0])
        bottom = self.rowViewportPosition(rows[-1]) + self.rowHeight(rows[-1])
        self.viewport().update(0, top, self.viewport().width(), bottom - top)

    def empty_text(self) -> str:
        """What an empty table says (a blank one looked broken on a new queue): no tasks
        yet and how to add one, or which filter and search matched nothing and how to
        widen them (``hint``, e.g. a close type name, goes in between)."""
        if self._model.loaded_at is None or self._model.rowCount():
            return ""
        query = self._model.query
        if not (query.statuses or query.types or query.text):
            return (f"{NO_TASKS}\nEnqueue one with Tasks → Enqueue… (Ctrl+E), or from a "
                    "script:\nprismq-desktop enqueue TYPE --payload '{…}'")
        ways = ["Esc in the search box clears it"] if query.text else []
        if query.statuses or query.types:
            ways.append("All tasks and All types in the sidebar show the rest")
        lines = [f"No task matches {describe_query(query)}", self.hint, "; ".join(ways) + "."]
        return "\n".join(line for line in lines if line)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        super().paintEvent(event)
        paint_empty_text(self, self.empty_text())
        if self._dirty_rows:
            QTimer.singleShot(0, self._repaint_step)
        else:
            self._step_at = 0.0

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._report_visible()
