"""Rows as Python objects, tolerant of every value found in the wild (DESIGN §3).

Fields hold the column values exactly as stored (text timestamps, JSON text), so JSON output
uses the task_queue column names and shows odd rows as they are; properties parse lazily
and never raise.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from prismq_desktop.core import timeutil


class RawText(str):
    """Text stored as bytes that are not UTF-8 (written by another tool): shown with each
    undecodable byte as ``\\xNN`` and marked by its type, so readers never fail on it.
    ``raw`` holds the stored bytes."""

    raw: bytes

    @classmethod
    def decode(cls, data: bytes) -> str:
        """The bytes as text: a plain str when they are UTF-8, else a RawText."""
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            text = cls(data.decode("utf-8", "backslashreplace"))
            text.raw = data
            return text


def as_text(value: object) -> str:
    """Any stored value as text to show or sort by: bytes (a BLOB) with undecodable bytes as
    ``\\xNN`` (a RawText), None as ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return RawText.decode(value)
    return "" if value is None else str(value)


class TaskStatus(str, enum.Enum):
    QUEUED = "queued"
    LEASED = "leased"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DEAD_LETTER = "dead_letter"

    @classmethod
    def parse(cls, value: object) -> TaskStatus | None:
        """The known status, or None for anything else (shown as is, never a crash)."""
        try:
            return cls(value)
        except ValueError:
            return None


ACTIVE = (TaskStatus.LEASED.value, TaskStatus.PROCESSING.value)
CANCELLABLE = (TaskStatus.QUEUED.value, *ACTIVE)
RETRYABLE = (TaskStatus.FAILED.value, TaskStatus.CANCELLED.value, TaskStatus.DEAD_LETTER.value)
TERMINAL = (TaskStatus.COMPLETED.value, *RETRYABLE)

#: What a queued task with no attempts left is shown as (and the search's pseudo status).
STUCK = "stuck"
#: Shown for a cancelled task whose handler has not stopped yet (``Task.is_cancelling``).
CANCELLING = "cancelling"

TASK_COLUMNS: tuple[str, ...] = (
    "id", "type", "priority", "payload", "compatibility", "status", "attempts",
    "max_attempts", "run_after_utc", "lease_until_utc", "reserved_at_utc",
    "processing_started_utc", "finished_at_utc", "locked_by", "error_message",
    "idempotency_key", "created_at_utc", "updated_at_utc",
)
TASK_SELECT = ", ".join(TASK_COLUMNS)


def parse_json(text: object) -> tuple[Any, str | None]:
    """(value, None) for valid JSON text, (None, reason) otherwise."""
    if text is None:
        return None, "empty"
    try:
        return json.loads(text), None  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        return None, str(exc)


