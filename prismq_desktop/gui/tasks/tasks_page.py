"""The Tasks tab: sidebar, search, the live table, and the selected task's detail and log.

It wires the small widgets to one ``Session``: filters and search build the table's query,
a commit anywhere refreshes the visible rows, the counts, the detail and the log tail.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from prismq_desktop.core import Queue, TaskNotFoundError, TaskQuery
from prismq_desktop.core.models import Task
from prismq_desktop.core.reports import TaskDetails
from prismq_desktop.core.unhandled import Capacity
from prismq_desktop.gui import settings
from prismq_desktop.gui.dialogs.full_text_dialog import open_full_text
from prismq_desktop.gui.formatting import display_status
from prismq_desktop.gui.tasks import task_source, unhandled
from prismq_desktop.gui.tasks.detail_panel import DetailPanel
from prismq_desktop.gui.tasks.detail_texts import BOXES, BoxText, box_texts, full_text
from prismq_desktop.gui.tasks.log_view import TaskLogView
from prismq_desktop.gui.tasks.search_assist import SearchAssist, value_hint
from prismq_desktop.gui.tasks.search_box import SearchBox
from prismq_desktop.gui.tasks.sidebar import Sidebar
from prismq_desktop.gui.tasks.task_model import TaskTableModel
from prismq_desktop.gui.tasks.task_table import TaskTable
from prismq_desktop.gui.window.session import Session

#: How often the counts are read again with nothing committed: "stuck" (an expired lease, a
#: silent worker) and the unhandled-type marks change with the clock, not with commits.
CLOCK_REFRESH_MS = 10_000
#: Where the shown task is: the table's current row; opened by id (a jump to a task the
#: filter hides, a new task not yet listed); or being looked for after the table changed.
TABLE, PINNED, CHECKING = "table", "pinned", "checking"
#: The detail side's width (pixels) with a task shown, until the user drags it; with none.
RIGHT_WIDTH, EMPTY_RIGHT_WIDTH = 420, 190


class TasksPage(QWidget):
    #: Live counts per status (for the status bar).
    counts_changed = Signal(dict)
    #: A one-line note for the status bar.
    message = Signal(str)
    #: The selection changed (actions re-check what they can do).
    selection_changed = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = TaskTableModel(session, parent=self)
        self.table = TaskTable(self.model)
        self.sidebar = Sidebar()
        self.search = SearchBox()
        self.search_assist = SearchAssist(self.search, session)
        self.matches = QLabel(objectName="matchCount")
        self.matches.setToolTip("Tasks the sidebar filter and the search match now")
        self.detail = DetailPanel()
        self.log = TaskLogView(session)
        self._task: Task | None = None
        self._place = TABLE
        #: What the embedded worker offers (set by the window; core/compat.py).
        self.worker_capabilities: dict[str, Any] = {}
        self._pending_select: int | None = None
        #: Tasks this window's last cancel or retry changed: their leaving the table is no news.
        self._acted: frozenset[int] = frozenset()
        self._clock = QTimer(self, interval=CLOCK_REFRESH_MS)
        self._clock.timeout.connect(self._clock_tick)
        self._clock.start()
        self._build()
        self._wire()
        self.model.reload()
        self.refresh_counts()

    def _build(self) -> None:
        middle = QWidget()
        column = QVBoxLayout(middle)
        column.setContentsMargins(6, 6, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.matches)
        column.addLayout(top)
        column.addWidget(self.search_assist.label)
        column.addWidget(self.table, 1)
        self.right = QSplitter(Qt.Orientation.Vertical, objectName="detailSplitter")
        self.right.addWidget(self.detail)
        self.right.addWidget(self.log)
        self.split = QSplitter(Qt.Orientation.Horizontal, objectName="tasksSplitter")
        for widget in (self.sidebar, middle, self.right):
            self.split.addWidget(widget)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([210, 900, RIGHT_WIDTH])
        self.right.setSizes([520, 330])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.split)
        self._restore_layout()
        self._right_width = max(self.split.sizes()[2], EMPTY_RIGHT_WIDTH)
        # Narrowed once the splitter has its real width (before, Qt would scale all three).
        QTimer.singleShot(0, self, self._fit_right_if_empty)

    def _fit_right_if_empty(self) -> None:
        if self._task is None:
            self._fit_right(shown=False)

    def _wire(self) -> None:
        self.sidebar.filter_changed.connect(self._filter)
        self.search.search_changed.connect(self._search)
        self.search.jump_requested.connect(self.jump_to)
        self.table.current_task_changed.connect(self._current_changed)
        self.detail.show_all.connect(self._show_all)
        self.table.selection_changed.connect(self.selection_changed)
        self.session.changed.connect(self.refresh)
        self.session.task_requested.connect(self.jump_to)
        self.session.filter_requested.connect(self.apply_query)
        self.model.query_applied.connect(self._select_pending)
        self.model.refreshed.connect(self._select_pending)
        self.model.query_applied.connect(self._query_applied)
        self.model.refreshed.connect(self._refreshed)
        self.model.rows_loaded.connect(self._select_pending)

    # -- query -----------------------------------------------------------------------------
    def _filter(self, statuses: tuple[str, ...], types: tuple[str, ...]) -> None:
        self.model.set_query(replace(self.model.query, statuses=statuses, types=types))

    def _search(self, text: str) -> None:
        """Run the search; text that does not parse is shown as an error and not run (the
        table and its count stay those of the previous search, and say so)."""
        if self.search_assist.check(text):
            self.model.set_query(replace(self.model.query, text=text))
        else:
            self._show_count()

    def apply_query(self, query: TaskQuery) -> None:
        """Show another view's filter (e.g. a chart click), keeping the search box and the
        sidebar in step (the window brings this page to the front)."""
        self.search.set_text_silently(query.text)
        if self.search_assist.check(query.text):
            self.sidebar.show_filter_silently(query.statuses, query.types)
            self.model.set_query(query)

    def jump_to(self, task_id: int) -> None:
        """Select the task: at once when its row is loaded, else after scrolling to where
        the query puts it. Its detail shows either way, also when the filter hides it."""
        if self.table.select_task(task_id):
            self.table.setFocus()
            return
        self._open_by_id(task_id)
        self._find_row(task_id, explicit=True)

    def select_when_loaded(self, task_id: int) -> None:
        """Show a task now and select its row once it is loaded: a new task arrives with the
        next refresh, an existing one (a repeated idempotency key) is scrolled to."""
        if not self.table.select_task(task_id):
            self._pending_select = task_id
            self._open_by_id(task_id)
            self._find_row(task_id, explicit=False)

    def _open_by_id(self, task_id: int) -> None:
        """Show a task the table does not hold (yet): the table's selection goes, so the
        actions act on the task the detail panel shows and nothing else."""
        self.table.forget_current()
        self.show_task(task_id, PINNED)

    def _find_row(self, task_id: int, explicit: bool) -> None:
        query, results = self.model.query, self.model.results
        self.session.reader.submit(lambda q: task_source.position(q, results, query, task_id),
                                   lambda row: self._scroll_to_row(task_id, query, row, explicit),
                                   key="task-jump")

    def _scroll_to_row(self, task_id: int, query: TaskQuery, row: int | None,
                       explicit: bool) -> None:
        if query != self.model.query or self.log.task_id != task_id:
            return  # the user moved on meanwhile
        if row is None or row >= self.model.rowCount():
            if explicit:
                self.message.emit(f"Task #{task_id} does not match the current filter or "
                                  "search; its details are shown on the right")
            return  # (a task enqueued just now comes with the next refresh)
        self._pending_select = task_id
        self.table.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
        if explicit:
            self.table.setFocus()
        self._select_pending()

    def _select_pending(self, *_args: object) -> None:
        if self._pending_select is not None and self.table.select_task(self._pending_select):
            self._pending_select = None

    # -- does the table still list the shown task? -------------------------------------------
    def _query_applied(self) -> None:
        query = self.model.query
        self.table.hint = (value_hint(query.text, self.search_assist.known)
                           if query.text and not self.model.rowCount() else "")
        self._show_count()
        self._check_shown(query_changed=True)

    def _refreshed(self, _shift: int) -> None:
        self._show_count()
        self._check_shown(query_changed=False)

    def _show_count(self) -> None:
        """How many tasks the table holds: all of them, or the ones the filter matches."""
        count, query = self.model.rowCount(), self.model.query
        noun = "task" if count == 1 else "tasks"
        filtered = query.statuses or query.types or query.text
        text = f"{count:,} matching {noun}" if filtered else f"{count:,} {noun}"
        if self.search_assist.error_text:
            text = f"{text} (previous search)"
        self.matches.setText(text)

    def _check_shown(self, query_changed: bool) -> None:
        """After a new filter, search or sort, or a refresh: when the table's current task
        is not among its loaded rows any more, the reader says where it is, and gone means
        the panel clears. After a new query the actions stop using it meanwhile (the case of
        issue 11.2); after a refresh they do not, as a task scrolled far out of the loaded
        rows is checked on every refresh and the toolbar would flicker. A task opened by id
        is checked again after a new query only."""
        task_id = self.log.task_id
        if task_id is None or self._pending_select == task_id or (
                self._place == PINNED and not query_changed):
            return
        if self.table.current_id() == task_id and self.table.holds_current():
            self._set_place(TABLE)
            return
        self._set_place(CHECKING if query_changed else self._place)
        query, results = self.model.query, self.model.results
        self.session.reader.submit(
            lambda q: task_source.position(q, results, query, task_id),
            lambda row: self._checked(task_id, query, row, query_changed), key="task-check")

    def _checked(self, task_id: int, query: TaskQuery, row: int | None,
                 query_changed: bool) -> None:
        if query != self.model.query or self.log.task_id != task_id or (
                self._place != CHECKING and query_changed):
            return  # the user moved on meanwhile (a newer check follows a newer query)
        if row is None:
            if query_changed or task_id not in self._acted:  # else the action's note stays
                self.message.emit(f"Task #{task_id} left the table (it no longer matches "
                                  "the filter or search): nothing is selected")
            self.table.forget_current()
            self.show_task(-1)
            return
        self._set_place(TABLE)
        if query_changed:  # follow it to its place in the new order
            self._scroll_to_row(task_id, query, row, explicit=False)
        else:
            self.table.select_task(task_id, scroll=False)

    def note_acted(self, task_ids: list[int]) -> None:
        """A cancel or retry from this window changed these tasks; its status-bar note says
        so, and the shown task leaving the filter for that reason does not replace it."""
        self._acted = frozenset(task_ids)

    def _set_place(self, place: str) -> None:
        if place != self._place:
            self._place = place
            self.selection_changed.emit()

    # -- live refresh ----------------------------------------------------------------------
    def refresh(self) -> None:
        self.model.refresh()
        self.refresh_counts()
        if self.log.task_id is not None:
            self._load_detail(self.log.task_id)
        self.log.tail()

    def refresh_counts(self) -> None:
        offers = dict(self.worker_capabilities)
        self.session.reader.submit(
            lambda q: (q.counts(), q.type_counts(), q.count(q.stuck_query()),
                       unhandled.unhandled_types(q), unhandled.capacity(q, offers)),
            self._counts_arrived, key="counts")

    def set_worker_capabilities(self, capabilities: dict[str, Any]) -> None:
        """What the embedded worker offers: tasks it could run are not marked as stranded."""
        if capabilities != self.worker_capabilities:
            self.worker_capabilities = dict(capabilities)
            self.refresh_counts()

    def _clock_tick(self) -> None:
        if not self.session.paused:
            self.refresh_counts()

    def _counts_arrived(self, result: tuple[dict[str, int], dict, int, frozenset[str],
                                            Capacity]) -> None:
        counts, type_counts, stuck, unhandled_types, live = result
        self.sidebar.set_counts(counts, type_counts, stuck, unhandled_types)
        self.model.set_unhandled_types(unhandled_types, live)
        self.counts_changed.emit(counts)

    # -- the selected task -----------------------------------------------------------------
    @property
    def shown_task(self) -> Task | None:
        """The task in the detail panel when actions may use it: the table's current row,
        or a task opened by id (a jump, a new task); None while the reader checks whether a
        new filter or a refresh left it in the table (see ``_check_shown``)."""
        return None if self._place == CHECKING else self._task

    def _current_changed(self, task_id: int) -> None:
        self.show_task(task_id, TABLE)

    def show_task(self, task_id: int, place: str = TABLE) -> None:
        if task_id < 0:
            self._task = None
            self._set_place(TABLE)
            self.detail.show_details(None)
            self.log.set_task(None)
            self._fit_right(shown=False)
            return
        if task_id != self.log.task_id:
            self._task = None
        self._set_place(place)
        self.log.set_task(task_id)
        self._load_detail(task_id)

    def _load_detail(self, task_id: int) -> None:
        self.session.reader.submit(
            lambda q: _read_detail(q, task_id),
            lambda result: self._detail_arrived(task_id, *result),
            lambda exc: self._detail_failed(task_id, exc), key="task-detail")

    def _detail_arrived(self, task_id: int, details: TaskDetails, now: datetime,
                        texts: dict[str, BoxText]) -> None:
        if self.log.task_id != task_id:
            return
        self._task = details.task
        self._fit_right(shown=True)
        self.detail.show_details(details, display_status(details.task, now), texts)
        self.selection_changed.emit()

    def _detail_failed(self, task_id: int, error: Exception) -> None:
        if isinstance(error, TaskNotFoundError):
            self.message.emit(f"There is no task #{task_id}")
            if self.log.task_id == task_id:
                self.show_task(-1)
        else:
            self.message.emit(f"Could not read task #{task_id}: {error}")

    def _show_all(self, field: str) -> None:
        """The whole of a big value, read and formatted in the reader."""
        task_id = self.log.task_id
        if task_id is not None:
            title = f"Task #{task_id} — {BOXES[field][0]}"
            open_full_text(self, title, self.session.reader,
                           lambda q: full_text(q.get(task_id), field))

    # -- what the window's actions use -----------------------------------------------------
    def selected_statuses(self) -> set[str]:
        statuses = set()
        for row in self.table.selected_rows():
            task_row = self.model.task_row(row)
            statuses.add(task_row.task.status if task_row else "?")
        shown = self.shown_task
        if not statuses and shown is not None:
            statuses.add(shown.status)
        return statuses

    def target_ids(self) -> list[int]:
        """The selected rows' task ids, or the task the detail panel shows (``shown_task``)."""
        ids = self.table.selected_ids()
        shown = self.shown_task
        if not ids and shown is not None:
            ids = [shown.id]
        return ids

    def needs_id_lookup(self) -> bool:
        """True when the selection covers rows that are not loaded (e.g. Select All)."""
        return len(self.table.selected_ids()) < len(self.table.selected_rows())

    def _fit_right(self, shown: bool) -> None:
        """With no task shown the detail side narrows to a strip (its log hidden) and the
        table takes the room; a shown task gets back the width the user gave that side."""
        if shown == self.log.isVisibleTo(self):
            return
        sizes = self.split.sizes()
        if not shown:
            self._right_width = max(sizes[2], EMPTY_RIGHT_WIDTH)
        width = self._right_width if shown else EMPTY_RIGHT_WIDTH
        self.log.setVisible(shown)
        self.split.setSizes([sizes[0], max(0, sizes[1] + sizes[2] - width), width])

    def save_layout(self) -> None:
        self._fit_right(shown=True)  # what is kept is the width a shown task gets
        settings.set_value("tasks/split", self.split.saveState())
        settings.set_value("tasks/right", self.right.saveState())
        settings.set_value("tasks/header", self.table.header_state())

    def _restore_layout(self) -> None:
        for key, splitter in (("tasks/split", self.split), ("tasks/right", self.right)):
            state = settings.value(key)
            if isinstance(state, QByteArray):
                splitter.restoreState(state)
        self.table.restore_header(settings.value("tasks/header"))


def _read_detail(queue: Queue, task_id: int) -> tuple[TaskDetails, datetime, dict[str, BoxText]]:
    """Runs in the reader: the task, the clock, and its boxes' texts formatted and cut."""
    details = queue.details(task_id)
    return details, queue.now(), box_texts(details.task)
