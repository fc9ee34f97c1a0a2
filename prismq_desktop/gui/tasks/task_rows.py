"""The task table's columns, and rows pre-formatted off the GUI thread.

A ``TaskRow`` holds the display text and tooltip of every column, built in the reader thread
when a window arrives, so painting a million-row table only looks strings up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prismq_desktop.core import RawText
from prismq_desktop.core.models import Task
from prismq_desktop.gui import formatting as fmt


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    #: The core's sort key (prismq_desktop.core.query.SORT_FIELDS).
    sort: str
    width: int
    numeric: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("id", "ID", "id", 68, numeric=True),
    Column("type", "Type", "type", 140),
    Column("status", "Status", "status", 96),
    Column("priority", "Priority", "priority", 60, numeric=True),
    Column("attempts", "Attempts", "attempts", 70, numeric=True),
    Column("created", "Created", "created", 150),
    Column("run_after", "Run after", "run_after", 150),
    Column("started", "Started", "started", 150),
    Column("finished", "Finished", "finished", 150),
    Column("duration", "Duration", "duration", 76, numeric=True),
    Column("worker", "Worker", "worker", 120),
    Column("error", "Error", "error", 320),
)
COLUMN_INDEX = {column.key: index for index, column in enumerate(COLUMNS)}
#: The columns' order on screen until the user moves them: what tells tasks apart first, the
#: error within reach of a 1440-pixel window, the finer times after it.
DEFAULT_ORDER = ("id", "type", "status", "priority", "attempts", "created", "duration",
                 "error", "worker", "run_after", "started", "finished")
#: What a ready task of a paused type shows (its stored status stays queued).
PAUSED = "paused"
#: Text columns another tool may have written as bytes that are not UTF-8 (core RawText):
#: shown escaped, marked, and said so in the tooltip.
TEXT_COLUMNS = {"type": "type", "status": "status", "worker": "locked_by",
                "error": "error_message"}
RAW_TIP = "stored as bytes that are not UTF-8: each undecodable byte is shown as \\xNN"
TIME_COLUMNS = {"created": "created_at_utc", "run_after": "run_after_utc",
                "started": "processing_started_utc", "finished": "finished_at_utc"}


@dataclass(frozen=True)
class TaskRow:
    task: Task
    status: str
    texts: tuple[str, ...]
    tips: tuple[str, ...]

    @property
    def id(self) -> int:
        return self.task.id


def build_row(task: Task, now: datetime, paused: frozenset[str] = frozenset()) -> TaskRow:
    """Format every column of one task (runs in the reader thread); a ready task of a type
    in ``paused`` shows as 'paused' (no worker of this app claims it)."""
    status = fmt.display_status(task, now)
    if status == "queued" and task.type in paused:
        status = PAUSED
    texts: dict[str, str] = {
        "id": str(task.id), "type": str(task.type or ""), "status": status,
        "priority": "" if task.priority is None else str(task.priority),
        "attempts": f"{task.attempts}/{task.max_attempts}",
        "worker": str(task.locked_by or ""), "error": fmt.first_line(task.error_message),
    }
    tips: dict[str, str] = {"error": str(task.error_message or "")[:2000],
                            "status": _status_tip(task, status)}
    for key, column in TIME_COLUMNS.items():
        texts[key], tips[key] = fmt.local_time(getattr(task, column))
    texts["duration"], tips["duration"] = _duration(task, now)
    for key, column in TEXT_COLUMNS.items():
        if isinstance(getattr(task, column), RawText):
            texts[key], tips[key] = f"⚠ {texts[key]}", RAW_TIP
    return TaskRow(task, status, tuple(texts.get(c.key, "") for c in COLUMNS),
                   tuple(tips.get(c.key, "") for c in COLUMNS))


def _duration(task: Task, now: datetime) -> tuple[str, str]:
    finished = fmt.between(task.processing_started_utc, task.finished_at_utc)
    if finished is not None:
        return fmt.duration(finished), "run time: started → finished"
    if task.status in ("leased", "processing") and task.processing_started_utc:
        running = fmt.between(task.processing_started_utc, now)
        return (fmt.duration(running) + " …", "still running") if running is not None else ("", "")
    return "", ""


def _status_tip(task: Task, status: str) -> str:
    if status == PAUSED:
        return f"queued; its type {task.type} is paused, so no worker of this app claims it"
    if status == "scheduled":
        return f"queued, runs after {fmt.local_time(task.run_after_utc)[0]}"
    if status == "stuck":
        return (f"queued with no attempts left ({task.attempts}/{task.max_attempts}): no worker"
                " takes it; retry it, or requeue stuck tasks to fail it")
    if status == "cancelling":
        return (f"cancelled; its handler on {task.locked_by} has not stopped yet (it is told "
                "within a second or so, and the worker says when it has stopped)")
    if status not in fmt.KNOWN_STATUSES:
        return f"status {task.status!r} is not one PrismQ Desktop knows; shown as stored"
    return status
