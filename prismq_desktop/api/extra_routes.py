"""This app's endpoints beyond PrismQ's: retry, a task's log, search with paging, bulk
actions on a filter, counts, workers and the Stats tab's series (DESIGN §13)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from prismq_desktop.api.convert import finite, iso, json_value, log_json, task_json
from prismq_desktop.api.deps import QueryDep, QueueDep, WriterDep
from prismq_desktop.api.models import (
    ActionResponse,
    BulkRequest,
    BulkResponse,
    CountResponse,
    CountsResponse,
    Detail,
    LogEntry,
    SeriesResponse,
    TaskPage,
    WorkerResponse,
)
from prismq_desktop.api.prismq_routes import NOT_FOUND, TaskId
from prismq_desktop.core import Queue, TaskQuery

router = APIRouter(prefix="/api", tags=["PrismQ Desktop"])
#: The statuses each bulk action applies to (what the GUI's confirmation counts).
BULK_STATUSES = {"cancel": ("queued", "scheduled", "leased", "processing"),
                 "retry": ("failed", "cancelled", "dead_letter")}


@router.post("/queue/tasks/{task_id}/retry", response_model=ActionResponse,
             responses={**NOT_FOUND, 409: {"model": Detail,
                                           "description": "Not failed, cancelled or dead"}})
async def retry(task_id: TaskId, queue: QueueDep, writer: WriterDep) -> dict[str, Any]:
    """Run a failed, cancelled or dead-letter task again, with its full attempts."""
    task = await writer.run(lambda: queue.retry(task_id))
    return {"task_id": task.id, "status": task.status, "message": "Task queued again"}


@router.get("/queue/tasks/{task_id}/logs", response_model=list[LogEntry], responses=NOT_FOUND)
def logs(task_id: TaskId, queue: QueueDep,
         since: Annotated[int, Query(ge=0, le=2**63 - 1, description=(
             "Only entries after this log_id: pass the last one you have to tail"))] = 0,
         limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> list[dict[str, Any]]:
    """A task's log, oldest first."""
    queue.get(task_id)  # 404 for an unknown task rather than an empty log
    return [log_json(entry) for entry in queue.logs(task_id, since, limit)]


@router.get("/tasks", response_model=TaskPage)
def search(query: QueryDep, queue: QueueDep,
           offset: Annotated[int, Query(ge=0, le=2**62)] = 0,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Tasks matching a filter and search text, in any sort order, a page at a time."""
    tasks = queue.list(query, offset, limit + 1)
    more = len(tasks) > limit
    return {"tasks": [task_json(task) for task in tasks[:limit]], "offset": offset,
            "limit": limit, "next_offset": offset + limit if more else None}


@router.get("/tasks/count", response_model=CountResponse)
def count(query: QueryDep, queue: QueueDep) -> dict[str, int]:
    return {"count": queue.count(query)}


def _bulk(action: str, body: BulkRequest, queue: Queue) -> Any:
    query = TaskQuery(statuses=tuple(body.status), types=tuple(body.type), text=body.q)
    queue.parse_search(body.q)
    eligible = BULK_STATUSES[action]
    query = (replace(query, text=f"{query.text} status:{','.join(eligible)}".strip())
             if query.statuses else replace(query, statuses=eligible))
    matched = queue.count(query)
    if matched != body.expected:
        return JSONResponse(status_code=409, content={
            "detail": f"the filter matches {matched} task(s) to {action}, not "
                      f"{body.expected}; nothing was changed", "matched": matched})
    result = queue.bulk(action, query)
    return {"action": action, "total": result.total, "done": result.done,
            "refused": result.refused, "summary": result.summary()}


BULK_DOC: dict[int | str, dict[str, Any]] = {
    409: {"description": "The filter matches another number of tasks than expected"}}


@router.post("/tasks/cancel", response_model=BulkResponse, responses=BULK_DOC)
def bulk_cancel(body: BulkRequest, queue: QueueDep) -> Any:
    """Cancel every waiting or running task the filter matches."""
    return _bulk("cancel", body, queue)


@router.post("/tasks/retry", response_model=BulkResponse, responses=BULK_DOC)
def bulk_retry(body: BulkRequest, queue: QueueDep) -> Any:
    """Retry every failed, cancelled or dead-letter task the filter matches."""
    return _bulk("retry", body, queue)


@router.get("/counts", response_model=CountsResponse)
def counts(queue: QueueDep) -> dict[str, Any]:
    by_status = queue.counts()
    by_type: dict[str, dict[str, int]] = {}
    for (kind, status), n in queue.type_counts().items():
        by_type.setdefault(str(kind), {})[str(status)] = n
    return {"total": sum(by_status.values()), "counts": by_status, "by_type": by_type}


@router.get("/workers", response_model=list[WorkerResponse])
def workers(queue: QueueDep) -> list[dict[str, Any]]:
    """Registered workers and holders of running tasks; done counts over the last 15 min."""
    overview, now = queue.workers_overview(), queue.now()
    return [{"worker_id": row.worker_id, "capabilities": json_value(row.capabilities),
             "heartbeat_utc": iso(row.heartbeat_utc),
             "heartbeat_age_seconds": row.heartbeat_age(now), "active_tasks": row.active,
             "completed_recently": row.completed, "failed_recently": row.failed,
             "registered": row.registered} for row in overview.rows]


@router.get("/stats/series", response_model=SeriesResponse)
def series(queue: QueueDep,
           window: Annotated[str, Query(pattern="^(15m|1h|24h|7d)$")] = "1h") -> dict[str, Any]:
    """The Stats tab's series: throughput, depth and latency per bucket."""
    result = queue.stats(window)
    named = result.series()
    starts = [float(x) for x in named.pop("bucket_start")]
    named.pop("bucket_end")
    return {"window": window, "bucket_seconds": result.bucket, "bucket_start": starts,
            "series": {name: finite(values) for name, values in named.items()}}
