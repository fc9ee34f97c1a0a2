"""Which waiting tasks no live worker will run: of a type none handles, or asking for
capabilities none offers (queued tasks that would wait forever).

A worker says what it handles by listing its task types in its ``workers.capabilities`` JSON
object under ``"types"`` (``{"types": ["echo", "resize"], "gpu": true}``); the rest of the
object is what it offers, matched against a task's compatibility (core/compat.py). A worker
whose heartbeat is older than the stale limit is not live. A live worker that does not say
(other tools write capabilities without ``types``) might run anything by rules of its own, so
while one runs nothing is reported: a mark must mean that nothing will run the task, never a
guess. What the caller can run itself (the GUI's embedded worker, with its handlers and
capabilities) counts as a live worker. Two small reads: the trigger-kept per-type counts and
the ``workers`` table, so this costs the same on a million-task file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prismq_desktop.core import compat
from prismq_desktop.core.compat import TYPES_KEY
from prismq_desktop.core.models import Worker
from prismq_desktop.core.reports import STALE_AFTER_SECONDS, is_stale
from prismq_desktop.core.store import Store

#: One worker as far as runnability goes: the types it handles and what it offers.
Runner = tuple[frozenset[str], Mapping[str, Any]]


@dataclass(frozen=True)
class Capacity:
    """What the live workers (and the caller) can run. ``unknown``: a live worker does not say
    what it handles, so every task counts as runnable."""

    runners: tuple[Runner, ...] = ()
    unknown: bool = False

    @property
    def types(self) -> frozenset[str]:
        return frozenset().union(*(types for types, _caps in self.runners))

    def can_run(self, kind: object, compatibility: object) -> bool:
        """Whether some live worker handles this type and offers what the task asks."""
        return self.unknown or any(kind in types and compat.compatible(caps, compatibility)
                                   for types, caps in self.runners)


def declared_types(capabilities: Any) -> set[str] | None:
    """The task types a capabilities value lists, or None when it does not say."""
    value = _object(capabilities)
    listed = value.get(TYPES_KEY) if value is not None else None
    if isinstance(listed, str):
        return {listed}
    if not isinstance(listed, list):
        return None
    return {item for item in listed if isinstance(item, str)}


def _object(capabilities: Any) -> dict[str, Any] | None:
    try:
        value = json.loads(capabilities) if isinstance(capabilities, str) else capabilities
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def live_capacity(workers: Iterable[Worker], now: datetime, stale_after: float,
                  here: Runner | None = None) -> Capacity:
    """The runners among ``workers`` whose heartbeat is at most ``stale_after`` seconds old,
    plus ``here``."""
    runners = [here] if here is not None else []
    for worker in workers:
        if is_stale(worker.heartbeat_age(now), stale_after):
            continue
        listed = declared_types(worker.capabilities)
        if listed is None:
            return Capacity(unknown=True)
        offers = {k: v for k, v in (_object(worker.capabilities) or {}).items() if k != TYPES_KEY}
        runners.append((frozenset(listed), offers))
    return Capacity(tuple(runners))


def capacity(store: Store, now: datetime, handled_here: Iterable[str] = (),
             capabilities_here: Mapping[str, Any] | None = None,
             stale_after: float = STALE_AFTER_SECONDS) -> Capacity:
    """What the live workers and the caller (its types, its capabilities) can run."""
    here = (frozenset(handled_here), dict(capabilities_here or {}))
    return live_capacity(store.workers(), now, stale_after, here)


def unhandled_types(store: Store, now: datetime, handled_here: Iterable[str] = (),
                    stale_after: float = STALE_AFTER_SECONDS) -> frozenset[str]:
    """Types of queued (or scheduled) tasks that neither a live worker nor the caller handles."""
    waiting = {kind for (kind, status), n in store.type_counts().items()
               if status == "queued" and n > 0 and kind is not None}
    if not waiting:
        return frozenset()
    live = capacity(store, now, handled_here, stale_after=stale_after)
    return frozenset() if live.unknown else frozenset(waiting - live.types)
