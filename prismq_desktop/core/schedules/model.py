"""What a schedule is, how a request to make or change one is checked, and the operator
controls (paused types, worker requests): plain values every backend stores the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from prismq_desktop.core import timeutil, validation
from prismq_desktop.core.errors import QueueDatabaseError, ValidationError
from prismq_desktop.core.schedules import cron, ticks
from prismq_desktop.core.validation import NewTask

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_NAME_CHAR = re.compile(r"[A-Za-z0-9_.-]")
#: Every task a schedule enqueues has an idempotency key starting so (search ``key:PREFIX*``).
KEY_PREFIX = "schedule:"
#: What ``worker-control`` may ask of a worker process.
CONTROL_ACTIONS = ("quiet", "stop")


class ScheduleNotFoundError(QueueDatabaseError):
    """No schedule has that name."""


@dataclass(frozen=True)
class ScheduleSpec:
    """A checked schedule: every field in the form it is stored."""

    name: str
    cron: str
    type: str
    payload: str = "{}"
    priority: int = 100
    max_attempts: int = 5
    timezone: str = "UTC"
    catch_up: str = "latest"

    @property
    def fields(self) -> str:
        return cron.parse(self.cron).fields

    def first_run(self, now: datetime) -> datetime | None:
        return ticks.next_tick(self.fields, cron.zone(self.timezone), now)


@dataclass(frozen=True)
class Schedule:
    """A stored schedule with its bookkeeping and the outcome of the last task it made."""

    spec: ScheduleSpec
    paused: bool
    next_run: datetime | None
    last_run: datetime | None
    last_task_id: int | None
    last_task_status: str | None
    created: datetime | None
    updated: datetime | None

    @property
    def name(self) -> str:
        return self.spec.name

    def describe(self) -> str:
        """The expression in words (or why it cannot be read: a row another tool wrote)."""
        try:
            return cron.describe(self.spec.fields)
        except ValidationError as exc:
            return f"cannot be read: {exc}"

    def search_text(self) -> str:
        """Search text that finds this schedule's tasks in the task table and ``list``."""
        return f"key:{key_prefix(self.name)}*"

    def plan(self, now: datetime) -> ticks.Plan:
        """The ticks to enqueue now (nothing while paused or not yet due)."""
        if self.paused or self.next_run is None or self.next_run > now:
            return ticks.Plan((), self.next_run, 0)
        spec = self.spec
        try:
            return ticks.plan(spec.fields, cron.zone(spec.timezone), spec.catch_up,
                              self.next_run, now)
        except ValidationError:  # an unreadable row never stops the other schedules: it
            return ticks.Plan((), None, 0)  # stops, its next run cleared (the tab says why)

    def task_for(self, tick: datetime | None, now: datetime) -> NewTask:
        """The task for one tick (None: run now), keyed so each tick makes one task (a run
        now is keyed to the microsecond: each press makes one)."""
        spec = self.spec
        suffix = _stamp(tick) if tick is not None else \
            "run-now-" + now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return NewTask(type=spec.type, payload=spec.payload, priority=spec.priority,
                       max_attempts=spec.max_attempts, idempotency_key=key_prefix(spec.name)
                       + suffix)

    def as_dict(self) -> dict[str, Any]:
        """For ``schedule list --json`` and the HTTP API: times ISO UTC with Z."""
        return {
            "name": self.name, "cron": self.spec.cron, "description": self.describe(),
            "type": self.spec.type, "payload": self.spec.payload,
            "priority": self.spec.priority, "max_attempts": self.spec.max_attempts,
            "timezone": self.spec.timezone, "catch_up": self.spec.catch_up,
            "paused": self.paused, "next_run_utc": _iso(self.next_run),
            "last_run_utc": _iso(self.last_run), "last_task_id": self.last_task_id,
            "last_task_status": self.last_task_status,
        }

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Schedule:
        """From the backends' SELECT order (``COLUMNS`` plus the last task's status)."""
        (name, expression, type_, payload, priority, max_attempts, zone, catch_up, paused,
         next_run, last_run, last_task_id, created, updated, last_status) = row
        spec = ScheduleSpec(name, expression, type_, payload, priority, max_attempts, zone,
                            catch_up)
        return cls(spec, bool(paused), timeutil.parse(next_run), timeutil.parse(last_run),
                   last_task_id, last_status, timeutil.parse(created), timeutil.parse(updated))


