"""The bulk actions' definitions: each one's SQL, guard, log line, and what it reports.

Every action is a single guarded UPDATE (delete aside) so that a worker claiming or finishing
a task at the same moment either wins before the batch (and the guard skips the task) or
after it (and its own guard sees the new status).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prismq_desktop.core.models import CANCELLABLE, RETRYABLE, TERMINAL
from prismq_desktop.core.sqlite import search_sql


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


@dataclass(frozen=True)
class Action:
    """An UPDATE's SET clause (?1 = now, ?2 = the value), its guard, and its log line.

    ``statuses`` are the statuses the guard accepts outright: a task in one of them that was
    left alone changed in some other way since the query ran.
    """

    set_sql: str
    guard: str
    allowed: str
    statuses: tuple[str, ...]
    level: str = "INFO"
    message: str = ""


_RETRY_SET = (
    "status = 'queued', attempts = 0, run_after_utc = ?1, lease_until_utc = NULL,"
    " reserved_at_utc = NULL, processing_started_utc = NULL, finished_at_utc = NULL,"
    " locked_by = NULL, error_message = NULL, updated_at_utc = ?1"
)
_REQUEUE_SET = (
    "status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,"
    " finished_at_utc = CASE WHEN attempts >= max_attempts THEN ?1 END,"
    " run_after_utc = CASE WHEN attempts >= max_attempts THEN run_after_utc ELSE ?1 END,"
    " locked_by = CASE WHEN attempts >= max_attempts THEN locked_by END,"
    " lease_until_utc = NULL, updated_at_utc = ?1,"
    " error_message = 'stuck: held by ' || coalesce(locked_by, '?') || ', requeued by user'"
)
ACTIONS: dict[str, Action] = {
    "cancel": Action(
        "status = 'cancelled', finished_at_utc = ?1, lease_until_utc = NULL, updated_at_utc = ?1",
        f"+status IN ({_in(CANCELLABLE)})", "queued, leased or processing", CANCELLABLE,
        "WARNING", "cancelled (bulk)"),
    "retry": Action(_RETRY_SET, f"+status IN ({_in(RETRYABLE)})",
                    "failed, cancelled or dead_letter", RETRYABLE, message="retried (bulk)"),
    "set_priority": Action("priority = ?2, updated_at_utc = ?1", "+status = 'queued'",
                           "queued", ("queued",), message="priority set to {value} (bulk)"),
    "run_now": Action("run_after_utc = ?1, updated_at_utc = ?1",
                      "+status = 'queued' AND run_after_utc > ?1", "scheduled", (),
                      message="set to run now (bulk)"),
    "requeue_stuck": Action(
        _REQUEUE_SET,
        search_sql.STUCK.replace("?", "{}").format("?1", "?3").replace("(status", "(+status"),
        "stuck", (), "WARNING", "{error}; now {status} (bulk)"),
    "delete": Action("", f"+status IN ({_in(TERMINAL)})",
                     "completed, failed, cancelled or dead_letter", TERMINAL),
}


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


VERBS = {"set_priority": "re-prioritised", "run_now": "set to run now", "delete": "deleted",
         "requeue_stuck": "requeued", "cancel": "cancelled", "retry": "retried"}
