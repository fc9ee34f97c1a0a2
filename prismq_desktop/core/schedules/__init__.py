"""Recurring tasks and operator controls (DESIGN §14), backend-neutral: cron parsing with
errors that point at the character, ticks in a schedule's zone with DST rules, catch-up after
downtime, and the plain values the stores keep."""

from prismq_desktop.core.schedules.cron import CronError, local_zone_name
from prismq_desktop.core.schedules.model import (
    CONTROL_ACTIONS,
    KEY_PREFIX,
    Schedule,
    ScheduleNotFoundError,
    ScheduleSpec,
    WorkerControl,
    new_schedule,
)
from prismq_desktop.core.schedules.ticks import CATCH_UP, Plan

__all__ = [
    "CATCH_UP", "CONTROL_ACTIONS", "KEY_PREFIX", "CronError", "Plan", "Schedule",
    "ScheduleNotFoundError", "ScheduleSpec", "WorkerControl", "local_zone_name", "new_schedule",
]
