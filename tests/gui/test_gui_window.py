"""The main window over a real queue file: open, filter, search, sort, select, live changes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QScrollBar, QTableView, QWidget

from prismq_desktop.core import Queue, TaskQuery
from prismq_desktop.gui.tasks.task_rows import COLUMN_INDEX
from prismq_desktop.gui.tasks.timeline import steps
from tests.gui.support import WAIT_MS, run_child, table_ids
from tests.support import sqlite_db


def test_opens_file_and_shows_newest_tasks_first(qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)
    table = window.findChild(QTableView, "taskTable")
    with Queue.open(demo_db, read_only=True) as queue:
        total, newest = queue.count(), queue.list(TaskQuery(), 0, 1)[0].id
    qtbot.waitUntil(lambda: table.model().rowCount() == total)
    assert table_ids(window)[0] == newest
    assert window.findChild(QWidget, "taskDetail") is not None
    assert window.findChild(QWidget, "taskLogView") is not None
    assert "read-write" in window.status.mode.text()
    assert window.status.file.full_text() == demo_db.name
    assert window.status.file.toolTip() == str(demo_db)
    qtbot.waitUntil(lambda: f"{total:,} tasks" in window.status.counts.text())


def test_status_filter_shows_only_that_status_with_live_counts(qtbot, open_window,
                                                               demo_db: Path) -> None:
    window = open_window(demo_db)
    statuses = window.findChild(QListWidget, "statusFilter")
    with Queue.open(demo_db, read_only=True) as queue:
        failed = queue.counts()["failed"]
    qtbot.waitUntil(lambda: statuses.item(5).data(Qt.ItemDataRole.UserRole + 2) == failed)
    statuses.setCurrentRow(5)
    page = window.tasks_page
    qtbot.waitUntil(lambda: page.model.rowCount() == failed)
    qtbot.waitUntil(lambda: len(table_ids(window)) == failed)
    assert {page.model.task_row(r).status for r in range(failed)} == {"failed"}


def test_search_and_jump_to_a_task(qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)
    with Queue.open(demo_db) as queue:
        special = queue.enqueue("needle_type", {"q": "haystack"}).id
    box = window.findChild(QLineEdit, "searchBox")
    qtbot.keyClicks(box, "needle")
    page = window.tasks_page
    qtbot.waitUntil(lambda: table_ids(window) == [special], timeout=5000)
    box.clear()
    qtbot.keyClicks(box, f"#{special}")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.shown_task is not None and page.shown_task.id == special)
    assert page.table.current_id() == special


def test_jump_scrolls_to_a_task_whose_row_is_not_loaded(qtbot, open_window,
                                                        demo_db: Path) -> None:
    with Queue.open(demo_db, read_only=True) as queue:
        tasks = queue.list(limit=1000)
    oldest = min(task.id for task in tasks)
    completed = next(task.id for task in tasks if task.status == "completed")
    window = open_window(demo_db)
    page = window.tasks_page
    assert page.model.row_of(oldest) is None  # far below the first window
    page.jump_to(oldest)
    qtbot.waitUntil(lambda: page.table.selected_ids() == [oldest], timeout=WAIT_MS)
    row = page.model.row_of(oldest)
    assert row == page.model.rowCount() - 1 and page.table.current_id() == oldest
    assert page.table.rowAt(page.table.viewport().height() // 2) >= row - 20  # in view
    window.findChild(QListWidget, "statusFilter").setCurrentRow(5)  # failed only
    qtbot.waitUntil(lambda: page.model.task_row(0) is not None
                    and page.model.task_row(0).status == "failed")
    with qtbot.waitSignal(page.message, timeout=WAIT_MS,
                          check_params_cb=lambda text: "does not match" in text):
        page.jump_to(completed)
    qtbot.waitUntil(lambda: page.shown_task is not None and page.shown_task.id == completed)


def test_header_click_sorts_by_sql_and_keeps_the_selection(qtbot, open_window,
                                                           demo_db: Path) -> None:
    window = open_window(demo_db)
    page = window.tasks_page
    page.table.selectRow(3)
    chosen = page.table.current_id()
    qtbot.waitUntil(lambda: page.shown_task is not None and page.shown_task.id == chosen)
    header = page.table.horizontalHeader()
    header.setSortIndicator(COLUMN_INDEX["priority"], Qt.SortOrder.AscendingOrder)
    with qtbot.waitSignal(page.model.query_applied, timeout=5000):
        header.sectionClicked.emit(COLUMN_INDEX["priority"])
    assert page.model.query.sort == "priority" and not page.model.query.descending
    priorities = [int(page.model.task_row(r).task.priority) for r in range(50)]
    assert priorities == sorted(priorities)
    assert page.detail.heading.text().startswith(f"<b>#{chosen}</b>")


def test_selecting_a_task_shows_its_detail_and_log(qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)
    page = window.tasks_page
    failed_row = next(r for r in range(page.model.rowCount())
                      if page.model.task_row(r) and page.model.task_row(r).status == "failed")
    page.table.selectRow(failed_row)
    task = page.model.task_row(failed_row).task
    qtbot.waitUntil(lambda: page.shown_task is not None and page.shown_task.id == task.id)
    assert page.detail.error.text.toPlainText() == task.error_message
    assert '"' in page.detail.payload.text.toPlainText()
    qtbot.waitUntil(lambda: page.log.model.rowCount() >= 3)
    assert page.log.model.entries[0].message == "enqueued"
    page.log.level.setCurrentIndex(3)  # ERROR and above
    assert page.log.filter.rowCount() == 1


def test_another_process_enqueues_and_the_row_appears_without_moving_selection(
        qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)
    page = window.tasks_page
    page.table.selectRow(2)
    chosen = page.table.current_id()
    before = page.model.rowCount()
    out = run_child(f"from prismq_desktop.core import Queue\n"
                    f"q = Queue.open({str(demo_db)!r})\n"
                    f"print(q.enqueue('from_child', {{'n': 1}}).id)\nq.close()")
    new_id = int(out.strip())
    qtbot.waitUntil(lambda: page.model.rowCount() == before + 1, timeout=5000)
    qtbot.waitUntil(lambda: table_ids(window)[0] == new_id, timeout=5000)
    assert page.table.current_id() == chosen
    assert page.table.selected_ids() == [chosen]


def test_odd_rows_do_not_crash_the_table_or_detail(qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "odd.db"
    with Queue.open(path) as queue:
        task = queue.enqueue("odd", {"a": 1})
        sqlite_db(queue).execute(
            "UPDATE task_queue SET payload = '{a: 1, b: [2,],}', status = 'weird',"
            " created_at_utc = 'yesterday', priority = 'high', compatibility = '[1, 2]'"
            " WHERE id = ?", (task.id,))
    window = open_window(path)
    page = window.tasks_page
    qtbot.waitUntil(lambda: page.model.task_row(0) is not None)
    row = page.model.task_row(0)
    assert row.status == "weird" and row.texts[COLUMN_INDEX["created"]] == "yesterday"
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.shown_task is not None)
    assert page.detail.payload.note.text().startswith("⚠ not valid JSON")
    assert page.detail.payload.text.toPlainText() == "{a: 1, b: [2,],}"
    assert "1," in page.detail.compatibility.text.toPlainText()
    window.findChild(QListWidget, "statusFilter").setCurrentRow(7)  # Other
    qtbot.waitUntil(lambda: table_ids(window) == [task.id])


def test_detail_rows_keep_their_height_while_a_running_task_refreshes(
        qtbot, open_window, demo_db: Path) -> None:
    with Queue.open(demo_db) as queue:
        task_id = queue.enqueue("sleep", {"seconds": 3}).id
    window = open_window(demo_db)
    window.resize(1600, 950)
    page = window.tasks_page
    page.jump_to(task_id)
    window.worker.start()
    progress = page.detail.progress
    seen: set[int] = set()
    progress.valueChanged.connect(seen.add)
    qtbot.waitUntil(lambda: progress.isVisible() and len(seen) >= 3, timeout=WAIT_MS)
    labels = [label for label in page.detail.widget().findChildren(QLabel)
              if label.isVisible() and label.parent() is page.detail.widget()]
    assert len(labels) >= 22  # the heading and every field's name and value
    squeezed = [label.text() for label in labels
                if label.height() < label.minimumSizeHint().height()]
    assert squeezed == []
    scroll_bars = [bar for bar in page.detail.payload.findChildren(QScrollBar) if bar.isVisible()]
    assert scroll_bars == []


def test_timeline_says_steps_in_the_same_whole_second_are_under_a_second_apart(
        queue: Queue) -> None:
    task = queue.enqueue("echo")
    queue.claim("w1")
    queue.complete(task.id, "w1")
    found, gaps = steps(queue.get(task.id))  # the fake clock stood still: all in one second
    assert [step.reached for step in found] == [True, True, True, True]
    assert gaps == ["< 1 s", "< 1 s", "< 1 s"]


def test_a_finished_task_shows_its_last_progress_greyed_not_as_running(
        qtbot, open_window, demo_db: Path) -> None:
    with Queue.open(demo_db) as queue:
        task = queue.enqueue("resize", {"path": "a.png"})
        queue.claim("w1", types=["resize"])
        queue.set_progress(task.id, 0.5, "step 1 of 2")
        queue.fail(task.id, "w1", "broken image", permanent=True)
    window = open_window(demo_db)
    page = window.tasks_page
    page.jump_to(task.id)
    progress = page.detail.progress
    qtbot.waitUntil(lambda: page.shown_task is not None and page.shown_task.id == task.id)
    qtbot.waitUntil(lambda: progress.isVisible(), timeout=WAIT_MS)
    assert progress.format() == "last reported: 50 % · step 1 of 2"
    assert not progress.isEnabled() and progress.maximum() == 1000
