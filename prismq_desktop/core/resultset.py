"""``ResultSet``: the ordered ids a query matched, as of one moment (the task table's rows at
any depth in bounded time). Backends build and refresh it (core/sqlite/resultset.py says why
a snapshot of ids beats OFFSET); what a caller does with one is here, free of any driver.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from prismq_desktop.core.query import TaskQuery

Monotonic = Callable[[], float]
#: Rebuild once the snapshot is older than this many times its build cost, so rebuilding
#: takes at most ~1/(1+4) of the reader's time however big the result.
REBUILD_FACTOR = 4.0


@dataclass(frozen=True)
class ResultSet:
    """One query's matching task ids in its order, as of one moment.

    Immutable: ``Queue.refresh_result_set`` returns a new set (or this one), so a GUI model
    can swap it in on its own thread while the reader builds the next.
    """

    query: TaskQuery
    ids: np.ndarray
    #: The highest task id when the set was read (newer ids are new tasks).
    max_id: int
    built_at: float
    build_seconds: float

    def __len__(self) -> int:
        return len(self.ids)

    def task_ids(self, offset: int, limit: int) -> list[int]:
        offset = max(0, offset)
        return [int(x) for x in self.ids[offset:offset + max(0, limit)]]

    def position_of(self, task_id: int) -> int | None:
        """Where a task sits in this order (to restore the selection), or None."""
        hits = np.flatnonzero(self.ids == task_id)
        return int(hits[0]) if len(hits) else None

    def rebuild_due(self, clock: Monotonic = time.monotonic) -> bool:
        """True when a refresh would rebuild for age (``REBUILD_FACTOR`` times the build
        cost); never for the unfiltered id order, which follows inserts and deletes."""
        return (not self.follows_writes()
                and clock() - self.built_at >= REBUILD_FACTOR * self.build_seconds)

    def follows_writes(self) -> bool:
        """Id order without a status or search filter: only inserts and deletes change it."""
        return self.query.sort == "id" and not (self.query.statuses or self.query.text)

    def with_new(self, max_id: int, new: np.ndarray) -> ResultSet:
        """This set with tasks above ``max_id`` that match (``new``, in id order) added at
        the newest end."""
        if max_id == self.max_id:
            return self
        ids = np.concatenate([new, self.ids] if self.query.descending else [self.ids, new])
        return ResultSet(self.query, ids, max_id, self.built_at, self.build_seconds)
