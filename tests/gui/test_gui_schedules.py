"""The Schedules tab, the schedule dialog, the paused-type toggle and the Workers tab's quiet
and stop, driven offscreen on real files (DESIGN §14)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QTabWidget, QToolButton

from prismq_desktop.core import Queue
from prismq_desktop.gui.schedules.schedule_dialog import ScheduleDialog
from prismq_desktop.gui.schedules.schedules_model import (
    LAST_COLUMN,
    NEXT_COLUMN,
    STATE_COLUMN,
    TASK_COLUMN,
)
from prismq_desktop.gui.schedules.schedules_view import SchedulesView
from prismq_desktop.gui.schedules.type_pauses import PAUSED_ROLE
from prismq_desktop.gui.workers.workers_model import STATE_COLUMN as WORKER_STATE
from prismq_desktop.gui.workers.workers_view import WorkersView
from tests.gui.support import WAIT_MS, message_box, table_ids


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "sched.db"
    with Queue.open(path) as queue:
        queue.add_schedule("tidy", "*/5 * * * *", "echo", timezone="Europe/Prague")
        task = queue.run_schedule_now("tidy")
        claimed = queue.claim("w1")
        assert claimed is not None and claimed.id == task.id
        queue.complete(task.id, "w1", claimed_at=claimed.claimed_at)
        queue.enqueue("mail")
    return path


def _tab(qtbot, window) -> SchedulesView:
    view = window.findChild(SchedulesView, "schedulesView")
    assert view is not None
    window.findChild(QTabWidget, "mainTabs").setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0 or "No schedules" in
                    view.summary.text(), timeout=WAIT_MS)
    return view


def _cell(view: SchedulesView, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    return view.model.data(view.model.index(row, column), role)


def test_the_tab_shows_each_schedule_in_words_with_times_and_its_last_task(
        qtbot, open_window, tmp_path: Path) -> None:
    window = open_window(_file(tmp_path))
    view = _tab(qtbot, window)
    assert _cell(view, 0, 0) == "tidy"
    assert _cell(view, 0, 1).startswith("Every fifth minute of every hour")
    assert _cell(view, 0, NEXT_COLUMN) and _cell(view, 0, NEXT_COLUMN, Qt.ItemDataRole.
                                                 ToolTipRole).endswith(" UTC")
    assert _cell(view, 0, LAST_COLUMN, Qt.ItemDataRole.ToolTipRole).endswith(" UTC")
    assert _cell(view, 0, TASK_COLUMN) == "#1 completed"
    assert _cell(view, 0, TASK_COLUMN, Qt.ItemDataRole.FontRole).underline()
    assert _cell(view, 0, STATE_COLUMN) == "Active"
    with qtbot.waitSignal(window.session.task_requested, timeout=WAIT_MS) as opened:
        view._clicked(view.model.index(0, TASK_COLUMN))
    assert opened.args == [1]


def test_add_previews_the_next_runs_refuses_a_bad_expression_and_saves(
        qtbot, open_window, tmp_path: Path) -> None:
    path = _file(tmp_path)
    window = open_window(path)
    view = _tab(qtbot, window)
    view.buttons["add"].click()
    dialog = view.dialog
    assert isinstance(dialog, ScheduleDialog)
    dialog.cron.setText("61 * * * *")
    assert "at character 1" in dialog.words.text() and not dialog.ok.isEnabled()
    dialog.zone.setCurrentText("UTC")
    dialog.cron.setText("*/10 * * * *")
    assert dialog.ok.isEnabled() and dialog.preview.text().count("<br>") == 4
    assert dialog.words.text() == "Every 10th minute of every hour"
    dialog.name.setText("ten")
    dialog.type.setCurrentText("echo")
    dialog.payload.setPlainText('{"n": 1}')
    dialog.ok.click()
    qtbot.waitUntil(lambda: view.dialog is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.model.row_of("ten") is not None, timeout=WAIT_MS)
    with Queue.open(path, read_only=True) as queue:
        made = queue.schedule("ten")
    assert (made.spec.cron, made.spec.payload, made.spec.timezone) == (
        "*/10 * * * *", '{"n": 1}', "UTC")


def test_a_refused_save_keeps_the_dialog_open_with_the_reason(
        qtbot, open_window, tmp_path: Path) -> None:
    window = open_window(_file(tmp_path))
    view = _tab(qtbot, window)
    view.buttons["add"].click()
    dialog = view.dialog
    dialog.name.setText("tidy")  # taken
    dialog.cron.setText("@daily")
    dialog.type.setCurrentText("echo")
    dialog.ok.click()
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT_MS)
    assert "exists already" in dialog.message.text() and dialog.isVisible()
    dialog.reject()


def test_edit_pause_run_now_show_tasks_and_remove(qtbot, open_window, tmp_path: Path) -> None:
    path = _file(tmp_path)
    window = open_window(path)
    view = _tab(qtbot, window)
    view.select("tidy")
    view.buttons["edit"].click()
    dialog = view.dialog
    assert dialog.name.isReadOnly() and dialog.cron.text() == "*/5 * * * *"
    dialog.priority.setValue(9)
    dialog.ok.click()
    qtbot.waitUntil(lambda: view.dialog is None, timeout=WAIT_MS)
    view.select("tidy")
    view.buttons["pause"].click()
    qtbot.waitUntil(lambda: _cell(view, 0, STATE_COLUMN) == "Paused", timeout=WAIT_MS)
    assert view.buttons["pause"].text() == "Resume"
    view.select("tidy")
    qtbot.waitUntil(view.buttons["run"].isEnabled, timeout=WAIT_MS)
    view.buttons["run"].click()
    qtbot.waitUntil(lambda: "Enqueued task" in view.result.text(), timeout=WAIT_MS)
    assert "Enqueued task #3" in view.result.text(), view.result.text()
    with Queue.open(path, read_only=True) as queue:
        assert queue.schedule("tidy").spec.priority == 9 and queue.get(3).priority == 9
    view.buttons["tasks"].click()
    qtbot.waitUntil(lambda: sorted(table_ids(window)) == [1, 3], timeout=WAIT_MS)
    view = _tab(qtbot, window)  # showing the tasks brought the Tasks tab to the front
    view.select("tidy")
    view.buttons["remove"].click()
    box = message_box(qtbot, "removeScheduleBox")
    [remove] = [b for b in box.buttons()
                if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole]
    remove.click()
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=WAIT_MS)
    assert "No schedules" in view.summary.text()


def _shown_status(window, task_id: int) -> str | None:
    """The status the task table shows for a task (its row's badge text)."""
    model = window.tasks_page.model
    rows = (model.task_row(row) for row in range(model.rowCount()))
    return next((r.status for r in rows if r is not None and r.id == task_id), None)


def test_the_type_toggle_pauses_and_resumes_and_the_status_bar_counts(
        qtbot, open_window, tmp_path: Path) -> None:
    path = _file(tmp_path)
    window = open_window(path)
    types = window.tasks_page.sidebar.types
    qtbot.waitUntil(lambda: any(types.item(r).data(Qt.ItemDataRole.UserRole) == "mail"
                                for r in range(types.count())), timeout=WAIT_MS)
    [row] = [r for r in range(types.count()) if types.item(r).data(Qt.ItemDataRole.UserRole)
             == "mail"]
    types.setCurrentRow(row)
    button = window.findChild(QToolButton, "pauseTypeButton")
    label = window.findChild(QLabel, "pausedTypesLabel")
    assert button.isEnabled() and button.text() == "Pause mail"
    button.click()
    qtbot.waitUntil(lambda: label.isVisible() and label.text() == "1 type paused",
                    timeout=WAIT_MS)
    assert types.item(row).data(PAUSED_ROLE) and types.item(row).font().italic()
    qtbot.waitUntil(lambda: _shown_status(window, 2) == "paused", timeout=WAIT_MS)
    assert button.isChecked() and button.text() == "Resume mail"
    with Queue.open(path, read_only=True) as queue:
        assert list(queue.paused_types()) == ["mail"]
    button.click()
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=WAIT_MS)
    assert not types.item(row).data(PAUSED_ROLE) and not types.item(row).font().italic()
    qtbot.waitUntil(lambda: _shown_status(window, 2) == "queued", timeout=WAIT_MS)
    assert button.text() == "Pause mail" and not button.isChecked()


