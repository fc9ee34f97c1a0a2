"""What the actions on everything the filter matches do (cancel, retry, priority, run now,
delete, requeue stuck, export to CSV/JSON Lines), and the shown task's export and copy as JSON.

Reads go through the session's reader, writes through its writer; the dialogs only collect
input and show results (``bulk_run``, ``export_dialog``). It gets the shared actions, the
banner and a parent for its dialogs; status-bar lines go out through ``message``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from prismq_desktop.core import Queue
from prismq_desktop.gui.actions import Actions
from prismq_desktop.gui.dialogs.bulk_run import BulkRunner
from prismq_desktop.gui.dialogs.export_dialog import ExportDialog, export_dir, remember_export_dir
from prismq_desktop.gui.tasks.tasks_page import TasksPage
from prismq_desktop.gui.window.banner import Banner
from prismq_desktop.gui.window.session import Session

#: Action name -> the core's bulk action.
BULK = {"bulkCancel": "cancel", "bulkRetry": "retry", "bulkPriority": "set_priority",
        "bulkRunNow": "run_now", "bulkDelete": "delete"}


class BulkExport(QObject):
    #: A one-line outcome for the status bar.
    message = Signal(str)

    def __init__(self, named: Actions, banner: Banner, parent: QWidget) -> None:
        super().__init__(parent)
        self.named, self.banner, self._parent = named, banner, parent
        self.session: Session | None = None
        self.page: TasksPage | None = None
        self.bulk: BulkRunner | None = None
        self.export_dialog: ExportDialog | None = None
        for name, action in BULK.items():
            named[name].triggered.connect(lambda _=False, a=action: self.run_bulk(a))
        named["requeueStuck"].triggered.connect(
            lambda: self.bulk and self.bulk.start("requeue_stuck", Queue.stuck_query()))
        named["copyJson"].triggered.connect(self.copy_json)
        named["exportTask"].triggered.connect(self.choose_task_file)
        named["exportFilter"].triggered.connect(self.export_filter)
        self.bulk_menu = QMenu("&All matching tasks", parent)
        self.bulk_menu.addActions([named[name] for name in BULK])
        self.bulk_menu.addSeparator()
        self.bulk_menu.addActions([named["requeueStuck"], named["exportFilter"]])

    def attach(self, session: Session, page: TasksPage) -> None:
        self.session, self.page = session, page
        self.bulk = BulkRunner(session, self._parent)
        self.bulk.message.connect(self.message)
        page.sidebar.statuses.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        page.sidebar.statuses.addActions([self.named["requeueStuck"],
                                          self.named["exportFilter"]])

    def update_actions(self) -> None:
        """Exporting or copying one task needs a shown task; exporting a filter an open file."""
        has_task = self._task_id() is not None
        for name in ("copyJson", "exportTask"):
            self.named.enable(name, has_task)
        self.named.enable("exportFilter", self.session is not None)

    def _task_id(self) -> int | None:
        page = self.page
        if self.session is None or page is None or page.shown_task is None:
            return None
        return page.shown_task.id

    # -- everything the filter matches ----------------------------------------------------
    def run_bulk(self, action: str) -> None:
        if self.bulk is not None and self.page is not None:
            self.bulk.start(action, self.page.model.query)

    def export_filter(self) -> None:
        if self.session is None or self.page is None:
            return
        if self.export_dialog is not None and not self.export_dialog.running:
            self.export_dialog.reject()
        dialog = ExportDialog(self.session, self.page.model.query, self._parent)
        self.export_dialog = dialog
        dialog.finished.connect(lambda _r: self._export_closed(dialog))
        dialog.open()

    def _export_closed(self, dialog: ExportDialog) -> None:
        if self.export_dialog is dialog:
            self.export_dialog = None
        dialog.deleteLater()

    # -- the shown task ---------------------------------------------------------------------
    def copy_json(self) -> None:
        task_id = self._task_id()
        if self.session is not None and task_id is not None:
            self.session.reader.submit(lambda q: q.task_document(task_id), self._copied,
                                       lambda exc: self.message.emit(str(exc)))

    def _copied(self, document: dict[str, Any]) -> None:
        QGuiApplication.clipboard().setText(json.dumps(document, indent=2, ensure_ascii=False))
        self.message.emit(f"Copied task #{document['task']['id']} as JSON "
                          f"({len(document['logs'])} log entries)")

    def choose_task_file(self) -> None:
        task_id = self._task_id()
        if task_id is None:
            return
        chooser = QFileDialog(self._parent, f"Export task #{task_id} with its log",
                              str(export_dir() / f"task-{task_id}.json"), "JSON (*.json)")
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setDefaultSuffix("json")
        chooser.fileSelected.connect(lambda name: self.export_task(task_id, Path(name)))
        chooser.finished.connect(chooser.deleteLater)
        chooser.open()

    def export_task(self, task_id: int, path: Path) -> None:
        """Write the task with its whole log and attempt history as JSON."""
        if self.session is None:
            return
        remember_export_dir(path)
        self.session.reader.submit(
            lambda q: q.export_task(task_id, path),
            lambda written: self.message.emit(f"Wrote task #{task_id} to {written}"),
            lambda exc: self.banner.show_message(
                f"Could not export task #{task_id}: {exc}", "warning"))
