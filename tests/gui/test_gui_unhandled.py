"""Waiting tasks no live worker will run (type or capabilities) are marked in the table; types
no live worker handles in the sidebar too."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QTabWidget, QWidget

from prismq_desktop.core import Queue
from prismq_desktop.gui import settings
from prismq_desktop.gui.tasks.sidebar import MARK_ROLE
from prismq_desktop.gui.tasks.task_rows import COLUMN_INDEX
from tests.gui.support import WAIT_MS, run_child

TYPE = COLUMN_INDEX["type"]


@pytest.fixture
def mixed_db(tmp_path: Path) -> Path:
    """echo (the embedded worker runs it), resize (nobody does), and a finished resize."""
    path = tmp_path / "mixed.db"
    with Queue.open(path) as queue:
        queue.enqueue_many([{"type": "resize"}, {"type": "echo"}, {"type": "resize"},
                            {"type": "resize"}])
        done = queue.claim("w-old", types=["resize"])
        queue.complete(done.id, "w-old")  # task 1
    return path


def _type_item(window, kind: str):
    """The sidebar's item for a type; None until the sidebar has listed the types."""
    types = window.tasks_page.sidebar.types
    return next((types.item(r) for r in range(types.count())
                 if types.item(r).data(Qt.ItemDataRole.UserRole) == kind), None)


def _marked(window, kind: str) -> bool:
    item = _type_item(window, kind)
    return item is not None and bool(item.data(MARK_ROLE))


def _marked_rows(window) -> dict[int, str]:
    """{task id: type-cell tooltip} of the rows the table marks."""
    model = window.tasks_page.model
    marked = {}
    for row in range(model.rowCount()):
        task_row = model.task_row(row)
        if task_row is not None and model.is_unhandled(task_row):
            marked[task_row.id] = model.data(model.index(row, TYPE), Qt.ItemDataRole.ToolTipRole)
    return marked


def test_marks_follow_the_live_workers(qtbot, open_window, mixed_db: Path) -> None:
    window = open_window(mixed_db)
    qtbot.waitUntil(lambda: _marked(window, "resize"), timeout=WAIT_MS)
    resize = _type_item(window, "resize")
    assert resize.toolTip().startswith("No running worker handles type “resize”")
    assert not _marked(window, "echo")
    marked = _marked_rows(window)
    assert sorted(marked) == [3, 4]  # the queued resizes; not echo, not the completed one
    assert all("“resize”" in tip for tip in marked.values())
    window.tasks_page.table.viewport().grab()  # the delegate paints the mark without error

    run_child(f"from prismq_desktop.core import Queue\n"
              f"with Queue.open({str(mixed_db)!r}) as q:\n"
              f"    q.register_worker('w-ext', {{'types': ['resize']}})\n")
    qtbot.waitUntil(lambda: not _marked(window, "resize"), timeout=WAIT_MS)
    assert _type_item(window, "resize").toolTip() == ""
    qtbot.waitUntil(lambda: _marked_rows(window) == {}, timeout=WAIT_MS)


def test_a_task_asking_for_capabilities_nothing_offers_is_marked_until_the_worker_offers_them(
        qtbot, open_window, tmp_path: Path) -> None:
    """Issue 11 item 5: the embedded worker's capabilities in the Workers tab; a gpu task is
    marked (not its type) while nothing offers gpu, then the worker offers it and runs it."""
    path = tmp_path / "gpu.db"
    with Queue.open(path) as queue:
        gpu = queue.enqueue("echo", {"n": 1}, compatibility={"gpu": True}).id
        plain = queue.enqueue("echo", {"n": 2}).id
    window = open_window(path)
    qtbot.waitUntil(lambda: gpu in _marked_rows(window), timeout=WAIT_MS)
    assert "No running worker offers what this task asks for" in _marked_rows(window)[gpu]
    assert plain not in _marked_rows(window) and not _marked(window, "echo")

    window.named_actions["workerToggle"].trigger()  # it offers nothing: runs only the plain one
    qtbot.waitUntil(lambda: window.worker.counters() is not None
                    and window.worker.counters().done == 1, timeout=WAIT_MS)
    with Queue.open(path, read_only=True) as queue:
        assert (queue.get(plain).status, queue.get(gpu).status) == ("completed", "queued")

    view = window.findChild(QWidget, "workersView")
    window.findChild(QTabWidget, "mainTabs").setCurrentWidget(view)
    field = view.findChild(QLineEdit, "workerCapabilities")
    field.setText("gpu=yes,")  # not what the task asks: still marked, still waiting
    field.editingFinished.emit()
    assert window.worker.capabilities == {"gpu": "yes"} and field.text() == "gpu=yes"
    field.setText("gpu")
    field.editingFinished.emit()
    assert window.worker.capabilities == {"gpu": "yes"} and "Not applied" in field.toolTip()
    field.setText("gpu=true")
    field.editingFinished.emit()  # the running worker restarts with it and runs the task
    assert window.worker.capabilities == {"gpu": True}
    qtbot.waitUntil(lambda: _marked_rows(window) == {}, timeout=WAIT_MS)
    with Queue.open(path, read_only=True) as queue:  # the restart needs the event loop
        qtbot.waitUntil(lambda: queue.get(gpu).status == "completed", timeout=WAIT_MS)
    assert settings.value("worker/capabilities") == '{"gpu": true}'
