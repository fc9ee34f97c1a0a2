"""What a tab shows while no queue file is open: what to do next, and why when opening failed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from prismq_desktop.gui.actions import Actions


class EmptyPage(QWidget):
    def __init__(self, actions: Actions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyPage")
        self.title = QLabel("<h2>No queue file open</h2>", alignment=Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel("Open a PrismQ queue file, create a new one, or drop a file here.",
                           alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for name, label in (("open", "Open…"), ("new", "New queue file…")):
            button = QPushButton(label)
            button.clicked.connect(actions[name].trigger)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        layout.addStretch(3)
