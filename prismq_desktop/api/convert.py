"""Rows to JSON as the API answers them: PrismQ's field names first, times in ISO 8601 UTC
with ``Z``, JSON columns parsed.

A row written by another tool may hold JSON5, a non-object or an unreadable time: such a
value is passed through as the stored text rather than failing the whole answer.
"""

from __future__ import annotations

import math
import re
from typing import Any

from prismq_desktop.core import Task, TaskLog, timeutil
from prismq_desktop.core.models import parse_json

STORED = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def iso(value: Any) -> str | None:
    """A stored timestamp as ISO 8601 UTC with ``Z``; unreadable text as it is."""
    if value is None:
        return None
    if type(value) is str and STORED.fullmatch(value):  # the form we write: no parsing
        return f"{value[:10]}T{value[11:]}Z"
    moment = timeutil.parse(value)
    if moment is None:
        return str(value)
    text = moment.replace(tzinfo=None).isoformat(timespec="microseconds" if moment.microsecond
                                                 else "seconds")
    return text + "Z"


def json_value(text: Any) -> Any:
    value, error = parse_json(text)
    return text if error is not None and text is not None else value


def task_json(task: Task) -> dict[str, Any]:
    """PrismQ's task fields in its order, then this app's."""
    return {
        "task_id": task.id, "type": task.type, "status": task.status,
        "priority": task.priority, "attempts": task.attempts,
        "max_attempts": task.max_attempts, "payload": json_value(task.payload),
        "compatibility": json_value(task.compatibility), "error_message": task.error_message,
        "created_at_utc": iso(task.created_at_utc),
        "processing_started_utc": iso(task.processing_started_utc),
        "finished_at_utc": iso(task.finished_at_utc), "locked_by": task.locked_by,
        "run_after_utc": iso(task.run_after_utc), "idempotency_key": task.idempotency_key,
        "lease_until_utc": iso(task.lease_until_utc),
        "reserved_at_utc": iso(task.reserved_at_utc), "updated_at_utc": iso(task.updated_at_utc),
    }


def log_json(entry: TaskLog) -> dict[str, Any]:
    return {"log_id": entry.log_id, "task_id": entry.task_id, "at_utc": iso(entry.at_utc),
            "level": entry.level, "message": entry.message,
            "details": json_value(entry.details)}


def finite(values: Any) -> list[float | None]:
    """A NumPy series as a JSON list (NaN, where a bucket has no value, becomes null)."""
    return [None if not math.isfinite(v) else v for v in (float(x) for x in values)]
