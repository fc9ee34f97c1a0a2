"""What an empty table says: a blank one on a new queue looked broken (issue 11.16).

The words are painted over the empty viewport in the placeholder colour, first line bold,
so a view needs no extra widget that would have to follow its size, scrolling and theme.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QAbstractItemView, QTableView, QTableWidget

#: Space above the words (less in a short view) and at the sides, in pixels.
TOP, SIDE = 36, 12


def paint_empty_text(view: QAbstractItemView, text: str) -> None:
    """Draw ``text`` (lines; the first one is the headline) near the top of the viewport."""
    if not text:
        return
    headline, _newline, rest = text.partition("\n")
    viewport = view.viewport()
    area = viewport.rect().adjusted(SIDE, min(TOP, viewport.height() // 5), -SIDE, 0)
    flags = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                | Qt.TextFlag.TextWordWrap)
    painter = QPainter(viewport)
    painter.setPen(view.palette().color(QPalette.ColorRole.PlaceholderText))
    font = painter.font()
    font.setBold(True)
    painter.setFont(font)
    used: QRect = painter.boundingRect(area, flags, headline)
    painter.drawText(area, flags, headline)
    font.setBold(False)
    painter.setFont(font)
    painter.drawText(area.adjusted(0, used.height() + 6, 0, 0), flags, rest)
    painter.end()


class _SaysWhyEmpty:
    """Paints ``empty_text()`` ('' for none, e.g. while the first read is on its way) over
    the viewport whenever the model has no rows; mixed in before a Qt item view."""

    empty_text: Callable[[], str] = staticmethod(lambda: "")

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        view = cast(QAbstractItemView, self)
        super().paintEvent(event)  # type: ignore[misc]
        model = view.model()
        if model is not None and model.rowCount() == 0:
            paint_empty_text(view, self.empty_text())


class EmptyStateTable(_SaysWhyEmpty, QTableView):
    """A table view that says why it is empty (set ``empty_text``)."""


class EmptyStateTableWidget(_SaysWhyEmpty, QTableWidget):
    """A table widget that says why it is empty (set ``empty_text``)."""
