"""Paints task table cells straight from the model's pre-formatted rows.

A plain delegate asks the model for five or more roles per cell, each a call from C++ into
Python that must take the GIL; with a busy embedded worker every one of those can wait for
a worker thread. This delegate makes one Python call per cell and asks nothing else, and
inside it avoids the Qt calls that release the GIL (copying the style option, making a
QColor or QBrush, QRect.center()): each release is another wait to take it back, and under
4 busy worker threads they tripled the time of a full repaint. Badges and highlight brushes
are made once and reused. A waiting task whose type no live worker handles gets a warning
mark in its type cell.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from prismq_desktop.gui.tasks.status_badge import badge_pixmap
from prismq_desktop.gui.tasks.task_model import TYPE, TaskTableModel
from prismq_desktop.gui.tasks.task_rows import COLUMN_INDEX, COLUMNS
from prismq_desktop.gui.tasks.unhandled import warning_icon

STATUS = COLUMN_INDEX["status"]
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
HAS_DISPLAY = QStyleOptionViewItem.ViewItemFeature.HasDisplay
HAS_DECORATION = QStyleOptionViewItem.ViewItemFeature.HasDecoration
SELECTED = QStyle.StateFlag.State_Selected
ITEM = QStyle.ControlElement.CE_ItemViewItem
#: Most badge looks kept (statuses x cell sizes x selected x palettes).
MAX_BADGES = 256


class TaskRowDelegate(QStyledItemDelegate):
    def __init__(self, model: TaskTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._align = [RIGHT if column.numeric else LEFT for column in COLUMNS]
        self._badges: dict[tuple, tuple[QPixmap, int]] = {}
        self._icon_size = QSize(14, 14)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        # ``option`` is the view's per-cell copy (QTableView::drawCell), so it is changed in
        # place rather than copied: a copy releases the GIL (see the module docstring).
        row, column = index.row(), index.column()
        task_row = self._model.row_to_paint(row)
        option.displayAlignment = self._align[column]
        text = "…" if task_row is None and column == 0 else ""
        if task_row is not None:
            text = task_row.texts[column]
            brush = self._model.flash.brush(task_row.id)
            if brush is not None:
                option.backgroundBrush = brush
            if column == TYPE and self._model.is_unhandled(task_row):
                option.icon = warning_icon()
                option.decorationSize = self._icon_size
                option.features |= HAS_DECORATION
        if text and column != STATUS:
            option.text = text
            option.features |= HAS_DISPLAY
        widget = option.widget
        if widget is not None:
            widget.style().drawControl(ITEM, option, painter, widget)
        if text and column == STATUS:
            self._paint_badge(painter, option, text)

    def _paint_badge(self, painter: QPainter, option: QStyleOptionViewItem, text: str) -> None:
        rect = option.rect
        key = (text, rect.width(), rect.height(), bool(option.state & SELECTED),
               option.palette.cacheKey(), option.font.key())
        badge = self._badges.get(key)
        if badge is None:
            if len(self._badges) >= MAX_BADGES:
                self._badges.clear()
            badge = self._badges[key] = badge_pixmap(option, text)
        pixmap, height = badge
        middle = rect.top() + (rect.height() - 1) // 2  # QRect.center().y()
        painter.drawPixmap(rect.left() + 4, middle - height // 2, pixmap)
