"""Files that are not (usable) queues: a clear message, write actions disabled, nothing written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import apsw
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from prismq_desktop.cli import demo
from prismq_desktop.core import Queue
from prismq_desktop.gui.settings import recent_files
from tests.gui.support import message_box, wait_loaded
from tests.support import sqlite_db


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _open_and_fail(qtbot, open_window, path: Path) -> tuple[object, str]:
    window = open_window(None)
    with qtbot.waitSignal(window.open_failed, timeout=10_000) as signal:
        window.files.open_path(path)
    return window, str(signal.args[0])


def test_corrupt_file_gets_a_message_and_stays_unchanged(qtbot, open_window,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    digest = _digest(path)
    window, message = _open_and_fail(qtbot, open_window, path)
    assert "corrupt" in message or "not a SQLite database" in message
    assert window.banner.isVisible() and "Cannot open corrupt.db" in window.banner.text.text()
    assert not window.named_actions["enqueue"].isEnabled()
    assert "no queue file is open" in window.named_actions["enqueue"].toolTip()
    assert _digest(path) == digest


def test_not_sqlite_at_all(qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello, not a database\n")
    _window, message = _open_and_fail(qtbot, open_window, path)
    assert "not a SQLite database" in message
    assert path.read_text() == "hello, not a database\n"


def test_sqlite_file_without_queue_tables_is_refused_untouched(qtbot, open_window,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = apsw.Connection(str(path))
    conn.execute("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')")
    conn.close()
    digest = _digest(path)
    window, message = _open_and_fail(qtbot, open_window, path)
    assert "without the PrismQ queue tables" in message
    assert window.session is None
    assert _digest(path) == digest
    assert not Path(str(path) + "-wal").exists()


def test_newer_schema_opens_read_only_with_the_reason(qtbot, open_window,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    with Queue.open(path) as queue:
        queue.enqueue("echo", {"n": 1})
        sqlite_db(queue).execute("PRAGMA user_version = 99")
    digest = _digest(path)
    window = open_window(path)
    assert window.session.read_only
    assert "newer than this app knows" in window.banner.text.text()
    assert "read-only" in window.status.mode.text()
    for name in ("enqueue", "cancel", "retry", "workerToggle"):
        action = window.named_actions[name]
        assert not action.isEnabled() and "newer than this app knows" in action.toolTip()
    qtbot.waitUntil(lambda: window.tasks_page.model.rowCount() == 1)
    window.close()
    assert _digest(path) == digest


def test_empty_file_is_offered_the_queue_tables(qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    window = open_window(None)
    window.files.open_path(path)
    box = message_box(qtbot, "offerTables")
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, window)
    assert not window.session.read_only
    assert recent_files() == [str(path.resolve())]


def test_switching_files_keeps_the_old_one_when_the_new_one_fails(qtbot, open_window,
                                                                  demo_db: Path,
                                                                  tmp_path: Path) -> None:
    window = open_window(demo_db)
    bad = tmp_path / "bad.db"
    bad.write_text("nope")
    with qtbot.waitSignal(window.open_failed, timeout=10_000):
        window.files.open_path(bad)
    assert window.session is not None and window.session.db_path == demo_db
    assert "demo.db stays open" in window.banner.text.text()


def test_missing_file_is_offered_and_declining_creates_nothing(qtbot, open_window,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "later.db"
    window = open_window(None)
    window.files.open_path(path)
    box = message_box(qtbot, "offerTables")
    assert "does not exist" in box.text()
    with qtbot.waitSignal(window.open_failed, timeout=5000):
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    assert not path.exists() and window.session is None


def test_a_demo_file_says_so_in_the_title_and_a_banner(qtbot, open_window,
                                                      tmp_path: Path) -> None:
    path = demo.build_demo_file(tmp_path / "demo" / "demo.db", tasks=200)
    window = open_window(path)
    wait_loaded(qtbot, window)
    assert window.windowTitle() == "demo.db (demo) — PrismQ Desktop"
    assert window.banner.isVisible() and "This is a demo queue" in window.banner.text.text()
    assert window.named_actions["enqueue"].isEnabled()  # a demo is a real, writable queue

    plain = tmp_path / "mine.db"
    Queue.open(plain).close()
    with qtbot.waitSignal(window.session_opened, timeout=10_000):
        window.files.open_path(plain)
    assert window.windowTitle() == "mine.db — PrismQ Desktop"
    assert not window.banner.isVisible()