#: The stored columns in ``Schedule.from_row`` order (before the joined last status).
COLUMNS = ("name", "cron", "type", "payload", "priority", "max_attempts", "timezone",
           "catch_up", "paused", "next_run_utc", "last_run_utc", "last_task_id",
           "created_utc", "updated_utc")


def key_prefix(name: str) -> str:
    return f"{KEY_PREFIX}{name}@"


def _stamp(moment: datetime) -> str:
    return timeutil.to_db(moment).replace(" ", "T") + "Z"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else _stamp(moment)


def check_name(name: Any) -> str:
    """A schedule name: letters, digits, ``_ . -``, up to 64, starting with a letter or digit."""
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise ValidationError("schedule name must not be empty")
    if NAME.fullmatch(text):
        return text
    if len(text) > 64:
        raise ValidationError("schedule name is longer than 64 characters")
    bad = next((i for i, ch in enumerate(text) if not _NAME_CHAR.fullmatch(ch) or
                (i == 0 and ch in "_.-")), 0)
    raise ValidationError(f"schedule name {text!r}: {text[bad]!r} is not allowed (at character "
                          f"{bad + 1}); use letters, digits, '_', '.' and '-'")


def check_catch_up(value: Any) -> str:
    if value not in ticks.CATCH_UP:
        raise ValidationError(f"catch-up must be one of {', '.join(ticks.CATCH_UP)}, "
                              f"not {value!r}")
    return str(value)


def new_schedule(name: Any, cron_text: Any, type: Any, payload: Any = None, *,
                 priority: Any = 100, max_attempts: Any = 5, timezone: Any = "UTC",
                 catch_up: Any = "latest", now: datetime) -> ScheduleSpec:
    """Check a whole schedule; raises ValidationError (CronError for the expression)."""
    task = validation.new_task(type, payload, priority=priority, max_attempts=max_attempts,
                               now=now)
    if not isinstance(cron_text, str):
        raise ValidationError("cron expression must be text")
    spec = ScheduleSpec(check_name(name), cron.parse(cron_text).text, task.type, task.payload,
                        task.priority, task.max_attempts, cron.zone(timezone).key,
                        check_catch_up(catch_up))
    if spec.first_run(now) is None:
        raise ValidationError(f"cron expression {cron_text!r} never fires after now")
    return spec


def edited(spec: ScheduleSpec, changes: dict[str, Any], now: datetime) -> ScheduleSpec:
    """``spec`` with ``changes`` (keyword names of :func:`new_schedule`), checked again."""
    unknown = set(changes) - {"cron", "type", "payload", "priority", "max_attempts", "timezone",
                              "catch_up"}
    if unknown:
        raise ValidationError(f"cannot change {', '.join(sorted(unknown))} of a schedule")
    merged = replace(spec, **changes)
    return new_schedule(merged.name, merged.cron, merged.type, merged.payload,
                        priority=merged.priority, max_attempts=merged.max_attempts,
                        timezone=merged.timezone, catch_up=merged.catch_up, now=now)


@dataclass(frozen=True)
class WorkerControl:
    """An operator's request to one worker process and whether it has answered."""

    worker_id: str
    action: str
    requested: datetime | None
    acknowledged: datetime | None

    @property
    def state(self) -> str:
        """What the Workers tab shows: 'quiet requested', 'quiet', 'stop requested', 'stopping'."""
        if self.acknowledged is None:
            return f"{self.action} requested"
        return "quiet" if self.action == "quiet" else "stopping"


def check_control(action: Any) -> str:
    if action not in CONTROL_ACTIONS:
        raise ValidationError(f"worker control must be one of {', '.join(CONTROL_ACTIONS)}, "
                              f"not {action!r}")
    return str(action)
