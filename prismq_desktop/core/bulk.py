"""The bulk actions every backend offers, what each accepts and logs, and what a run reports.

Each backend applies an action to the tasks a query matches in short, guarded batches (the
SQLite one in core/sqlite/bulk.py); the names, the statuses an action accepts, the log line
and the result are defined once here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prismq_desktop.core.errors import ValidationError
from prismq_desktop.core.models import CANCELLABLE, RETRYABLE, TERMINAL

#: ``progress(done, total)`` after each batch; returning False stops.
Progress = Callable[[int, int], Any]


@dataclass(frozen=True)
class BulkAction:
    """What an action accepts and writes to each task's log.

    ``statuses`` are the statuses it accepts outright: a task in one of them that was left
    alone changed in some other way since the query ran. ``message`` may name ``{value}``
    (the action's value) or ``{status}`` and ``{error}`` (the task's new ones).
    """

    allowed: str
    statuses: tuple[str, ...]
    level: str = "INFO"
    message: str = ""


ACTIONS: dict[str, BulkAction] = {
    "cancel": BulkAction("queued, leased or processing", CANCELLABLE, "WARNING",
                         "cancelled (bulk)"),
    "retry": BulkAction("failed, cancelled or dead_letter", RETRYABLE, message="retried (bulk)"),
    "set_priority": BulkAction("queued", ("queued",), message="priority set to {value} (bulk)"),
    "run_now": BulkAction("scheduled", (), message="set to run now (bulk)"),
    "requeue_stuck": BulkAction("stuck", (), "WARNING", "{error}; now {status} (bulk)"),
    "delete": BulkAction("completed, failed, cancelled or dead_letter", TERMINAL),
}
VERBS = {"set_priority": "re-prioritised", "run_now": "set to run now", "delete": "deleted",
         "requeue_stuck": "requeued", "cancel": "cancelled", "retry": "retried"}


def check_action(action: str) -> BulkAction:
    if action not in ACTIONS:
        raise ValidationError(f"unknown bulk action {action!r}; use one of {', '.join(ACTIONS)}")
    return ACTIONS[action]


@dataclass
class BulkResult:
    """What a bulk action did: ``refused`` counts the tasks left alone, by reason."""

    action: str
    total: int
    done: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    stopped: bool = False
    batches: int = 0
    longest_batch_s: float = 0.0
    locked_s: float = 0.0
    seconds: float = 0.0

    def summary(self) -> str:
        """E.g. "990 of 1000 cancelled; 10 left alone (only queued, leased or processing
        tasks qualify): 8 completed, 2 changed or deleted meanwhile"."""
        text = f"{self.done} of {self.total} {VERBS[self.action]}"
        if self.refused:
            reasons = ", ".join(f"{n} {why}" for why, n in sorted(self.refused.items()))
            left = sum(self.refused.values())
            text += f"; {left} left alone (only {ACTIONS[self.action].allowed} tasks qualify): "
            text += reasons
        return text + ("; stopped before the end" if self.stopped else "")
