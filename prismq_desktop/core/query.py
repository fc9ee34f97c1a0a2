"""``TaskQuery``: a filter and sort over the tasks, as plain values every backend compiles.

The value object names what the user asked for (statuses, types, search text, a creation
range, a sort key and direction); it renders no SQL. Each backend turns it into its own
statement (core/sqlite/filters.py for SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prismq_desktop.core.errors import ValidationError
from prismq_desktop.core.models import TaskStatus
from prismq_desktop.core.reports import STALE_AFTER_SECONDS

#: The sort keys users and the GUI name (each backend maps them to its expression).
SORT_FIELDS: tuple[str, ...] = (
    "id", "type", "status", "priority", "attempts", "created", "run_after", "started",
    "finished", "worker", "error", "duration",
)
#: Pseudo statuses the sidebar offers besides the stored ones.
SCHEDULED = "scheduled"
ACTIVE_FILTER = "active"
STUCK_FILTER = "stuck"
STORED_STATUSES = tuple(status.value for status in TaskStatus)


def check_sort(sort: str) -> str:
    """The sort key, or ValidationError naming the ones there are."""
    if sort not in SORT_FIELDS:
        raise ValidationError(f"cannot sort by {sort!r}; use one of {', '.join(SORT_FIELDS)}")
    return sort


@dataclass(frozen=True)
class TaskQuery:
    """A filter and sort over task_queue; empty fields mean 'any'."""

    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    text: str = ""
    created_from: datetime | None = None
    created_to: datetime | None = None
    sort: str = "id"
    descending: bool = True
    stale_after: float = STALE_AFTER_SECONDS

    def is_simple(self) -> bool:
        """Only stored or queued/scheduled/active statuses and types: countable from totals."""
        return not (self.text or self.created_from or self.created_to
                    or STUCK_FILTER in self.statuses)

    def is_unfiltered(self) -> bool:
        """No filter at all: every task matches."""
        return not (self.statuses or self.types or self.text or self.created_from
                    or self.created_to)
