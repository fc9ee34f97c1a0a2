"""Fixtures and helpers shared by the GUI tests (imported by each tests/test_gui_*.py).

Settings go to a file under tmp_path (never the user's), every window is closed and its
threads joined at the end, and a test that leaves a background thread running fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from prismq_desktop.core import Queue
from prismq_desktop.core.sqlite import sample_data as history
from prismq_desktop.gui import create_main_window
from prismq_desktop.gui.settings import ENV_FILE
from prismq_desktop.gui.window.main_window import MainWindow
from prismq_desktop.gui.workers.embedded_worker import STOPPED
from tests.support import sqlite_db

REPO = Path(__file__).resolve().parents[2]
WAIT_MS = 10_000


@pytest.fixture(autouse=True)
def gui_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings in a private INI file, so tests never read or write the user's."""
    path = tmp_path / "settings.ini"
    monkeypatch.setenv(ENV_FILE, str(path))
    return path


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    """Fail a test that leaves a background thread running (after a grace period)."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5.0
    while True:
        extra = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not extra, f"background threads left running: {[t.name for t in extra]}"


def make_demo(path: Path, tasks: int = 300) -> Path:
    with Queue.open(path) as queue:
        history.generate(sqlite_db(queue), tasks, 2, datetime.now(timezone.utc), scheduled=5,
                         backlog=5)
    return path


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    return make_demo(tmp_path / "demo.db")


@pytest.fixture
def open_window(qtbot) -> Iterator[Callable[..., MainWindow]]:
    """Open windows on files; each is shown, and stopped and closed at the end."""
    windows: list[MainWindow] = []

    def opener(path: Path | None, **options) -> MainWindow:
        window = create_main_window(path, **options)
        windows.append(window)
        window.show()
        if path is not None:
            wait_loaded(qtbot, window)
        return window

    yield opener
    for window in windows:
        if window.worker.state != STOPPED:
            window.worker.stop()
            qtbot.waitUntil(lambda w=window: w.worker.state == STOPPED, timeout=15_000)
        window.close()
        window.deleteLater()


def wait_loaded(qtbot, window: MainWindow) -> None:
    """Until the file is open and the table's first window is in."""
    qtbot.waitUntil(lambda: window.tasks_page is not None
                    and window.tasks_page.model.loaded_at is not None, timeout=WAIT_MS)


def table_ids(window: MainWindow) -> list[int]:
    page = window.tasks_page
    assert page is not None
    rows = (page.model.task_row(row) for row in range(page.model.rowCount()))
    return [row.id for row in rows if row is not None]


def run_child(code: str) -> str:
    """Run Python code in a new process (a real other writer), return its stdout."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout


def message_box(qtbot, name: str) -> QMessageBox:
    """The visible message box with this object name (they are opened, never exec'd)."""
    found: list[QMessageBox] = []

    def visible() -> bool:
        found[:] = [w for w in QApplication.topLevelWidgets()
                    if isinstance(w, QMessageBox) and w.objectName() == name and w.isVisible()]
        return bool(found)

    qtbot.waitUntil(visible, timeout=WAIT_MS)
    return found[0]
