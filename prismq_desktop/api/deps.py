"""What every route needs: the queue the server was given, and the request's task filter."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from prismq_desktop.core import SORT_FIELDS, Queue, TaskQuery
from prismq_desktop.core.validation import has_nul

MAX_ID = 2**63 - 1
T = TypeVar("T")


async def _queue(request: Request) -> Queue:
    # async: a plain function dependency would cost every request a thread-pool hop
    queue: Queue = request.app.state.queue
    return queue


QueueDep = Annotated[Queue, Depends(_queue)]


class Writer:
    """One thread for the single-task writes (enqueue, cancel, retry).

    SQLite takes one writer at a time; writes from many threads of one process would wait
    for each other in SQLite's busy handler, which sleeps in steps of milliseconds. In one
    thread they follow each other at once, and the event loop never waits for a lock.

    A plain thread and queue rather than a ThreadPoolExecutor: the executor's futures,
    locks and wrapping cost about 70 µs of CPU per enqueue here, half the hop's cost
    (benchmarks/api_bench.py; README). A job whose request was cancelled before it started
    is skipped, as the executor does.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def run(self, call: Callable[[], T]) -> T:
        if self._thread is None:  # started on first use, on the event loop's thread
            self._thread = threading.Thread(target=self._serve, name="api-writer",
                                            daemon=True)
            self._thread.start()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        self._jobs.put((call, loop, done))
        return await done

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            call, loop, done = job
            if done.cancelled():
                continue
            try:
                result, error = call(), None
            except BaseException as exc:  # noqa: BLE001 (handed to the awaiting request)
                result, error = None, exc
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits
                loop.call_soon_threadsafe(_settle, done, result, error)

    def close(self) -> None:
        """Finish the jobs already given, then end the thread."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None


_Job = tuple[Callable[[], Any], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]


def _settle(done: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if done.cancelled():
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(result)


async def _writer(request: Request) -> Writer:
    writer: Writer = request.app.state.writer
    return writer


WriterDep = Annotated[Writer, Depends(_writer)]


NUL_MESSAGE = "text must not contain NUL characters (U+0000): no backend can store them"


def refuse_nul(where: str, values: dict[str, object]) -> None:
    """422 for text holding U+0000 (valid JSON, but PostgreSQL text cannot hold it), so both
    backends answer alike instead of one of them failing with a database error."""
    for name, value in values.items():
        if has_nul(value):
            raise RequestValidationError([{"type": "value_error", "loc": (where, name),
                                           "msg": NUL_MESSAGE, "input": None}])


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
    refuse_nul("query", {"q": q, "status": status, "type": type})
    queue.parse_search(q)  # a SearchSyntaxError answers 422 naming the character
    return TaskQuery(statuses=tuple(status), types=tuple(type), text=q, sort=sort,
                     descending=order == "desc")


QueryDep = Annotated[TaskQuery, Depends(task_query)]
