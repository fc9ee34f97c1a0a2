"""Checks on what users and scripts ask to enqueue, before anything touches the file."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any, NamedTuple

from prismq_desktop.core import timeutil
from prismq_desktop.core.errors import ValidationError

MAX_TYPE_LENGTH = 100
PRIORITY_RANGE = (0, 1000)
MAX_ATTEMPTS_RANGE = (1, 100)
MAX_KEY_LENGTH = 200
MAX_JSON_BYTES = 1_000_000
#: Deeper JSON cannot be shown (pretty printing recurses) and SQLite stops at 1000 levels.
MAX_JSON_DEPTH = 100
_CONTROL = re.compile(r"[\x00-\x1f]")


class NewTask(NamedTuple):
    """A validated enqueue request: every field in the form it is stored (a named tuple: a
    frozen dataclass took 1.3 µs to build, a third of a bulk enqueue's Python per task)."""

    type: str
    payload: str
    compatibility: str = "{}"
    priority: int = 100
    max_attempts: int = 5
    run_after_utc: str | None = None
    idempotency_key: str | None = None


def canonical_json(value: Any, what: str) -> str:
    """JSON text of an object, canonical (never JSON5: PrismQ's SQLite rejects it)."""
    if value is None or (type(value) is dict and not value):
        return "{}"  # the usual case, without json.dumps (bulk enqueue validates every item)
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except RecursionError:
            raise ValidationError(f"{what} is nested too deeply (more than "
                                  f"{MAX_JSON_DEPTH} levels)") from None
        except ValueError as exc:
            line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
            where = f" at line {line}, column {col}" if line else ""
            reason = getattr(exc, "msg", exc)
            raise ValidationError(f"{what} is not valid JSON{where}: {reason}") from exc
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ValidationError(f"{what} must be a JSON object, not {type(value).__name__}")
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValidationError(f"{what} cannot be stored as JSON: {exc}") from exc
    if "\\u0000" in text and has_nul(value):
        raise ValidationError(f"{what} must not contain NUL characters (U+0000): {NUL_REASON}")
    if len(utf8(text, what)) > MAX_JSON_BYTES:
        raise ValidationError(f"{what} is larger than {MAX_JSON_BYTES} bytes")
    if len(text) > 2 * MAX_JSON_DEPTH and _depth(value) > MAX_JSON_DEPTH:
        raise ValidationError(f"{what} is nested too deeply (more than {MAX_JSON_DEPTH} levels)")
    return text


def utf8(text: str, what: str) -> bytes:
    """``text`` as UTF-8; a lone surrogate (bytes that were not UTF-8) is bad input."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        raise ValidationError(f"{what} is not valid UTF-8 text") from None


def _depth(value: Any) -> int:
    """How deeply containers nest, without recursion (deep values are what it looks for)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item \
            if isinstance(item, list) else ()
        if children:
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children)
    return deepest


def check_int(value: Any, name: str, bounds: tuple[int, int]) -> int:
    low, high = bounds
    if type(value) is int and low <= value <= high:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValidationError(f"{name} must be a whole number from {low} to {high}")
    try:
        number = int(value) if not isinstance(value, float) else value
    except ValueError as exc:
        raise ValidationError(f"{name} must be a whole number, not {value!r}") from exc
    if isinstance(number, float) and (not math.isfinite(number) or not number.is_integer()):
        raise ValidationError(f"{name} must be a whole number, not {value!r}")
    if not low <= int(number) <= high:
        raise ValidationError(f"{name} must be from {low} to {high}, not {value}")
    return int(number)


def check_type(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("task type must not be empty")
    text = value.strip()
    if len(text) > MAX_TYPE_LENGTH:
        raise ValidationError(f"task type is longer than {MAX_TYPE_LENGTH} characters")
    if _CONTROL.search(text):
        raise ValidationError("task type must not contain control characters")
    utf8(text, "task type")
    return text


def check_run_after(value: Any, now: datetime) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else timeutil.parse(value)
    else:
        try:
            moment = timeutil.parse_user_time(str(value), now)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
    if moment is None or not 1970 <= moment.year <= 9999:
        raise ValidationError(f"run after {value!r} is out of range")
    return timeutil.to_db_ceil(moment)


def check_key(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError("idempotency key must be text")
    if len(value) > MAX_KEY_LENGTH:
        raise ValidationError(f"idempotency key is longer than {MAX_KEY_LENGTH} characters")
    if "\x00" in value:
        raise ValidationError(f"idempotency key must not contain NUL characters (U+0000):"
                              f" {NUL_REASON}")
    utf8(value, "idempotency key")
    return value


NUL_REASON = "PostgreSQL cannot store them, so no queue takes them"


def has_nul(value: Any) -> bool:
    """Whether text, or any key or text inside JSON-like ``value``, holds U+0000."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    return False


def new_task(
    type: Any,
    payload: Any = None,
    *,
    priority: Any = 100,
    max_attempts: Any = 5,
    run_after: Any = None,
    idempotency_key: Any = None,
    compatibility: Any = None,
    now: datetime,
) -> NewTask:
    """Validate one enqueue request; raises ValidationError naming the first bad field."""
    return NewTask(
        type=check_type(type),
        payload=canonical_json(payload, "payload"),
        compatibility=canonical_json(compatibility, "compatibility"),
        priority=check_int(priority, "priority", PRIORITY_RANGE),
        max_attempts=check_int(max_attempts, "max attempts", MAX_ATTEMPTS_RANGE),
        run_after_utc=check_run_after(run_after, now),
        idempotency_key=check_key(idempotency_key),
    )
