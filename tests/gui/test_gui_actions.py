"""Writing from the window: enqueue through the dialog, duplicate, cancel and retry a selection."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QListWidget, QMessageBox

from prismq_desktop.core import Queue
from prismq_desktop.gui.dialogs.enqueue_dialog import EnqueueDialog
from prismq_desktop.gui.dialogs.json_editor import check_object
from tests.gui.support import message_box, table_ids
from tests.support import sqlite_db


def _dialog(window) -> EnqueueDialog:
    window.named_actions["enqueue"].trigger()
    dialog = window.tasks.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_enqueue_valid_json_creates_and_selects_the_task(qtbot, open_window,
                                                          demo_db: Path) -> None:
    window = open_window(demo_db)
    dialog = _dialog(window)
    dialog.type.setCurrentText("transcode")
    dialog.payload.set_text('{"path": "/media/a.mov", "format": "mp4"}')
    dialog.priority.setValue(7)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    page = window.tasks_page
    qtbot.waitUntil(lambda: page.table.current_id() == table_ids(window)[0], timeout=5000)
    with Queue.open(demo_db, read_only=True) as queue:
        task = queue.get(page.table.current_id())
    assert (task.type, task.priority, task.payload_dict["format"]) == ("transcode", 7, "mp4")


def test_enqueue_invalid_json_points_at_the_error_and_writes_nothing(
        qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)
    with Queue.open(demo_db, read_only=True) as queue:
        before = queue.count()
    dialog = _dialog(window)
    dialog.type.setCurrentText("echo")
    dialog.payload.set_text('{\n  "a": 1\n  "b": 2\n}')
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() == 0
    assert "line 3, column 3" in dialog.payload.error.text()
    assert dialog.payload.editor.textCursor().blockNumber() == 2
    dialog.payload.set_text("[1, 2]")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert "must be a JSON object" in dialog.payload.error.text()
    dialog.payload.set_text('{\n  "a": 1,\n  "b": NaN\n}')  # Python reads it; JSON has no NaN
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert "line 3, column 8: NaN is not JSON" in dialog.payload.error.text()
    assert dialog.isVisible() and dialog.payload.editor.textCursor().blockNumber() == 2
    dialog.reject()
    with Queue.open(demo_db, read_only=True) as queue:
        assert queue.count() == before


@pytest.mark.parametrize(("text", "where", "hint"), [
    ('{\n  "a": 1,\n}', (2, 9), "remove the comma before '}'"),
    ('{"a": ["x",]}', (1, 11), "remove the comma before ']'"),
    ("{'a': 1}", (1, 2), "JSON needs double quotes"),
    ("{a: 1}", (1, 2), "put the name 'a' in double quotes"),
    ('{"a": True}', (1, 7), "write true instead of True"),
    ('{"a": None}', (1, 7), "write null instead of None"),
    ('{"a": 1', (1, 8), "a '}' or ']' is missing"),
    ('{"a": 1 "b": 2}', (1, 9), "a ',' is missing before this"),
    ('{"a": 1}}', (1, 9), "one '}' too many"),
    ('{"a": "x\ty"}', (1, 9), "written \\n or \\t"),
    ('{"s": "NaN \\" x", "n": -Infinity}', (1, 24), "-Infinity is not JSON"),
])
def test_json_errors_name_the_slip_and_point_at_it(text: str, where: tuple[int, int],
                                                   hint: str) -> None:
    value, message, line, column = check_object(text)
    assert value is None and (line, column) == where
    assert message == f"line {line}, column {column}: " + message.split(": ", 1)[1]
    assert hint in message


def test_duplicate_key_selects_the_existing_task(qtbot, open_window, demo_db: Path) -> None:
    with Queue.open(demo_db) as queue:
        existing = queue.enqueue("echo", {"x": 1}, idempotency_key="once").id
    window = open_window(demo_db)
    page = window.tasks_page
    page.jump_to(existing)
    qtbot.waitUntil(lambda: page.shown_task is not None and page.shown_task.id == existing)
    window.named_actions["duplicate"].trigger()
    dialog = window.tasks.dialog
    assert dialog.type.currentText() == "echo" and '"x": 1' in dialog.payload.text()
    dialog.key.setText("once")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert "already exists" in window.banner.text.text()
    assert page.table.current_id() == existing
    with Queue.open(demo_db, read_only=True) as queue:
        assert queue.count() == page.model.rowCount()


def test_duplicate_key_of_a_task_far_down_the_table_scrolls_to_it(
        qtbot, open_window, demo_db: Path) -> None:
    with Queue.open(demo_db) as queue:
        oldest = min(task.id for task in queue.list(limit=1000))
        sqlite_db(queue).execute("UPDATE task_queue SET idempotency_key = 'old-key' WHERE id = ?",
                         (oldest,))
    window = open_window(demo_db)
    page = window.tasks_page
    assert page.model.row_of(oldest) is None
    dialog = _dialog(window)
    dialog.type.setCurrentText("echo")
    dialog.key.setText("old-key")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.table.selected_ids() == [oldest], timeout=5000)
    assert f"#{oldest}" in window.banner.text.text()


def _rows_with(page, status: str, n: int) -> list[int]:
    """The first n loaded rows showing this status."""
    rows = [r for r in range(page.model.rowCount())
            if page.model.task_row(r) is not None and page.model.task_row(r).status == status]
    assert len(rows) >= n
    return rows[:n]


def _select_rows(page, rows: list[int]) -> None:
    model, selection = page.model, page.table.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        selection.select(model.index(row, 0), flags)


def test_cancel_a_selection_reports_the_refused_ones_once(qtbot, open_window,
                                                          demo_db: Path) -> None:
    window = open_window(demo_db)
    page = window.tasks_page
    _select_rows(page, _rows_with(page, "queued", 3) + _rows_with(page, "completed", 2))
    ids = page.table.selected_ids()
    window.named_actions["cancel"].trigger()
    qtbot.mouseClick(message_box(qtbot, "confirmBulk").button(QMessageBox.StandardButton.Yes),
                     Qt.MouseButton.LeftButton)
    refused = message_box(qtbot, "bulkRefused")
    assert "3 tasks cancelled, 2 refused" in refused.text()
    assert refused.informativeText().count("only queued, leased, processing") == 2
    refused.accept()
    with Queue.open(demo_db, read_only=True) as queue:
        statuses = [queue.get(task_id).status for task_id in ids]
    assert statuses.count("cancelled") == 3 and statuses.count("completed") == 2
    qtbot.waitUntil(lambda: sorted(page.table.selected_ids()) == sorted(ids), timeout=5000)


def test_retry_with_ctrl_r_requeues_failed_tasks(qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)
    page = window.tasks_page
    window.findChild(QListWidget, "statusFilter").setCurrentRow(5)  # failed
    qtbot.waitUntil(lambda: page.model.query.statuses == ("failed",))
    qtbot.waitUntil(lambda: page.model.task_row(0) is not None
                    and page.model.task_row(0).status == "failed")
    _select_rows(page, [0])
    task_id = page.table.selected_ids()[0]
    window.activateWindow()  # a shortcut reaches only the active window
    page.table.setFocus()
    qtbot.waitUntil(lambda: window.isActiveWindow()
                    and window.named_actions["retry"].isEnabled())
    qtbot.keyClick(page.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: task_id not in table_ids(window), timeout=5000)
    with Queue.open(demo_db, read_only=True) as queue:
        assert queue.get(task_id).attempts == 0
    # It left the Failed view: the detail panel and the actions let go of it (issue 11.2).
    qtbot.waitUntil(lambda: page.log.task_id is None, timeout=5000)
    assert page.shown_task is None and page.target_ids() == []


def test_a_copy_keeps_priority_zero(qtbot, tmp_path: Path) -> None:
    """0 is the most urgent priority, not a missing one: the copy must not fall back to 100."""
    with Queue.open(tmp_path / "q.db") as queue:
        urgent = queue.get(queue.enqueue("echo", priority=0, max_attempts=2).id)
    dialog = EnqueueDialog(["echo"])
    qtbot.addWidget(dialog)
    dialog.fill_from(urgent)
    assert (dialog.priority.value(), dialog.max_attempts.value()) == (0, 2)
