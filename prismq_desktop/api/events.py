"""``GET /api/events``: the live feed as Server-Sent Events, so a page or a script watches the
queue without polling.

Events: ``hello`` (the counts when the stream opens), ``task`` (task_id, type, old_status,
new_status), ``counts`` (after each batch of changes), ``resync`` (more changed than the feed
lists, or this client fell behind: read the state again) and ``error``. Each has an ``id``;
a client that reconnects with ``Last-Event-ID`` gets what it missed while the server still
holds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from prismq_desktop.api.feed import ChangeFeed

router = APIRouter(prefix="/api", tags=["PrismQ Desktop"])
#: Ask browsers to reconnect after a second.
RETRY_MS = 1000


@router.get("/events", response_class=EventSourceResponse)
async def events(
    request: Request,
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Every status change of every task, by any process, within half a second."""
    feed: ChangeFeed = request.app.state.feed
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()

    def wake() -> None:
        loop.call_soon_threadsafe(ready.set)

    seq = feed.listen(wake)
    try:
        if last_event_id is not None and last_event_id <= seq:
            seq = last_event_id
        else:
            counts = await asyncio.to_thread(request.app.state.queue.counts)
            yield ServerSentEvent(event="hello", data={"total": sum(counts.values()),
                                                       "counts": counts},
                                  id=str(seq), retry=RETRY_MS)
        while not feed.closed:
            batch, lost = feed.since(seq)
            if lost:
                yield ServerSentEvent(event="resync", data={"reason": "fell behind"})
            for event in batch:
                yield ServerSentEvent(event=event.name, data=event.data, id=str(event.seq))
                seq = event.seq
            await ready.wait()
            ready.clear()
    finally:
        feed.unlisten(wake)
