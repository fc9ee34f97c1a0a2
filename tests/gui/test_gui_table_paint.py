"""The task table under live changes: big changes repainted a few rows a frame, all of them,
and deep windows at any sort filled from the ordered ids."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtWidgets import QApplication

from prismq_desktop.gui.tasks.row_flash import RowFlash
from prismq_desktop.gui.tasks.task_model import CHANGED_ROLES
from prismq_desktop.gui.tasks.task_table import PAINT_STEP_ROWS, ROW_HEIGHT
from tests.gui.support import WAIT_MS


class Paints(QObject):
    """The rectangles of the paint events a widget gets."""

    def __init__(self) -> None:
        super().__init__()
        self.rects: list[QRect] = []

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            self.rects.append(event.rect())
        return False


def test_a_change_to_every_visible_row_is_painted_in_steps(qtbot, open_window,
                                                           demo_db: Path) -> None:
    window = open_window(demo_db)
    window.resize(1400, 900)
    table, model = window.tasks_page.table, window.tasks_page.model
    qtbot.waitUntil(lambda: model.task_row(0) is not None, timeout=WAIT_MS)
    last = table.rowAt(table.viewport().height() - 1)
    assert last >= 3 * PAINT_STEP_ROWS  # enough rows on screen to need several steps
    window.repaint()  # the resize's own full paint, out of the way
    QApplication.processEvents()
    paints = Paints()
    table.viewport().installEventFilter(paints)
    model.dataChanged.emit(model.index(0, 0), model.index(last, model.columnCount() - 1),
                           CHANGED_ROLES)  # what a live refresh sends for rows on show

    def covered() -> bool:
        top = table.rowViewportPosition(last) + 1
        return any(r.top() <= top <= r.bottom() for r in paints.rects) and any(
            r.top() <= 1 for r in paints.rects)

    qtbot.waitUntil(covered, timeout=WAIT_MS)
    painted = set()
    for rect in paints.rects:
        painted |= set(range(table.rowAt(rect.top()), table.rowAt(rect.bottom() - 1) + 1))
    assert set(range(last + 1)) <= painted
    assert max(r.height() for r in paints.rects) <= PAINT_STEP_ROWS * ROW_HEIGHT + 1


def test_a_deep_jump_at_another_sort_fills_from_the_ordered_ids(qtbot, open_window,
                                                                demo_db: Path) -> None:
    window = open_window(demo_db)
    table, model = window.tasks_page.table, window.tasks_page.model
    loaded = model.loaded_at
    model.set_query(replace(model.query, sort="priority", descending=False))
    qtbot.waitUntil(lambda: model.loaded_at != loaded, timeout=WAIT_MS)
    row = model.rowCount() - 3
    table.scrollTo(model.index(row, 0))
    qtbot.waitUntil(lambda: model.task_row(row) is not None, timeout=WAIT_MS)
    done: list = []
    window.session.reader.submit(lambda q: [t.id for t in q.list(model.query, row, 3)],
                                 done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)
    assert [model.task_row(r).id for r in range(row, row + 3)] == done[0]


def test_the_highlight_role_and_the_painted_brush_agree(qtbot) -> None:
    flash = RowFlash()
    assert flash.color(7) is None and flash.brush(7) is None
    flash.mark(7)
    assert flash.color(7) == flash.brush(7).color() and flash.color(7).alphaF() > 0.5
    flash.clear()
    assert flash.color(7) is None
