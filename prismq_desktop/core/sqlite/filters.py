"""A ``TaskQuery`` as SQL: its WHERE clause with bound parameters, and its ORDER BY.

Sort keys map to expressions from a fixed list and every value is a bound parameter (DESIGN
§10); the one place that writes a fixed status list into SQL text is :func:`quoted`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from prismq_desktop.core import search, timeutil
from prismq_desktop.core.query import TaskQuery, check_sort
from prismq_desktop.core.sqlite import search_sql

#: Sortable columns: the name users and the GUI use (core.query.SORT_FIELDS) -> SQL.
SORT_SQL: dict[str, str] = {
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


def quoted(statuses: Iterable[str]) -> str:
    """``'a', 'b'`` for ``status IN (...)`` of the core's own status constants (never user
    input: those are bound parameters)."""
    return ", ".join(f"'{status}'" for status in statuses)


def where(query: TaskQuery, now: datetime, scan: bool = False) -> tuple[str, list[Any]]:
    """The WHERE clause (without the keyword, '1' when empty) and its parameters.

    ``scan`` keeps SQLite off the status and type indexes: right when those filters match
    much of the file, so walking the sort order finds a window sooner than sorting.
    """
    parts: list[str] = []
    params: list[Any] = []
    plus = "+" if scan else ""
    if query.statuses:
        clause = search_sql.status_sql(query.statuses, now, query.stale_after, params,
                                       f"{plus}status")
        parts.append(f"({clause})")
    if query.types:
        parts.append(f"{plus}type IN ({', '.join('?' * len(query.types))})")
        params.extend(query.types)
    if query.text:
        tree = search.parse(query.text)
        parts.append(search_sql.compile_search(tree, now, query.stale_after, params))
    if query.created_from is not None:
        parts.append("created_at_utc >= ?")
        params.append(timeutil.to_db(query.created_from))
    if query.created_to is not None:
        parts.append("created_at_utc < ?")
        params.append(timeutil.to_db(query.created_to))
    return (" AND ".join(parts) or "1"), params


def order_by(query: TaskQuery) -> str:
    """The ORDER BY expression list (id breaks ties, in the same direction)."""
    sort = check_sort(query.sort)
    direction = "DESC" if query.descending else "ASC"
    tail = "" if sort == "id" else f", id {direction}"
    return f"{SORT_SQL[sort]} {direction}{tail}"
