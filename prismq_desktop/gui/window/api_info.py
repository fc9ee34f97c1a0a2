"""The API's address and tokens, each with a Copy button, and a curl line to try it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)


class ApiInfoDialog(QDialog):
    """Non-modal: it can stay open beside the window while the user tries the API."""

    def __init__(self, url: str, tokens: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("apiInfo")
        self.setWindowTitle("HTTP API")
        self.setModal(False)
        grid = QGridLayout(self)
        heading = QLabel(f"Serving this queue at <a href='{url}/docs'>{url}</a> (this computer"
                         " only; the link opens a page to try every endpoint).<br>Every request "
                         "needs the header <code>Authorization:&nbsp;Bearer&nbsp;TOKEN</code>.")
        heading.setWordWrap(True)
        heading.setOpenExternalLinks(True)
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        grid.addWidget(heading, 0, 0, 1, 3)
        token = tokens.full if tokens is not None else ""
        curl = (f"curl -H 'Authorization: Bearer {token}' {url}/api/queue/stats")
        rows = [("URL", "apiUrl", url), ("Token", "apiToken", token),
                ("Read-only token", "apiReadOnlyToken",
                 tokens.read_only if tokens is not None else ""),
                ("Try it", "apiCurl", curl)]
        self.fields: dict[str, QLineEdit] = {}
        for row, (label, name, text) in enumerate(rows, 1):
            field = QLineEdit(text, objectName=name, readOnly=True)
            field.setCursorPosition(0)
            field.setMinimumWidth(560)
            copy = QPushButton("Copy", objectName=f"{name}Copy",
                               toolTip=f"Copy the {label.lower()} to the clipboard")
            copy.clicked.connect(lambda _=False, f=field: _copy(f))
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(field, row, 1)
            grid.addWidget(copy, row, 2)
            self.fields[name] = field
        note = QLabel("The read-only token may only read. The tokens are kept in an owner-only"
                      " file in the app's data folder; stop serving from the Worker menu.")
        note.setWordWrap(True)
        note.setEnabled(False)
        grid.addWidget(note, len(rows) + 1, 0, 1, 3)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        grid.addWidget(buttons, len(rows) + 2, 0, 1, 3)


def _copy(field: QLineEdit) -> None:
    QGuiApplication.clipboard().setText(field.text())
