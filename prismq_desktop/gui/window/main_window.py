"""The main window: menus, toolbar, tabs, banner and status bar around one open queue file.

The window only wires: each part lives in its own module and gets the ``Session``. Opening a
file builds a new Session and a new Tasks page (and the session tabs added with ``add_tab``);
switching files closes the old one. The controllers (files, task actions, bulk and export,
palette and tray, worker status) get the shared actions and the few widgets they act on, never
the window; what they have to say comes back through their signals.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from prismq_desktop.core.locations import display_name, location_of
from prismq_desktop.gui import actions as actions_module
from prismq_desktop.gui import settings, theme
from prismq_desktop.gui.schedules.schedules_view import SchedulesView
from prismq_desktop.gui.schedules.type_pauses import TypePauses
from prismq_desktop.gui.stats.stats_view import StatsView
from prismq_desktop.gui.tasks.task_control import TaskControl
from prismq_desktop.gui.tasks.tasks_page import TasksPage
from prismq_desktop.gui.window.about import show_about
from prismq_desktop.gui.window.api_control import ApiControl
from prismq_desktop.gui.window.banner import Banner
from prismq_desktop.gui.window.bulk_export import BulkExport
from prismq_desktop.gui.window.connection_note import ConnectionNote
from prismq_desktop.gui.window.empty_page import EmptyPage
from prismq_desktop.gui.window.file_control import FileControl
from prismq_desktop.gui.window.palette_tray import PaletteTray
from prismq_desktop.gui.window.session import Session
from prismq_desktop.gui.window.status_bar import HealthReport, StatusBar
from prismq_desktop.gui.window.window_menus import apply_icons, build_menus, context_actions
from prismq_desktop.gui.workers.embedded_worker import RUNNING, STOPPED, EmbeddedWorker
from prismq_desktop.gui.workers.worker_status import WorkerStatus
from prismq_desktop.gui.workers.workers_view import WorkersView

SessionTab = Callable[[Session], QWidget]


class MainWindow(QMainWindow):
    #: A queue file is open (a new Session each time).
    session_opened = Signal(object)
    #: Opening failed: the message shown to the user.
    open_failed = Signal(str)

    def __init__(self, db_path: str | Path | None = None, start_worker: bool = False) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("PrismQ Desktop")
        self.setAcceptDrops(True)
        self.session: Session | None = None
        self.tasks_page: TasksPage | None = None
        self._session_tabs: list[tuple[SessionTab, str]] = []
        self._closing = False
        self.named_actions = named = actions_module.build(self)
        self.worker = EmbeddedWorker(self)
        self.banner = Banner()
        self.tabs = QTabWidget(objectName="mainTabs", documentMode=True)
        self.tabs.addTab(EmptyPage(named), "Tasks")
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self.files = FileControl(named, self.banner, self)
        self.tasks = TaskControl(named, self.banner, self)
        self.bulk_export = BulkExport(named, self.banner, self)
        self.palette_tray = PaletteTray(named, self)
        self.worker_status = WorkerStatus(self.worker, named["workerToggle"], self)
        self.api = ApiControl(named["serveApi"], self)
        self._build()
        self.add_tab(StatsView, "Stats")
        self.add_tab(lambda session: WorkersView(session, self.worker), "Workers")
        self.add_tab(SchedulesView, "Schedules")
        self.files.recent_menu = build_menus(self, named, self.bulk_export.bulk_menu,
                                             self.worker_status.controls)
        self.files.fill_recent()
        self._wire()
        self._restore_window()
        self.update_actions()
        if db_path is not None:
            self.files.open_path(location_of(db_path), start_worker=start_worker)

    def _build(self) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.resize(1440, 880)

    def _wire(self) -> None:
        named = self.named_actions
        named["quit"].triggered.connect(self.close)
        named["refresh"].triggered.connect(self._refresh_now)
        named["pause"].toggled.connect(self._pause)
        named["workerToggle"].triggered.connect(self._toggle_worker)
        named["find"].triggered.connect(self._focus_search)
        named["nextTheme"].triggered.connect(self._next_theme)
        named["about"].triggered.connect(lambda: show_about(self))
        named["resetColumns"].triggered.connect(self._reset_columns)
        for index, name in enumerate(("tabTasks", "tabStats", "tabWorkers")):
            named[name].triggered.connect(lambda _=False, i=index: self._show_tab(i))
        named.themes.triggered.connect(lambda a: self.set_theme(a.data()))
        self.worker.state_changed.connect(lambda _state: self.update_actions())
        self.worker.failed.connect(lambda text: self.banner.show_message(text, "warning"))
        self.files.opened.connect(self._opened)
        self.files.failed.connect(self.open_failed)
        for source in (self.files, self.tasks, self.bulk_export, self.palette_tray.tray):
            source.message.connect(self.status.flash)
        self.worker_status.described.connect(self.status.set_worker)
        self.api.message.connect(self.status.flash)
        self.api.failed.connect(lambda text: self.banner.show_message(text, "warning"))
        self.status.addPermanentWidget(self.api.status_button)
        self.worker.options_changed.connect(self._worker_options_changed)

    def _worker_options_changed(self) -> None:
        """Tasks only the embedded worker's capabilities could run are not marked stranded."""
        if self.tasks_page is not None:
            self.tasks_page.set_worker_capabilities(self.worker.capabilities)

    # -- tabs ------------------------------------------------------------------------------
    def add_tab(self, widget: QWidget | SessionTab, title: str) -> None:
        """Add a tab: a widget as is, or a factory called with each opened Session."""
        if isinstance(widget, QWidget):
            self.tabs.addTab(widget, title)
            return
        self._session_tabs.append((widget, title))
        self.tabs.addTab(EmptyPage(self.named_actions) if self.session is None
                         else widget(self.session), title)

    def _show_tab(self, index: int) -> None:
        if index < self.tabs.count():
            self.tabs.setCurrentIndex(index)

    # -- a file was opened ------------------------------------------------------------------------
    def _opened(self, session: Session, start_worker: bool) -> None:
        self.attach(session)
        if start_worker:
            self.worker.start()

    def attach(self, session: Session) -> None:
        """Show a freshly opened session, replacing the previous one."""
        self.detach()
        self.session = session
        self.tasks_page = TasksPage(session)
        self._replace_tab(0, self.tasks_page, "Tasks")
        for offset, (factory, title) in enumerate(self._session_tabs, 1):
            self._replace_tab(offset, factory(session), title)
        session.reader.failed.connect(self._background_failed)
        session.writer.failed.connect(self._background_failed)
        session.polled.connect(lambda s: self.status.set_latency(s, session.paused))
        self.tasks_page.counts_changed.connect(self.status.set_counts)
        self.tasks_page.message.connect(self.status.flash)
        HealthReport(session, self.status)
        ConnectionNote(session, self.banner, self.status)
        TypePauses(session, self.tasks_page.sidebar, self.status)
        session.filter_requested.connect(lambda _query: self._show_tab(0))
        session.task_requested.connect(lambda _task_id: self._show_tab(0))
        self.tasks_page.selection_changed.connect(self.update_actions)
        self.tasks.attach(session, self.tasks_page)
        self.bulk_export.attach(session, self.tasks_page)
        self.palette_tray.tray.attach(session, self.tasks_page)
        self.tasks_page.table.set_context_actions(
            context_actions(self.named_actions, self.bulk_export.bulk_menu))
        self.worker.set_database(session.db_path)
        self.api.set_database(session.db_path)
        self.tasks_page.set_worker_capabilities(self.worker.capabilities)
        self.status.set_file(session.db_path, session.read_only_reason)
        demo = " (demo)" if session.demo else ""
        self.setWindowTitle(f"{display_name(session.db_path)}{demo} — PrismQ Desktop")
        session.set_paused(self.named_actions["pause"].isChecked())
        self.update_actions()
        self.session_opened.emit(session)

    def detach(self) -> None:
        """Close the current session (saving the page layout)."""
        if self.session is None:
            return
        if self.tasks_page is not None:
            self.tasks_page.save_layout()
        self.worker.set_database(None)
        self.api.set_database(None)
        old, self.session, self.tasks_page = self.session, None, None
        for index in range(self.tabs.count()):
            if index == 0 or index <= len(self._session_tabs):
                self._replace_tab(index, EmptyPage(self.named_actions),
                                  self.tabs.tabText(index))
        old.close()
        old.deleteLater()

    def _replace_tab(self, index: int, widget: QWidget, title: str) -> None:
        current = self.tabs.currentIndex()
        old = self.tabs.widget(index)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, widget, title)
        self.tabs.setCurrentIndex(current)
        if old is not None:
            old.deleteLater()

    def _background_failed(self, summary: str, details: str) -> None:
        self.banner.show_message(f"A background job failed: {summary}", "error", details)

    # -- what actions can do now -------------------------------------------------------------
    def update_actions(self) -> None:
        named = self.named_actions
        reason = ("no queue file is open" if self.session is None
                  else self.session.read_only_reason)
        for name in actions_module.WRITES:
            if reason:
                named.disable(name, reason)
            else:
                named.enable(name)
        if not reason:
            self.tasks.update_actions()
        self.bulk_export.update_actions()
        self.worker_status.update_action(reason)
        self.api.update_action()

    def _toggle_worker(self) -> None:
        self.worker.toggle()
        self.update_actions()

    def _reset_columns(self) -> None:
        if self.tasks_page is not None:
            self.tasks_page.table.reset_columns()

    def _refresh_now(self) -> None:
        if self.tasks_page is not None:
            self.tasks_page.refresh()

    def _pause(self, paused: bool) -> None:
        if self.session is not None:
            self.session.set_paused(paused)
            self.status.set_latency(0.0, paused)
            if not paused:
                self.session.poll()

    def _focus_search(self) -> None:
        if self.tasks_page is not None:
            self._show_tab(0)
            self.tasks_page.search.setFocus()
            self.tasks_page.search.selectAll()

    # -- theme and remembered layout ------------------------------------------------------------
    def set_theme(self, mode: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply(app, mode)
        settings.set_value("theme", mode)
        for action in self.named_actions.themes.actions():
            action.setChecked(action.data() == mode)

    def _next_theme(self) -> None:
        current = settings.value("theme", "system")
        modes = theme.THEMES
        self.set_theme(modes[(modes.index(current) + 1) % len(modes)]
                       if current in modes else "system")

    def _restore_window(self) -> None:
        geometry, state = settings.value("window/geometry"), settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        mode = settings.value("theme", "system")
        for action in self.named_actions.themes.actions():
            action.setChecked(action.data() == mode)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            apply_icons(self, self.named_actions)

    # -- closing: stop the worker off the GUI thread first ---------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if self.worker.state != STOPPED:
            event.ignore()
            if not self._closing:
                self._closing = True
                self.status.flash("Stopping the worker before closing…")
                self.worker.state_changed.connect(self._close_when_stopped)
                self.worker.stop()
            return
        settings.set_value("window/geometry", self.saveGeometry())
        settings.set_value("window/state", self.saveState())
        self.palette_tray.tray.close()
        self.api.close()
        self.detach()
        self.worker.close()
        self.files.close()
        super().closeEvent(event)

    def _close_when_stopped(self, state: str) -> None:
        if state == STOPPED:
            QTimer.singleShot(0, self.close)
        elif state == RUNNING:
            self._closing = False

    # -- drag and drop a file to open it -----------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.files.open_path(Path(url.toLocalFile()))
                event.acceptProposedAction()
                return
