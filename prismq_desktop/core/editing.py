"""Editing a task that is waiting: which fields, their checks, and what the log says.

Only ``queued`` tasks (scheduled ones included) can change: a running task's handler has
already read its payload, and a finished one is history. Values are validated exactly as at
enqueue; each backend applies them in one guarded update and logs :func:`message`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from prismq_desktop.core import timeutil, validation
from prismq_desktop.core.errors import ValidationError
from prismq_desktop.core.models import ACTIVE, TERMINAL, Task

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


def validated(fields: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Column -> stored value, checked as enqueue checks them."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise ValidationError(f"cannot edit {', '.join(unknown)}; editable: {', '.join(EDITABLE)}")
    if not fields:
        raise ValidationError("nothing to change")
    checks: dict[str, Callable[[Any], Any]] = {
        "priority": lambda v: validation.check_int(v, "priority", validation.PRIORITY_RANGE),
        "max_attempts": lambda v: validation.check_int(v, "max attempts",
                                                       validation.MAX_ATTEMPTS_RANGE),
        "run_after": lambda v: validation.check_run_after(v, now) or timeutil.to_db(now),
        "payload": lambda v: validation.canonical_json(v, "payload"),
        "compatibility": lambda v: validation.canonical_json(v, "compatibility"),
    }
    return {EDITABLE[name]: checks[name](value) for name, value in fields.items()}


def check_attempts(task: Task, values: dict[str, Any]) -> None:
    """A queued task with attempts >= max_attempts would never be claimed again."""
    wanted = values.get("max_attempts")
    made = task.attempts if isinstance(task.attempts, int) else 0
    if wanted is not None and wanted <= made:
        raise ValidationError(
            f"max attempts must be more than the {made} attempt(s) already made")


def changes(before: Task, after: Task, columns: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Column -> (old, new) for the edited columns whose value changed."""
    return {c: (getattr(before, c), getattr(after, c)) for c in columns
            if getattr(before, c) != getattr(after, c)}


def log_details(changed: dict[str, tuple[Any, Any]]) -> dict[str, Any] | None:
    """The edit log row's details: before and after of what changed."""
    if not changed:
        return None
    return {"before": {c: old for c, (old, _) in changed.items()},
            "after": {c: new for c, (_, new) in changed.items()}}


def message(changed: dict[str, tuple[Any, Any]]) -> str:
    """The edit log row's line, e.g. "edited: priority 100 → 5, payload changed"."""
    if not changed:
        return "edited: nothing changed"
    parts = []
    for column, (old, new) in changed.items():
        name = column.removesuffix("_utc").replace("_", " ")
        short = column in ("priority", "max_attempts", "run_after_utc")
        parts.append(f"{name} {old} → {new}" if short else f"{name} changed")
    return "edited: " + ", ".join(parts)
