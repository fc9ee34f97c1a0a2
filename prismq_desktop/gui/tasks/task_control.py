"""What the actions on the selected or shown task do: enqueue (and duplicate) and edit through
their dialogs, cancel, retry, copy rows.

This is the controller the window wires the Tasks-menu actions to; the cancel/retry writes
themselves run in ``selection_run`` (confirm, one guarded transition per task, one report).
Every write is a core operation in the writer thread; a busy file gets a banner with Retry
instead of a frozen window, and a dialog stays open with the core's message on refusal.

It gets the shared actions, the banner and a parent for its dialogs; status-bar lines go out
through ``message``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from prismq_desktop.core import (
    InvalidTransitionError,
    QueueBusyError,
    TaskNotFoundError,
    ValidationError,
)
from prismq_desktop.core.models import CANCELLABLE, RETRYABLE, Task
from prismq_desktop.gui.actions import Actions
from prismq_desktop.gui.dialogs.edit_dialog import EditDialog
from prismq_desktop.gui.dialogs.enqueue_dialog import EnqueueDialog, EnqueueRequest
from prismq_desktop.gui.tasks import task_source
from prismq_desktop.gui.tasks.selection_run import SelectionRunner
from prismq_desktop.gui.tasks.task_rows import COLUMNS
from prismq_desktop.gui.tasks.tasks_page import TasksPage
from prismq_desktop.gui.window.banner import Banner
from prismq_desktop.gui.window.session import Session

BUSY = "The queue file is busy (locked by another process); nothing was {}. Press {} to try again."


class TaskControl(QObject):
    #: A one-line outcome for the status bar.
    message = Signal(str)

    def __init__(self, named: Actions, banner: Banner, parent: QWidget) -> None:
        super().__init__(parent)
        self.named, self.banner, self._parent = named, banner, parent
        self.session: Session | None = None
        self.page: TasksPage | None = None
        self.runner: SelectionRunner | None = None
        self.dialog: EnqueueDialog | None = None
        self.edit_dialog: EditDialog | None = None
        named["enqueue"].triggered.connect(lambda: self.open_dialog(None))
        named["duplicate"].triggered.connect(self.duplicate)
        named["edit"].triggered.connect(self.edit_task)
        named["cancel"].triggered.connect(lambda: self.run_on_selection("cancel"))
        named["retry"].triggered.connect(lambda: self.run_on_selection("retry"))
        named["copy"].triggered.connect(self.copy_rows)

    def attach(self, session: Session, page: TasksPage) -> None:
        self.session, self.page = session, page
        self.runner = SelectionRunner(session, self._parent)
        self.runner.message.connect(self.message)
        self.runner.finished.connect(lambda result: page.note_acted(result.done))
        copy = self.named["copy"]
        copy.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        page.table.addAction(copy)

    def update_actions(self) -> None:
        """Enable cancel/retry only when the selection holds a task they apply to (the window
        calls this only when the file is writable)."""
        page, named = self.page, self.named
        if page is None:
            return
        statuses = page.selected_statuses()
        unknown = page.needs_id_lookup() or "?" in statuses
        named.enable("cancel", unknown or bool(statuses & set(CANCELLABLE)))
        named.enable("retry", unknown or bool(statuses & set(RETRYABLE)))
        named.enable("duplicate", page.shown_task is not None)
        named.enable("edit", page.shown_task is not None)

    # -- enqueue ---------------------------------------------------------------------------
    def open_dialog(self, template: Task | None) -> EnqueueDialog | None:
        if self.session is None or self.session.read_only or self.page is None:
            return None
        if self.dialog is not None:
            self.dialog.close()
        types = [self.page.sidebar.types.item(r).data(Qt.ItemDataRole.UserRole)
                 for r in range(1, self.page.sidebar.types.count())]
        dialog = EnqueueDialog(types, self._parent)
        if template is not None:
            dialog.fill_from(template)
        dialog.submitted.connect(lambda request: self._enqueue(dialog, request))
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: EnqueueDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def duplicate(self) -> None:
        if self.page is not None and self.page.shown_task is not None:
            self.open_dialog(self.page.shown_task)

    def _enqueue(self, dialog: EnqueueDialog, request: EnqueueRequest) -> None:
        if self.session is None:
            return
        self.session.writer.submit(lambda q: q.enqueue(request.type, **request.options),
                                   lambda task: self._enqueued(dialog, task),
                                   lambda exc: self._refused(dialog, exc))

    def _enqueued(self, dialog: EnqueueDialog, task: Task) -> None:
        dialog.finish()
        if task.is_new:
            self.message.emit(f"Enqueued task #{task.id} ({task.type})")
        else:
            self.banner.show_message(
                f"A task with idempotency key {task.idempotency_key!r} already exists: "
                f"#{task.id} ({task.status}). Nothing new was enqueued; it is selected.", "info")
        if self.page is not None:
            self.page.select_when_loaded(task.id)
        if self.session is not None:
            self.session.poll()

    def _refused(self, dialog: EnqueueDialog, error: Exception) -> None:
        if isinstance(error, QueueBusyError):
            dialog.show_error(BUSY.format("written", "Enqueue"))
        elif isinstance(error, ValidationError):
            dialog.show_error(str(error))
        else:
            dialog.show_error(f"Could not enqueue: {error}")

    # -- edit a waiting task ---------------------------------------------------------------
    def edit_task(self) -> None:
        page = self.page
        task = page.shown_task if page is not None else None
        if self.session is not None and task is not None:
            task_id = task.id
            self.session.reader.submit(lambda q: q.get(task_id), self.open_editor,
                                       lambda exc: self.message.emit(str(exc)))

    def open_editor(self, task: Task) -> None:
        if self.edit_dialog is not None:
            self.edit_dialog.reject()
        dialog = self.edit_dialog = EditDialog(task, self._parent)
        dialog.submitted.connect(lambda fields: self._save(dialog, task.id, fields))
        dialog.finished.connect(lambda _r: self._editor_closed(dialog))
        dialog.open()

    def _editor_closed(self, dialog: EditDialog) -> None:
        if self.edit_dialog is dialog:
            self.edit_dialog = None
        dialog.deleteLater()

    def _save(self, dialog: EditDialog, task_id: int, fields: dict[str, object]) -> None:
        if self.session is None:
            return
        self.session.writer.submit(lambda q: q.edit(task_id, **fields),
                                   lambda task: self._saved(dialog, task),
                                   lambda exc: self._not_saved(dialog, exc))

    def _saved(self, dialog: EditDialog, task: Task) -> None:
        if self.edit_dialog is dialog:
            dialog.accept()
        self.message.emit(f"Saved task #{task.id}")
        if self.session is not None:
            self.session.poll()

    def _not_saved(self, dialog: EditDialog, error: Exception) -> None:
        if self.edit_dialog is not dialog:
            return
        if isinstance(error, InvalidTransitionError):
            dialog.set_read_only(str(error))
            dialog.show_error("Nothing was saved: the task is no longer waiting.")
        elif isinstance(error, QueueBusyError):
            dialog.show_error(BUSY.format("saved", "Save"))
        elif isinstance(error, (ValidationError, TaskNotFoundError)):
            dialog.show_error(f"Nothing was saved: {error}")
        else:
            dialog.show_error(f"Could not save: {error}")

    # -- cancel and retry ------------------------------------------------------------------
    def run_on_selection(self, verb: str) -> None:
        page, runner = self.page, self.runner
        if page is None or runner is None or self.session is None:
            return
        if not page.needs_id_lookup():
            runner.run(verb, page.target_ids())
            return
        ranges, query = page.table.selected_ranges(), page.model.query
        total = sum(last - first + 1 for first, last in ranges)
        if total > task_source.MAX_BULK_IDS:
            self.banner.show_message(
                f"{total:,} tasks are selected; select at most "
                f"{task_source.MAX_BULK_IDS:,} at once (narrow the filter).", "warning")
            return
        self.message.emit(f"Looking up {total:,} selected tasks…")
        self.session.reader.submit(lambda q: task_source.ids(q, query, ranges),
                                   lambda ids: runner.run(verb, ids))

    # -- copy ------------------------------------------------------------------------------
    def copy_rows(self) -> None:
        """The selected (loaded) rows as tab-separated text with a header line."""
        page = self.page
        if page is None:
            return
        lines = ["\t".join(column.title for column in COLUMNS)]
        for row in page.table.selected_rows():
            task_row = page.model.task_row(row)
            if task_row is not None:
                lines.append("\t".join(task_row.texts))
        QGuiApplication.clipboard().setText("\n".join(lines))
        self.message.emit(f"Copied {len(lines) - 1} row(s)")
