"""Helpers the GUI tests import by name (the fixtures are in tests/gui/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from prismq_desktop.core import Queue
from prismq_desktop.core.sqlite import sample_data as history
from prismq_desktop.gui.window.main_window import MainWindow
from tests.support import sqlite_db

REPO = Path(__file__).resolve().parents[2]
WAIT_MS = 10_000


def make_demo(path: Path, tasks: int = 300) -> Path:
    with Queue.open(path) as queue:
        history.generate(sqlite_db(queue), tasks, 2, datetime.now(timezone.utc), scheduled=5,
                         backlog=5)
    return path


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
