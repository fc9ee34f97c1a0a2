"""Issues 11.2 and 11.19: actions act on what the user sees selected, never on a task gone.

When the shown task leaves the table (a new filter, a retry, a search), the detail panel
clears and Del, Ctrl+R, Ctrl+D and F2 have nothing to act on; a task that is still listed
after a new sort or filter stays selected.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt

from prismq_desktop.core import Queue
from prismq_desktop.gui.tasks.task_rows import COLUMN_INDEX
from tests.gui.support import *  # noqa: F403  (the GUI fixtures)
from tests.gui.support import WAIT_MS, table_ids

TASK_ACTIONS = ("cancel", "retry", "duplicate", "edit")


def _file(path: Path) -> tuple[int, int]:
    """A queued task and a cancelled one (the one selected, then filtered away)."""
    with Queue.open(path) as queue:
        waiting = queue.enqueue("echo", {"n": 1}).id
        cancelled = queue.enqueue("echo", {"n": 2}).id
        queue.cancel(cancelled)
    return waiting, cancelled


def _show(qtbot, page, task_id: int) -> None:
    assert page.table.select_task(task_id)
    qtbot.waitUntil(lambda: page.shown_task is not None and page.shown_task.id == task_id,
                    timeout=WAIT_MS)


def _nothing_to_act_on(window) -> bool:
    page = window.tasks_page
    return (page.log.task_id is None and page.shown_task is None and page.target_ids() == []
            and not any(window.named_actions[name].isEnabled() for name in TASK_ACTIONS))


def test_a_filter_that_hides_the_shown_task_clears_it(qtbot, open_window,
                                                      tmp_path: Path) -> None:
    waiting, cancelled = _file(tmp_path / "q.db")
    window = open_window(tmp_path / "q.db")
    page = window.tasks_page
    _show(qtbot, page, cancelled)
    assert window.named_actions["retry"].isEnabled()
    page.sidebar.select_status("queued")
    qtbot.waitUntil(lambda: table_ids(window) == [waiting], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _nothing_to_act_on(window), timeout=WAIT_MS)
    assert page.detail.heading.text() == "No task selected"
    page.table.setFocus()
    for key, modifier in ((Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier),
                          (Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier),
                          (Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier),
                          (Qt.Key.Key_F2, Qt.KeyboardModifier.NoModifier)):
        qtbot.keyClick(page.table, key, modifier)
    window.named_actions["retry"].trigger()  # even if something enabled it
    assert window.tasks.dialog is None  # no copy of it offered either
    with Queue.open(tmp_path / "q.db", read_only=True) as queue:
        assert (queue.get(cancelled).status, queue.get(waiting).status) == ("cancelled",
                                                                             "queued")


def test_a_task_still_listed_after_a_new_filter_stays_selected(qtbot, open_window,
                                                               tmp_path: Path) -> None:
    waiting, _cancelled = _file(tmp_path / "q.db")
    window = open_window(tmp_path / "q.db")
    page = window.tasks_page
    _show(qtbot, page, waiting)
    page.sidebar.select_status("queued")
    qtbot.waitUntil(lambda: page.model.query.statuses == ("queued",), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: page.table.selected_ids() == [waiting], timeout=WAIT_MS)
    assert page.shown_task is not None and page.shown_task.id == waiting
    assert page.target_ids() == [waiting] and window.named_actions["cancel"].isEnabled()


def test_a_task_opened_by_id_replaces_the_table_selection(qtbot, open_window,
                                                          tmp_path: Path) -> None:
    """A jump to a task the filter hides shows it (the status bar says so) and the table's
    selection goes: the actions act on the task shown, not on a highlighted other row."""
    waiting, cancelled = _file(tmp_path / "q.db")
    window = open_window(tmp_path / "q.db")
    page = window.tasks_page
    page.sidebar.select_status("queued")
    qtbot.waitUntil(lambda: table_ids(window) == [waiting], timeout=WAIT_MS)
    _show(qtbot, page, waiting)
    page.jump_to(cancelled)
    qtbot.waitUntil(lambda: page.shown_task is not None and page.shown_task.id == cancelled,
                    timeout=WAIT_MS)
    assert page.table.selected_ids() == [] and page.target_ids() == [cancelled]
    page.sidebar.select_status("completed")  # the user moved on: it goes
    qtbot.waitUntil(lambda: _nothing_to_act_on(window), timeout=WAIT_MS)


def test_an_enqueued_task_outside_the_filter_is_the_one_shown(qtbot, open_window,
                                                             tmp_path: Path) -> None:
    _waiting, cancelled = _file(tmp_path / "q.db")
    window = open_window(tmp_path / "q.db")
    page = window.tasks_page
    page.sidebar.select_status("cancelled")
    qtbot.waitUntil(lambda: table_ids(window) == [cancelled], timeout=WAIT_MS)
    _show(qtbot, page, cancelled)
    with Queue.open(tmp_path / "q.db") as queue:
        new = queue.enqueue("echo", {"n": 3}).id
    page.select_when_loaded(new)
    qtbot.waitUntil(lambda: page.shown_task is not None and page.shown_task.id == new,
                    timeout=WAIT_MS)
    assert page.table.selected_ids() == [] and page.target_ids() == [new]


def test_a_sort_click_shows_that_the_new_order_is_loading(qtbot, open_window,
                                                          demo_db: Path) -> None:
    """Issue 11.19: the old rows stay until the new order's first rows come; meanwhile the
    cursor is busy and a note says what is loading."""
    window = open_window(demo_db)
    page = window.tasks_page
    release = threading.Event()
    page.session.reader.submit(lambda _q: release.wait(WAIT_MS / 1000))  # a slow read
    header = page.table.horizontalHeader()
    header.setSortIndicator(COLUMN_INDEX["priority"], Qt.SortOrder.AscendingOrder)
    header.sectionClicked.emit(COLUMN_INDEX["priority"])
    note = page.table.busy.label
    qtbot.waitUntil(note.isVisible, timeout=WAIT_MS)
    assert note.text() == "Sorting by priority…"
    assert page.table.viewport().cursor().shape() == Qt.CursorShape.BusyCursor
    release.set()
    qtbot.waitUntil(lambda: not note.isVisible(), timeout=WAIT_MS)
    assert page.model.query.sort == "priority"
    priorities = [int(page.model.task_row(r).task.priority) for r in range(20)]
    assert priorities == sorted(priorities)
    assert page.table.viewport().cursor().shape() != Qt.CursorShape.BusyCursor
