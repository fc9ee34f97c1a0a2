"""File → Open, New, recent files and dropped files: open off the GUI thread, explain failures.

A file that cannot be shown leaves the window as it was (the old queue stays open) and says
why in one sentence; an empty SQLite file is offered the queue tables; nothing is written
to a file that is not a queue.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from prismq_desktop.gui import settings
from prismq_desktop.gui.window.opening import Opened, Opener, OpenFailed
from prismq_desktop.gui.window.session import Session

if TYPE_CHECKING:
    from prismq_desktop.gui.window.main_window import MainWindow

FILTER = "Queue files (*.db *.sqlite *.sqlite3 *.queue);;All files (*)"


class FileControl(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.recent_menu: QMenu | None = None
        self.opener = Opener(self)
        self.opener.opened.connect(self._opened)
        self.opener.failed.connect(self._failed)
        self._start_worker = False
        self._opening: Path | None = None
        window.actions["open"].triggered.connect(self.choose_open)
        window.actions["new"].triggered.connect(self.choose_new)

    def open_path(self, path: Path, create: bool = False, start_worker: bool = False) -> None:
        self._opening = Path(path)
        self._start_worker = start_worker
        self.window.status.flash(f"Opening {path}…")
        self.opener.start(Path(path), create)

    def choose_open(self) -> None:
        start = str(self.window.session.db_path.parent) if self.window.session else ""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open queue file", start, FILTER)
        if path:
            self.open_path(Path(path))

    def choose_new(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "New queue file", "queue.db", FILTER)
        if not path:
            return
        if Path(path).exists() and Path(path).stat().st_size > 0:
            self._tell("New queue file", f"{path} already exists; open it instead of replacing "
                       "it (PrismQ Desktop never overwrites a file).")
            return
        self.open_path(Path(path), create=True)

    def close(self) -> None:
        self.opener.wait()

    # -- results ---------------------------------------------------------------------------
    def _opened(self, opened: Opened) -> None:
        session = Session(opened.path, opened.read_only_reason, demo=opened.demo)
        self.window.attach(session)
        self.window.banner.hide()
        if opened.read_only_reason:
            self.window.banner.show_message(
                f"Opened read-only: {opened.read_only_reason}. Nothing will be written.",
                "warning", action=("Reopen", lambda: self.open_path(opened.path)))
        elif opened.demo:
            self.window.banner.show_message(
                f"This is a demo queue ({opened.path.name}): made-up tasks, pretend handlers "
                "and new tasks trickling in. Open your own queue with File → Open.", "info")
        self._remember(opened.path)
        self.window.status.flash(f"Opened {opened.path}")
        if self._start_worker and not opened.read_only_reason:
            self.window.worker.start()

    def _failed(self, error: OpenFailed) -> None:
        path = self._opening
        if (error.empty or error.missing) and path is not None:
            self._offer_tables(path, error.missing)
            return
        message = f"Cannot open {path.name if path else 'the file'}: {error}"
        still = f" ({self.window.session.db_path.name} stays open)" if self.window.session else ""
        self.window.banner.show_message(message + still, "error")
        self.window.open_failed.emit(str(error))

    def _offer_tables(self, path: Path, missing: bool) -> None:
        text = (f"{path} does not exist.\n\nCreate a new queue file there?" if missing else
                f"{path} is an empty SQLite database.\n\nCreate the PrismQ queue tables in it?")
        box = QMessageBox(QMessageBox.Icon.Question, "Create queue file", text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self.window)
        box.setObjectName("offerTables")
        box.finished.connect(lambda answer: self._tables_answer(answer, path, box))
        box.open()

    def _tables_answer(self, answer: int, path: Path, box: QMessageBox) -> None:
        box.deleteLater()
        if answer == QMessageBox.StandardButton.Yes:
            self.open_path(path, create=True)
        else:
            self.window.open_failed.emit(f"{path}: nothing was created or changed")

    # -- recent files ------------------------------------------------------------------------
    def _remember(self, path: Path) -> None:
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
        if not Path(name).exists():
            settings.remove_recent(name)
            self.fill_recent()
            self._tell("Open recent", f"{name} no longer exists; removed from the list.")
            return
        self.open_path(Path(name))

    def _clear_recent(self) -> None:
        for name in settings.recent_files():
            settings.remove_recent(name)
        self.fill_recent()

    def _tell(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text,
                          QMessageBox.StandardButton.Ok, self.window)
        box.finished.connect(box.deleteLater)
        box.open()
