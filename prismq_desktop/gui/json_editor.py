"""A JSON text editor that says where the JSON is wrong (line and column) and marks the line."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QColor, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget


def check_object(text: str) -> tuple[dict[str, Any] | None, str, int, int]:
    """(value, "", 0, 0) for a JSON object (empty text is {}); else (None, message, line, col)."""
    if not text.strip():
        return {}, "", 0, 0
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"line {exc.lineno}, column {exc.colno}: {exc.msg}", exc.lineno, exc.colno
    if not isinstance(value, dict):
        return None, f"must be a JSON object {{…}}, not {type(value).__name__}", 1, 1
    return value, "", 0, 0


class JsonEditor(QWidget):
    #: Whether the text is a valid JSON object now.
    validity_changed = Signal(bool)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName(f"{name}Editor")
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setPlaceholderText("{}")
        self.editor.setTabChangesFocus(True)
        self.error = QLabel()
        self.error.setObjectName(f"{name}Error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d9362b;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor)
        layout.addWidget(self.error)
        self._valid = True
        self._timer = QTimer(self, singleShot=True, interval=250, timeout=self.validate)
        self.editor.textChanged.connect(self._timer.start)
        self.error.hide()

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)
        self.validate()

    def value(self) -> dict[str, Any] | None:
        return check_object(self.text())[0]

    def validate(self) -> bool:
        """Check now: show the message and mark the bad line; returns validity."""
        self._timer.stop()
        value, message, line, column = check_object(self.text())
        self.error.setText(f"Invalid JSON — {message}" if message else "")
        self.error.setVisible(bool(message))
        self._mark(line, column)
        valid = value is not None
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)
        return valid

    def focus_error(self) -> None:
        """Put the cursor where the JSON goes wrong."""
        _value, _message, line, column = check_object(self.text())
        if line:
            self.editor.setTextCursor(self._cursor_at(line, column))
        self.editor.setFocus()

    def _cursor_at(self, line: int, column: int) -> QTextCursor:
        block = self.editor.document().findBlockByLineNumber(line - 1)
        cursor = QTextCursor(block)
        cursor.movePosition(QTextCursor.MoveOperation.Right, n=max(0, column - 1))
        return cursor

    def _mark(self, line: int, column: int) -> None:
        if not line:
            self.editor.setExtraSelections([])
            return
        mark = QTextEdit.ExtraSelection()
        mark.format.setBackground(QColor(217, 54, 43, 60))
        mark.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        mark.cursor = self._cursor_at(line, column)
        mark.cursor.clearSelection()
        self.editor.setExtraSelections([mark])
