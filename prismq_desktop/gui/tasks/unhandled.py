"""Waiting tasks whose type no live worker handles: the mark, its wording, and what the
embedded worker could run.

The reader computes the set (``Queue.unhandled_types``) on every change; the table and the
sidebar only paint the mark from it. Types the embedded worker has a handler for are never
marked: pressing Start runs them.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from prismq_desktop.core import Queue
from prismq_desktop.gui.workers.embedded_worker import handler_types

#: Amber that reads on light and dark rows alike.
MARK_COLOR = "#d98c00"


def unhandled_types(queue: Queue) -> frozenset[str]:
    """The reader job: waiting types that no live worker and not the embedded worker handle."""
    return queue.unhandled_types(handler_types())


def tip(kind: str) -> str:
    return (f"No running worker handles type “{kind}”: its queued tasks wait until a "
            "worker with a handler for it starts")


def is_marked(kind: object, status: object, marked: Collection[str]) -> bool:
    """A waiting task (queued or scheduled) of a type in ``marked``."""
    return status == "queued" and kind in marked


@cache
def warning_icon(size: int = 14) -> QIcon:
    """A small amber triangle with an exclamation mark, drawn once."""
    ratio = 2
    pixmap = QPixmap(size * ratio, size * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath(QPointF(size / 2, 1))
    path.lineTo(size - 1, size - 1.5)
    path.lineTo(1, size - 1.5)
    path.closeSubpath()
    painter.fillPath(path, QColor(MARK_COLOR))
    pen = QPen(QColor("white"), 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    middle = size / 2
    painter.drawLine(QPointF(middle, size * 0.38), QPointF(middle, size * 0.62))
    painter.drawPoint(QRectF(middle, size * 0.78, 0, 0).topLeft())
    painter.end()
    return QIcon(pixmap)
