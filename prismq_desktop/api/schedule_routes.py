"""Schedules over HTTP (DESIGN §13, §14): list them, pause, resume, run one now. Adding and
editing stay with the command line and the app, where the cron text gets its preview."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from prismq_desktop.api.convert import iso, json_value
from prismq_desktop.api.deps import QueueDep, WriterDep
from prismq_desktop.api.models import Detail, ScheduleResponse
from prismq_desktop.core.schedules.model import Schedule

router = APIRouter(prefix="/api/schedules", tags=["PrismQ Desktop"])
Name = Annotated[str, Path(max_length=200, description="The schedule's name")]
UNKNOWN: dict[int | str, dict[str, Any]] = {404: {"model": Detail,
                                                  "description": "No schedule has that name"}}


def schedule_json(schedule: Schedule) -> dict[str, Any]:
    spec = schedule.spec
    return {"name": spec.name, "cron": spec.cron, "description": schedule.describe(),
            "type": spec.type, "payload": json_value(spec.payload), "priority": spec.priority,
            "max_attempts": spec.max_attempts, "timezone": spec.timezone,
            "catch_up": spec.catch_up, "paused": schedule.paused,
            "next_run_utc": iso(schedule.next_run), "last_run_utc": iso(schedule.last_run),
            "last_task_id": schedule.last_task_id,
            "last_task_status": schedule.last_task_status,
            "tasks_search": schedule.search_text()}


@router.get("", response_model=list[ScheduleResponse])
def schedules(queue: QueueDep) -> list[dict[str, Any]]:
    return [schedule_json(schedule) for schedule in queue.schedules()]


@router.post("/{name}/pause", response_model=ScheduleResponse, responses=UNKNOWN)
async def pause(name: Name, queue: QueueDep, writer: WriterDep) -> dict[str, Any]:
    return schedule_json(await writer.run(lambda: queue.pause_schedule(name)))


@router.post("/{name}/resume", response_model=ScheduleResponse, responses=UNKNOWN)
async def resume(name: Name, queue: QueueDep, writer: WriterDep) -> dict[str, Any]:
    """Resume; ticks that fell in the pause are not run."""
    return schedule_json(await writer.run(lambda: queue.resume_schedule(name)))


@router.post("/{name}/run-now", status_code=201, response_model=dict[str, int],
             responses=UNKNOWN)
async def run_now(name: Name, queue: QueueDep, writer: WriterDep) -> dict[str, int]:
    """Enqueue the schedule's task now, besides its ticks: ``{"task_id": N}``."""
    task = await writer.run(lambda: queue.run_schedule_now(name))
    return {"task_id": task.id}
