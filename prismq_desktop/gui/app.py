"""Entry points: build the main window (tests, packaging) and run the application (CLI)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from prismq_desktop import __version__
from prismq_desktop.core import default_db_path
from prismq_desktop.core.locations import default_location, location_of
from prismq_desktop.gui import crash, settings, theme
from prismq_desktop.gui.window.main_window import MainWindow
from prismq_desktop.paths import resource_path


def create_main_window(db_path: str | Path | None, start_worker: bool = False) -> MainWindow:
    """The main window on ``db_path`` (opened in the background), not shown yet.

    A QApplication must exist. Opening problems show in the window's banner and through its
    ``open_failed`` signal.
    """
    return MainWindow(location_of(db_path) if db_path is not None else None, start_worker)


def run_gui(db_path: str | Path | None, start_worker: bool = False) -> int:
    """Create the application, show the window on ``db_path`` and run until it closes."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    QCoreApplication.setOrganizationName(settings.ORGANIZATION)
    QCoreApplication.setApplicationName(settings.APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    icon = resource_path("icons", "prismq-desktop.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    theme.apply(app, str(settings.value("theme", "system")))
    crash.install()
    _quit_on_interrupt(app)
    window = create_main_window(None)
    window.open_failed.connect(lambda message: _tell_failure(window, message))
    path, create = (location_of(db_path), False) if db_path is not None else starting_file()
    window.files.open_path(path, create=create, start_worker=start_worker)
    window.show()
    return app.exec()


def starting_file() -> tuple[str | Path, bool]:
    """Without --db: the PostgreSQL queue ``PRISMQ_QUEUE_DSN`` names; the file
    ``PRISMQ_QUEUE_DB_PATH`` names (created if it does not exist
    yet: the user asked for that file, not for the last one opened); else the PrismQ default
    file when it exists, else the last file opened, else the default file created new (so
    the exe opens on the queue the PrismQ backend uses).

    Returns the path and whether it must be created.
    """
    if os.environ.get("PRISMQ_QUEUE_DSN"):
        return default_location(), False
    if os.environ.get("PRISMQ_QUEUE_DB_PATH"):
        named = default_db_path()
        return named, not named.exists()
    candidates = [default_db_path(), *(Path(name) for name in settings.recent_files()[:1])]
    found = next((path for path in candidates if path.is_file()), None)
    return (found, False) if found is not None else (default_db_path(), True)


def _quit_on_interrupt(app: QApplication) -> None:
    """Ctrl+C in the terminal closes the window cleanly instead of killing Python mid-slot.

    Qt's event loop does not return to Python on its own, so an idle timer lets the signal
    handler run.
    """
    signal.signal(signal.SIGINT, lambda *_: app.closeAllWindows())
    # SIGTERM ends the app at once, as before the command line made it an orderly exit:
    # raised in a Qt slot it would read as a crash, and every write is a transaction anyway
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def _tell_failure(window: MainWindow, message: str) -> None:
    """A dialog for a file that could not be opened (the banner keeps the message too)."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Cannot open the queue file", message,
                      QMessageBox.StandardButton.Ok, window)
    box.finished.connect(box.deleteLater)
    box.open()
