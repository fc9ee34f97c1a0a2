"""A JSON text editor that says where the JSON is wrong (line and column) and marks the line.

Python's messages name the rule, not the slip ("Expecting property name enclosed in double
quotes" for a trailing comma), so the commonest slips get a hint in plain words. NaN and
Infinity are refused here too: Python reads them, but they are not JSON and the core would
refuse them only after the user pressed the button.
"""

from __future__ import annotations

import json
import re
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QColor, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget

from prismq_desktop.gui.tasks.long_text import size_text

#: Words Python's json accepts that JSON does not have.
NOT_JSON = ("NaN", "Infinity", "-Infinity")
#: Python-style literals, and what JSON writes instead.
LITERALS = {"True": "true", "False": "false", "None": "null"}


def check_object(text: str) -> tuple[dict[str, Any] | None, str, int, int]:
    """(value, "", 0, 0) for a JSON object (empty text is {}); else (None, message, line, col)."""
    if not text.strip():
        return {}, "", 0, 0
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        hint = _hint(exc)
        at = exc.pos if not hint else _slip_position(exc)
        line, column = _line_column(text, at)
        return None, f"line {line}, column {column}: {hint or exc.msg}", line, column
    except _NotJson as exc:
        line, column = _line_column(text, _outside_strings(text, exc.word))
        return None, (f"line {line}, column {column}: {exc.word} is not JSON (write a number, "
                      "null or a string)"), line, column
    if not isinstance(value, dict):
        return None, f"must be a JSON object {{…}}, not {type(value).__name__}", 1, 1
    return value, "", 0, 0


class _NotJson(ValueError):
    def __init__(self, word: str) -> None:
        super().__init__(word)
        self.word = word


def _refuse_constant(word: str) -> Any:
    raise _NotJson(word)


def _hint(exc: json.JSONDecodeError) -> str:
    """Plain words for the commonest slips, or "" to keep Python's message."""
    text, pos = exc.doc, exc.pos
    here = text[pos:pos + 1]
    before = text[:pos].rstrip()[-1:]
    if here in ("}", "]") and before == ",":
        return f"remove the comma before {here!r}: JSON allows no trailing comma"
    if here == "'":
        return "JSON needs double quotes \" around names and text, not '"
    word = re.match(r"[A-Za-z_]\w*", text[pos:])
    if word and word.group() in LITERALS:
        return f"write {LITERALS[word.group()]} instead of {word.group()}"
    if word and exc.msg.startswith("Expecting property name"):
        return f"put the name {word.group()!r} in double quotes"
    if exc.msg == "Extra data":
        return "more text after the end of the object (one '}' too many?)"
    if exc.msg == "Expecting ',' delimiter":
        return ("the object is not closed: a '}' or ']' is missing" if not text[pos:].strip()
                else "a ',' is missing before this")
    if exc.msg.startswith("Invalid control character"):
        return "a line break or tab inside text must be written \\n or \\t"
    return ""


def _slip_position(exc: json.JSONDecodeError) -> int:
    """Where the slip is: the trailing comma itself, else where Python stopped."""
    text, pos = exc.doc, exc.pos
    if text[pos:pos + 1] in ("}", "]") and text[:pos].rstrip().endswith(","):
        return len(text[:pos].rstrip()) - 1
    return pos


def _line_column(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _outside_strings(text: str, word: str) -> int:
    """The offset of ``word`` where it stands outside a JSON string (0 if not found)."""
    in_string = escaped = False
    for pos, char in enumerate(text):
        if escaped:
            escaped = False
        elif in_string:
            escaped = char == "\\"
            in_string = char != '"'
        elif char == '"':
            in_string = True
        elif text.startswith(word, pos):
            return pos
    return 0


#: JSON longer than this (characters) is kept as it is rather than laid out for editing.
EDIT_CHARS = 100_000


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
        self._kept: str | None = None
        self._timer = QTimer(self, singleShot=True, interval=250, timeout=self.validate)
        self.editor.textChanged.connect(self._timer.start)
        self.error.hide()

    def text(self) -> str:
        return self._kept if self._kept is not None else self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        """Show the JSON to edit; one too large to lay out at once (a text box holding 1 MB
        froze the window for a minute) is kept as it is, unedited, with a note saying so."""
        self._kept = text if len(text) > EDIT_CHARS else None
        self.editor.setReadOnly(self._kept is not None)
        if self._kept is not None:
            self.editor.setPlainText(
                f"(This JSON is {size_text(len(text))}, too large to edit here: it is kept "
                "exactly as it is. Use the command line or a script to change it.)")
        else:
            self.editor.setPlainText(text)
        self.validate()

    def value(self) -> dict[str, Any] | None:
        return check_object(self.text())[0]

    def validate(self) -> bool:
        """Check now: show the message and mark the bad line; returns validity."""
        self._timer.stop()
        if self._kept is not None:  # not shown, so not marked: the message says it all
            message = check_object(self._kept)[1]
            self.error.setText(f"Invalid JSON — {message}" if message else "")
            self.error.setVisible(bool(message))
            return self._set_valid(not message)
        value, message, line, column = check_object(self.text())
        self.error.setText(f"Invalid JSON — {message}" if message else "")
        self.error.setVisible(bool(message))
        self._mark(line, column)
        return self._set_valid(value is not None)

    def _set_valid(self, valid: bool) -> bool:
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
