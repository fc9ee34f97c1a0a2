"""Editing a task, exporting the filter and a task, the table's context menu, the command
palette and the tray."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu

from prismq_desktop.core import Queue, TaskQuery
from prismq_desktop.gui.window.palette import fuzzy_score
from prismq_desktop.gui.window.tray import FailureThrottle
from tests.gui.support import WAIT_MS


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    """Two waiting tasks, one running, and eight finished ones (five of them failed), all an
    hour old (so later failures are the latest)."""
    path = tmp_path / "small.db"
    with Queue.open(path, clock=lambda: datetime.now(timezone.utc) - timedelta(hours=1)) \
            as queue:
        queue.enqueue_many([{"type": "echo", "payload": {"n": n}} for n in range(2)])
        running = queue.enqueue("sleep", {"seconds": 60})
        assert queue.claim("w1", types=["sleep"]).id == running.id
        for n in range(8):
            task = queue.enqueue("job", {"n": n}, max_attempts=1)
            claimed = queue.claim("w1", types=["job"])
            if n < 5:
                queue.fail(task.id, "w1", f"boom {n}", claimed_at=claimed.claimed_at)
            else:
                queue.complete(task.id, "w1", claimed_at=claimed.claimed_at)
    return path


def _show(qtbot, window, task_id: int) -> None:
    page = window.tasks_page
    page.jump_to(task_id)
    qtbot.waitUntil(lambda: page.shown_task is not None and page.shown_task.id == task_id)
    qtbot.waitUntil(window.named_actions["edit"].isEnabled)


def _edit(qtbot, window, task_id: int):
    _show(qtbot, window, task_id)
    window.named_actions["edit"].trigger()
    qtbot.waitUntil(lambda: window.tasks.edit_dialog is not None, timeout=WAIT_MS)
    return window.tasks.edit_dialog


# -- editing ----------------------------------------------------------------------------------

def test_edit_is_read_only_with_the_reason_for_a_running_task(qtbot, open_window,
                                                              small_db: Path) -> None:
    window = open_window(small_db)
    dialog = _edit(qtbot, window, 3)
    assert dialog.reason.isVisible() and "running tasks cannot be edited" in dialog.reason.text()
    assert not dialog.save.isVisible() and dialog.payload.editor.isReadOnly()
    assert not dialog.priority.isEnabled()


def test_edit_of_a_queued_task_saves_only_what_changed(qtbot, open_window,
                                                       small_db: Path) -> None:
    window = open_window(small_db)
    dialog = _edit(qtbot, window, 1)
    dialog.payload.set_text('{\n  "n": 1\n  "x": 2\n}')
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert "line 3, column 3" in dialog.payload.error.text() and dialog.isVisible()
    dialog.payload.set_text('{"n": 1, "x": 2}')
    dialog.priority.setValue(3)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    with Queue.open(small_db, read_only=True) as queue:
        task, entries = queue.get(1), queue.logs(1)
    assert (task.priority, task.payload_dict, task.max_attempts) == (3, {"n": 1, "x": 2}, 5)
    assert entries[-1].message == "edited: payload changed, priority 100 → 3"


def test_edit_refused_when_the_task_started_meanwhile_turns_read_only(
        qtbot, open_window, small_db: Path) -> None:
    window = open_window(small_db)
    dialog = _edit(qtbot, window, 2)
    with Queue.open(small_db) as queue:
        queue.claim("w2", types=["echo"], strategy="lifo")
        assert queue.get(2).status == "processing"
    dialog.priority.setValue(9)
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.reason.isVisible, timeout=WAIT_MS)
    assert "task 2 is processing" in dialog.reason.text()
    assert "Nothing was saved" in dialog.message.text() and not dialog.save.isVisible()
    with Queue.open(small_db, read_only=True) as queue:
        assert queue.get(2).priority == 100


# -- export -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_writes_exactly_the_rows_the_filter_matches(qtbot, open_window, small_db: Path,
                                                           tmp_path: Path, fmt: str) -> None:
    window = open_window(small_db)
    page = window.tasks_page
    page.search.setText("error:boom -payload.n:3")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.rowCount() == 4)
    window.named_actions["exportFilter"].trigger()
    dialog = window.bulk_export.export_dialog
    qtbot.waitUntil(lambda: dialog.count.text() == "4 tasks")
    target = tmp_path / f"out.{fmt}"
    dialog.path.setText(str(target))
    dialog.jsonl.setChecked(fmt == "jsonl")
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Wrote 4 tasks" in dialog.result_label.text(), timeout=WAIT_MS)
    with target.open(encoding="utf-8") as handle:
        rows = (list(csv.DictReader(handle)) if fmt == "csv"
                else [json.loads(line) for line in handle])
    with Queue.open(small_db, read_only=True) as queue:
        expected = [t.id for t in queue.list(TaskQuery(text="error:boom -payload.n:3"), 0, 100)]
    assert [int(row["id"]) for row in rows] == expected
    assert {row["status"] for row in rows} == {"failed"} and dialog.executor is None
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    assert "exists" in dialog.result_label.text()  # a second press would replace it


def test_task_with_its_log_to_a_file_and_to_the_clipboard(qtbot, open_window, small_db: Path,
                                                          tmp_path: Path) -> None:
    window = open_window(small_db)
    _show(qtbot, window, 4)
    target = tmp_path / "task.json"
    window.bulk_export.export_task(4, target)
    qtbot.waitUntil(target.exists, timeout=WAIT_MS)
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["task"]["id"] == 4 and document["task"]["error_message"] == "boom 0"
    assert next(e["message"] for e in document["logs"]) == "enqueued"
    window.named_actions["copyJson"].trigger()
    qtbot.waitUntil(lambda: '"boom 0"' in QGuiApplication.clipboard().text(), timeout=WAIT_MS)
    assert json.loads(QGuiApplication.clipboard().text()) == document


# -- the table's context menu -------------------------------------------------------------------

def test_the_context_menu_holds_the_task_actions_and_the_all_matching_menu(
        qtbot, open_window, small_db: Path) -> None:
    window = open_window(small_db)
    window.tasks_page.table.customContextMenuRequested.emit(QPoint(10, 10))
    shown: list[QMenu] = []

    def popped_up() -> bool:
        shown[:] = [w for w in QApplication.topLevelWidgets()
                    if isinstance(w, QMenu) and w.isVisible()]
        return bool(shown)

    qtbot.waitUntil(popped_up, timeout=WAIT_MS)
    entries = [action.objectName() or action.text() for action in shown[0].actions()
               if not action.isSeparator()]
    assert entries == ["editAction", "duplicateAction", "cancelAction", "retryAction",
                       "copyAction", "copyJsonAction", "exportTaskAction", "&All matching tasks"]
    assert shown[0].actions()[-1].menu() is window.bulk_export.bulk_menu
    shown[0].close()


# -- command palette --------------------------------------------------------------------------

def test_palette_lists_actions_with_shortcuts_and_runs_one(qtbot, open_window,
                                                           small_db: Path) -> None:
    window = open_window(small_db)
    assert window.named_actions["palette"].shortcut() == QKeySequence("Ctrl+K")
    window.named_actions["palette"].trigger()
    palette = window.palette_tray.palette
    rows = {item.text(0): item.text(2) for item in palette.items()}
    assert rows["Enqueue"] == "Ctrl+E" and rows["Retry all matching"] == "Ctrl+Shift+R"
    assert {"Export matching tasks", "Requeue stuck tasks", "Dark"} <= set(rows)
    assert "Command palette" not in rows
    qtbot.keyClicks(palette.filter, "enq")
    assert palette.visible_items()[0].text(0) == "Enqueue"
    assert palette.list.currentItem().text(0) == "Enqueue"
    qtbot.keyClick(palette.filter, Qt.Key.Key_Return)
    assert not palette.isVisible()
    qtbot.waitUntil(lambda: window.tasks.dialog is not None and window.tasks.dialog.isVisible())
    assert fuzzy_score("rat", "Retry all matching tasks") is not None
    assert fuzzy_score("ret", "Dark View › Theme") is None


# -- tray -------------------------------------------------------------------------------------

def test_a_burst_of_failures_is_one_notification() -> None:
    throttle = FailureThrottle(quiet_s=5, max_wait_s=30, min_gap_s=60)
    throttle.observe(40, now=0.0)  # failures already in the file are not news
    notes = []
    for n in range(1, 1001):  # 1,000 failures over 10 seconds
        throttle.observe(40 + n, now=n / 100)
        notes.append(throttle.take(now=n / 100))
    notes += [throttle.take(now=10 + s) for s in range(120)]
    assert [n for n in notes if n] == [1000]
    throttle.observe(1041, now=200.0)
    throttle.observe(1042, now=200.5)
    assert throttle.take(now=206.0) == 2 and throttle.take(now=300.0) == 0


def test_tray_menu_and_failure_notification(qtbot, open_window, small_db: Path) -> None:
    window = open_window(small_db)
    tray = window.palette_tray.tray
    texts = [action.text() for action in tray.menu.actions() if not action.isSeparator()]
    assert texts == ["Hide window", "&Pause live updates", "Start worker",
                     "&Notify when tasks fail", "&Quit"]
    qtbot.waitUntil(lambda: tray.failed == 5, timeout=WAIT_MS)
    tray.menu.actions()[2].trigger()  # pause live updates
    assert window.session.paused
    tray.menu.actions()[2].trigger()
    with Queue.open(small_db) as queue:
        for task_id in (1, 2):
            claimed = queue.claim("w9", types=["echo"])
            queue.fail(claimed.id, "w9", f"bad {task_id}", permanent=True)
    qtbot.waitUntil(lambda: tray.failed == 7, timeout=WAIT_MS)
    tray.flush(now=tray.clock() + 3600)
    qtbot.waitUntil(lambda: len(tray.notifications) == 1, timeout=WAIT_MS)
    tray.flush(now=tray.clock() + 7200)
    assert len(tray.notifications) == 1
    title, text = tray.notifications[0]
    assert title == "2 tasks failed" and "bad" in text
    tray.show_hide.trigger()
    assert not window.isVisible()
    tray.show_hide.trigger()
    assert window.isVisible()
