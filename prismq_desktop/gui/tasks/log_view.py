"""The selected task's log: level filter, live tail, search, copy and save."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from prismq_desktop.core.models import TaskLog
from prismq_desktop.gui.dialogs.export_dialog import export_dir, remember_export_dir
from prismq_desktop.gui.dialogs.full_text_dialog import FullTextDialog, open_full_text
from prismq_desktop.gui.empty_state import EmptyStateTable
from prismq_desktop.gui.tasks.log_model import (
    LEVELS,
    LineText,
    LogFilter,
    LogModel,
    entry_text,
    with_texts,
)
from prismq_desktop.gui.window.session import Session

PAGE = 5000


class TaskLogView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("taskLogView")
        self.session = session
        self.task_id: int | None = None
        self._loaded = False
        self.model = LogModel(self)
        self.filter = LogFilter(self)
        self.filter.setSourceModel(self.model)
        self.table = self._table()
        self.level = QComboBox()
        self.level.addItems(["All levels", *[f"{level}+" for level in LEVELS[1:]]])
        self.level.setToolTip("Show lines at this level and above")
        self.level.currentIndexChanged.connect(
            lambda i: self.filter.set_min_level(LEVELS[i]))
        self.search = QLineEdit(placeholderText="Filter log lines…", clearButtonEnabled=True)
        self.search.textChanged.connect(self.filter.set_text)
        self.follow = QCheckBox("Follow")
        self.follow.setChecked(True)
        self.follow.setToolTip("Keep the newest line in view as the log grows")
        self.summary = QLabel()
        self._build()
        QShortcut(QKeySequence.StandardKey.Copy, self.table, self.copy_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.model.rowsInserted.connect(self._scroll_if_following)
        for signal in (self.filter.rowsInserted, self.filter.rowsRemoved,
                       self.filter.modelReset, self.filter.layoutChanged):
            signal.connect(self._update_summary)

    def _table(self) -> QTableView:
        table = EmptyStateTable(self)
        table.empty_text = self.empty_text
        table.setModel(self.filter)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(22)
        table.doubleClicked.connect(self.show_line)
        table.setToolTip("Double-click a line to see the whole of it")
        header = table.horizontalHeader()
        header.setStretchLastSection(True)
        self._fit_columns(table)
        return table

    def _fit_columns(self, table: QTableView) -> None:
        """Fixed widths that fit a time stamp and the longest level name: sizing to the
        contents measured every cell of every appended page on the GUI thread (and an
        early page of INFO lines left "WARNING" cut to "WAR…")."""
        header = table.horizontalHeader()
        metrics = QFontMetrics(table.font())
        pad = 2 * table.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin) + 16
        for column, sample in ((0, "0000-00-00 00:00:00"), (1, "WARNING")):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, metrics.horizontalAdvance(sample) + pad)

    def empty_text(self) -> str:
        """Why no line shows: none written yet, or the level and filter hide them all."""
        if self.task_id is None or not self._loaded:
            return ""
        total = self.model.rowCount()
        if not total:
            return "No log lines yet\nWhat the handler logs shows here as it runs."
        noun = "line is" if total == 1 else "lines are"
        return (f"No line matches the level or the filter\n{total:,} {noun} hidden: choose "
                "All levels or clear the filter.")

    def show_line(self, index: QModelIndex) -> FullTextDialog:
        """The whole of one line (message and details) in a viewer, split off the GUI thread."""
        entry = self.model.entries[self.filter.mapToSource(index).row()]
        return open_full_text(self, f"Task #{self.task_id} — log line", self.session.reader,
                              lambda _queue: entry_text(entry))

    def _build(self) -> None:
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>Log</b>")
        bar.addWidget(title)
        bar.addWidget(self.level)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.follow)
        for text, tip, slot in (("Copy", "Copy the shown lines (or the selected ones)",
                                 self.copy_selected),
                                ("Save…", "Save the shown lines to a text file", self.save)):
            button = QToolButton(text=text, toolTip=tip)
            button.clicked.connect(slot)
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

    # -- loading ---------------------------------------------------------------------------
    def set_task(self, task_id: int | None) -> None:
        """Show another task's log (empty for None), then keep tailing it."""
        if task_id == self.task_id:
            return
        self.task_id = task_id
        self._loaded = False
        self.model.clear()
        self._update_summary()
        self.tail()

    def tail(self) -> None:
        """Fetch lines after the last one shown (coalesced; late answers dropped)."""
        task_id, after = self.task_id, self.model.last_id
        if task_id is None:
            return
        self.session.reader.submit(lambda q: with_texts(q.logs(task_id, after, PAGE)),
                                   lambda page: self._arrived(task_id, after, *page),
                                   key="task-log")

    def _arrived(self, task_id: int, after: int, rows: list[TaskLog],
                 texts: list[LineText]) -> None:
        if task_id != self.task_id or after != self.model.last_id:
            return
        self._loaded = True
        self.model.append(rows, texts)
        self._update_summary()
        self.table.viewport().update()
        if len(rows) == PAGE:
            self.tail()

    def _scroll_if_following(self) -> None:
        if self.follow.isChecked():
            self.table.scrollToBottom()

    def _update_summary(self, *_args: object) -> None:
        shown, total = self.filter.rowCount(), self.model.rowCount()
        noun = "line" if total == 1 else "lines"
        self.summary.setText(f"{total} {noun}" if shown == total else f"{shown} of {total} {noun}")

    # -- copy and save ---------------------------------------------------------------------
    def shown_text(self, selected_only: bool = False) -> str:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        if not selected_only or not rows:
            rows = list(range(self.filter.rowCount()))
        source = [self.filter.mapToSource(self.filter.index(r, 0)).row() for r in rows]
        return "\n".join(entry_text(self.model.entries[r]) for r in source)

    def copy_selected(self) -> None:
        QGuiApplication.clipboard().setText(self.shown_text(selected_only=True))

    def save(self) -> QFileDialog:
        """Ask where (starting in the folder used last), without blocking the live views."""
        name = f"task-{self.task_id}.log" if self.task_id else "task.log"
        chooser = QFileDialog(self, "Save log", str(export_dir() / name),
                              "Log files (*.log *.txt);;All files (*)")
        chooser.setObjectName("saveLogDialog")
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setDefaultSuffix("log")
        text = self.shown_text()  # the lines shown when Save was pressed
        chooser.fileSelected.connect(lambda chosen: self._write(Path(chosen), text))
        chooser.finished.connect(chooser.deleteLater)
        chooser.open()
        return chooser

    def _write(self, path: Path, text: str) -> None:
        try:
            self.save_to(path, text)
        except OSError as exc:
            box = QMessageBox(QMessageBox.Icon.Warning, "Save log",
                              f"Could not save the log to {path}: {exc.strerror or exc}",
                              QMessageBox.StandardButton.Ok, self)
            box.setObjectName("saveLogFailed")
            box.finished.connect(box.deleteLater)
            box.open()
            return
        remember_export_dir(path)

    def save_to(self, path: Path, text: str) -> None:
        path.write_text(text + "\n", encoding="utf-8")
