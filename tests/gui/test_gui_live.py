"""Live behaviour: pausing updates, banners for failed background jobs, remembered layout."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget

from prismq_desktop.core import Queue
from prismq_desktop.gui.tasks.task_rows import COLUMN_INDEX
from tests.gui.support import run_child, table_ids
from tests.worker.support import (
    SLOW_STOP_HANDLERS,
    stop_process,
    worker_processes,
    write_handlers,
)

ENQUEUE = ("from prismq_desktop.core import Queue\nq = Queue.open({path!r})\n"
           "print(q.enqueue('late', {{}}).id)\nq.close()")


def test_paused_updates_wait_until_resumed(qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)
    page = window.tasks_page
    window.named_actions["pause"].trigger()
    assert "paused" in window.status.latency.text()
    new_id = int(run_child(ENQUEUE.format(path=str(demo_db))))
    with qtbot.assertNotEmitted(page.model.refreshed, wait=1200):
        pass
    assert new_id not in table_ids(window)
    window.named_actions["pause"].trigger()
    qtbot.waitUntil(lambda: new_id in table_ids(window), timeout=5000)


def test_a_failing_background_job_shows_a_banner(qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)

    def broken(_queue: Queue) -> None:
        raise RuntimeError("something broke in the reader")

    window.session.reader.submit(broken, lambda _result: None)
    qtbot.waitUntil(window.banner.isVisible, timeout=5000)
    assert "something broke in the reader" in window.banner.text.text()
    assert window.banner.details_button.isVisible()
    window.session.reader.submit(lambda q: q.count(), lambda _n: None)  # still working


def test_column_choices_and_filters_types_survive_a_restart(qtbot, open_window,
                                                            demo_db: Path) -> None:
    window = open_window(demo_db)
    header = window.tasks_page.table.horizontalHeader()
    header.setSectionHidden(10, True)
    header.resizeSection(1, 222)
    window.close()
    again = open_window(demo_db)
    header = again.tasks_page.table.horizontalHeader()
    assert header.isSectionHidden(10) and header.sectionSize(1) == 222
    types = again.findChild(QListWidget, "typeFilter")
    qtbot.waitUntil(lambda: types.count() > 2)
    names = [types.item(r).text() for r in range(1, types.count())]
    assert names == sorted(names)


def test_scrolled_view_stays_on_the_same_tasks_when_new_ones_arrive(
        qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)
    page = window.tasks_page
    table = page.table
    table.verticalScrollBar().setValue(40)
    qtbot.waitUntil(lambda: page.model.task_row(table.rowAt(0)) is not None, timeout=5000)
    top_id = page.model.task_row(table.rowAt(0)).id
    code = ("from prismq_desktop.core import Queue\n"
            f"q = Queue.open({str(demo_db)!r})\n"
            "q.enqueue_many([{'type': 'late'}] * 3)\nq.close()")
    before = page.model.rowCount()
    run_child(code)
    qtbot.waitUntil(lambda: page.model.rowCount() == before + 3, timeout=5000)
    qtbot.waitUntil(lambda: page.model.task_row(table.rowAt(0)) is not None, timeout=5000)
    assert page.model.task_row(table.rowAt(0)).id == top_id
    assert table.verticalScrollBar().value() == 43


def test_a_task_cancelled_while_running_shows_cancelling_until_its_handler_stops(
        qtbot, open_window, tmp_path: Path) -> None:
    """Issue 11 item 18: a real worker process runs a handler that takes 2 s to stop after
    being told; the table (and the detail panel) say "cancelling" until it has stopped."""
    path = tmp_path / "cancel.db"
    with Queue.open(path) as queue:
        task_id = queue.enqueue("slow_stop", {"cleanup": 2.0}).id
    handlers = write_handlers(tmp_path, SLOW_STOP_HANDLERS, "slow_stop.py")
    with worker_processes() as spawn:  # (killed on the way out if the body failed)
        worker = spawn(path, "--handlers", str(handlers), log=tmp_path / "worker.log")
        window = open_window(path)
        page = window.tasks_page
        shown = lambda: page.model.task_row(0) and page.model.task_row(0).status  # noqa: E731
        qtbot.waitUntil(lambda: shown() == "processing", timeout=15_000)
        page.table.selectRow(0)
        window.named_actions["cancel"].trigger()  # the GUI's own cancel, another process runs it
        qtbot.waitUntil(lambda: shown() == "cancelling", timeout=5_000)
        tip = page.model.data(page.model.index(0, COLUMN_INDEX["status"]),
                              Qt.ItemDataRole.ToolTipRole)
        assert "has not stopped yet" in tip
        qtbot.waitUntil(lambda: "cancelling" in page.detail.heading.text(), timeout=5_000)
        qtbot.waitUntil(lambda: shown() == "cancelled", timeout=10_000)
        with Queue.open(path, read_only=True) as queue:
            assert queue.logs(task_id)[-1].message.startswith("handler stopped on cancel after 2")
        assert stop_process(worker) == 0
