"""The Tasks tab: sidebar, search, the live table, and the selected task's detail and log.

It wires the small widgets to one ``Session``: filters and search build the table's query,
a commit anywhere refreshes the visible rows, the counts, the detail and the log tail.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QSplitter, QVBoxLayout, QWidget

from prismq_desktop.core import TaskNotFoundError, TaskQuery
from prismq_desktop.core.models import Task
from prismq_desktop.core.reports import TaskDetails
from prismq_desktop.gui import settings
from prismq_desktop.gui.formatting import display_status
from prismq_desktop.gui.tasks import task_source, unhandled
from prismq_desktop.gui.tasks.detail_panel import DetailPanel
from prismq_desktop.gui.tasks.log_view import TaskLogView
from prismq_desktop.gui.tasks.search_assist import SearchAssist
from prismq_desktop.gui.tasks.search_box import SearchBox
from prismq_desktop.gui.tasks.sidebar import Sidebar
from prismq_desktop.gui.tasks.task_model import TaskTableModel
from prismq_desktop.gui.tasks.task_table import TaskTable
from prismq_desktop.gui.window.session import Session

#: How often the counts are read again with nothing committed: "stuck" (an expired lease, a
#: silent worker) and the unhandled-type marks change with the clock, not with commits.
CLOCK_REFRESH_MS = 10_000


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
        self.detail = DetailPanel()
        self.log = TaskLogView(session)
        self.shown_task: Task | None = None
        self._pending_select: int | None = None
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
        column.addWidget(self.search)
        column.addWidget(self.search_assist.label)
        column.addWidget(self.table, 1)
        self.right = QSplitter(Qt.Orientation.Vertical, objectName="detailSplitter")
        self.right.addWidget(self.detail)
        self.right.addWidget(self.log)
        self.split = QSplitter(Qt.Orientation.Horizontal, objectName="tasksSplitter")
        for widget in (self.sidebar, middle, self.right):
            self.split.addWidget(widget)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([210, 900, 470])
        self.right.setSizes([520, 330])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.split)
        self._restore_layout()

    def _wire(self) -> None:
        self.sidebar.filter_changed.connect(self._filter)
        self.search.search_changed.connect(self._search)
        self.search.jump_requested.connect(self.jump_to)
        self.table.current_task_changed.connect(self.show_task)
        self.table.selection_changed.connect(self.selection_changed)
        self.session.changed.connect(self.refresh)
        self.session.task_requested.connect(self.jump_to)
        self.session.filter_requested.connect(self.apply_query)
        self.model.query_applied.connect(self._select_pending)
        self.model.refreshed.connect(self._select_pending)
        self.model.rows_loaded.connect(self._select_pending)

    # -- query -----------------------------------------------------------------------------
    def _filter(self, statuses: tuple[str, ...], types: tuple[str, ...]) -> None:
        self.model.set_query(replace(self.model.query, statuses=statuses, types=types))

    def _search(self, text: str) -> None:
        """Run the search; text that does not parse is shown as an error and not run."""
        if self.search_assist.check(text):
            self.model.set_query(replace(self.model.query, text=text))

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
        self.show_task(task_id)
        self._find_row(task_id, explicit=True)

    def select_when_loaded(self, task_id: int) -> None:
        """Show a task now and select its row once it is loaded: a new task arrives with the
        next refresh, an existing one (a repeated idempotency key) is scrolled to."""
        if not self.table.select_task(task_id):
            self._pending_select = task_id
            self.show_task(task_id)
            self._find_row(task_id, explicit=False)

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

    # -- live refresh ----------------------------------------------------------------------
    def refresh(self) -> None:
        self.model.refresh()
        self.refresh_counts()
        if self.shown_task is not None:
            self._load_detail(self.shown_task.id)
        self.log.tail()

    def refresh_counts(self) -> None:
        self.session.reader.submit(
            lambda q: (q.counts(), q.type_counts(), q.count(q.stuck_query()),
                       unhandled.unhandled_types(q)),
            self._counts_arrived, key="counts")

    def _clock_tick(self) -> None:
        if not self.session.paused:
            self.refresh_counts()

    def _counts_arrived(self, result: tuple[dict[str, int], dict, int, frozenset[str]]) -> None:
        counts, type_counts, stuck, unhandled_types = result
        self.sidebar.set_counts(counts, type_counts, stuck, unhandled_types)
        self.model.set_unhandled_types(unhandled_types)
        self.counts_changed.emit(counts)

    # -- the selected task -----------------------------------------------------------------
    def show_task(self, task_id: int) -> None:
        if task_id < 0:
            self.shown_task = None
            self.detail.show_details(None)
            self.log.set_task(None)
            return
        self.log.set_task(task_id)
        self._load_detail(task_id)

    def _load_detail(self, task_id: int) -> None:
        self.session.reader.submit(
            lambda q: (q.details(task_id), q.now()),
            lambda result: self._detail_arrived(task_id, *result),
            lambda exc: self._detail_failed(task_id, exc), key="task-detail")

    def _detail_arrived(self, task_id: int, details: TaskDetails, now) -> None:
        if self.log.task_id != task_id:
            return
        self.shown_task = details.task
        self.detail.show_details(details, display_status(details.task, now))
        self.selection_changed.emit()

    def _detail_failed(self, task_id: int, error: Exception) -> None:
        if isinstance(error, TaskNotFoundError):
            self.message.emit(f"There is no task #{task_id}")
            if self.log.task_id == task_id:
                self.show_task(-1)
        else:
            self.message.emit(f"Could not read task #{task_id}: {error}")

    # -- what the window's actions use -----------------------------------------------------
    def selected_statuses(self) -> set[str]:
        statuses = set()
        for row in self.table.selected_rows():
            task_row = self.model.task_row(row)
            statuses.add(task_row.task.status if task_row else "?")
        if not statuses and self.shown_task is not None:
            statuses.add(self.shown_task.status)
        return statuses

    def target_ids(self) -> list[int]:
        """The selected tasks' ids, or the task shown in the detail panel."""
        ids = self.table.selected_ids()
        if not ids and self.shown_task is not None:
            ids = [self.shown_task.id]
        return ids

    def needs_id_lookup(self) -> bool:
        """True when the selection covers rows that are not loaded (e.g. Select All)."""
        return len(self.table.selected_ids()) < len(self.table.selected_rows())

    def save_layout(self) -> None:
        settings.set_value("tasks/split", self.split.saveState())
        settings.set_value("tasks/right", self.right.saveState())
        settings.set_value("tasks/header", self.table.header_state())

    def _restore_layout(self) -> None:
        for key, splitter in (("tasks/split", self.split), ("tasks/right", self.right)):
            state = settings.value(key)
            if isinstance(state, QByteArray):
                splitter.restoreState(state)
        self.table.restore_header(settings.value("tasks/header"))
