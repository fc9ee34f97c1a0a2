"""Export the current filter to CSV or JSON Lines: every matching row, not the loaded window.

The core streams the rows chunk by chunk to ``<name>.part`` and renames it at the end, so a
cancelled or failed export leaves no file. It runs on an executor of its own (a read-only
connection on its own thread, closed afterwards), so the table keeps refreshing while a
million rows are written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from prismq_desktop.core import Queue, TaskQuery
from prismq_desktop.core.export import ExportResult
from prismq_desktop.gui import settings
from prismq_desktop.gui.dialogs.bulk_dialog import describe_query
from prismq_desktop.gui.executor import Executor
from prismq_desktop.gui.formatting import counted, duration
from prismq_desktop.gui.window.progress import Progress, ProgressPanel
from prismq_desktop.gui.window.session import Session

SUFFIX = {"csv": ".csv", "jsonl": ".jsonl"}


EXPORT_DIR = "export/dir"


def export_dir() -> Path:
    """Where the last export went (the home folder at first)."""
    return Path(str(settings.value(EXPORT_DIR, str(Path.home()))))


def remember_export_dir(written: Path) -> None:
    """The next export dialog starts in the folder of ``written``."""
    settings.set_value(EXPORT_DIR, str(written.parent))


class ExportDialog(QDialog):
    def __init__(self, session: Session, query: TaskQuery, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export matching tasks")
        self.session, self.query = session, query
        self.count = QLabel("counting…", objectName="exportCount")
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.path = QLineEdit(str(export_dir() / f"tasks-{stamp}.csv"), objectName="exportPath")
        self.browse = QPushButton("Browse…")
        self.csv = QRadioButton("CSV", checked=True, objectName="exportCsv")
        self.jsonl = QRadioButton("JSON Lines", objectName="exportJsonl")
        self.panel = ProgressPanel(self)
        self.result_label = QLabel(objectName="exportResult", wordWrap=True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.start = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start.setObjectName("exportStart")
        self.start.setDefault(True)
        self.executor: Executor | None = None
        self._replace_ok = ""
        self._closed = False
        self._build()
        self._wire()
        session.reader.submit(lambda q: q.count(query), self._counted,
                              lambda exc: self._counted(f"cannot count: {exc}"))

    def _build(self) -> None:
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(self.browse)
        formats = QHBoxLayout()
        group = QButtonGroup(self)
        for button in (self.csv, self.jsonl):
            group.addButton(button)
            formats.addWidget(button)
        formats.addStretch(1)
        form = QFormLayout()
        form.addRow("Filter", QLabel(describe_query(self.query), wordWrap=True))
        form.addRow("Tasks", self.count)
        form.addRow("File", where)
        form.addRow("Format", formats)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.panel)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)
        self.panel.hide()
        self.result_label.hide()
        self.setMinimumWidth(560)

    def _wire(self) -> None:
        self.buttons.rejected.connect(self.reject)
        self.start.clicked.connect(self.try_start)
        self.browse.clicked.connect(self._choose_file)
        self.jsonl.toggled.connect(self._format_changed)

    @property
    def fmt(self) -> str:
        return "jsonl" if self.jsonl.isChecked() else "csv"

    def _counted(self, n: int | str) -> None:
        if not self._closed:  # the answer may come after the dialog was closed
            self.count.setText(counted(n, 'task') if isinstance(n, int) else n)

    def _format_changed(self) -> None:
        path = Path(self.path.text().strip() or "tasks")
        if path.suffix in SUFFIX.values():
            self.path.setText(str(path.with_suffix(SUFFIX[self.fmt])))

    def _choose_file(self) -> None:
        chooser = QFileDialog(self, "Export to", self.path.text(),
                              "CSV (*.csv);;JSON Lines (*.jsonl);;All files (*)")
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setOption(QFileDialog.Option.DontConfirmOverwrite)
        chooser.fileSelected.connect(self.path.setText)
        chooser.finished.connect(chooser.deleteLater)
        chooser.open()

    def try_start(self) -> None:
        """Check the path, then export; an existing file is replaced only on a second press."""
        text = self.path.text().strip()
        path = Path(text).expanduser()
        if not text or path.is_dir():
            self._say("Give a file name to write to.", error=True)
            return
        if path.exists() and self._replace_ok != str(path):
            self._replace_ok = str(path)
            self._say(f"{path.name} exists. Press Export again to replace it.", error=True)
            return
        self._run(path)

    def _run(self, path: Path) -> None:
        progress = Progress(self)
        query, fmt, db_path = self.query, self.fmt, self.session.db_path
        self.executor = Executor(lambda: Queue.open(db_path, read_only=True), "prismq-export",
                                 self)
        self.executor.submit(lambda q: q.export(query, path, fmt, progress=progress.report,
                                                cancel=progress.cancel),
                             self._done, self._failed)
        self.panel.start(f"Writing {path.name}…", progress)
        self.panel.show()
        self.result_label.hide()
        self.start.setEnabled(False)
        remember_export_dir(path)

    def _finish(self) -> None:
        if self.executor is not None:
            self.executor.close()
            self.executor.deleteLater()
            self.executor = None
        self.panel.hide()
        self.start.setEnabled(True)
        self._replace_ok = ""

    def _done(self, result: ExportResult) -> None:
        self._finish()
        if result.stopped:
            self._say("Export cancelled; no file was written.", error=True)
        else:
            self._say(f"Wrote {counted(result.rows, 'task')} to {result.path} in "
                      f"{duration(result.seconds)}.")

    def _failed(self, error: Exception) -> None:
        self._finish()
        self._say(f"Export failed; no file was written: {error}", error=True)

    def _say(self, text: str, error: bool = False) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet("color: #d9362b;" if error else "")
        self.result_label.show()

    @property
    def running(self) -> bool:
        return self.executor is not None

    def reject(self) -> None:
        """Close, or while exporting: cancel and stay open until the core has stopped."""
        if self.running:
            self.panel.cancel_button.click()
            return
        self._closed = True
        super().reject()
