"""Issue 11.16: small things seen on screen: the log's level column, "1 thread", empty
states on a new queue, and a timeline that agrees with the attempt history."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QApplication, QMessageBox, QSpinBox, QTabWidget

from prismq_desktop.core import Queue
from prismq_desktop.gui import formatting as fmt
from prismq_desktop.gui.tasks.task_table import NO_TASKS
from prismq_desktop.gui.workers.workers_model import COLUMNS as WORKER_COLUMNS
from prismq_desktop.gui.workers.workers_view import WorkersView
from tests.gui.support import *  # noqa: F403  (the GUI fixtures)
from tests.gui.support import WAIT_MS, message_box


def test_the_level_column_fits_warning(qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    with Queue.open(path) as queue:
        task = queue.enqueue("echo")
        for _ in range(30):
            queue.log(task.id, "INFO", "fine")  # a first page of INFO lines only
        queue.log(task.id, "WARNING", "slow")
    window = open_window(path)
    page = window.tasks_page
    page.jump_to(task.id)
    qtbot.waitUntil(lambda: page.log.model.rowCount() == 32, timeout=WAIT_MS)
    table = page.log.table
    needed = table.fontMetrics().horizontalAdvance("WARNING") + 8
    assert table.horizontalHeader().sectionSize(1) >= needed


def test_one_thread_is_singular(qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)
    spin = window.findChild(QSpinBox, "workerConcurrency")
    spin.setValue(1)
    assert spin.text() == "1 thread"
    spin.setValue(2)
    assert spin.text() == "2 threads"
    window.worker.set_concurrency(1)  # set elsewhere (the Workers tab, settings): it agrees too
    assert spin.text() == "1 thread"
    window.worker.set_concurrency(3)
    assert spin.text() == "3 threads"


def test_an_empty_table_says_why(qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Queue.open(path).close()
    window = open_window(path)
    page = window.tasks_page
    assert page.table.empty_text().startswith(NO_TASKS)
    with Queue.open(path) as queue:
        queue.enqueue("echo")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT_MS)
    assert page.table.empty_text() == ""
    page.sidebar.select_status("failed")
    qtbot.waitUntil(lambda: page.model.query.statuses == ("failed",)
                    and page.model.rowCount() == 0, timeout=WAIT_MS)
    assert page.table.empty_text() == ("No task matches status failed\nAll tasks and All "
                                       "types in the sidebar show the rest.")


def test_the_timeline_and_the_attempt_history_agree(qtbot, open_window,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    with Queue.open(path) as queue:
        task = queue.enqueue("echo")
        claimed = queue.claim("w1", types=["echo"])
        queue.complete(claimed.id, "w1", claimed_at=claimed.claimed_at)
        run = queue.details(task.id).runs[-1]
    window = open_window(path)
    page = window.tasks_page
    page.jump_to(task.id)
    qtbot.waitUntil(lambda: page.shown_task is not None and page.shown_task.id == task.id,
                    timeout=WAIT_MS)
    gaps = page.detail.timeline._gaps
    assert gaps[0] == fmt.duration(run.wait_s) and gaps[2] == fmt.duration(run.run_s)
    assert f"waited {fmt.duration(run.wait_s)}, ran {fmt.duration(run.run_s)}" in \
        page.detail.attempts.text()


def test_a_new_queue_says_why_its_workers_table_is_empty(qtbot, open_window,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Queue.open(path).close()
    window = open_window(path)
    view = window.findChild(WorkersView, "workersView")
    assert view.empty_text() == ""  # nothing said before the first read
    window.findChild(QTabWidget, "mainTabs").setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.overview is not None, timeout=WAIT_MS)
    assert view.empty_text().splitlines() == [
        "No worker has used this queue yet",
        "Start the embedded worker below, or run one from a terminal: prismq-desktop worker "
        "--db FILE"]
    assert view.panel.empty_text().startswith("Not running\nStart runs tasks")


def test_an_empty_log_says_why(qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    with Queue.open(path) as queue:
        task = queue.enqueue("echo")
        queue.log(task.id, "INFO", "fine")
    window = open_window(path)
    log = window.tasks_page.log
    window.tasks_page.jump_to(task.id)
    qtbot.waitUntil(lambda: log.model.rowCount() >= 1, timeout=WAIT_MS)
    assert log.empty_text().startswith("No line matches")  # asked only with no line shown
    log.level.setCurrentIndex(log.level.findText("ERROR+"))
    assert log.filter.rowCount() == 0
    total = log.model.rowCount()
    assert log.empty_text().splitlines() == [
        "No line matches the level or the filter",
        f"{total} lines are hidden: choose All levels or clear the filter."]


def test_failed_tasks_and_failed_attempts_are_named_apart() -> None:
    assert "Failed tasks" in WORKER_COLUMNS and "Failed" not in WORKER_COLUMNS


def test_retried_tasks_leaving_the_filter_keep_the_retry_note(qtbot, open_window,
                                                              tmp_path: Path) -> None:
    """After "Retry" on the Failed view the status bar keeps "2 tasks retried" (and no box
    follows), not a note that the task shown, one of them, left the view."""
    path = tmp_path / "q.db"
    with Queue.open(path) as queue:
        ids = [queue.enqueue("echo", max_attempts=1).id for _ in range(3)]
        for _ in ids:
            claimed = queue.claim("w1", types=["echo"])
            queue.fail(claimed.id, "w1", "boom", claimed_at=claimed.claimed_at)
    window = open_window(path)
    page = window.tasks_page
    page.sidebar.select_status("failed")
    qtbot.waitUntil(lambda: page.model.query.statuses == ("failed",)
                    and page.model.rowCount() == 3, timeout=WAIT_MS)
    page.jump_to(ids[2])  # row 0, shown; with row 1 selected too
    page.table.selectionModel().select(
        page.model.index(1, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    qtbot.waitUntil(lambda: page.shown_task is not None, timeout=WAIT_MS)
    window.named_actions["retry"].trigger()
    message_box(qtbot, "confirmBulk").button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.log.task_id is None,
                    timeout=WAIT_MS)
    qtbot.wait(200)  # a later note would come within this (the reader answers in ms)
    shown = window.status.toolTip() or window.status.currentMessage()
    assert shown == "2 tasks retried"
    assert not [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.isVisible()]
