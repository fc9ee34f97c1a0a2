"""What the task actions do: enqueue (and duplicate) through the dialog, cancel, retry, copy.

Every write is a core operation in the writer thread; a busy file gets a banner with Retry
instead of a frozen window, and the dialog stays open with the core's message on refusal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication

from prismq_desktop.core import QueueBusyError, ValidationError
from prismq_desktop.core.models import CANCELLABLE, RETRYABLE, Task
from prismq_desktop.gui.dialogs.enqueue_dialog import EnqueueDialog, EnqueueRequest
from prismq_desktop.gui.tasks import task_source
from prismq_desktop.gui.tasks.task_commands import TaskCommands
from prismq_desktop.gui.tasks.task_rows import COLUMNS
from prismq_desktop.gui.tasks.tasks_page import TasksPage
from prismq_desktop.gui.window.session import Session

if TYPE_CHECKING:
    from prismq_desktop.gui.window.main_window import MainWindow


class TaskControl(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.session: Session | None = None
        self.page: TasksPage | None = None
        self.commands: TaskCommands | None = None
        self.dialog: EnqueueDialog | None = None
        named = window.actions
        named["enqueue"].triggered.connect(lambda: self.open_dialog(None))
        named["duplicate"].triggered.connect(self.duplicate)
        named["cancel"].triggered.connect(lambda: self.bulk("cancel"))
        named["retry"].triggered.connect(lambda: self.bulk("retry"))
        named["copy"].triggered.connect(self.copy_rows)

    def attach(self, session: Session, page: TasksPage) -> None:
        self.session, self.page = session, page
        self.commands = TaskCommands(session, self.window)
        self.commands.message.connect(self.window.status.flash)
        named = self.window.actions
        copy = named["copy"]
        copy.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        page.table.addAction(copy)
        page.table.set_context_actions([named["duplicate"], None, named["cancel"],
                                        named["retry"], None, copy])

    def update_actions(self) -> None:
        """Enable cancel/retry only when the selection holds a task they apply to."""
        page, named = self.page, self.window.actions
        if page is None:
            return
        statuses = page.selected_statuses()
        unknown = page.needs_id_lookup() or "?" in statuses
        named.enable("cancel", unknown or bool(statuses & set(CANCELLABLE)))
        named.enable("retry", unknown or bool(statuses & set(RETRYABLE)))
        named.enable("duplicate", page.shown_task is not None)

    # -- enqueue ---------------------------------------------------------------------------
    def open_dialog(self, template: Task | None) -> EnqueueDialog | None:
        if self.session is None or self.session.read_only or self.page is None:
            return None
        if self.dialog is not None:
            self.dialog.close()
        types = [self.page.sidebar.types.item(r).data(Qt.ItemDataRole.UserRole)
                 for r in range(1, self.page.sidebar.types.count())]
        dialog = EnqueueDialog(types, self.window)
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
            self.window.status.flash(f"Enqueued task #{task.id} ({task.type})")
        else:
            self.window.banner.show_message(
                f"A task with idempotency key {task.idempotency_key!r} already exists: "
                f"#{task.id} ({task.status}). Nothing new was enqueued; it is selected.", "info")
        if self.page is not None:
            self.page.select_when_loaded(task.id)
        if self.session is not None:
            self.session.poll()

    def _refused(self, dialog: EnqueueDialog, error: Exception) -> None:
        if isinstance(error, QueueBusyError):
            dialog.show_error("The queue file is busy (locked by another process); nothing "
                              "was written. Press Enqueue to try again.")
        elif isinstance(error, ValidationError):
            dialog.show_error(str(error))
        else:
            dialog.show_error(f"Could not enqueue: {error}")

    # -- cancel and retry ------------------------------------------------------------------
    def bulk(self, verb: str) -> None:
        page, commands = self.page, self.commands
        if page is None or commands is None or self.session is None:
            return
        if not page.needs_id_lookup():
            commands.run(verb, page.target_ids())
            return
        ranges, query = page.table.selected_ranges(), page.model.query
        total = sum(last - first + 1 for first, last in ranges)
        if total > task_source.MAX_BULK_IDS:
            self.window.banner.show_message(
                f"{total:,} tasks are selected; select at most "
                f"{task_source.MAX_BULK_IDS:,} at once (narrow the filter).", "warning")
            return
        self.window.status.flash(f"Looking up {total:,} selected tasks…")
        self.session.reader.submit(lambda q: task_source.ids(q, query, ranges),
                                   lambda ids: commands.run(verb, ids))

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
        self.window.status.flash(f"Copied {len(lines) - 1} row(s)")
