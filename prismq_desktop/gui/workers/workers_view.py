"""The Workers tab: every worker in the file with its heartbeat, what it holds and has done,
a button to reclaim expired leases, and the embedded worker's controls.

Rows are read in the background (``Queue.workers_overview``) when something commits and on a
slow timer while the tab is visible; heartbeat ages tick every second on the GUI thread from
the last read. A hidden tab reads nothing and catches up when shown.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from prismq_desktop.core import TaskQuery, WorkerControl, timeutil
from prismq_desktop.core.reports import STALE_AFTER_SECONDS, WorkersOverview
from prismq_desktop.gui import settings
from prismq_desktop.gui.empty_state import EmptyStateTable
from prismq_desktop.gui.window.session import Session
from prismq_desktop.gui.workers.embedded_panel import EmbeddedPanel
from prismq_desktop.gui.workers.embedded_worker import EmbeddedWorker
from prismq_desktop.gui.workers.workers_model import SORT_ROLE, WorkersModel

#: Window choices for "done in window": label -> minutes.
WINDOWS = {"last 15 min": 15, "last hour": 60, "last 24 h": 1440}
STALE_SETTING = "workers/staleAfterSeconds"
WINDOW_SETTING = "workers/window"
#: Reads without a commit (the done-in-window counts slide with time); ages tick every second.
READ_EVERY_MS = 10_000
TICK_MS = 1000
#: The 24 h window costs ~110 ms on a million tasks; commits alone never read more often.
MIN_READ_GAP_MS = 1000


def stale_after_setting() -> float:
    """The stale threshold the user chose in the Workers tab (the status bar uses it too)."""
    try:
        seconds = float(settings.value(STALE_SETTING, STALE_AFTER_SECONDS))
    except (TypeError, ValueError):
        return STALE_AFTER_SECONDS
    return seconds if seconds >= 1 else STALE_AFTER_SECONDS


def worker_query(worker_id: str) -> TaskQuery:
    """The task table's filter for one worker's tasks (quoted: ids may hold any character)."""
    escaped = worker_id.replace("\\", "\\\\").replace('"', '\\"')
    return TaskQuery(text=f'worker:"{escaped}"')


class WorkersView(QWidget):
    def __init__(self, session: Session, worker: EmbeddedWorker | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="workersView")
        self.session = session
        self.worker = worker
        self.overview: WorkersOverview | None = None
        self._dirty = True
        self.model = WorkersModel(self.palette(), self)
        self.model.set_stale_after(stale_after_setting())
        self.proxy = QSortFilterProxyModel(self, sortRole=SORT_ROLE, dynamicSortFilter=True)
        self.proxy.setSourceModel(self.model)
        self.table = EmptyStateTable(objectName="workersTable", sortingEnabled=True)
        self.table.empty_text = self.empty_text
        self.summary = QLabel(objectName="workersSummary")
        self.stale = QSpinBox(objectName="staleThreshold", suffix=" s")
        self.done_window = QComboBox(objectName="doneWindow")
        self.show_tasks = QPushButton("Show its tasks", objectName="showWorkerTasks")
        self.quiet = QPushButton("Quiet", objectName="quietWorkerButton")
        self.stop = QPushButton("Stop", objectName="stopWorkerButton")
        self.reclaim = QPushButton("Reclaim expired leases", objectName="reclaimButton")
        self.reclaim_result = QLabel(objectName="reclaimResult", wordWrap=True)
        self.panel = (EmbeddedPanel(worker, session.read_only_reason) if worker is not None
                      else None)
        self._setup()
        self._build()
        self._read_timer = QTimer(self, interval=READ_EVERY_MS, timeout=self.refresh)
        self._tick_timer = QTimer(self, interval=TICK_MS, timeout=self._tick)
        self._spacing = QTimer(self, interval=MIN_READ_GAP_MS, singleShot=True,
                               timeout=self._spaced)
        self._again = False
        session.changed.connect(self.refresh)
        if worker is not None:
            worker.state_changed.connect(lambda _state: self._own_id())
        if self.panel is not None:
            self.panel.task_activated.connect(session.task_requested.emit)
        self._own_id()

    # -- building ------------------------------------------------------------------------------
    def _setup(self) -> None:
        table = self.table
        table.setModel(self.proxy)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((260, 80, 150, 90, 70, 130, 110)):
            table.setColumnWidth(column, width)
        table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
        table.doubleClicked.connect(lambda index: self.show_worker_tasks(index.row()))
        table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.stale.setRange(5, 24 * 3600)
        self.stale.setValue(int(self.model.stale_after))
        self.stale.setToolTip("A worker whose last heartbeat is older than this is marked stale "
                              "(kept between runs; the status bar counts with it too)")
        self.stale.valueChanged.connect(self.set_stale_after)
        self.done_window.addItems(list(WINDOWS))
        chosen = str(settings.value(WINDOW_SETTING, "last hour"))
        self.done_window.setCurrentText(chosen if chosen in WINDOWS else "last hour")
        self.done_window.setToolTip("How far back the Completed tasks and Failed tasks "
                                    "columns count")
        self.done_window.currentTextChanged.connect(self._window_changed)
        self.show_tasks.setEnabled(False)
        self.show_tasks.setToolTip("Show the selected worker's tasks in the task table "
                                   "(or double-click its row)")
        self.show_tasks.clicked.connect(self._show_selected)
        reason = self.session.read_only_reason
        for button, action, tip in (
                (self.quiet, "quiet", "Ask the selected worker process to claim no more tasks "
                                      "(it keeps running what it has)"),
                (self.stop, "stop", "Ask the selected worker process to finish its running "
                                    "tasks and exit")):
            button.setEnabled(False)
            button.setToolTip(f"Unavailable: {reason}" if reason else
                              tip + "; it obeys at its next heartbeat")
            button.clicked.connect(lambda _=False, a=action: self.request_control(a))
        self.reclaim.setEnabled(not reason)
        self.reclaim.setToolTip(
            f"Unavailable: {reason}" if reason else
            "Put every leased or processing task whose lease has expired back in the queue "
            "now (or fail it when it has no attempts left). Workers do this on their own "
            "every few seconds; this is for when none is running.")
        self.reclaim.clicked.connect(self.reclaim_now)

    def _build(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(QLabel("Stale after"))
        bar.addWidget(self.stale)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Done in"))
        bar.addWidget(self.done_window)
        bar.addSpacing(12)
        bar.addWidget(self.show_tasks)
        bar.addWidget(self.quiet)
        bar.addWidget(self.stop)
        bar.addWidget(self.reclaim)
        top = QWidget()
        column = QVBoxLayout(top)
        column.setContentsMargins(8, 8, 8, 0)
        column.addLayout(bar)
        column.addWidget(self.reclaim_result)
        column.addWidget(self.table, 1)
        self.reclaim_result.hide()
        split = QSplitter(Qt.Orientation.Vertical, objectName="workersSplit")
        split.addWidget(top)
        if self.panel is not None:
            holder = QWidget()
            box = QVBoxLayout(holder)
            box.setContentsMargins(8, 0, 8, 8)
            box.addWidget(self.panel)
            split.addWidget(holder)
            split.setSizes([380, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

    def empty_text(self) -> str:
        """A new queue has no workers: say where one comes from (nothing while reading)."""
        if self.overview is None:
            return ""
        here = "Start the embedded worker below, or run one" if self.panel else "Run one"
        return (f"No worker has used this queue yet\n{here} from a terminal: "
                "prismq-desktop worker --db FILE")

    # -- reading -------------------------------------------------------------------------------
    @property
    def window_minutes(self) -> float:
        return float(WINDOWS.get(self.done_window.currentText(), 60))

    def refresh(self) -> None:
        """Read the workers now, or when the tab is next shown if it is hidden."""
        if not self.isVisible() or self.session.paused:
            self._dirty = True
            return
        if self._spacing.isActive():
            self._again = True  # a busy queue commits every tick: read at most once a second
            return
        self._dirty = self._again = False
        self._spacing.start()
        minutes = self.window_minutes
        self.session.reader.submit(lambda q: q.workers_overview(minutes), self._arrived,
                                   key=("workers", id(self)))
        self.session.reader.submit(lambda q: q.worker_controls(), self._controls_arrived,
                                   key=("worker-controls", id(self)))

    def _spaced(self) -> None:
        if self._again:
            self.refresh()

    def _arrived(self, overview: WorkersOverview) -> None:
        selected = self.selected_worker()
        self.overview = overview
        self.model.now = timeutil.utc_now()
        self.model.set_rows(overview.rows, overview.window_minutes)
        if selected is not None:
            self._select(selected)
        self._show_summary()

    def _controls_arrived(self, controls: list[WorkerControl]) -> None:
        self.model.set_controls({c.worker_id: c.state for c in controls})
        self._selection_changed()

    def _tick(self) -> None:
        self.model.tick(timeutil.utc_now())
        self._show_summary()

    def _show_summary(self) -> None:
        rows = self.model.rows
        if self.overview is None:
            self.summary.setText("Reading workers…")
            return
        stale = self.model.stale_count()
        held = sum(row.active for row in rows)
        text = (f"{len(rows)} worker{'' if len(rows) == 1 else 's'} · "
                f"{held:,} task{'' if held == 1 else 's'} held")
        if stale:
            text += f" · {stale} stale"
        self.summary.setText(text)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._read_timer.start()
        self._tick_timer.start()
        # A tab switch hands focus to our first child (the spin box); the table is where the
        # keyboard is wanted.
        QTimer.singleShot(0, self.table.setFocus)
        if self._dirty:
            QTimer.singleShot(0, self.refresh)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        super().hideEvent(event)
        self._read_timer.stop()
        self._tick_timer.stop()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.model.set_palette(self.palette())

    # -- acting --------------------------------------------------------------------------------
    def set_stale_after(self, seconds: int) -> None:
        self.model.set_stale_after(seconds)
        settings.set_value(STALE_SETTING, int(seconds))
        self._show_summary()

    def _window_changed(self, text: str) -> None:
        settings.set_value(WINDOW_SETTING, text)
        self.refresh()

    def reclaim_now(self) -> None:
        self.reclaim.setEnabled(False)
        self.session.writer.submit(lambda q: q.reclaim_expired(), self._reclaimed,
                                   self._reclaim_failed)

    def _reclaimed(self, done: dict[int, str]) -> None:
        self.reclaim.setEnabled(True)
        requeued = sum(status == "queued" for status in done.values())
        failed = len(done) - requeued
        if not done:
            text = "No expired leases: nothing to reclaim."
        else:
            text = (f"Reclaimed {len(done)} expired lease{'' if len(done) == 1 else 's'}: "
                    f"{requeued} requeued, {failed} failed (no attempts left).")
        self._say(text)
        self.refresh()

    def _reclaim_failed(self, error: Exception) -> None:
        self.reclaim.setEnabled(True)
        self._say(f"Reclaim failed, nothing changed: {error}")

    def _say(self, text: str) -> None:
        self.reclaim_result.setText(text)
        self.reclaim_result.show()

    def selected_worker(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.rows[self.proxy.mapToSource(rows[0]).row()].worker_id

    def _select(self, worker_id: str) -> None:
        for row, item in enumerate(self.model.rows):
            if item.worker_id == worker_id:
                self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
                return

    def _selection_changed(self) -> None:
        chosen = self.selected_worker()
        self.show_tasks.setEnabled(chosen is not None)
        registered = chosen is not None and any(row.worker_id == chosen and row.registered
                                                for row in self.model.rows)
        asked = self.model.controls.get(chosen or "", "")
        writable = not self.session.read_only_reason
        self.quiet.setEnabled(writable and registered and not asked)
        self.stop.setEnabled(writable and registered and not asked.startswith("stop"))

    def request_control(self, action: str) -> None:
        """Ask the selected worker to quiet or stop (through the writer)."""
        worker_id = self.selected_worker()
        if worker_id is None:
            return
        self.quiet.setEnabled(False)
        self.stop.setEnabled(False)

        def asked(_control: WorkerControl) -> None:
            self._say(f"Asked {worker_id} to {action}; it answers with its next heartbeat.")
            self.refresh()
        self.session.writer.submit(lambda q: q.request_worker_control(worker_id, action), asked,
                                   lambda exc: self._say(f"Nothing changed: {exc}"))

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.show_worker_tasks(rows[0].row())

    def show_worker_tasks(self, proxy_row: int) -> None:
        """Show this worker's tasks (held or finished) in the task table."""
        source = self.proxy.mapToSource(self.proxy.index(proxy_row, 0))
        if source.isValid():
            self.session.filter_requested.emit(worker_query(self.model.rows[source.row()]
                                                            .worker_id))

    def _own_id(self) -> None:
        self.model.set_own_id(self.worker.worker_id if self.worker is not None else None)
