"""The embedded worker from the toolbar: its tasks show completed, stop never blocks the GUI."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction

from prismq_desktop.core import Queue
from prismq_desktop.gui.workers.embedded_worker import RUNNING, STOPPED
from tests.support import sqlite_db


def test_start_worker_runs_tasks_until_they_show_completed(qtbot, open_window,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "work.db"
    with Queue.open(path) as queue:
        ids = queue.enqueue_many([{"type": "echo", "payload": {"n": n}} for n in range(12)])
    window = open_window(path)
    toggle = window.findChild(QAction, "workerToggleAction")
    assert toggle.isEnabled()
    window.worker_status.controls.threads.setValue(3)
    toggle.trigger()
    qtbot.waitUntil(lambda: window.worker.state == RUNNING, timeout=10_000)
    page = window.tasks_page
    statuses = lambda: {page.model.task_row(r).status for r in range(len(ids))  # noqa: E731
                        if page.model.task_row(r) is not None}
    qtbot.waitUntil(lambda: statuses() == {"completed"}, timeout=15_000)
    # The counters follow the worker's once-a-second live signal, not a state change.
    qtbot.waitUntil(lambda: "12 completed · 0 failed attempts" in window.status.worker.text(),
                    timeout=5_000)
    assert toggle.text() == "Stop worker"
    toggle.trigger()
    assert window.worker.state != RUNNING  # stopping happens off the GUI thread
    qtbot.waitUntil(lambda: window.worker.state == STOPPED, timeout=15_000)
    assert "worker stopped" in window.status.worker.text()
    with Queue.open(path, read_only=True) as queue:
        assert {queue.get(i).status for i in ids} == {"completed"}
        assert queue.workers() == []


def test_worker_is_disabled_on_a_read_only_file(qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    with Queue.open(path) as queue:
        sqlite_db(queue).execute("PRAGMA user_version = 99")
    window = open_window(path)
    toggle = window.findChild(QAction, "workerToggleAction")
    assert not toggle.isEnabled() and "newer than this app knows" in toggle.toolTip()


def test_closing_with_a_running_worker_stops_it_first(qtbot, open_window,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "slow.db"
    with Queue.open(path) as queue:
        task_id = queue.enqueue("sleep", {"seconds": 30}).id
    window = open_window(path)
    window.named_actions["workerToggle"].trigger()
    qtbot.waitUntil(lambda: window.worker.current_tasks() != [], timeout=10_000)
    window.close()
    assert window.isVisible()  # the stop runs off the GUI thread; the window waits for it
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=15_000)
    with Queue.open(path, read_only=True) as queue:
        assert queue.get(task_id).status == "queued"  # released, not lost


def test_the_embedded_worker_claims_by_priority_by_default(qtbot, open_window,
                                                           tmp_path: Path) -> None:
    """Issue 11 item 6: fresh settings mean the priority strategy, shown in the controls."""
    path = tmp_path / "prio.db"
    with Queue.open(path) as queue:
        later = queue.enqueue("sleep", {"seconds": 30}, priority=100).id
        urgent = queue.enqueue("sleep", {"seconds": 30}, priority=5).id
    window = open_window(path)
    assert window.worker.strategy == "priority"
    assert window.worker_status.controls.strategy.currentText() == "priority"
    window.named_actions["workerToggle"].trigger()
    qtbot.waitUntil(lambda: window.worker.current_tasks() != [], timeout=10_000)
    assert [task.task_id for task in window.worker.current_tasks()] == [urgent]
    assert later != urgent
