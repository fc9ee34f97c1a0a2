"""Waiting tasks no live worker will run (of a type none handles, or asking for capabilities
none offers): the mark, its wording, and what the embedded worker could run.

The reader computes the set (``Queue.unhandled_types``) on every change; the table and the
sidebar only paint the mark from it. Types the embedded worker has a handler for are never
marked: pressing Start runs them.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from prismq_desktop.core import Queue, Task
from prismq_desktop.core.unhandled import Capacity
from prismq_desktop.gui.workers.embedded_worker import handler_types

#: Amber that reads on light and dark rows alike.
MARK_COLOR = "#d98c00"


def unhandled_types(queue: Queue) -> frozenset[str]:
    """The reader job: waiting types that no live worker and not the embedded worker handle."""
    return queue.unhandled_types(handler_types())


def capacity(queue: Queue, capabilities_here: dict[str, Any]) -> Capacity:
    """The reader job: what live workers and the embedded worker (with the capabilities it
    is set to offer) can run, so a task asking for more is marked too."""
    return queue.capacity(handler_types(), capabilities_here)


def tip(kind: str) -> str:
    return (f"No running worker handles type “{kind}”: its queued tasks wait until a "
            "worker with a handler for it starts")


def capabilities_tip(compatibility: object) -> str:
    return (f"No running worker offers what this task asks for ({compatibility}): it waits "
            "until a worker with those capabilities starts (worker --capability KEY=VALUE, "
            "or the embedded worker's capabilities in the Workers tab)")


def is_marked(kind: object, status: object, marked: Collection[str]) -> bool:
    """A waiting task (queued or scheduled) of a type in ``marked``."""
    return status == "queued" and kind in marked


def cannot_run(task: Task, marked: Collection[str], live: Capacity) -> bool:
    """A waiting task of a type in ``marked``, or one no live worker offers enough for."""
    return is_marked(task.type, task.status, marked) or (
        task.status == "queued" and not live.can_run(task.type, task.compatibility))


def row_tip(task: Task, marked: Collection[str]) -> str:
    """Why the mark: the type (as the sidebar says), else the capabilities it asks for."""
    return tip(str(task.type)) if task.type in marked else capabilities_tip(task.compatibility)


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
