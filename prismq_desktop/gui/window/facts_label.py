"""A status-bar label of short facts joined by " · " that gives way whole facts at a time.

A plain QLabel squeezed below its text clips mid-word ("1,114 fail"); this one shows as many
leading facts as fit, then "…", and keeps every fact in its tooltip.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

SEPARATOR = " · "
MORE = " · …"


class FactsLabel(QLabel):
    """Facts, most important first; each one plain text, optionally shown in a colour."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._facts: list[tuple[str, str | None]] = []
        self._tooltip = ""

    def set_facts(self, facts: list[tuple[str, str | None]], tooltip: str = "") -> None:
        """``(text, colour or None)`` pairs; the tooltip defaults to all of them, one a line."""
        self._facts = facts
        self._tooltip = tooltip
        self.updateGeometry()
        self._fit()

    def facts(self) -> list[str]:
        return [text for text, _ in self._facts]

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self._width(len(self._facts)), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self._width(min(1, len(self._facts))), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()

    def _width(self, shown: int) -> int:
        """Pixels for the first ``shown`` facts (and the "…" when some are left out)."""
        text = SEPARATOR.join(t for t, _ in self._facts[:shown])
        if shown < len(self._facts):
            text += MORE if shown else "…"
        margins = self.contentsMargins()
        return (self.fontMetrics().horizontalAdvance(text) + margins.left() + margins.right()
                + 2 * self.margin() + 2)

    def _fit(self) -> None:
        room = self.width()
        shown = len(self._facts)
        while shown > 1 and self._width(shown) > room:
            shown -= 1
        parts = [html.escape(text) if colour is None
                 else f'<span style="color:{colour}">{html.escape(text)}</span>'
                 for text, colour in self._facts[:shown]]
        more = MORE if 0 < shown < len(self._facts) else ""
        self.setText(SEPARATOR.join(parts) + more)
        left_out = shown < len(self._facts)
        self.setToolTip(self._tooltip or ("\n".join(self.facts()) if left_out else ""))


class ElidedLabel(QLabel):
    """One text shortened in the middle with "…" to the room it gets (a file name keeps its
    start and its extension), instead of being cut off at the edge."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._full = ""

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.updateGeometry()
        self._fit()

    def full_text(self) -> str:
        return self._full

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins.left() + margins.right()
        return QSize(width + 2, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle,
                                                   max(self.contentsRect().width(), 0)))
