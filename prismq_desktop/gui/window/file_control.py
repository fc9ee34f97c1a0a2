"""File → Open, New, recent files and dropped files: open off the GUI thread, explain failures.

A file that cannot be shown leaves the window as it was (the old queue stays open) and says
why in one sentence; an empty SQLite file is offered the queue tables; nothing is written
to a file that is not a queue.

It gets the shared actions and the banner; a parent for its dialogs. An opened file goes out
as a new ``Session`` through ``opened``, a failure through ``failed``, status-bar lines
through ``message``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from prismq_desktop.core.locations import display_name, is_postgres, location_of, redacted
from prismq_desktop.gui import settings
from prismq_desktop.gui.actions import Actions
from prismq_desktop.gui.window.banner import Banner
from prismq_desktop.gui.window.opening import Opened, Opener, OpenFailed
from prismq_desktop.gui.window.session import Session
from prismq_desktop.gui.window.upgrade_dialog import UpgradeProgress

FILTER = "Queue files (*.db *.sqlite *.sqlite3 *.queue);;All files (*)"


class FileControl(QObject):
    #: A file is open: its new Session, and whether to start the embedded worker on it.
    opened = Signal(object, bool)
    #: Opening failed (or the user declined to create the tables): the message.
    failed = Signal(str)
    #: A line for the status bar.
    message = Signal(str)

    def __init__(self, named: Actions, banner: Banner, parent: QWidget) -> None:
        super().__init__(parent)
        self.banner, self._parent = banner, parent
        #: The file shown now (the last one opened successfully).
        self.current: str | Path | None = None
        self.recent_menu: QMenu | None = None
        self.opener = Opener(self)
        self.opener.opened.connect(self._opened)
        self.opener.failed.connect(self._failed)
        self.upgrade = UpgradeProgress(parent)
        self.opener.upgrading.connect(self.upgrade.report)
        self.upgrade.cancel_requested.connect(self.opener.cancel)
        self._start_worker = False
        self._opening: str | Path | None = None
        named["open"].triggered.connect(self.choose_open)
        named["new"].triggered.connect(self.choose_new)

    def open_path(self, path: str | Path, create: bool = False,
                  start_worker: bool = False) -> None:
        self._opening = location_of(path)
        self._start_worker = start_worker
        self.message.emit(f"Opening {redacted(path)}…")
        self.upgrade.start(self._opening)
        self.opener.start(self._opening, create)

    def choose_open(self) -> None:
        start = str(self.current.parent) if isinstance(self.current, Path) else ""
        path, _ = QFileDialog.getOpenFileName(self._parent, "Open queue file", start, FILTER)
        if path:
            self.open_path(Path(path))

    def choose_new(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self._parent, "New queue file", "queue.db", FILTER)
        if not path:
            return
        if Path(path).exists() and Path(path).stat().st_size > 0:
            self._tell("New queue file", f"{path} already exists; open it instead of replacing "
                       "it (PrismQ Desktop never overwrites a file).")
            return
        self.open_path(Path(path), create=True)

    def close(self) -> None:
        self.opener.cancel()  # an upgrade in progress stops (the file as it was), no long wait
        self.upgrade.finish()
        self.opener.wait()

    # -- results ---------------------------------------------------------------------------
    def _opened(self, opened: Opened) -> None:
        self.upgrade.finish()
        self.current = opened.path
        self.banner.hide()
        if opened.read_only_reason:
            self.banner.show_message(
                f"Opened read-only: {opened.read_only_reason}. Nothing will be written.",
                "warning", action=("Reopen", lambda: self.open_path(opened.path)))
        elif opened.demo:
            self.banner.show_message(
                f"This is a demo queue ({display_name(opened.path)}): made-up tasks, pretend"
                " handlers and new tasks trickling in. Open your own queue with File → Open.",
                "info")
        self._remember(opened.path)
        self.message.emit(f"Opened {redacted(opened.path)}")
        session = Session(opened.path, opened.read_only_reason, demo=opened.demo)
        self.opened.emit(session, self._start_worker and not opened.read_only_reason)

    def _failed(self, error: OpenFailed) -> None:
        self.upgrade.finish()
        path = self._opening
        if (error.empty or error.missing) and path is not None:
            self._offer_tables(path, error.missing)
            return
        name = display_name(path) if path else "the file"
        self.message.emit(f"{name} was not opened")
        still = f" ({display_name(self.current)} stays open)" if self.current is not None \
            else ""
        if error.cancelled:
            self.banner.show_message(
                f"Upgrade cancelled: {name} was left exactly as it was{still}. Open it again"
                " to upgrade it for this version.", "info",
                action=("Open again", lambda: self.open_path(path)) if path else None)
        else:
            self.banner.show_message(f"Cannot open {name}: {error}{still}", "error")
        self.failed.emit(str(error))

    def _offer_tables(self, path: str | Path, missing: bool) -> None:
        if is_postgres(path):
            text = (f"{redacted(path)} holds no PrismQ queue.\n\nCreate the queue's schema "
                    "and tables there?")
        elif missing:
            text = f"{path} does not exist.\n\nCreate a new queue file there?"
        else:
            text = f"{path} is an empty SQLite database.\n\nCreate the PrismQ queue tables in it?"
        box = QMessageBox(QMessageBox.Icon.Question, "Create queue file", text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self._parent)
        box.setObjectName("offerTables")
        box.finished.connect(lambda answer: self._tables_answer(answer, path, box))
        box.open()

    def _tables_answer(self, answer: int, path: str | Path, box: QMessageBox) -> None:
        box.deleteLater()
        if answer == QMessageBox.StandardButton.Yes:
            self.open_path(path, create=True)
        else:
            self.failed.emit(f"{redacted(path)}: nothing was created or changed")

    # -- recent files ------------------------------------------------------------------------
    def _remember(self, path: str | Path) -> None:
        settings.add_recent(path)
        self.fill_recent()

    def fill_recent(self) -> None:
        menu = self.recent_menu
        if menu is None:
            return
        menu.clear()
        files = settings.recent_files()
        for number, name in enumerate(files, 1):
            action = menu.addAction(f"&{number}  {name}")
            action.triggered.connect(lambda _=False, n=name: self._open_recent(n))
        if files:
            menu.addSeparator()
            menu.addAction("Clear list", self._clear_recent)
        menu.setEnabled(bool(files))

    def _open_recent(self, name: str) -> None:
        if not is_postgres(name) and not Path(name).exists():
            settings.remove_recent(name)
            self.fill_recent()
            self._tell("Open recent", f"{name} no longer exists; removed from the list.")
            return
        self.open_path(location_of(name))

    def _clear_recent(self) -> None:
        for name in settings.recent_files():
            settings.remove_recent(name)
        self.fill_recent()

    def _tell(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text,
                          QMessageBox.StandardButton.Ok, self._parent)
        box.finished.connect(box.deleteLater)
        box.open()
