"""Issue 11.16: small things seen on screen: the log's level column, "1 thread", empty
states on a new queue, and a timeline that agrees with the attempt history."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QSpinBox

from prismq_desktop.core import Queue
from prismq_desktop.gui import formatting as fmt
from prismq_desktop.gui.tasks.task_table import NO_TASKS
from tests.gui.support import *  # noqa: F403  (the GUI fixtures)
from tests.gui.support import WAIT_MS


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
    assert page.table.empty_text() == "No task matches this filter or search."


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
