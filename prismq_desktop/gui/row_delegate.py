"""Paints task table cells straight from the model's pre-formatted rows.

A plain delegate asks the model for five or more roles per cell, each a call from C++ into
Python that must take the GIL; with a busy embedded worker every one of those can wait for
a worker thread. This delegate makes one Python call per cell and asks nothing else. A
waiting task whose type no live worker handles gets a warning mark in its type cell.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QBrush, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from prismq_desktop.gui.status_badge import paint_badge
from prismq_desktop.gui.task_model import TYPE, TaskTableModel
from prismq_desktop.gui.task_rows import COLUMN_INDEX, COLUMNS
from prismq_desktop.gui.unhandled import warning_icon

STATUS = COLUMN_INDEX["status"]
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
HAS_DISPLAY = QStyleOptionViewItem.ViewItemFeature.HasDisplay
HAS_DECORATION = QStyleOptionViewItem.ViewItemFeature.HasDecoration


class TaskRowDelegate(QStyledItemDelegate):
    def __init__(self, model: TaskTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._align = [RIGHT if column.numeric else LEFT for column in COLUMNS]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        row, column = index.row(), index.column()
        task_row = self._model.row_to_paint(row)
        opt = QStyleOptionViewItem(option)
        opt.displayAlignment = self._align[column]
        text = "…" if task_row is None and column == 0 else ""
        if task_row is not None:
            text = task_row.texts[column]
            flash = self._model.flash_color(task_row.id)
            if flash is not None:
                opt.backgroundBrush = QBrush(flash)
            if column == TYPE and self._model.is_unhandled(task_row):
                opt.icon = warning_icon()
                opt.decorationSize = QSize(14, 14)
                opt.features |= HAS_DECORATION
        if text and column != STATUS:
            opt.text = text
            opt.features |= HAS_DISPLAY
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        if text and column == STATUS:
            paint_badge(painter, opt, text)
