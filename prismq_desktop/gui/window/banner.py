"""A strip above the content for problems that need attention but must not crash the app:
a background job that failed, a busy file, a file opened read-only and why."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QToolButton, QWidget


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.text = QLabel(objectName="bannerText", wordWrap=True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QToolButton(objectName="bannerAction")
        self.details_button = QToolButton(text="Details…")
        self.close_button = QToolButton(text="✕", toolTip="Dismiss", autoRaise=True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 8, 6)
        layout.addWidget(self.text, 1)
        for button in (self.action, self.details_button, self.close_button):
            layout.addWidget(button)
        self.close_button.clicked.connect(self.hide)
        self.details_button.clicked.connect(self._show_details)
        self.action.clicked.connect(self._run_action)
        self._details = ""
        self._callback: Callable[[], None] | None = None
        self.hide()

    def show_message(self, text: str, level: str = "error", details: str = "",
                     action: tuple[str, Callable[[], None]] | None = None,
                     closable: bool = True) -> None:
        """Show ``text``; ``details`` behind a button; ``action`` as (label, callback)."""
        self.setProperty("level", level)
        self.style().unpolish(self)
        self.style().polish(self)
        self.text.setText(text)
        self._details = details
        self.details_button.setVisible(bool(details))
        self._callback = action[1] if action else None
        self.action.setText(action[0] if action else "")
        self.action.setVisible(action is not None)
        self.close_button.setVisible(closable)
        self.show()

    def _show_details(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Details", self.text.text(),
                          QMessageBox.StandardButton.Ok, self)
        box.setDetailedText(self._details)
        box.finished.connect(box.deleteLater)
        box.open()

    def _run_action(self) -> None:
        callback = self._callback
        self.hide()
        if callback is not None:
            callback()
