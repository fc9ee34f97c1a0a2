"""The whole of a big value (a payload, an error, a log line), without freezing the window.

The text is read and split into short rows in the reader thread; the dialog shows the rows in
a one-column table with fixed row heights, which lays out only the rows on screen (a list
view laid out all 50,000 rows of a 10 MB line first: 150 ms), so a 10 MB line opens as fast
as a short one. It is not modal: the live views keep running.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from prismq_desktop.core import Queue
from prismq_desktop.gui.executor import Executor
from prismq_desktop.gui.tasks.long_text import VIEW_LINE_CHARS, size_text, split_lines

Index = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()


class RowsModel(QAbstractTableModel):
    """Display rows held as a Python list: nothing is copied into Qt up front."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[str] = []

    def rowCount(self, parent: Index = NO_PARENT) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = NO_PARENT) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> str | None:
        return self.rows[index.row()] if role == Qt.ItemDataRole.DisplayRole else None

    def set_rows(self, rows: list[str]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()


class FullTextDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fullTextDialog")
        self.setWindowTitle(title)
        self.text = ""
        self.info = QLabel("Loading…")
        self.model = RowsModel(self)
        self.view = _rows_view(self.model)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy = buttons.addButton("Copy all", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy.setEnabled(False)
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.info, self.view, buttons):
            layout.addWidget(widget)
        self.resize(900, 600)

    def set_text(self, text: str, rows: list[str], lines: int) -> None:
        """Show text already split (``split_lines``) and counted off the GUI thread."""
        self.text = text
        self.model.set_rows(rows)
        self.info.setText(f"{size_text(len(text))}, {lines:,} line{'s' if lines != 1 else ''}"
                          " (long lines shown split)")
        self.copy.setEnabled(True)

    def show_error(self, error: Exception) -> None:
        self.info.setText(f"Could not read the text: {error}")


def _rows_view(model: RowsModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    columns = view.horizontalHeader()
    columns.setVisible(False)
    # One row is at most VIEW_LINE_CHARS wide (split in the reader): a fixed column that wide
    # scrolls sideways when the window is narrower, and nothing is measured per row.
    columns.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    columns.setDefaultSectionSize(view.fontMetrics().horizontalAdvance("M" * VIEW_LINE_CHARS)
                                  + 16)
    rows = view.verticalHeader()
    rows.setVisible(False)
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(view.fontMetrics().height() + 4)
    return view


def open_full_text(parent: QWidget, title: str, reader: Executor,
                   read: Callable[[Queue], str]) -> FullTextDialog:
    """Open the viewer at once ("Loading…"); ``read`` runs in the reader, and the text is
    split there too."""
    dialog = FullTextDialog(title, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def job(queue: Queue) -> tuple[str, list[str], int]:
        text = read(queue)
        return text, split_lines(text), text.count("\n") + 1 if text else 0

    def arrived(result: tuple[str, list[str], int]) -> None:
        if isValid(dialog):  # closed meanwhile: nothing to show it in
            dialog.set_text(*result)

    def failed(error: Exception) -> None:
        if isValid(dialog):
            dialog.show_error(error)

    reader.submit(job, arrived, failed)
    dialog.show()
    return dialog
