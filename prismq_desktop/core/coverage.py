"""Which waiting task types no live worker handles (queued tasks that would wait forever).

A worker says what it handles by listing its task types in its ``workers.capabilities`` JSON
object under ``"types"`` (``{"types": ["echo", "resize"], ...}``). A worker whose heartbeat is
older than the stale limit is not live. Types the caller can run itself (the GUI's embedded
worker has handlers for them) are never reported. Two small reads: the trigger-kept per-type
counts and the ``workers`` table, so this costs the same on a million-task file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from prismq_desktop.core import reads, timeutil
from prismq_desktop.core.database import QueueDatabase

#: The key of ``workers.capabilities`` that lists the task types a worker handles.
TYPES_KEY = "types"


def declared_types(capabilities: Any) -> set[str]:
    """The task types a capabilities value lists; none when it is not such a JSON object."""
    try:
        value = json.loads(capabilities) if isinstance(capabilities, str) else capabilities
    except ValueError:
        return set()
    listed = value.get(TYPES_KEY) if isinstance(value, dict) else None
    if isinstance(listed, str):
        return {listed}
    if not isinstance(listed, list):
        return set()
    return {item for item in listed if isinstance(item, str)}


def live_worker_types(db: QueueDatabase, now: datetime, stale_after: float) -> set[str]:
    """Every type listed by a worker whose heartbeat is at most ``stale_after`` seconds old."""
    handled: set[str] = set()
    for capabilities, beat in db.query("SELECT capabilities, heartbeat_utc FROM workers"):
        moment = timeutil.parse(beat)
        if moment is not None and (now - moment).total_seconds() <= stale_after:
            handled |= declared_types(capabilities)
    return handled


def unhandled_types(db: QueueDatabase, now: datetime, handled_here: Iterable[str] = (),
                    stale_after: float = reads.STALE_AFTER_SECONDS) -> frozenset[str]:
    """Types of queued (or scheduled) tasks that neither a live worker nor the caller handles."""
    waiting = {kind for (kind, status), n in reads.type_status_counts(db).items()
               if status == "queued" and n > 0 and kind is not None}
    if not waiting:
        return frozenset()
    return frozenset(waiting - live_worker_types(db, now, stale_after) - set(handled_here))
