"""What every route needs: the queue the server was given, and the request's task filter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from prismq_desktop.core import SORT_FIELDS, Queue, TaskQuery

MAX_ID = 2**63 - 1


async def _queue(request: Request) -> Queue:
    # async: a plain function dependency would cost every request a thread-pool hop
    queue: Queue = request.app.state.queue
    return queue


QueueDep = Annotated[Queue, Depends(_queue)]


async def task_query(
    queue: QueueDep,
    q: Annotated[str, Query(max_length=2000, description=(
        "Search text, as in the app's search box: free text, field:value, payload.path:value,"
        " comparisons (priority<50, created>-2h), a leading - negates"))] = "",
    status: Annotated[list[str], Query(description=(
        "Statuses, any of (queued means ready now; also scheduled, active, stuck)"))] = [],  # noqa: B006
    type: Annotated[list[str], Query(description="Task types, any of")] = [],  # noqa: B006
    sort: Annotated[str, Query(pattern=f"^({'|'.join(SORT_FIELDS)})$")] = "id",
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
) -> TaskQuery:
    queue.parse_search(q)  # a SearchSyntaxError answers 422 naming the character
    return TaskQuery(statuses=tuple(status), types=tuple(type), text=q, sort=sort,
                     descending=order == "desc")


QueryDep = Annotated[TaskQuery, Depends(task_query)]
