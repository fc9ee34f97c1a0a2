"""The bulk actions' SQL: each one's SET clause and guard (core/bulk.py says the rest).

Every action is a single guarded UPDATE (delete aside) so that a worker claiming or finishing
a task at the same moment either wins before the batch (and the guard skips the task) or
after it (and its own guard sees the new status).
"""

from __future__ import annotations

from dataclasses import dataclass

from prismq_desktop.core.models import CANCELLABLE, RETRYABLE, TERMINAL
from prismq_desktop.core.sqlite import filters, search_sql
from prismq_desktop.core.sqlite.transitions import CANCELLING, KEEP_RUNNING_LEASE


@dataclass(frozen=True)
class ActionSQL:
    """An UPDATE's SET clause (?1 = now, ?2 = the value) and its guard (?3: stale cut-off)."""

    set_sql: str
    guard: str


#: A queued task with no attempts left (shown as stuck): retry gives it its attempts again.
EXHAUSTED = "(+status = 'queued' AND attempts >= max_attempts)"
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
    " error_message = CASE WHEN status = 'queued'"
    " THEN 'stuck: queued with no attempts left (' || attempts || '/' || max_attempts || ')'"
    " ELSE 'stuck: held by ' || coalesce(locked_by, '?') || ', requeued by user' END"
)
ACTION_SQL: dict[str, ActionSQL] = {
    "cancel": ActionSQL(
        "status = 'cancelled', finished_at_utc = ?1,"
        f" lease_until_utc = {KEEP_RUNNING_LEASE}, updated_at_utc = ?1",
        f"+status IN ({filters.quoted(CANCELLABLE)})"),
    "retry": ActionSQL(_RETRY_SET, f"(+status IN ({filters.quoted(RETRYABLE)}) OR {EXHAUSTED})"
                                   f" AND NOT {CANCELLING.format(now='?1')}"),
    "set_priority": ActionSQL("priority = ?2, updated_at_utc = ?1", "+status = 'queued'"),
    "run_now": ActionSQL("run_after_utc = ?1, updated_at_utc = ?1",
                         "+status = 'queued' AND run_after_utc > ?1"),
    "requeue_stuck": ActionSQL(
        _REQUEUE_SET,
        search_sql.STUCK.replace("?", "{}").format("?1", "?3").replace("(status", "(+status")),
    "delete": ActionSQL("", f"+status IN ({filters.quoted(TERMINAL)})"),
}
