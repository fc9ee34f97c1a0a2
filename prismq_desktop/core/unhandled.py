"""Which waiting task types no live worker handles (queued tasks that would wait forever).

A worker says what it handles by listing its task types in its ``workers.capabilities`` JSON
object under ``"types"`` (``{"types": ["echo", "resize"], ...}``). A worker whose heartbeat is
older than the stale limit is not live. A live worker that does not say (other tools write
capabilities without ``types``) might handle anything, so while one runs nothing is reported:
a mark must mean that nothing will run the task, never a guess. Types the caller can run
itself (the GUI's embedded worker has handlers for them) are never reported. Two small reads:
the trigger-kept per-type counts and the ``workers`` table, so this costs the same on a
million-task file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from prismq_desktop.core.models import Worker
from prismq_desktop.core.reports import STALE_AFTER_SECONDS, is_stale
from prismq_desktop.core.store import Store

#: The key of ``workers.capabilities`` that lists the task types a worker handles.
TYPES_KEY = "types"


def declared_types(capabilities: Any) -> set[str] | None:
    """The task types a capabilities value lists, or None when it does not say."""
    try:
        value = json.loads(capabilities) if isinstance(capabilities, str) else capabilities
    except ValueError:
        return None
    listed = value.get(TYPES_KEY) if isinstance(value, dict) else None
    if isinstance(listed, str):
        return {listed}
    if not isinstance(listed, list):
        return None
    return {item for item in listed if isinstance(item, str)}


def live_worker_types(workers: Iterable[Worker], now: datetime,
                      stale_after: float) -> set[str] | None:
    """Every type listed by a worker whose heartbeat is at most ``stale_after`` seconds old;
    None when such a worker does not say what it handles."""
    handled: set[str] = set()
    for worker in workers:
        if is_stale(worker.heartbeat_age(now), stale_after):
            continue
        listed = declared_types(worker.capabilities)
        if listed is None:
            return None
        handled |= listed
    return handled


def unhandled_types(store: Store, now: datetime, handled_here: Iterable[str] = (),
                    stale_after: float = STALE_AFTER_SECONDS) -> frozenset[str]:
    """Types of queued (or scheduled) tasks that neither a live worker nor the caller handles."""
    waiting = {kind for (kind, status), n in store.type_counts().items()
               if status == "queued" and n > 0 and kind is not None}
    live = live_worker_types(store.workers(), now, stale_after) if waiting else None
    if live is None:
        return frozenset()
    return frozenset(waiting - live - set(handled_here))
