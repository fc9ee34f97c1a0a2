"""The Workers tab and the status bar's health, driven offscreen on real files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QTabWidget

from prismq_desktop.core import Queue, timeutil
from prismq_desktop.gui import settings
from prismq_desktop.gui.tasks.status_badge import status_color
from prismq_desktop.gui.workers.embedded_worker import RUNNING, STOPPED
from prismq_desktop.gui.workers.workers_model import AGE_COLUMN, STATE_COLUMN
from prismq_desktop.gui.workers.workers_view import STALE_SETTING, WorkersView
from tests.gui.support import WAIT_MS, table_ids
from tests.support import sqlite_db


def _beat(queue: Queue, worker_id: str, seconds_ago: float) -> None:
    moment = timeutil.utc_now() - timedelta(seconds=seconds_ago)
    with sqlite_db(queue).transaction() as conn:
        conn.execute("INSERT INTO workers (worker_id, capabilities, heartbeat_utc) VALUES"
                     " (?, '{}', ?)", (worker_id, timeutil.to_db(moment)))


def _workers_tab(window) -> WorkersView:
    view = window.findChild(WorkersView, "workersView")
    assert view is not None
    window.findChild(QTabWidget, "mainTabs").setCurrentWidget(view)
    return view


def _row(view: WorkersView, worker_id: str) -> int | None:
    for row, item in enumerate(view.model.rows):
        if item.worker_id == worker_id:
            return row
    return None


def _cell(view: WorkersView, worker_id: str, column: int, role=Qt.ItemDataRole.DisplayRole):
    row = _row(view, worker_id)
    return None if row is None else view.model.data(view.model.index(row, column), role)


def test_an_old_heartbeat_is_marked_stale_and_the_threshold_remarks_it(
        qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "workers.db"
    with Queue.open(path) as queue:
        _beat(queue, "fresh", 2)
        _beat(queue, "quiet", 600)
    window = open_window(path)
    view = _workers_tab(window)
    qtbot.waitUntil(lambda: _cell(view, "quiet", STATE_COLUMN) == "stale", timeout=WAIT_MS)
    assert _cell(view, "fresh", STATE_COLUMN) == "alive"
    assert _cell(view, "quiet", AGE_COLUMN).startswith("10 m")
    assert "Stale: no heartbeat for 10 m" in _cell(view, "quiet", STATE_COLUMN,
                                                      Qt.ItemDataRole.ToolTipRole)
    red = status_color("failed", False)
    assert _cell(view, "quiet", AGE_COLUMN, Qt.ItemDataRole.ForegroundRole) == red
    assert _cell(view, "fresh", AGE_COLUMN, Qt.ItemDataRole.ForegroundRole) != red
    assert "1 stale" in view.summary.text()

    view.stale.setValue(900)
    assert _cell(view, "quiet", STATE_COLUMN) == "alive"
    assert "stale" not in view.summary.text()
    assert int(settings.value(STALE_SETTING)) == 900
    view.stale.setValue(300)
    assert _cell(view, "quiet", STATE_COLUMN) == "stale"


def test_reclaim_requeues_an_expired_lease_and_the_view_shows_it(
        qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "leases.db"
    with Queue.open(path) as queue:
        _beat(queue, "crashed", 3600)
        retryable = queue.enqueue("echo", max_attempts=3).id
        last_try = queue.enqueue("echo", max_attempts=1).id
        assert queue.claim("crashed", lease_seconds=60) and queue.claim("crashed")
        with sqlite_db(queue).transaction() as conn:
            conn.execute("UPDATE task_queue SET lease_until_utc = '2020-01-01 00:00:00'")
    window = open_window(path)
    view = _workers_tab(window)
    qtbot.waitUntil(lambda: _cell(view, "crashed", 4) == "2", timeout=WAIT_MS)
    view.findChild(QPushButton, "reclaimButton").click()
    qtbot.waitUntil(lambda: view.reclaim_result.isVisible(), timeout=WAIT_MS)
    assert view.reclaim_result.text() == ("Reclaimed 2 expired leases: 1 requeued, "
                                          "1 failed (no attempts left).")
    qtbot.waitUntil(lambda: _cell(view, "crashed", 4) == "0", timeout=WAIT_MS)
    with Queue.open(path, read_only=True) as queue:
        assert queue.get(retryable).status == "queued"
        assert queue.get(last_try).status == "failed"
    view.reclaim.click()
    qtbot.waitUntil(lambda: "nothing to reclaim" in view.reclaim_result.text(), timeout=WAIT_MS)


def test_embedded_worker_starts_and_stops_from_the_tab(qtbot, open_window,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "embedded.db"
    with Queue.open(path) as queue:
        ids = queue.enqueue_many([{"type": "echo"} for _ in range(5)])
        held = queue.enqueue("sleep", {"seconds": 0.1}).id
    window = open_window(path)
    view = _workers_tab(window)
    view.panel.controls.types.set_type("sleep", False)  # only what it has handlers for, not sleep
    assert window.worker.types is not None and "sleep" not in window.worker.types
    assert "sleep" not in str(settings.value("worker/types")).split(",")
    view.panel.controls.threads.setValue(2)
    assert window.worker_status.controls.threads.value() == 2  # the toolbar follows
    button = view.findChild(QPushButton, "workerStartStop")
    assert button.text() == "Start"
    button.click()
    qtbot.waitUntil(lambda: window.worker.state == RUNNING, timeout=WAIT_MS)
    own = window.worker.worker_id
    qtbot.waitUntil(lambda: _cell(view, own, 0) == f"{own}  (this app)", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.panel.counters.text().startswith(
        "5 completed · 0 failed attempts"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.panel.running.rowCount() == 0, timeout=WAIT_MS)
    assert view.panel.empty_text().startswith("Idle: no task it can run is waiting")
    assert "· 5 completed · 0 failed attempts" in window.worker_status.describe()
    assert button.text() == "Stop" and window.named_actions["workerToggle"].text() == "Stop worker"
    button.click()
    qtbot.waitUntil(lambda: window.worker.state == STOPPED, timeout=WAIT_MS)
    assert button.text() == "Start" and view.panel.empty_text().startswith("Not running")
    with Queue.open(path, read_only=True) as queue:
        assert {queue.get(i).status for i in ids} == {"completed"}
        assert queue.get(held).status == "queued"


def test_double_click_shows_the_workers_tasks(qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "filter.db"
    with Queue.open(path) as queue:
        _beat(queue, 'odd "id"', 1)
        queue.enqueue_many([{"type": "echo"} for _ in range(3)])
        mine = queue.claim('odd "id"').id
    window = open_window(path)
    view = _workers_tab(window)
    qtbot.waitUntil(lambda: _row(view, 'odd "id"') is not None, timeout=WAIT_MS)
    index = view.proxy.mapFromSource(view.model.index(_row(view, 'odd "id"'), 0))
    view.table.doubleClicked.emit(index)
    assert window.tabs.currentIndex() == 0
    assert window.tasks_page.search.text() == 'worker:"odd \\"id\\""'
    qtbot.waitUntil(lambda: table_ids(window) == [mine], timeout=WAIT_MS)


def test_read_only_file_disables_reclaim_and_the_worker(qtbot, open_window,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    with Queue.open(path) as queue:
        sqlite_db(queue).execute("PRAGMA user_version = 99")
    window = open_window(path)
    view = _workers_tab(window)
    assert not view.reclaim.isEnabled() and "newer than this app knows" in view.reclaim.toolTip()
    start = view.findChild(QPushButton, "workerStartStop")
    assert not start.isEnabled() and "newer than this app knows" in start.toolTip()


def test_status_bar_health(qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "health.db"
    with Queue.open(path) as queue:
        _beat(queue, "gone", 3600)
        with sqlite_db(queue).transaction() as conn:
            ready = timeutil.to_db(timeutil.utc_now() - timedelta(minutes=10, seconds=5))
            conn.execute("INSERT INTO task_queue (type, payload, run_after_utc)"
                         " VALUES ('t', '{}', ?)", (ready,))
            done = timeutil.to_db(timeutil.utc_now() - timedelta(minutes=1))
            for status in ("completed", "failed", "failed"):  # enqueued, then finished
                conn.execute("INSERT INTO task_queue (type, payload) VALUES ('t', '{}')")
                conn.execute("UPDATE task_queue SET status = ?1, finished_at_utc = ?2,"
                             " updated_at_utc = ?2 WHERE id = last_insert_rowid()",
                             (status, done))
    window = open_window(path)
    label = window.status.health
    qtbot.waitUntil(lambda: "stale worker" in label.text(), timeout=WAIT_MS)
    text = label.text()
    for part in ("oldest 10 m", "67% failed /15 min", "1 stale worker", "WAL "):
        assert part in text
    warn = status_color("failed", False).name()
    assert text.count(f'color:{warn}') == 3  # old, failing, stale; the WAL is small
    assert "Failed tasks, last 15 min: 66.7% (2 of the 3 tasks that finished)" in label.toolTip()


def test_a_hidden_tab_reads_nothing_and_catches_up_when_shown(qtbot, open_window,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "hidden.db"
    with Queue.open(path) as queue:
        _beat(queue, "first", 1)
    window = open_window(path)
    view = window.findChild(WorkersView, "workersView")
    assert not view.isVisible() and view.overview is None
    with Queue.open(path) as queue:
        _beat(queue, "second", 1)
        queue.enqueue("echo")
    qtbot.waitUntil(lambda: window.tasks_page.model.rowCount() == 1, timeout=WAIT_MS)
    assert view.overview is None and view._dirty  # the change was seen, not read
    _workers_tab(window)
    qtbot.waitUntil(lambda: {r.worker_id for r in view.model.rows} == {"first", "second"},
                    timeout=WAIT_MS)
