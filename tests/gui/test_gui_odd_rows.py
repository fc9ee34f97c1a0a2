"""The task table over a file where every column holds every kind of odd value (issue 17
item 3; the matrix of tests/sqlite/odd_values.py): all rows show, every cell and tooltip
reads, and text that is not UTF-8 is shown escaped and marked."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from prismq_desktop.core import Queue
from prismq_desktop.gui.tasks.task_rows import COLUMN_INDEX, RAW_TIP
from tests.gui.support import WAIT_MS
from tests.sqlite import raw
from tests.sqlite.odd_values import CASES, make_odd_queue


def test_the_table_shows_every_odd_row(qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "odd.db"
    written = make_odd_queue(path)
    total = 3 + len(CASES)  # three ordinary tasks, then one per case (refused ones ordinary)
    window = open_window(path)
    page, model = window.tasks_page, window.tasks_page.model
    qtbot.waitUntil(lambda: model.rowCount() == total, timeout=WAIT_MS)
    rows = model.rowCount()
    for row in range(rows):
        page.table.scrollTo(model.index(row, 0))
        qtbot.waitUntil(lambda r=row: model.task_row(r) is not None, timeout=WAIT_MS)
        for column in range(model.columnCount()):
            index = model.index(row, column)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                model.data(index, role)
    odd_type = next(task_id for task_id, case in written.items() if case == ("type", "bad_utf8"))
    row = next(r for r in range(rows) if model.task_row(r).id == odd_type)
    shown = model.task_row(row)
    assert shown.texts[COLUMN_INDEX["type"]] == "⚠ \\xff\\xfeA"
    assert shown.tips[COLUMN_INDEX["type"]] == RAW_TIP
    page.table.selectRow(row)
    qtbot.waitUntil(lambda: page.shown_task is not None and page.shown_task.id == odd_type,
                    timeout=WAIT_MS)


def test_a_queued_task_with_no_attempts_left_shows_as_stuck(qtbot, open_window,
                                                            tmp_path: Path) -> None:
    """Issue 17 item 8: nobody claims it, so the table says stuck and why."""
    path = tmp_path / "stuck.db"
    with Queue.open(path) as queue:
        task = queue.enqueue("a", max_attempts=2)
    raw.set_columns(str(path), task.id, {"attempts": 2})
    window = open_window(path)
    model = window.tasks_page.model
    qtbot.waitUntil(lambda: model.task_row(0) is not None, timeout=WAIT_MS)
    row = model.task_row(0)
    assert row.status == "stuck" and row.texts[COLUMN_INDEX["status"]] == "stuck"
    assert row.tips[COLUMN_INDEX["status"]].startswith("queued with no attempts left (2/2)")
