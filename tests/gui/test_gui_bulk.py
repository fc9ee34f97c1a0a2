"""The search box's errors and completion, and acting on every task a filter matches."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from prismq_desktop.core import Queue, TaskQuery
from prismq_desktop.gui.tasks import tasks_page
from prismq_desktop.gui.tasks.search_assist import complete_word, split_word
from tests.gui.support import WAIT_MS, table_ids

ECHOES, DONE = 3000, 3


@pytest.fixture
def echo_db(tmp_path: Path) -> Path:
    """3,000 queued echo tasks (more than the table loads), 3 of them completed, plus noise."""
    path = tmp_path / "echo.db"
    with Queue.open(path) as queue:
        queue.enqueue_many([{"type": "echo", "payload": {"n": n}} for n in range(ECHOES)])
        queue.enqueue_many([{"type": "other", "payload": {"n": n}} for n in range(50)])
        for _ in range(DONE):
            task = queue.claim("w1", types=["echo"])
            queue.complete(task.id, "w1", claimed_at=task.claimed_at)
    return path


def _search(qtbot, window, text: str) -> None:
    box = window.tasks_page.search
    box.clear()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def _filtered(qtbot, open_window, path: Path, text: str):
    """A window on ``path`` whose table shows what ``text`` matches."""
    window = open_window(path)
    _search(qtbot, window, text)
    qtbot.waitUntil(lambda: window.tasks_page.model.query.text == text)
    return window


def _statuses(path: Path, text: str) -> dict[str, int]:
    with Queue.open(path, read_only=True) as queue:
        found: dict[str, int] = {}
        for task in queue.list(TaskQuery(text=text), 0, 100_000):
            found[task.status] = found.get(task.status, 0) + 1
        return found


# -- the search box ---------------------------------------------------------------------------

def test_search_error_shows_its_position_and_the_table_keeps_its_rows(
        qtbot, open_window, echo_db: Path) -> None:
    window = _filtered(qtbot, open_window, echo_db, "type:other")
    page = window.tasks_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 50 and len(table_ids(window)) == 50)
    good = table_ids(window)
    _search(qtbot, window, "type:other stauts:failed")
    assist = page.search_assist
    assert assist.label.isVisible()
    assert 'unknown field "stauts"' in assist.error_text
    assert "at character 12" in assist.label.text() and ">stauts<" in assist.label.text()
    assert page.model.query.text == "type:other"
    _search(qtbot, window, 'payload.n:"open')
    assert "never closed" in assist.error_text and "at character 11" in assist.label.text()
    assert table_ids(window) == good and window.banner.isHidden()
    _search(qtbot, window, "type:echo -status:completed")
    assert not assist.label.isVisible()
    qtbot.waitUntil(lambda: page.model.rowCount() == ECHOES - DONE)


def test_completion_offers_fields_and_known_values_for_the_last_word(
        qtbot, open_window, echo_db: Path) -> None:
    assert split_word("type:echo -status:failed,can") == ("type:echo -status:failed,",
                                                          "status:can")
    assert complete_word("type:echo -status:failed,can", "status:cancelled") == \
        "type:echo -status:failed,cancelled"
    assert complete_word("error:x sta", "status:") == "error:x status:"
    window = open_window(echo_db)
    assist = window.tasks_page.search_assist
    qtbot.waitUntil(lambda: "type:other" in assist.model.stringList())
    assert {"status:", "payload.", "status:stuck", "type:echo"} <= set(assist.model.stringList())
    box = window.tasks_page.search
    box.setFocus()
    qtbot.keyClicks(box, "error:x type:ot")
    popup = assist.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    assert assist.completer.currentCompletion() == "error:x type:other"
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert box.text() == "error:x type:other"


# -- bulk actions on everything the filter matches --------------------------------------------

def _confirm(qtbot, window, action: str):
    window.named_actions[action].trigger()
    dialog = window.bulk_export.bulk.confirm
    qtbot.waitUntil(lambda: dialog.count is not None, timeout=WAIT_MS)
    return dialog


def test_cancel_all_states_the_exact_count_and_applies_to_every_match(
        qtbot, open_window, echo_db: Path) -> None:
    window = _filtered(qtbot, open_window, echo_db, "type:echo")
    page = window.tasks_page
    qtbot.waitUntil(lambda: page.model.rowCount() == ECHOES)
    assert len(table_ids(window)) < ECHOES - DONE  # far from all rows are loaded
    dialog = _confirm(qtbot, window, "bulkCancel")
    assert dialog.heading.text() == f"Cancel {ECHOES - DONE:,} tasks?"
    assert f"matches {ECHOES:,} tasks" in dialog.detail.text()
    assert f"{DONE} tasks will be left alone" in dialog.detail.text()
    values: list[int] = []
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    runner = window.bulk_export.bulk
    runner.progress_dialog.panel.bar.valueChanged.connect(values.append)
    qtbot.waitUntil(lambda: runner.last_summary is not None, timeout=WAIT_MS)
    text = runner.last_summary
    assert text.startswith(f"{ECHOES - DONE} of {ECHOES - DONE} cancelled")
    assert runner.summary_box is None  # all done as asked: no box to dismiss (issue 11.16)
    shown = window.status.toolTip() or window.status.currentMessage()  # (elided: tooltip)
    assert shown.startswith(text.splitlines()[0])
    assert f"{DONE} tasks matching the filter were not queued, leased or processing" in text
    assert values and values[-1] == ECHOES - DONE and len(values) >= 2
    assert runner.progress_dialog is None
    assert _statuses(echo_db, "type:echo") == {"cancelled": ECHOES - DONE, "completed": DONE}
    assert _statuses(echo_db, "type:other") == {"queued": 50}


def test_cancel_button_stops_the_action_and_leaves_the_rest(qtbot, open_window,
                                                            echo_db: Path) -> None:
    window = _filtered(qtbot, open_window, echo_db, "type:echo")
    gate = threading.Event()
    window.session.writer.submit(lambda _q: gate.wait(10))  # the writer is busy elsewhere
    dialog = _confirm(qtbot, window, "bulkRetry")
    assert dialog.heading.text().startswith("None of the")
    assert not dialog.ok.isVisible()
    dialog.reject()
    dialog = _confirm(qtbot, window, "bulkCancel")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    runner = window.bulk_export.bulk
    panel = runner.progress_dialog.panel
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert not panel.cancel_button.isEnabled() and runner.progress_dialog.isVisible()
    gate.set()
    qtbot.waitUntil(lambda: runner.summary_box is not None, timeout=WAIT_MS)
    assert "stopped before the end" in runner.summary_box.text()
    assert _statuses(echo_db, "type:echo") == {"queued": ECHOES - DONE, "completed": DONE}


@pytest.mark.parametrize(("action", "expected"), [
    ("bulkPriority", {"queued": ECHOES - DONE, "completed": DONE}),
    ("bulkDelete", {"queued": ECHOES - DONE}),
    ("bulkRunNow", {"queued": ECHOES - DONE, "completed": DONE}),
])
def test_priority_delete_and_run_now_touch_only_what_they_apply_to(
        qtbot, open_window, echo_db: Path, action: str, expected: dict[str, int]) -> None:
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    with Queue.open(echo_db) as queue:
        scheduled = [queue.enqueue("echo", {"late": n}, run_after=later).id for n in range(5)]
    window = _filtered(qtbot, open_window, echo_db, "type:echo")
    dialog = _confirm(qtbot, window, action)
    dialog.priority.setValue(7)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.bulk_export.bulk.last_summary is not None, timeout=WAIT_MS)
    with Queue.open(echo_db, read_only=True) as queue:
        late = [queue.get(task_id) for task_id in scheduled]
        priorities = {t.priority for t in queue.list(TaskQuery(text="type:echo status:queued,"
                                                               "scheduled"), 0, 100_000)}
    assert _statuses(echo_db, "type:echo") == {**expected,
                                               "queued": expected["queued"] + len(scheduled)}
    assert priorities == ({7} if action == "bulkPriority" else {100})
    ready = [task.is_scheduled(datetime.now(timezone.utc)) for task in late]
    assert ready == [action != "bulkRunNow"] * len(scheduled)


def test_stuck_tasks_have_their_own_filter_and_are_requeued_in_one_action(
        qtbot, open_window, tmp_path: Path, clock) -> None:
    path = tmp_path / "stuck.db"
    clock.moment = datetime.now(timezone.utc) - timedelta(minutes=10)  # the lease has expired
    with Queue.open(path, clock=clock) as queue:
        stuck = queue.enqueue("echo", {}).id
        queue.enqueue("echo", {})
        assert queue.claim("w-gone", lease_seconds=30, types=["echo"]).id == stuck
    window = open_window(path)
    page = window.tasks_page
    row = next(r for r in range(page.sidebar.statuses.count())
               if page.sidebar.statuses.item(r).text() == "Stuck")
    qtbot.waitUntil(lambda: page.sidebar.statuses.item(row).data(Qt.ItemDataRole.UserRole + 2)
                    == 1)
    page.sidebar.statuses.setCurrentRow(row)
    qtbot.waitUntil(lambda: table_ids(window) == [stuck])
    dialog = _confirm(qtbot, window, "requeueStuck")
    assert dialog.heading.text() == "Requeue 1 task?"
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.bulk_export.bulk.last_summary is not None, timeout=WAIT_MS)
    with Queue.open(path, read_only=True) as queue:
        task = queue.get(stuck)
    assert task.status == "queued" and "stuck: held by w-gone" in task.error_message
    qtbot.waitUntil(lambda: table_ids(window) == [], timeout=WAIT_MS)


def test_a_lease_that_expires_with_nothing_committed_shows_as_stuck(
        qtbot, open_window, tmp_path: Path, clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks_page, "CLOCK_REFRESH_MS", 200)
    path = tmp_path / "quiet.db"
    clock.moment = datetime.now(timezone.utc) - timedelta(seconds=29)  # lease ends in ~1-2 s
    with Queue.open(path, clock=clock) as queue:
        task = queue.enqueue("echo", {})
        queue.register_worker("w-busy", {"types": ["echo"]})
        assert queue.claim("w-busy", lease_seconds=30, types=["echo"]).id == task.id
    window = open_window(path)
    statuses = window.tasks_page.sidebar.statuses
    row = next(r for r in range(statuses.count()) if statuses.item(r).text() == "Stuck")
    stuck = lambda: statuses.item(row).data(Qt.ItemDataRole.UserRole + 2)  # noqa: E731
    qtbot.waitUntil(lambda: stuck() is not None)
    # Nothing is written from here on: only the clock tick can notice the expired lease.
    qtbot.waitUntil(lambda: stuck() == 1, timeout=WAIT_MS)
    with Queue.open(path, read_only=True) as queue:
        assert queue.get(task.id).status == "processing"
