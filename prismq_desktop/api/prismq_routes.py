"""PrismQ's five queue endpoints, field for field (DESIGN §13, seed 004), so a client written
for the PrismQ backend works unchanged.

Where this app differs on purpose: cancel writes ``cancelled`` (PrismQ writes ``failed``), two
requests racing on one idempotency key both get the one task (PrismQ answers 500), and a
cancel of a finished task keeps PrismQ's 200 with a message instead of the 409 it deserves.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from prismq_desktop.api.convert import iso, task_json
from prismq_desktop.api.deps import MAX_ID, QueueDep, Writer, WriterDep, refuse_nul
from prismq_desktop.api.models import (
    ActionResponse,
    Detail,
    EnqueueRequest,
    EnqueueResponse,
    StatsResponse,
    TaskResponse,
)
from prismq_desktop.core import InvalidTransitionError, Queue, TaskQuery

PREFIX = "/api/queue"
ENQUEUE_PATH = f"{PREFIX}/enqueue"
TASK_PREFIX = f"{PREFIX}/tasks/"
router = APIRouter(prefix=PREFIX, tags=["PrismQ queue"])
TaskId = Annotated[int, Path(ge=-MAX_ID, le=MAX_ID, description="The task id")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Detail,
                                                    "description": "No task has that id"}}


@router.post("/enqueue", status_code=201, response_model=EnqueueResponse)
async def enqueue(body: EnqueueRequest, queue: QueueDep, writer: WriterDep) -> dict[str, Any]:
    """Add a task; a known idempotency key answers with the existing task, adding nothing."""
    return await enqueued(queue, writer, body)


async def enqueued(queue: Queue, writer: Writer, body: EnqueueRequest) -> dict[str, Any]:
    """The enqueue answer (api/fastpath.py gives it too)."""
    task = await writer.run(lambda: queue.enqueue(
        body.type, body.payload, priority=body.priority, max_attempts=body.max_attempts,
        run_after=body.run_after_utc, idempotency_key=body.idempotency_key,
        compatibility=body.compatibility))
    message = ("Task enqueued successfully" if task.is_new
               else "Task already exists (idempotency key match)")
    return {"task_id": task.id, "status": task.status,
            "created_at_utc": iso(task.created_at_utc), "message": message}


@router.get("/tasks/{task_id}", response_model=TaskResponse, responses=NOT_FOUND)
async def task_status(task_id: TaskId, queue: QueueDep) -> dict[str, Any]:
    """(Read on the event loop: one row by its key costs less than a hop to a worker thread,
    and a WAL read never waits for a writer.)"""
    return status_of(queue, task_id)


def status_of(queue: Queue, task_id: int) -> dict[str, Any]:
    """The status answer (api/fastpath.py gives it too)."""
    return task_json(queue.get(task_id))


@router.post("/tasks/{task_id}/cancel", response_model=ActionResponse, responses=NOT_FOUND)
async def cancel(task_id: TaskId, queue: QueueDep, writer: WriterDep) -> dict[str, Any]:
    """Cancel a waiting or running task (to ``cancelled``). A finished task is left as it
    is: 200 with its status and a message saying it cannot be cancelled."""
    try:
        task = await writer.run(lambda: queue.cancel(task_id))
    except InvalidTransitionError:
        status = queue.get(task_id).status
        return {"task_id": task_id, "status": status,
                "message": f"Task already {status}, cannot cancel"}
    return {"task_id": task.id, "status": task.status, "message": "Task cancelled successfully"}


@router.get("/tasks", response_model=list[TaskResponse])
def list_tasks(
    queue: QueueDep,
    status: Annotated[str | None, Query(description="Only this status")] = None,
    type: Annotated[str | None, Query(description="Only this task type")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Tasks, newest first."""
    refuse_nul("query", {"status": status, "type": type})
    # PrismQ's "queued" is the stored status, so it includes the app's "scheduled"
    statuses = ("queued", "scheduled") if status == "queued" else (status,) if status else ()
    query = TaskQuery(statuses=statuses, types=(type,) if type else ())
    return [task_json(task) for task in queue.list(query, limit=limit)]


@router.get("/stats", response_model=StatsResponse)
def stats(queue: QueueDep) -> dict[str, Any]:
    counts = queue.counts()
    queued = counts.get("queued", 0) + counts.get("scheduled", 0)
    return {
        "total_tasks": sum(counts.values()), "queued_tasks": queued,
        "processing_tasks": counts.get("processing", 0),
        "completed_tasks": counts.get("completed", 0), "failed_tasks": counts.get("failed", 0),
        "oldest_queued_age_seconds": _oldest_waiting_age(queue) if queued else None,
        "leased_tasks": counts.get("leased", 0), "scheduled_tasks": counts.get("scheduled", 0),
        "cancelled_tasks": counts.get("cancelled", 0),
        "dead_letter_tasks": counts.get("dead_letter", 0),
    }


def _oldest_waiting_age(queue: Queue) -> float | None:
    oldest = queue.list(TaskQuery(statuses=("queued", "scheduled"), descending=False), limit=1)
    created = oldest[0].time("created_at_utc") if oldest else None
    return None if created is None else round((queue.now() - created).total_seconds(), 3)
