"""``prismq-desktop self-test``: prove on this machine, in this build, that the app works.

In a temporary folder: create a queue file, enqueue a task, let an embedded worker run it
to ``completed``, check the platform the app will use (its libraries, its display), build
the main window on it (offscreen only where there is no display, said so) and see the task
in its table. One line per step; the first failing step is named and the exit code is 1. It runs
the same code paths as the app, so a frozen build that lost a module or a Qt plugin fails
here instead of on a user's desk.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prismq_desktop.cli.selftest_api import http_api

TIMEOUT_S = 20.0
#: Qt's platform where QT_QPA_PLATFORM does not name one (Linux: xcb).
DEFAULT_PLATFORMS = {"win32": "windows", "darwin": "cocoa"}


class StepFailed(Exception):
    """A step's check did not hold (the message says what was expected)."""


def wait_for(condition: Callable[[], Any], what: str, pump: Callable[[], None] | None = None,
             timeout: float = TIMEOUT_S) -> Any:
    """Poll ``condition`` until it is truthy (running ``pump`` between polls, e.g. Qt
    events); raise ``StepFailed`` naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise StepFailed(f"timed out after {timeout:g} s waiting for {what}")
        if pump is not None:
            pump()
        time.sleep(0.01)


class SelfTest:
    """The steps, sharing the temporary folder and what earlier steps made."""

    def __init__(self, folder: Path) -> None:
        self.db_path = folder / "self-test.db"
        self.task_id = 0

    def versions(self) -> str:
        from PySide6 import __version__ as pyside

        from prismq_desktop import __version__
        from prismq_desktop.core import backend_versions

        frozen = " (frozen)" if getattr(sys, "frozen", False) else ""
        return (f"PrismQ Desktop {__version__}{frozen}, Python {platform.python_version()},"
                f" PySide6 {pyside}, SQLite {backend_versions()['SQLite']}")

    def resources(self) -> str:
        from prismq_desktop import paths

        missing = [str(p) for p in paths.app_icon_files() if not p.is_file()]
        if missing:
            raise StepFailed(f"missing resources: {', '.join(missing)}")
        return str(paths.resources_dir())

    def queue_file(self) -> str:
        from prismq_desktop.core import Queue

        with Queue.open(self.db_path) as queue:
            integrity = queue.integrity_check()
        if integrity != ["ok"]:
            raise StepFailed(f"integrity check: {integrity}")
        return str(self.db_path)

    def enqueue(self) -> str:
        from prismq_desktop.core import Queue

        with Queue.open(self.db_path) as queue:
            self.task_id = queue.enqueue("echo", {"hello": "self-test"}).id
        return f"task #{self.task_id}"

    def worker(self) -> str:
        from prismq_desktop.core import Queue
        from prismq_desktop.worker import WorkerEngine

        engine = WorkerEngine(self.db_path, worker_id="self-test", poll_interval=0.05)
        engine.start()
        try:
            with Queue.open(self.db_path, read_only=True) as queue:
                wait_for(lambda: queue.get(self.task_id).status in ("completed", "failed"),
                         f"task #{self.task_id} to finish")
                task = queue.get(self.task_id)
        finally:
            engine.stop()
        if task.status != "completed":
            raise StepFailed(f"task #{self.task_id} ended {task.status}: {task.error_message}")
        return f"task #{self.task_id} completed"

    def display(self) -> str:
        """The platform the app will really use: a missing library or an unreachable display
        fails here, as the app would; only a machine with no display at all (a server, CI)
        checks the window offscreen, and says so."""
        from prismq_desktop.gui import platform_check

        named = platform_check.requested()
        if named and named not in ("xcb", "wayland"):
            return f"{named} platform (from QT_QPA_PLATFORM)" + (
                ": headless" if named in platform_check.NO_DISPLAY_PLATFORMS else "")
        if sys.platform.startswith("linux") and named != "wayland":
            missing = platform_check.missing_libraries()
            if missing:
                raise StepFailed(platform_check.install_hint(missing))
        if not named and sys.platform.startswith("linux") and not (
                os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
            return ("headless: no display here, so the main window is checked offscreen "
                    "(the desktop app needs a display)")
        platform = platform_check.check()
        if platform.problem:
            raise StepFailed(platform.problem)
        where = os.environ.get("WAYLAND_DISPLAY" if platform.name == "wayland" else "DISPLAY")
        return f"{platform.name} platform" + (f" on display {where}" if where else "")

    def main_window(self) -> str:
        # the window saves its geometry on close: into a throw-away file, not the user's
        os.environ["PRISMQ_DESKTOP_SETTINGS"] = str(self.db_path.with_name("settings.ini"))
        from PySide6.QtCore import qInstallMessageHandler
        from PySide6.QtWidgets import QApplication, QTableView

        from prismq_desktop.gui.app import create_main_window

        check_platform_plugin(os.environ.get("QT_QPA_PLATFORM") or DEFAULT_PLATFORMS.get(
            sys.platform, "xcb"))
        app = QApplication.instance() or QApplication(sys.argv[:1])
        previous = qInstallMessageHandler(_quiet_offscreen)
        window = create_main_window(self.db_path, start_worker=False)
        try:
            window.show()
            table = wait_for(lambda: window.findChild(QTableView, "taskTable"),
                             "the task table", pump=app.processEvents)
            wait_for(lambda: table.model().rowCount() > 0, "the task table to show the task",
                     pump=app.processEvents)
            rows = table.model().rowCount()
            tabs = paint_every_tab(window, app)
        finally:
            window.close()
            app.processEvents()
            qInstallMessageHandler(previous)
        platform = QApplication.platformName()
        return f"{platform} platform, {rows} row(s) shown, tabs: {', '.join(tabs)}"


def paint_every_tab(window: Any, app: Any) -> list[str]:
    """Show and paint each tab once (charts included), so a module or plugin a tab needs
    that a frozen build lost fails here."""
    from PySide6.QtWidgets import QTabWidget

    tabs = window.findChild(QTabWidget, "mainTabs")
    if tabs is None:
        return []
    names = []
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        app.processEvents()
        window.grab()
        names.append(tabs.tabText(index).replace("&", ""))
    tabs.setCurrentIndex(0)
    return names


def _quiet_offscreen(_mode: object, _context: object, message: str) -> None:
    """Qt's offscreen platform warns about window hints it cannot honour: noise here."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def check_platform_plugin(name: str) -> None:
    """Qt aborts the process when the platform plugin is missing (a frozen build that lost
    it): look for it first, so the failure is our one line instead."""
    from PySide6.QtCore import QLibraryInfo

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    if folder.is_dir() and not any(folder.glob(f"*q{name.split(':')[0]}.*")):
        raise StepFailed(f"Qt platform plugin {name!r} not found in {folder}")


def run_self_test() -> int:
    """Run every step, printing one line each; 0 when all pass, 1 at the first failure."""
    with tempfile.TemporaryDirectory(prefix="prismq-self-test-") as folder:
        test = SelfTest(Path(folder))
        steps: list[tuple[str, Callable[[], str]]] = [
            ("versions", test.versions), ("resources", test.resources),
            ("queue file", test.queue_file), ("enqueue", test.enqueue),
            ("embedded worker", test.worker),
            ("http api", lambda: http_api(Path(folder) / "api.db")), ("display", test.display),
            ("main window", test.main_window),
        ]
        for name, step in steps:
            started = time.perf_counter()
            try:
                detail = step()
            # Report any failure as one line, never a traceback.
            except Exception as exc:  # noqa: BLE001
                why = str(exc) if isinstance(exc, StepFailed) else f"{type(exc).__name__}: {exc}"
                print(f"self-test: {name}: FAILED: {why}", flush=True)
                return 1
            took = (time.perf_counter() - started) * 1000
            print(f"self-test: {name}: ok ({took:.0f} ms) {detail}", flush=True)
    print("self-test: passed", flush=True)
    return 0
