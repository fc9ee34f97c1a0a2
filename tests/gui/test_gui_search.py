"""Issue 11.7 in the window: a typo is an inline error (the table keeps its rows), NOT and OR
work, the number of matching tasks shows, an empty result says so, and typing half a term
does not replace the table before the user stops typing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from prismq_desktop.core import Queue
from tests.gui.support import WAIT_MS, table_ids


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    """Echo 1-3 (3 completed), sleep 4-5, youtube_search 6."""
    path = tmp_path / "q.db"
    with Queue.open(path) as queue:
        queue.enqueue_many([{"type": kind} for kind in
                            ("echo", "echo", "echo", "sleep", "sleep", "youtube_search")])
        task = queue.claim("w1", types=["echo"], strategy="lifo")
        queue.complete(task.id, "w1", claimed_at=task.claimed_at)
    return path


def _search(qtbot, page, text: str) -> None:
    """Type the text and press Enter (no waiting for the pause)."""
    page.search.clear()
    qtbot.keyClicks(page.search, text)
    qtbot.keyClick(page.search, Qt.Key.Key_Return)


def _shows(qtbot, window, text: str, ids: list[int]) -> None:
    page = window.tasks_page
    qtbot.waitUntil(lambda: page.model.query.text == text and table_ids(window) == ids,
                    timeout=WAIT_MS)


def test_an_unknown_status_is_an_inline_error_with_a_suggestion(qtbot, open_window,
                                                               small_db: Path) -> None:
    window = open_window(small_db)
    page = window.tasks_page
    _search(qtbot, page, "type:sleep")
    _shows(qtbot, window, "type:sleep", [5, 4])
    _search(qtbot, page, "type:sleep status:faild")
    assist = page.search_assist
    assert 'unknown status "faild" (did you mean "failed"?)' in assist.error_text
    assert ">faild<" in assist.label.text() and assist.label.isVisible()
    assert page.model.query.text == "type:sleep" and table_ids(window) == [5, 4]
    assert page.matches.text() == "2 matching tasks (previous search)"
    _search(qtbot, page, "type:echo")
    qtbot.waitUntil(lambda: page.matches.text() == "3 matching tasks", timeout=WAIT_MS)


def test_not_or_and_parentheses_search_the_table(qtbot, open_window, small_db: Path) -> None:
    window = open_window(small_db)
    page = window.tasks_page
    _search(qtbot, page, "NOT type:echo")
    _shows(qtbot, window, "NOT type:echo", [6, 5, 4])
    _search(qtbot, page, "type:sleep OR status:completed")
    _shows(qtbot, window, "type:sleep OR status:completed", [5, 4, 3])
    _search(qtbot, page, "-(type:echo OR type:sleep)")
    _shows(qtbot, window, "-(type:echo OR type:sleep)", [6])
    assert not page.search_assist.label.isVisible()
    assert "OR matches either" in page.search.toolTip()  # the search help says how


def test_the_count_of_matching_tasks_shows_and_follows_changes(qtbot, open_window,
                                                              small_db: Path) -> None:
    window = open_window(small_db)
    page = window.tasks_page
    qtbot.waitUntil(lambda: page.matches.text() == "6 tasks", timeout=WAIT_MS)
    _search(qtbot, page, "type:echo")
    qtbot.waitUntil(lambda: page.matches.text() == "3 matching tasks", timeout=WAIT_MS)
    with Queue.open(small_db) as queue:
        queue.enqueue("echo")
    qtbot.waitUntil(lambda: page.matches.text() == "4 matching tasks", timeout=WAIT_MS)
    _search(qtbot, page, "#6")  # a jump, not a search: the count stays
    _search(qtbot, page, "type:youtube_search")
    qtbot.waitUntil(lambda: page.matches.text() == "1 matching task", timeout=WAIT_MS)


def test_no_match_says_so_with_the_search_and_a_close_name(qtbot, open_window,
                                                           small_db: Path) -> None:
    window = open_window(small_db)
    page = window.tasks_page
    qtbot.waitUntil(lambda: "type:youtube_search" in page.search_assist.model.stringList(),
                    timeout=WAIT_MS)
    _search(qtbot, page, "type:youtube")
    qtbot.waitUntil(lambda: page.table.empty_text().startswith("No task"), timeout=WAIT_MS)
    assert page.table.empty_text().splitlines() == [
        "No task matches search “type:youtube”",
        "Did you mean type:youtube_search? (type: is exact; type:youtube* matches what "
        "starts with it)",
        "Esc in the search box clears it."]
    assert page.matches.text() == "0 matching tasks"
    page.sidebar.select_status("failed")
    _search(qtbot, page, "error:nothing-like-this")
    qtbot.waitUntil(lambda: page.table.empty_text().splitlines() == [
        "No task matches status failed · search “error:nothing-like-this”",
        "Esc in the search box clears it; All tasks and All types in the sidebar show the "
        "rest."], timeout=WAIT_MS)


def test_typing_keeps_the_table_until_the_pause(qtbot, open_window, small_db: Path) -> None:
    window = open_window(small_db)
    page = window.tasks_page
    qtbot.waitUntil(lambda: len(table_ids(window)) == 6, timeout=WAIT_MS)
    page.search._timer.setInterval(60_000)  # "the user has not paused yet", however slow
    page.search.setFocus()
    for text in ("t", "type:", "type:ech", "type:echo OR", "type:echo OR ("):
        page.search.clear()
        qtbot.keyClicks(page.search, text)
        assert page.model.query.text == "" and len(table_ids(window)) == 6
        assert not page.search_assist.label.isVisible()
    assert page.search._timer.isActive()  # the pause would search
    page.search.clear()
    qtbot.keyClicks(page.search, "status:fa")
    page.search._settle()  # the pause came: half a status is an error, the rows stay
    assert 'did you mean "failed"?' in page.search_assist.error_text
    assert page.model.query.text == "" and len(table_ids(window)) == 6
