"""Opening a file from before this version's migrations (issue 12): a progress dialog while a
long upgrade runs off the GUI thread, Cancel that leaves the file as it was, and no dialog at
all for a quick one. The upgrade is slow by the file's size, not by sleeps."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QPushButton

from prismq_desktop.core import Queue
from prismq_desktop.core.sqlite import schema
from prismq_desktop.gui.window import upgrade_dialog
from tests.gui.support import wait_loaded
from tests.sqlite.old_files import copy_file, make_old_file, snapshot
from tests.support import sqlite_db

#: About 2.5 s of upgrade on the reference machine: the dialog (after 0.5 s) meets it running.
SLOW_TASKS = 200_000
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def slow_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_old_file(tmp_path_factory.mktemp("slow") / "template.db", SLOW_TASKS)


def _dialog(window) -> QProgressDialog | None:
    dialog = window.files.upgrade.dialog
    return dialog if dialog is not None and dialog.isVisible() else None


def test_a_long_upgrade_shows_progress_and_cancel_leaves_the_file_as_it_was(
        qtbot, open_window, slow_file: Path, tmp_path: Path) -> None:
    path = copy_file(slow_file, tmp_path / "old.db")
    before = snapshot(path)
    window = open_window(None)
    window.files.open_path(path)
    qtbot.waitUntil(lambda: _dialog(window) is not None, timeout=WAIT_MS)
    dialog = _dialog(window)
    assert dialog is not None and dialog.objectName() == "upgradeDialog"
    assert dialog.labelText().startswith("Upgrading old.db for this version… ")
    assert dialog.isModal() or dialog.windowModality() == Qt.WindowModality.WindowModal
    cancel = dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    with qtbot.waitSignal(window.open_failed, timeout=WAIT_MS) as failed:
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert "left exactly as it was" in str(failed.args[0])
    assert window.session is None  # the window stays as it was: no file open, usable
    assert "old.db was left exactly as it was" in window.banner.text.text()
    assert window.files.upgrade.dialog is None
    window.files.close()  # the opening thread has ended and closed the file
    assert snapshot(path) == before

    with qtbot.waitSignal(window.session_opened, timeout=WAIT_MS):
        window.banner.action.click()  # "Open again": this time the upgrade runs through
    wait_loaded(qtbot, window)
    assert window.files.upgrade.dialog is None
    with Queue.open(path, read_only=True) as queue:
        assert queue.count() == SLOW_TASKS


def test_a_quick_upgrade_shows_no_dialog(qtbot, open_window, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[bool] = []
    original = upgrade_dialog.UpgradeProgress._show
    monkeypatch.setattr(upgrade_dialog.UpgradeProgress, "_show",
                        lambda self: (shown.append(True), original(self)))
    path = make_old_file(tmp_path / "small.db", 200)
    window = open_window(None)
    window.files.open_path(path)
    wait_loaded(qtbot, window)
    assert window.session is not None and not window.session.read_only
    with Queue.open(path, read_only=True) as queue:  # it was upgraded ...
        assert sqlite_db(queue).user_version() == schema.SCHEMA_VERSION
    assert shown == []  # ... without a dialog


def test_closing_the_window_during_an_upgrade_stops_it(qtbot, open_window, slow_file: Path,
                                                       tmp_path: Path) -> None:
    path = copy_file(slow_file, tmp_path / "old.db")
    before = snapshot(path)
    window = open_window(None)
    window.files.open_path(path)
    qtbot.waitUntil(lambda: _dialog(window) is not None, timeout=WAIT_MS)
    window.close()  # returns once the opening thread has stopped and closed the file
    assert not any(t.name == "prismq-open" and t.is_alive() for t in threading.enumerate())
    assert snapshot(path) == before
