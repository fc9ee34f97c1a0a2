"""The ``Queue`` methods for schedules, paused types and worker controls (DESIGN §14).

Kept apart from core/queue.py so the facade stays one screen per concern; ``Queue`` inherits
them. They reach the store's optional ``ScheduleStore``/``ControlStore`` sides, and answer
"none" on reads where a backend has neither.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from prismq_desktop.core import notify, timeutil, validation
from prismq_desktop.core.errors import QueueDatabaseError
from prismq_desktop.core.models import Task
from prismq_desktop.core.schedules import model as schedule_model
from prismq_desktop.core.schedules import ticks as schedule_ticks
from prismq_desktop.core.schedules.cron import parse as parse_cron
from prismq_desktop.core.schedules.cron import zone as cron_zone
from prismq_desktop.core.schedules.model import Schedule, WorkerControl
from prismq_desktop.core.store import ControlStore, ScheduleStore, Store


class Operator:
    """Mixed into ``Queue``, which provides the store, the clock and the announcements."""

    _store: Store

    def now(self) -> datetime:
        raise NotImplementedError

    def _announce(self, event: str, task_id: int | None = None) -> None:
        raise NotImplementedError

    def _schedule_store(self) -> ScheduleStore:
        store = self._store
        if not isinstance(store, ScheduleStore):
            raise QueueDatabaseError(f"{store.location}: this backend keeps no schedules")
        return store

    def _control_store(self) -> ControlStore:
        store = self._store
        if not isinstance(store, ControlStore):
            raise QueueDatabaseError(f"{store.location}: this backend keeps no controls")
        return store

    # -- schedules -------------------------------------------------------------------------
    def add_schedule(self, name: str, cron: str, type: str, payload: Any = None,
                     **options: Any) -> Schedule:
        """Store a schedule. Options: priority, max_attempts, timezone (IANA name, default
        UTC), catch_up (latest, all, none). Bad input raises ValidationError (CronError for
        the expression, with the position) and stores nothing."""
        now = self.now()
        spec = schedule_model.new_schedule(name, cron, type, payload, now=now, **options)
        return self._schedule_store().add_schedule(spec, now)

    def edit_schedule(self, name: str, **changes: Any) -> Schedule:
        """Change any of cron, type, payload, priority, max_attempts, timezone, catch_up."""
        now = self.now()
        store = self._schedule_store()
        spec = schedule_model.edited(store.get_schedule(name).spec, changes, now)
        return store.replace_schedule(spec, now)

    def pause_schedule(self, name: str) -> Schedule:
        return self._schedule_store().set_schedule_paused(name, True, self.now())

    def resume_schedule(self, name: str) -> Schedule:
        """Resume; ticks that fell in the pause are not run."""
        return self._schedule_store().set_schedule_paused(name, False, self.now())

    def remove_schedule(self, name: str) -> None:
        self._schedule_store().remove_schedule(name)

    def schedule(self, name: str) -> Schedule:
        return self._schedule_store().get_schedule(name)

    def schedules(self) -> builtins.list[Schedule]:
        """Every schedule (none on a backend or file without them)."""
        store = self._store
        return store.schedules() if isinstance(store, ScheduleStore) else []

    def run_schedule_now(self, name: str) -> Task:
        task = self._schedule_store().run_schedule_now(name, self.now())
        self._announce(notify.ADDED, task.id)
        return task

    def fire_due_schedules(self) -> dict[str, builtins.list[int]]:
        """Enqueue every due tick (what each worker's scheduler calls every second or so):
        one task per tick however many schedulers run; {schedule: new task ids}."""
        fired = self._schedule_store().fire_due_schedules(self.now())
        if any(fired.values()):
            self._announce(notify.ADDED)
        return fired

    @staticmethod
    def preview_schedule(cron: str, timezone: str = "UTC", after: datetime | None = None,
                         count: int = 5) -> builtins.list[datetime]:
        """The next ``count`` runs (aware UTC) of an expression in a zone, without storing
        anything (the add/edit dialog's live preview); raises like add_schedule."""
        fields = parse_cron(cron).fields
        start = after or timeutil.utc_now()
        return schedule_ticks.preview(fields, cron_zone(timezone), start, count)

    @staticmethod
    def describe_cron(cron: str) -> str:
        """An expression in words ("At 02:30 every day"); raises CronError like add."""
        return parse_cron(cron).describe()

    # -- paused types --------------------------------------------------------------------
    def pause_type(self, type: str) -> None:
        """No worker of this app claims tasks of ``type`` until it is resumed."""
        self._control_store().pause_type(validation.check_type(type), self.now())
        self._announce(notify.CANCELLED)

    def resume_type(self, type: str) -> bool:
        """False when the type was not paused."""
        resumed = self._control_store().resume_type(validation.check_type(type))
        self._announce(notify.ADDED)
        return resumed

    def paused_types(self) -> dict[str, datetime | None]:
        store = self._store
        return store.paused_types() if isinstance(store, ControlStore) else {}

    # -- worker controls -------------------------------------------------------------------
    def request_worker_control(self, worker_id: str, action: str) -> WorkerControl:
        """Ask a worker process to stop claiming ("quiet") or to finish and exit ("stop");
        it answers with its next heartbeat."""
        action = schedule_model.check_control(action)
        return self._control_store().request_worker_control(worker_id, action, self.now())

    def worker_control(self, worker_id: str) -> WorkerControl | None:
        store = self._store
        return store.worker_control(worker_id) if isinstance(store, ControlStore) else None

    def worker_controls(self) -> builtins.list[WorkerControl]:
        store = self._store
        return store.worker_controls() if isinstance(store, ControlStore) else []

    def acknowledge_worker_control(self, worker_id: str, action: str) -> None:
        self._control_store().acknowledge_worker_control(worker_id, action, self.now())

    def clear_worker_control(self, worker_id: str) -> None:
        store = self._store
        if isinstance(store, ControlStore):
            store.clear_worker_control(worker_id)