@dataclass
class Task:
    id: int
    type: str
    priority: Any = 100
    payload: Any = "{}"
    compatibility: Any = "{}"
    status: Any = "queued"
    attempts: Any = 0
    max_attempts: Any = 5
    run_after_utc: Any = None
    lease_until_utc: Any = None
    reserved_at_utc: Any = None
    processing_started_utc: Any = None
    finished_at_utc: Any = None
    locked_by: Any = None
    error_message: Any = None
    idempotency_key: Any = None
    created_at_utc: Any = None
    updated_at_utc: Any = None
    #: Set by claim: the exact moment (epoch seconds) this process claimed it.
    claimed_at: float | None = field(default=None, compare=False, repr=False)
    #: Set by enqueue: False when an idempotency key returned an existing task.
    is_new: bool = field(default=False, compare=False, repr=False)

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Task:
        return cls(*row[: len(TASK_COLUMNS)])

    def to_dict(self) -> dict[str, Any]:
        """The task_queue columns and their stored values."""
        data = asdict(self)
        data.pop("claimed_at")
        data.pop("is_new")
        return data

    @property
    def state(self) -> TaskStatus | None:
        return TaskStatus.parse(self.status)

    @property
    def payload_data(self) -> Any:
        return parse_json(self.payload)[0]

    @property
    def payload_dict(self) -> dict[str, Any]:
        """The payload when it is a JSON object, else {} (handlers get a dict)."""
        value = self.payload_data
        return value if isinstance(value, dict) else {}

    @property
    def compatibility_data(self) -> Any:
        return parse_json(self.compatibility)[0]

    def time(self, column: str) -> datetime | None:
        """A timestamp column parsed to aware UTC, or None when missing or unreadable."""
        return timeutil.parse(getattr(self, column))

    def is_scheduled(self, now: datetime) -> bool:
        run_after = self.time("run_after_utc")
        return self.status == TaskStatus.QUEUED.value and run_after is not None and run_after > now

    def is_exhausted(self) -> bool:
        """Queued with no attempts left: no claim takes it (the PrismQ backend can leave such
        rows); shown as stuck until reclaim fails it or a retry gives it its attempts again."""
        counts = (self.attempts, self.max_attempts)
        return (self.status == TaskStatus.QUEUED.value
                and all(isinstance(n, (int, float)) for n in counts)
                and counts[0] >= counts[1])

    def is_cancelling(self, now: datetime) -> bool:
        """Cancelled while running, its handler not yet stopped: the worker still holds its
        lease (the cancel keeps it; the worker clears it when the handler stops, and a worker
        that died lets it pass)."""
        if self.status != TaskStatus.CANCELLED.value or self.lease_until_utc is None:
            return False
        lease = self.time("lease_until_utc")
        return lease is not None and lease > now

    def shown_status(self, now: datetime) -> str:
        """The status a user sees: 'stuck' for a queued task with no attempts left,
        'scheduled' for one waiting for a later time, 'cancelling' for a cancelled one whose
        handler still runs, else the stored status as text."""
        if self.is_exhausted():
            return STUCK
        if self.is_scheduled(now):
            return "scheduled"
        if self.is_cancelling(now):
            return CANCELLING
        return self.status if isinstance(self.status, str) else as_text(self.status)


def refusal(task: Task, now: datetime, verb: str, allowed: tuple[str, ...]) -> str:
    """Why a cancel or retry changed nothing (both backends say it the same way)."""
    if verb == "retried" and task.is_cancelling(now):
        return (f"task {task.id} is still cancelling (its handler has not stopped); retry it "
                "once it has, so it never runs twice at once")
    return f"task {task.id} is {task.status}; only {', '.join(allowed)} tasks can be {verb}"


@dataclass
class TaskLog:
    log_id: int
    task_id: int
    at_utc: Any
    level: Any
    message: Any = None
    details: Any = None

    COLUMNS = ("log_id", "task_id", "at_utc", "level", "message", "details")

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> TaskLog:
        return cls(*row)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def details_data(self) -> Any:
        return parse_json(self.details)[0]


#: ``after_log_id`` that reads a task's log from its start, the enqueue line included.
FROM_START = -1


def enqueue_line(task_id: int, created_at: Any, run_after: Any, untouched: bool) -> TaskLog:
    """The log's first line, made from the row's own timestamps: enqueue writes no log row
    (DESIGN §4). It has log id 0, so reading after it gives only stored rows. The run-after
    time is named only while nothing else has happened (a retry or edit moves it)."""
    message = "enqueued"
    if untouched and run_after is not None and str(run_after) > str(created_at):
        message += f", runs after {run_after}"
    return TaskLog(0, task_id, created_at, "INFO", message)


def with_enqueue_line(task_id: int, entries: list[TaskLog], after_log_id: int, limit: int,
                      enqueued: Callable[[], tuple[Any, Any] | None]) -> list[TaskLog]:
    """A read of stored log rows, with the enqueue line first when it reads from the start;
    ``enqueued()`` gives the row's (created, run_after), or None for a task that is gone.
    Both backends read their rows and call this, so the line is made in one place."""
    if after_log_id > FROM_START or limit < 1:
        return entries
    first = enqueued()
    if first is None:
        return entries
    created, run_after = first
    return [enqueue_line(task_id, created, run_after, not entries), *entries][:limit]


@dataclass
class Worker:
    worker_id: str
    capabilities: Any = "{}"
    heartbeat_utc: Any = None
    active_tasks: int = 0

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Worker:
        return cls(*row)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def heartbeat_age(self, now: datetime) -> float | None:
        beat = timeutil.parse(self.heartbeat_utc)
        return None if beat is None else (now - beat).total_seconds()
