"""Unhandled exceptions become a log file in the user's data folder and a dialog."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel

from prismq_desktop.gui import crash


@pytest.fixture
def reporter(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
             ) -> Iterator[crash.CrashReporter]:
    monkeypatch.setenv("PRISMQ_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    installed = crash.install()
    yield installed
    crash.uninstall()
    if installed.dialog is not None:
        installed.dialog.close()


def _raise_into_hook(message: str) -> None:
    try:
        raise ValueError(message)
    except ValueError:
        sys.excepthook(*sys.exc_info())


def _logs(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "data" / "logs").glob("crash-*.log"))


def test_main_thread_exception_writes_a_log_and_shows_the_details(qtbot, reporter, tmp_path):
    _raise_into_hook("boom in a slot")
    [log] = _logs(tmp_path)
    assert "ValueError: boom in a slot" in log.read_text()
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    summary = reporter.dialog.findChild(QLabel, "crashSummary")
    assert str(log) in summary.text()
    details = reporter.dialog.details.toPlainText()
    assert "ValueError: boom in a slot" in details
    assert "Traceback" in details and "SQLite" in details


def test_thread_exception_reaches_the_gui_thread(qtbot, reporter, tmp_path):
    def work() -> None:
        raise RuntimeError("worker thread died")

    thread = threading.Thread(target=work, name="bad-thread")
    thread.start()
    thread.join(timeout=10)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert "thread bad-thread" in reporter.dialog.details.toPlainText()
    assert "RuntimeError: worker thread died" in _logs(tmp_path)[0].read_text()


def test_copy_button_copies_the_report_and_keeps_the_dialog(qtbot, reporter):
    _raise_into_hook("copy me")
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    box = reporter.dialog.findChild(QDialogButtonBox)
    [copy] = [b for b in box.buttons() if b.text() == "Copy details"]
    copy.click()
    assert "ValueError: copy me" in QApplication.clipboard().text()
    assert reporter.dialog.isVisible()


def test_a_repeating_failure_opens_one_dialog_but_logs_every_time(qtbot, reporter, tmp_path):
    _raise_into_hook("first")
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    first = reporter.dialog
    _raise_into_hook("second")
    qtbot.waitUntil(lambda: len(_logs(tmp_path)) == 2)
    QApplication.processEvents()  # deliver the queued report of "second"
    assert reporter.dialog is first
    assert "second" not in first.details.toPlainText()


def test_an_unwritable_data_folder_still_shows_the_dialog(qtbot, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("PRISMQ_DESKTOP_DATA_DIR", str(blocker))
    reporter = crash.install()
    try:
        _raise_into_hook("nowhere to write")
        qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
        summary = reporter.dialog.findChild(QLabel, "crashSummary")
        assert "could not be saved" in summary.text()
    finally:
        crash.uninstall()
        if reporter.dialog is not None:
            reporter.dialog.close()


def test_uninstall_restores_the_previous_hooks(qtbot):
    before = (sys.excepthook, threading.excepthook)
    crash.install()
    assert sys.excepthook != before[0]
    crash.uninstall()
    assert (sys.excepthook, threading.excepthook) == before
