"""Running a bulk action: confirm (``bulk_dialog``), then the core's batches in the writer
thread with live progress and Cancel, then one summary of what was done and left alone: in
the status bar, and in a message box only when something stopped or was refused.

The core commits batch by batch, so Cancel stops between two batches and whatever was done
stays done; the summary says so. Nothing here waits: every step is a callback.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QMessageBox, QVBoxLayout, QWidget

from prismq_desktop.core import TaskQuery
from prismq_desktop.core.bulk import ACTIONS, BulkResult
from prismq_desktop.gui.dialogs.bulk_dialog import (
    KINDS,
    BulkConfirm,
    BulkKind,
    eligible_query,
)
from prismq_desktop.gui.formatting import counted
from prismq_desktop.gui.window.progress import Progress, ProgressPanel
from prismq_desktop.gui.window.session import Session
from prismq_desktop.gui.window.write_report import WriteReporter, stop_reason


class BulkProgressDialog(QDialog):
    """The running action; closing it is the same as Cancel (the core stops between batches)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bulkProgress")
        self.panel = ProgressPanel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        self.setMinimumWidth(460)

    def reject(self) -> None:
        """Escape or the close button: cancel, and stay open until the core has stopped."""
        if self.panel.cancel_button.isEnabled():
            self.panel.cancel_button.click()


class BulkRunner(WriteReporter):
    """``finished`` carries the core's BulkResult, also when the action stopped early."""

    def __init__(self, session: Session, parent: QWidget) -> None:
        super().__init__(session, parent)
        self.confirm: BulkConfirm | None = None
        self.progress_dialog: BulkProgressDialog | None = None
        #: The box for an action that stopped early or was refused in part (none otherwise).
        self.summary_box: QMessageBox | None = None
        #: The last action's outcome, as the status bar showed it.
        self.last_summary: str | None = None

    def start(self, action: str, query: TaskQuery) -> BulkConfirm:
        """Open the confirmation for ``action`` over ``query`` and count in the background."""
        kind = KINDS[action]
        eligible = eligible_query(query, kind)
        if self.confirm is not None:
            self.confirm.reject()
        dialog = self.confirm = BulkConfirm(kind, query, self._parent)
        counts: list[int] = []
        dialog.confirmed.connect(lambda value: self._run(kind, eligible, value, counts))
        dialog.finished.connect(lambda _result: self._confirm_closed(dialog))
        dialog.open()

        def on_counts(result: tuple[int, int]) -> None:
            if self.confirm is dialog:
                counts[:] = result
                dialog.set_counts(*result)

        def not_counted(error: Exception) -> None:
            if self.confirm is dialog:
                dialog.show_error(str(error))
        self.session.reader.submit(lambda q: (q.count(query), q.count(eligible)), on_counts,
                                   not_counted, key="bulk-count")
        return dialog

    def _confirm_closed(self, dialog: BulkConfirm) -> None:
        if self.confirm is dialog:
            self.confirm = None
        dialog.deleteLater()

    def _run(self, kind: BulkKind, query: TaskQuery, value: object, counts: list[int]) -> None:
        matches, eligible = counts
        progress = Progress(self)
        dialog = self.progress_dialog = BulkProgressDialog(self._parent)
        dialog.setWindowTitle(f"{kind.verb} all matching tasks")
        dialog.panel.start(f"{kind.doing} {counted(eligible, 'task')}…", progress)
        dialog.open()
        self.message.emit(f"{kind.doing} {counted(eligible, 'task')}…")
        left = matches - eligible
        self.session.writer.submit(
            lambda q: q.bulk(kind.action, query, value=value, progress=progress.report,
                             cancel=progress.cancel),
            lambda result: self._done(result, left, dialog, progress),
            lambda exc: self._failed(kind, exc, dialog, progress))

    def _close_progress(self, dialog: BulkProgressDialog, progress: Progress) -> None:
        dialog.done(QDialog.DialogCode.Accepted)
        dialog.deleteLater()
        progress.deleteLater()
        if self.progress_dialog is dialog:
            self.progress_dialog = None
        self.session.poll()

    def _done(self, result: BulkResult, left: int, dialog: BulkProgressDialog,
              progress: Progress) -> None:
        self._close_progress(dialog, progress)
        text = self.last_summary = summary_text(result, left)
        if result.refused or result.stopped:
            self.message.emit(text.splitlines()[0])
            self._tell(text, QMessageBox.Icon.Warning)
        else:  # done as asked: the status bar says so, with no box to dismiss (issue 11.16)
            self.message.emit(" ".join(text.splitlines()))
        self.finished.emit(result)

    def _failed(self, kind: BulkKind, error: Exception, dialog: BulkProgressDialog,
                progress: Progress) -> None:
        self._close_progress(dialog, progress)
        why = stop_reason(error)
        self.last_summary = f"{kind.verb} stopped: {why}"
        self.message.emit(self.last_summary)
        self._tell(f"{kind.verb} stopped: {why}.\nBatches finished before that stay done; "
                   "nothing else changed.", QMessageBox.Icon.Warning)

    def _tell(self, text: str, icon: QMessageBox.Icon) -> None:
        first, _newline, rest = text.partition("\n")
        self.summary_box = self.report("Bulk action", first, rest, icon, "bulkSummary")


def summary_text(result: BulkResult, left_alone: int) -> str:
    """The core's summary, then the matching tasks the action never applied to."""
    text = result.summary()
    text = text[:1].upper() + text[1:] + "."
    if left_alone > 0:
        text += (f"\n{counted(left_alone, 'task')} matching the filter "
                 f"{'was' if left_alone == 1 else 'were'} not "
                 f"{ACTIONS[result.action].allowed} and {'was' if left_alone == 1 else 'were'}"
                 " left alone.")
    return text