def test_quiet_and_stop_from_the_workers_tab(qtbot, open_window, tmp_path: Path) -> None:
    path = _file(tmp_path)
    with Queue.open(path) as queue:
        queue.register_worker("w-ext")
    window = open_window(path)
    view = window.findChild(WorkersView, "workersView")
    window.findChild(QTabWidget, "mainTabs").setCurrentWidget(view)
    qtbot.waitUntil(lambda: any(r.worker_id == "w-ext" for r in view.model.rows),
                    timeout=WAIT_MS)
    view._select("w-ext")
    assert view.quiet.isEnabled() and view.stop.isEnabled()
    view.quiet.click()
    row = next(i for i, r in enumerate(view.model.rows) if r.worker_id == "w-ext")
    qtbot.waitUntil(lambda: view.model.data(view.model.index(row, WORKER_STATE))
                    == "alive · quiet requested", timeout=WAIT_MS)
    assert not view.quiet.isEnabled() and view.stop.isEnabled()
    view.stop.click()
    qtbot.waitUntil(lambda: view.model.data(view.model.index(row, WORKER_STATE))
                    == "alive · stop requested", timeout=WAIT_MS)
    with Queue.open(path, read_only=True) as queue:
        assert queue.worker_control("w-ext").action == "stop"


def test_the_embedded_worker_obeys_a_stop_request(qtbot, open_window, tmp_path: Path) -> None:
    window = open_window(_file(tmp_path), start_worker=True)
    qtbot.waitUntil(lambda: window.worker.worker_id is not None and window.worker.running,
                    timeout=WAIT_MS)
    with Queue.open(window.session.db_path) as queue:
        qtbot.waitUntil(lambda: any(w.worker_id == window.worker.worker_id
                                    for w in queue.workers()), timeout=WAIT_MS)
        queue.request_worker_control(window.worker.worker_id, "stop")
    qtbot.waitUntil(lambda: not window.worker.running, timeout=60_000)
