"""Cancel and retry the selected tasks (one or many), off the GUI thread, refusals reported once.

``task_control`` decides what the task actions do and calls this runner for cancel and retry;
``dialogs/bulk_run`` is its twin for everything the current filter matches.

Each task goes through the core's guarded transition on its own, so one finished task in a
selection does not stop the others; the refused ones are collected with the core's reason
and shown together in one message instead of being skipped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtWidgets import QMessageBox

from prismq_desktop.core import (
    InvalidTransitionError,
    Queue,
    QueueBusyError,
    ReadOnlyError,
    TaskNotFoundError,
)
from prismq_desktop.gui.window.write_report import WriteReporter, stop_reason

#: verb -> (title, past, in progress)
VERBS = {"cancel": ("Cancel", "cancelled", "Cancelling"),
         "retry": ("Retry", "retried", "Retrying")}
CONFIRM_ABOVE = 1
LISTED = 15


@dataclass
class SelectionResult:
    verb: str
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    #: Why the run stopped early (the file was locked or read-only); the rest was not tried.
    stopped: str = ""
    not_tried: int = 0


def run_selection(queue: Queue, verb: str, ids: list[int]) -> SelectionResult:
    """Runs in the writer thread: one guarded transition per task."""
    operation: Callable[[int], object] = queue.cancel if verb == "cancel" else queue.retry
    result = SelectionResult(verb)
    for number, task_id in enumerate(ids):
        try:
            operation(task_id)
            result.done.append(task_id)
        except (InvalidTransitionError, TaskNotFoundError) as exc:
            result.refused.append((task_id, str(exc)))
        except (QueueBusyError, ReadOnlyError) as exc:
            result.stopped, result.not_tried = stop_reason(exc), len(ids) - number
            break
    return result


def summary(result: SelectionResult) -> str:
    """One line for the status bar."""
    past = VERBS[result.verb][1]
    text = f"{len(result.done)} task{'s' if len(result.done) != 1 else ''} {past}"
    if result.refused:
        text += f", {len(result.refused)} refused"
    if result.stopped:
        text += f", {result.not_tried} not tried ({result.stopped})"
    return text


def refusal_text(result: SelectionResult) -> str:
    lines = [f"#{task_id}: {reason}" for task_id, reason in result.refused[:LISTED]]
    if len(result.refused) > LISTED:
        lines.append(f"… and {len(result.refused) - LISTED} more")
    if result.stopped:
        lines.append(f"Stopped early, {result.not_tried} not tried: {result.stopped}")
    return "\n".join(lines)


class SelectionRunner(WriteReporter):
    """Asks for confirmation, runs the operation per task in the writer, reports the outcome
    (``finished`` carries the SelectionResult; views refresh on the change token anyway)."""

    def run(self, verb: str, ids: list[int]) -> None:
        if not ids:
            return
        if len(ids) > CONFIRM_ABOVE:
            self._confirm(verb, ids)
        else:
            self._submit(verb, ids)

    def _confirm(self, verb: str, ids: list[int]) -> None:
        title = VERBS[verb][0]
        box = QMessageBox(QMessageBox.Icon.Question, f"{title} tasks",
                          f"{title} {len(ids):,} selected tasks?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self._parent)
        box.setObjectName("confirmBulk")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda answer: self._confirmed(answer, verb, ids, box))
        box.open()

    def _confirmed(self, answer: int, verb: str, ids: list[int], box: QMessageBox) -> None:
        box.deleteLater()
        if answer == QMessageBox.StandardButton.Yes:
            self._submit(verb, ids)

    def _submit(self, verb: str, ids: list[int]) -> None:
        self.message.emit(f"{VERBS[verb][2]} {len(ids):,} task(s)…")
        self.session.writer.submit(
            lambda q: run_selection(q, verb, ids), self._done,
            lambda exc: self.message.emit(f"{VERBS[verb][0]} failed: {stop_reason(exc)}"))

    def _done(self, result: SelectionResult) -> None:
        self.message.emit(summary(result))
        self.finished.emit(result)
        if result.refused or result.stopped:
            self.report(f"{VERBS[result.verb][0]} tasks", summary(result) + ".",
                        refusal_text(result), QMessageBox.Icon.Warning, "bulkRefused")
        self.session.poll()
