"""One task with what the detail panel shows beside its row: progress and attempt history."""

from __future__ import annotations

from dataclasses import dataclass, field

from prismq_desktop.core import transitions
from prismq_desktop.core.models import Task
from prismq_desktop.core.sqlite.database import QueueDatabase

SELECT_PROGRESS = "SELECT fraction, message, updated FROM pqd_progress WHERE task_id = ?"
SELECT_RUNS = (
    "SELECT attempt, worker_id, outcome, wait_s, run_s, finished FROM pqd_runs"
    " WHERE task_id = ? ORDER BY run_id"
)


@dataclass(frozen=True)
class Run:
    """One finished attempt (sub-second times kept by this app in pqd_runs)."""

    attempt: int
    worker_id: str | None
    outcome: str
    wait_s: float | None
    run_s: float | None
    finished: float


@dataclass(frozen=True)
class TaskDetails:
    task: Task
    #: (fraction 0..1 or None, message or None, updated epoch) while a handler reports it.
    progress: tuple[float | None, str | None, float] | None = None
    runs: list[Run] = field(default_factory=list)


def details(db: QueueDatabase, task_id: int) -> TaskDetails:
    """The task, its progress and its attempts; files without this app's tables give none."""
    task = transitions.get(db, task_id)
    if db.user_version() < 1:
        return TaskDetails(task)
    progress = db.query(SELECT_PROGRESS, (task_id,))
    runs = [Run(*row) for row in db.query(SELECT_RUNS, (task_id,))]
    return TaskDetails(task, tuple(progress[0]) if progress else None, runs)  # type: ignore[arg-type]
