"""Finish a task and claim the next in one commit: a busy worker pays one commit per task.

A commit is the dearest part of a claim or a completion (the WAL frames it writes), so a worker
that goes straight on to its next task does both in one ``BEGIN IMMEDIATE`` transaction. The
two steps are the ordinary guarded operations run in that one transaction: a result that comes
too late is still refused (and logged), and the claim takes exactly the task a separate claim
would.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prismq_desktop.core.claims import ClaimFilter
from prismq_desktop.core.models import Task
from prismq_desktop.core.sqlite import claiming
from prismq_desktop.core.sqlite.database import QueueDatabase, or_as_stored


def complete_and_claim(
    db: QueueDatabase, task_id: int, worker_id: str, now: datetime, result: Any,
    claimed_at: float | None, lease_seconds: float, what: ClaimFilter,
) -> tuple[bool, Task | None]:
    """(whether the result was accepted, the next task started for this worker or None)."""
    def run(as_stored: bool) -> tuple[bool, Task | None]:
        with db.transaction() as conn:
            done = claiming.complete_in(conn, task_id, worker_id, now, result, claimed_at)
            return done, claiming.claim_in(conn, worker_id, lease_seconds, now, what, True,
                                           as_stored)
    return or_as_stored(run)
