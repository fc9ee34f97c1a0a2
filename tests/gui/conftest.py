"""Fixtures for every GUI test (pytest finds them here; no module imports them).

Settings go to a file under tmp_path (never the user's), every window is closed and its
threads joined at the end, and a test that leaves a background thread running fails.
Helpers that are plain functions live in ``tests/gui/support.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from prismq_desktop.gui import create_main_window
from prismq_desktop.gui.settings import ENV_FILE
from prismq_desktop.gui.window.main_window import MainWindow
from prismq_desktop.gui.workers.embedded_worker import STOPPED
from tests.gui.support import make_demo, wait_loaded
from tests.support import no_new_threads


@pytest.fixture(autouse=True)
def gui_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings in a private INI file, so tests never read or write the user's."""
    path = tmp_path / "settings.ini"
    monkeypatch.setenv(ENV_FILE, str(path))
    return path


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    """Fail a test that leaves a background thread running (after a grace period).

    Declared after ``gui_settings`` and before the window fixtures, so it checks after they
    have closed their windows (fixtures are torn down in reverse order).
    """
    with no_new_threads():
        yield


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    return make_demo(tmp_path / "demo.db")


@pytest.fixture
def open_window(qtbot: Any) -> Iterator[Callable[..., MainWindow]]:
    """Open windows on files; each is shown, and stopped and closed at the end."""
    windows: list[MainWindow] = []

    def opener(path: Path | None, **options: Any) -> MainWindow:
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
