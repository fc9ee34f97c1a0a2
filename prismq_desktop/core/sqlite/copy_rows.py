"""Raw rows of a queue file's tables for ``copy`` (core/copying.py), ids kept both ways."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prismq_desktop.core import copying
from prismq_desktop.core.sqlite.database import QueueDatabase


def read_rows(db: QueueDatabase, table: str, after: Any, limit: int) -> list[tuple[Any, ...]]:
    """Rows in key order after ``after`` (None: from the first); none if the table is not
    in the file yet (a PrismQ-only file without the app's tables)."""
    key, columns = copying.table(table)
    if table not in db.table_names():
        return []
    where, params = ("", []) if after is None else (f" WHERE {key} > ?", [after])
    return db.query(f"SELECT {', '.join(columns)} FROM {table}{where} ORDER BY {key} LIMIT ?",
                    [*params, limit])


def write_rows(db: QueueDatabase, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows as read from another queue; a key already in the file is skipped."""
    _key, columns = copying.table(table)
    marks = ", ".join("?" * len(columns))
    with db.transaction() as conn:
        conn.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(columns)})"
                         f" VALUES ({marks})", rows)
