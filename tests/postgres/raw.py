"""Raw access to a PostgreSQL queue for what the Queue API never does (no tests here): the
contract suite's PostgreSQL entry names this module, as tests/sqlite/raw.py for SQLite."""

from __future__ import annotations

import psycopg

from prismq_desktop.core.postgres.connection import connect_options, parse


def connect(location: str) -> psycopg.Connection[tuple[object, ...]]:
    """A plain autocommit connection on the queue's schema (search path and UTC set)."""
    return psycopg.connect(connect_options(parse(location), False, 5000), autocommit=True)


def set_status(location: str, task_id: int, status: str) -> None:
    """Write a status straight into the row, as another tool would."""
    with connect(location) as conn:
        done = conn.execute("UPDATE task_queue SET status = %s WHERE id = %s", (status, task_id))
        if done.rowcount != 1:
            raise LookupError(f"no task {task_id} in {location}")


def set_columns(location: str, task_id: int, values: dict[str, object]) -> None:
    """Write column values straight into a task's row, as another tool would; column names
    come from the test, never from input."""
    assignments = ", ".join(f'"{column}" = %s' for column in values)
    with connect(location) as conn:
        done = conn.execute(f"UPDATE task_queue SET {assignments} WHERE id = %s",
                            (*values.values(), task_id))
        if done.rowcount != 1:
            raise LookupError(f"no task {task_id} in {location}")
