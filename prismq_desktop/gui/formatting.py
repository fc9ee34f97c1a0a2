"""Text for the GUI: local times with UTC tooltips, durations, statuses, first lines.

Qt-free pure functions, so the reader thread can format whole windows of rows before they
reach the GUI thread (the model's ``data()`` then only looks strings up).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from prismq_desktop.core import timeutil
from prismq_desktop.core.models import Task, parse_json

LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"
KNOWN_STATUSES = ("queued", "scheduled", "leased", "processing", "completed", "failed",
                  "cancelled", "cancelling", "dead_letter")


def local_time(value: object) -> tuple[str, str]:
    """(local text, UTC tooltip) for any stored timestamp; raw text when unreadable."""
    if value is None or value == "":
        return "", ""
    moment = timeutil.parse(value)
    if moment is None:
        return str(value), f"unreadable timestamp: {value!r}"
    return moment.astimezone().strftime(LOCAL_FORMAT), utc_text(moment)


def utc_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(LOCAL_FORMAT) + " UTC"


def clock_range(start: float, end: float) -> str:
    """A bucket's span in local time: "14:05–14:10", with the date when it is not today."""
    first = datetime.fromtimestamp(start).astimezone()
    last = datetime.fromtimestamp(end).astimezone()
    short = "%H:%M:%S" if (end - start) < 60 or first.second or last.second else "%H:%M"
    day = "" if first.date() == datetime.now().astimezone().date() else first.strftime("%a %d %b ")
    return f"{day}{first.strftime(short)}–{last.strftime(short)}"


def duration(seconds: float | None) -> str:
    """Short human duration: 850 ms, 2.5 s, 3 m 20 s, 1 h 05 m, 2 d 4 h."""
    if seconds is None:
        return ""
    if seconds < 0:
        return "-" + duration(-seconds)
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} m {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} m"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def between(start: object, end: object) -> float | None:
    """Seconds from one stored timestamp to another, None when either is missing."""
    first, last = timeutil.parse(start), timeutil.parse(end)
    if first is None or last is None:
        return None
    return (last - first).total_seconds()


def display_status(task: Task, now: datetime) -> str:
    """The status a user sees (``Task.shown_status``): 'scheduled', 'stuck', 'cancelling'."""
    return task.shown_status(now)


def first_line(text: object, limit: int = 160) -> str:
    if text is None:
        return ""
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def pretty_json(text: object) -> tuple[str, str | None]:
    """(pretty text, None) for valid JSON; (raw text, note) for anything else."""
    if text is None:
        return "", "empty (NULL)"
    value, error = parse_json(text)
    if error is not None:
        return str(text), f"not valid JSON, shown as stored: {error}"
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False), None


def thousands(number: int) -> str:
    return f"{number:,}"


def counted(number: int, noun: str) -> str:
    """"1 failed attempt", "2 failed attempts": the number with its noun agreeing."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
