"""Read queries for the task table, sidebar and CLI: filtered, sorted windows and counts.

Sort keys come from a fixed list; every value is a bound parameter (DESIGN §10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prismq_desktop.core import timeutil
from prismq_desktop.core.database import QueueDatabase
from prismq_desktop.core.errors import ValidationError
from prismq_desktop.core.models import TASK_SELECT, Task

#: Sortable columns: the name users and the GUI use -> the SQL expression.
SORT_KEYS: dict[str, str] = {
    "id": "id",
    "type": "type",
    "status": "status",
    "priority": "priority",
    "attempts": "attempts",
    "created": "created_at_utc",
    "run_after": "run_after_utc",
    "started": "processing_started_utc",
    "finished": "finished_at_utc",
    "worker": "locked_by",
    "error": "error_message",
    "duration": "julianday(finished_at_utc) - julianday(processing_started_utc)",
}
#: Pseudo statuses the sidebar offers besides the stored ones.
SCHEDULED = "scheduled"
ACTIVE_FILTER = "active"


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
    extra: tuple[tuple[str, tuple[Any, ...]], ...] = field(default=())

    def where(self, now: datetime) -> tuple[str, list[Any]]:
        """The WHERE clause (without the keyword, '1' when empty) and its parameters."""
        parts: list[str] = []
        params: list[Any] = []
        if self.statuses:
            parts.append(_status_clause(self.statuses, now, params))
        if self.types:
            parts.append(f"type IN ({', '.join('?' * len(self.types))})")
            params.extend(self.types)
        if self.text:
            like = "%" + _escape_like(self.text) + "%"
            parts.append(
                "(type LIKE ? ESCAPE '\\' OR payload LIKE ? ESCAPE '\\'"
                " OR error_message LIKE ? ESCAPE '\\' OR idempotency_key LIKE ? ESCAPE '\\')"
            )
            params.extend([like] * 4)
        if self.created_from is not None:
            parts.append("created_at_utc >= ?")
            params.append(timeutil.to_db(self.created_from))
        if self.created_to is not None:
            parts.append("created_at_utc < ?")
            params.append(timeutil.to_db(self.created_to))
        for clause, values in self.extra:
            parts.append(f"({clause})")
            params.extend(values)
        return (" AND ".join(parts) or "1"), params

    def order_by(self) -> str:
        if self.sort not in SORT_KEYS:
            choices = ", ".join(SORT_KEYS)
            raise ValidationError(f"cannot sort by {self.sort!r}; use one of {choices}")
        direction = "DESC" if self.descending else "ASC"
        expression = SORT_KEYS[self.sort]
        tail = "" if self.sort == "id" else f", id {direction}"
        return f"{expression} {direction}{tail}"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _status_clause(statuses: tuple[str, ...], now: datetime, params: list[Any]) -> str:
    """Stored statuses plus the pseudo ones: scheduled (queued, later) and active."""
    now_text = timeutil.to_db(now)
    parts: list[str] = []
    plain = [s for s in statuses if s not in (SCHEDULED, ACTIVE_FILTER, "queued")]
    if "queued" in statuses:
        parts.append("(status = 'queued' AND run_after_utc <= ?)")
        params.append(now_text)
    if SCHEDULED in statuses:
        parts.append("(status = 'queued' AND run_after_utc > ?)")
        params.append(now_text)
    if ACTIVE_FILTER in statuses:
        plain += ["leased", "processing"]
    if plain:
        parts.append(f"status IN ({', '.join('?' * len(plain))})")
        params.extend(plain)
    return "(" + " OR ".join(parts) + ")"


def list_tasks(
    db: QueueDatabase, query: TaskQuery, now: datetime, offset: int = 0, limit: int = 200
) -> list[Task]:
    """One window of matching tasks in the query's order."""
    where, params = query.where(now)
    sql = (f"SELECT {TASK_SELECT} FROM task_queue WHERE {where}"
           f" ORDER BY {query.order_by()} LIMIT ? OFFSET ?")
    return [Task.from_row(row) for row in db.query(sql, [*params, limit, offset])]


def count_tasks(db: QueueDatabase, query: TaskQuery, now: datetime) -> int:
    where, params = query.where(now)
    return int(db.query(f"SELECT COUNT(*) FROM task_queue WHERE {where}", params)[0][0])


def type_status_counts(db: QueueDatabase) -> dict[tuple[str, str], int]:
    """{(type, status): n}, from the trigger-kept table when the file has it."""
    if db.user_version() >= 1:
        rows = db.query("SELECT type, status, n FROM pqd_counts WHERE n > 0")
    else:
        rows = db.query("SELECT type, status, COUNT(*) FROM task_queue GROUP BY type, status")
    return {(kind, status): n for kind, status, n in rows}


def status_counts(db: QueueDatabase, now: datetime) -> dict[str, int]:
    """{status: n} over the whole queue, with 'scheduled' split out of 'queued'."""
    counts: dict[str, int] = {}
    for (_kind, status), n in type_status_counts(db).items():
        counts[status] = counts.get(status, 0) + n
    scheduled = int(db.query(
        "SELECT COUNT(*) FROM task_queue WHERE status = 'queued' AND run_after_utc > ?",
        (timeutil.to_db(now),))[0][0])
    if scheduled:
        counts[SCHEDULED] = scheduled
        counts["queued"] = counts.get("queued", 0) - scheduled
    return counts


def task_types(db: QueueDatabase) -> list[str]:
    return sorted({kind for kind, _status in type_status_counts(db)})
