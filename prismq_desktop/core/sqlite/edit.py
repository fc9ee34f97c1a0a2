"""Editing a task that is waiting: priority, run after, max attempts, payload, compatibility.

Only ``queued`` tasks (scheduled ones included) can change: a running task's handler has
already read its payload, and a finished one is history. Values are validated exactly as at
enqueue, the update is guarded by status in SQL, and the log row records before and after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prismq_desktop.core import timeutil, validation
from prismq_desktop.core.errors import InvalidTransitionError, ValidationError
from prismq_desktop.core.models import ACTIVE, TASK_SELECT, TERMINAL, Task
from prismq_desktop.core.sqlite import logs
from prismq_desktop.core.sqlite.database import QueueDatabase
from prismq_desktop.core.transitions import fetch

#: Keyword -> column; the keywords are enqueue's.
EDITABLE = {"priority": "priority", "run_after": "run_after_utc",
            "max_attempts": "max_attempts", "payload": "payload",
            "compatibility": "compatibility"}


def refusal(task: Task) -> str | None:
    """Why this task cannot be edited (for a read-only detail view), or None if it can."""
    if task.status == "queued":
        return None
    if task.status in ACTIVE:
        why = "running tasks cannot be edited (cancel it first)"
    elif task.status in TERMINAL:
        why = "finished tasks cannot be edited (retry it to run it again)"
    else:
        why = "only queued tasks can be edited"
    return f"task {task.id} is {task.status}; {why}"


def edit(db: QueueDatabase, task_id: int, now: datetime, **fields: Any) -> Task:
    """Change some of a queued task's fields; returns the task as stored afterwards.

    Raises ValidationError for bad values (nothing changes), TaskNotFoundError, or
    InvalidTransitionError saying why a running or finished task is read-only.
    """
    values = _validated(fields, now)
    now_text = timeutil.to_db(now)
    with db.transaction() as conn:
        before = fetch(conn, task_id)
        reason = refusal(before)
        if reason is not None:
            raise InvalidTransitionError(reason)
        _check_attempts(before, values)
        sets = ", ".join(f"{column} = ?" for column in values)
        rows = conn.execute(
            f"UPDATE task_queue SET {sets}, updated_at_utc = ? WHERE id = ? AND status = 'queued'"
            f" RETURNING {TASK_SELECT}", [*values.values(), now_text, task_id]).fetchall()
        after = Task.from_row(rows[0])
        changed = {c: (getattr(before, c), getattr(after, c)) for c in values
                   if getattr(before, c) != getattr(after, c)}
        logs.write(conn, task_id, now_text, "INFO", _message(changed),
                   {"before": {c: old for c, (old, _) in changed.items()},
                    "after": {c: new for c, (_, new) in changed.items()}} if changed else None)
        return after


def _validated(fields: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Column -> stored value, checked as enqueue checks them."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise ValidationError(f"cannot edit {', '.join(unknown)}; editable: {', '.join(EDITABLE)}")
    if not fields:
        raise ValidationError("nothing to change")
    checks = {
        "priority": lambda v: validation.check_int(v, "priority", validation.PRIORITY_RANGE),
        "max_attempts": lambda v: validation.check_int(v, "max attempts",
                                                       validation.MAX_ATTEMPTS_RANGE),
        "run_after": lambda v: validation.check_run_after(v, now) or timeutil.to_db(now),
        "payload": lambda v: validation.canonical_json(v, "payload"),
        "compatibility": lambda v: validation.canonical_json(v, "compatibility"),
    }
    return {EDITABLE[name]: checks[name](value) for name, value in fields.items()}


def _check_attempts(task: Task, values: dict[str, Any]) -> None:
    """A queued task with attempts >= max_attempts would never be claimed again."""
    wanted = values.get("max_attempts")
    made = task.attempts if isinstance(task.attempts, int) else 0
    if wanted is not None and wanted <= made:
        raise ValidationError(
            f"max attempts must be more than the {made} attempt(s) already made")


def _message(changed: dict[str, tuple[Any, Any]]) -> str:
    if not changed:
        return "edited: nothing changed"
    parts = []
    for column, (old, new) in changed.items():
        name = column.removesuffix("_utc").replace("_", " ")
        short = column in ("priority", "max_attempts", "run_after_utc")
        parts.append(f"{name} {old} → {new}" if short else f"{name} changed")
    return "edited: " + ", ".join(parts)
