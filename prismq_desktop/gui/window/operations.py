"""What the operations actions do: act on everything the filter matches, requeue stuck
tasks, edit a task, export, copy as JSON, the command palette and the tray.

Reads go through the session's reader, writes through its writer; the dialogs only collect
input and show results (``bulk_run``, ``edit_dialog``, ``export_dialog``, ``palette``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMenu

from prismq_desktop.core import (
    InvalidTransitionError,
    Queue,
    QueueBusyError,
    Task,
    TaskNotFoundError,
    ValidationError,
)
from prismq_desktop.gui import settings
from prismq_desktop.gui.dialogs.bulk_run import BulkRunner
from prismq_desktop.gui.dialogs.edit_dialog import EditDialog
from prismq_desktop.gui.dialogs.export_dialog import ExportDialog, export_dir, remember_export_dir
from prismq_desktop.gui.tasks.tasks_page import TasksPage
from prismq_desktop.gui.window.palette import CommandPalette
from prismq_desktop.gui.window.session import Session
from prismq_desktop.gui.window.tray import NOTIFY_KEY, Tray

if TYPE_CHECKING:
    from prismq_desktop.gui.window.main_window import MainWindow

#: Action name -> the core's bulk action.
BULK = {"bulkCancel": "cancel", "bulkRetry": "retry", "bulkPriority": "set_priority",
        "bulkRunNow": "run_now", "bulkDelete": "delete"}
ONE_TASK = ("edit", "copyJson", "exportTask")


class Operations(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.session: Session | None = None
        self.page: TasksPage | None = None
        self.bulk: BulkRunner | None = None
        self.edit_dialog: EditDialog | None = None
        self.export_dialog: ExportDialog | None = None
        self.palette: CommandPalette | None = None
        named = window.actions
        for name, action in BULK.items():
            named[name].triggered.connect(lambda _=False, a=action: self.run_bulk(a))
        named["requeueStuck"].triggered.connect(
            lambda: self.bulk and self.bulk.start("requeue_stuck", Queue.stuck_query()))
        named["edit"].triggered.connect(self.edit_task)
        named["copyJson"].triggered.connect(self.copy_json)
        named["exportTask"].triggered.connect(self.choose_task_file)
        named["exportFilter"].triggered.connect(self.export_filter)
        named["palette"].triggered.connect(self.open_palette)
        named["notify"].setChecked(Tray.notifications_enabled())
        named["notify"].toggled.connect(lambda on: settings.set_value(NOTIFY_KEY, on))
        self.bulk_menu = QMenu("&All matching tasks", window)
        self.bulk_menu.addActions([named[name] for name in BULK])
        self.bulk_menu.addSeparator()
        self.bulk_menu.addActions([named["requeueStuck"], named["exportFilter"]])
        self.tray = Tray(window)

    def attach(self, session: Session, page: TasksPage) -> None:
        self.session, self.page = session, page
        self.bulk = BulkRunner(session, self.window)
        self.bulk.message.connect(self.window.status.flash)
        named = self.window.actions
        page.table.set_context_actions([
            named["edit"], named["duplicate"], None, named["cancel"], named["retry"], None,
            named["copy"], named["copyJson"], named["exportTask"], None,
            self.bulk_menu.menuAction()])
        page.sidebar.statuses.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        page.sidebar.statuses.addActions([named["requeueStuck"], named["exportFilter"]])

    def update_actions(self, write_reason: str) -> None:
        """One-task actions need a shown task; exporting needs an open file."""
        named, page = self.window.actions, self.page
        has_task = self.session is not None and page is not None and page.shown_task is not None
        for name in ONE_TASK:
            if name == "edit" and write_reason:
                continue
            named.enable(name, has_task)
        named.enable("exportFilter", self.session is not None)

    def _task_id(self) -> int | None:
        page = self.page
        return page.shown_task.id if page is not None and page.shown_task is not None else None

    # -- everything the filter matches ----------------------------------------------------
    def run_bulk(self, action: str) -> None:
        query = self.window.current_query()
        if self.bulk is not None and query is not None:
            self.bulk.start(action, query)

    def export_filter(self) -> None:
        query = self.window.current_query()
        if self.session is None or query is None:
            return
        if self.export_dialog is not None and not self.export_dialog.running:
            self.export_dialog.reject()
        dialog = self.export_dialog = ExportDialog(self.session, query, self.window)
        dialog.finished.connect(lambda _r: self._forget("export_dialog", dialog))
        dialog.open()

    def _forget(self, name: str, dialog: QObject) -> None:
        if getattr(self, name) is dialog:
            setattr(self, name, None)
        dialog.deleteLater()

    # -- one task -----------------------------------------------------------------------------
    def edit_task(self) -> None:
        task_id = self._task_id()
        if self.session is not None and task_id is not None:
            self.session.reader.submit(lambda q: q.get(task_id), self.open_editor,
                                       lambda exc: self.window.status.flash(str(exc)))

    def open_editor(self, task: Task) -> EditDialog:
        if self.edit_dialog is not None:
            self.edit_dialog.reject()
        dialog = self.edit_dialog = EditDialog(task, self.window)
        dialog.submitted.connect(lambda fields: self._save(dialog, task.id, fields))
        dialog.finished.connect(lambda _r: self._forget("edit_dialog", dialog))
        dialog.open()
        return dialog

    def _save(self, dialog: EditDialog, task_id: int, fields: dict) -> None:
        if self.session is None:
            return
        self.session.writer.submit(lambda q: q.edit(task_id, **fields),
                                   lambda task: self._saved(dialog, task),
                                   lambda exc: self._not_saved(dialog, exc))

    def _saved(self, dialog: EditDialog, task: Task) -> None:
        if self.edit_dialog is dialog:
            dialog.accept()
        self.window.status.flash(f"Saved task #{task.id}")
        if self.session is not None:
            self.session.poll()

    def _not_saved(self, dialog: EditDialog, error: Exception) -> None:
        if self.edit_dialog is not dialog:
            return
        if isinstance(error, InvalidTransitionError):
            dialog.set_read_only(str(error))
            dialog.show_error("Nothing was saved: the task is no longer waiting.")
        elif isinstance(error, QueueBusyError):
            dialog.show_error("The queue file is busy (locked by another process); nothing "
                              "was saved. Press Save to try again.")
        elif isinstance(error, (ValidationError, TaskNotFoundError)):
            dialog.show_error(f"Nothing was saved: {error}")
        else:
            dialog.show_error(f"Could not save: {error}")

    def copy_json(self) -> None:
        task_id = self._task_id()
        if self.session is not None and task_id is not None:
            self.session.reader.submit(lambda q: q.task_document(task_id), self._copied,
                                       lambda exc: self.window.status.flash(str(exc)))

    def _copied(self, document: dict) -> None:
        QGuiApplication.clipboard().setText(json.dumps(document, indent=2, ensure_ascii=False))
        self.window.status.flash(f"Copied task #{document['task']['id']} as JSON "
                                 f"({len(document['logs'])} log entries)")

    def choose_task_file(self) -> None:
        task_id = self._task_id()
        if task_id is None:
            return
        chooser = QFileDialog(self.window, f"Export task #{task_id} with its log",
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
            lambda written: self.window.status.flash(f"Wrote task #{task_id} to {written}"),
            lambda exc: self.window.banner.show_message(
                f"Could not export task #{task_id}: {exc}", "warning"))

    # -- the command palette ------------------------------------------------------------------
    def open_palette(self) -> CommandPalette:
        if self.palette is not None:
            self.palette.reject()
        named = self.window.actions
        actions = [action for action in (*named.by_name.values(), *named.themes.actions())
                   if action is not named["palette"]]
        dialog = self.palette = CommandPalette(actions, self.window.menuBar(), self.window)
        dialog.finished.connect(lambda _r: self._forget("palette", dialog))
        dialog.open()
        return dialog
