"""Unhandled exceptions: a dialog with the details and a log file, instead of vanishing.

A user who got the bundled exe has no console: an exception in a slot would otherwise be
printed nowhere, and one in a thread would silently end it. ``install()`` routes both
``sys.excepthook`` and ``threading.excepthook`` here. Every report is written to a log file
in the user's data folder first (so it survives even if Qt itself is broken), then shown in
a dialog on the GUI thread, never from the thread that failed.
"""

from __future__ import annotations

import platform
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
)

from prismq_desktop import __version__, paths

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def describe(exc_info: ExcInfo, where: str) -> str:
    """The report: what failed, where, on which versions, and the traceback."""
    from PySide6 import __version__ as pyside_version

    from prismq_desktop.core import backend_versions

    lines = [
        f"PrismQ Desktop {__version__} crashed in {where}",
        f"at {datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"Python {platform.python_version()}, PySide6 {pyside_version},"
        f" SQLite {backend_versions()['SQLite']}, {platform.platform()}",
        "",
        "".join(traceback.format_exception(*exc_info)).rstrip(),
    ]
    return "\n".join(lines) + "\n"


def write_log(report: str, folder: Path | None = None) -> Path | None:
    """Write the report to a new file; None if even that is impossible (read-only home)."""
    folder = folder or paths.logs_dir()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / f"crash-{stamp}.log"
        log.write_text(report, encoding="utf-8")
    except OSError:
        return None
    return log


class CrashDialog(QDialog):
    """The details in a read-only text box (select and copy, or the Copy button), where the
    report was saved, and the choice to carry on or quit."""

    def __init__(self, text: str, log: str) -> None:
        super().__init__()
        self.setObjectName("crashDialog")
        self.setWindowTitle("PrismQ Desktop: unexpected error")
        saved = f"A report was saved to {log}" if log else "The report could not be saved."
        summary = QLabel("Something went wrong that PrismQ Desktop did not expect. What was"
                         " already saved to the queue file is kept: every change to it is a"
                         " transaction of its own.\n" + saved)
        summary.setObjectName("crashSummary")
        summary.setWordWrap(True)
        summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit(text)
        self.details.setObjectName("crashDetails")
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.details)
        layout.addWidget(self._buttons(text))
        self.resize(720, 420)

    def _buttons(self, text: str) -> QDialogButtonBox:
        buttons = QDialogButtonBox()
        copy = buttons.addButton("Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QApplication.clipboard().setText(text))
        quit_button = buttons.addButton("Quit", QDialogButtonBox.ButtonRole.DestructiveRole)
        quit_button.clicked.connect(QApplication.quit)
        go_on = buttons.addButton("Continue", QDialogButtonBox.ButtonRole.AcceptRole)
        go_on.setDefault(True)
        buttons.accepted.connect(self.accept)
        return buttons


class CrashReporter(QObject):
    """Lives on the GUI thread; ``reported`` is queued there from any thread."""

    reported = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dialog: CrashDialog | None = None
        self.reported.connect(self.show_dialog, Qt.ConnectionType.QueuedConnection)

    def report(self, exc_info: ExcInfo, where: str) -> Path | None:
        text = describe(exc_info, where)
        log = write_log(text)
        print(text, file=sys.stderr, end="")
        self.reported.emit(text, str(log) if log else "")
        return log

    def excepthook(self, kind: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        self.report((kind, exc, tb), "the main thread")

    def threading_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread else "a thread"
        self.report((args.exc_type, args.exc_value, args.exc_traceback), f"thread {name}")

    @Slot(str, str)
    def show_dialog(self, text: str, log: str) -> None:
        """One dialog at a time: a failure that repeats (every paint, every tick) is logged
        each time but does not bury the user under windows."""
        if self.dialog is not None and self.dialog.isVisible():
            return
        self.dialog = CrashDialog(text, log)
        self.dialog.show()


_installed: list[tuple[CrashReporter, Callable[..., object], Callable[..., object]]] = []


def install() -> CrashReporter:
    """Route unhandled exceptions of the GUI thread and of every thread to a reporter.

    Call it on the GUI thread (before or after the QApplication exists): log files are
    written at once, dialogs appear once the event loop runs.
    """
    reporter = CrashReporter()
    _installed.append((reporter, sys.excepthook, threading.excepthook))
    sys.excepthook = reporter.excepthook
    threading.excepthook = reporter.threading_hook
    return reporter


def uninstall() -> None:
    """Put back the hooks that were there before the last ``install()``."""
    if _installed:
        _reporter, sys.excepthook, threading.excepthook = _installed.pop()
