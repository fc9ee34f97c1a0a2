"""Statuses drawn as coloured badges, with colours that read well on light and dark themes."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

#: status -> (light theme colour, dark theme colour).
STATUS_COLORS: dict[str, tuple[str, str]] = {
    "queued": ("#2f6fdb", "#5b9bff"),
    "scheduled": ("#7a5cc7", "#a68cf0"),
    "leased": ("#c77a00", "#f0a532"),
    "processing": ("#d98c00", "#ffb43c"),
    "completed": ("#2e8b45", "#4cc46a"),
    "failed": ("#c8352f", "#ff6b62"),
    "cancelled": ("#6b7078", "#9aa0a8"),
    "cancelling": ("#9a5b7a", "#d08cae"),
    "dead_letter": ("#8a1c4a", "#e0588f"),
    "paused": ("#b7791f", "#e0a030"),  # a ready task whose type is paused (display only)
}
UNKNOWN_COLOR = ("#8c6d3f", "#c9a46c")


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def status_color(status: str, dark: bool) -> QColor:
    light_hex, dark_hex = STATUS_COLORS.get(status, UNKNOWN_COLOR)
    return QColor(dark_hex if dark else light_hex)


def badge_pixmap(option: QStyleOptionViewItem, text: str) -> tuple[QPixmap, int]:
    """The status text inside a rounded, tinted badge (white on a selected row), for a cell
    of this option's size and state; and its height to centre it. Drawn anew on each call:
    the caller keeps the pixmaps (row_delegate caches them per look)."""
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    dark = is_dark(option.palette) or selected
    color = option.palette.highlightedText().color() if selected else status_color(text, dark)
    height = min(option.fontMetrics.height() + 4, option.rect.height() - 4)
    return _badge_pixmap(option, text, color, dark, height), height


def _badge_pixmap(option: QStyleOptionViewItem, text: str, color: QColor, dark: bool,
                  height: int) -> QPixmap:
    metrics = option.fontMetrics
    width = max(1, min(metrics.horizontalAdvance(text) + 16, option.rect.width() - 8))
    ratio = 2.0
    pixmap = QPixmap(int(width * ratio) + 2, int(height * ratio) + 2)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    rect = QRectF(0.5, 0.5, width, height)
    fill = QColor(color)
    fill.setAlphaF(0.22 if dark else 0.14)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(option.font)
    painter.setPen(QColor(color))
    painter.setBrush(fill)
    painter.drawRoundedRect(rect, height / 2, height / 2)
    painter.setPen(color if color == option.palette.highlightedText().color()
                   else color.lighter(125) if dark else color.darker(115))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter,
                     metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(width) - 10))
    painter.end()
    return pixmap
