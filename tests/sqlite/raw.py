"""Raw access to a SQLite queue file for what the Queue API never does (no tests here).

The contract suite's SQLite entry names this module (tests/contract/conftest.py): it writes
states only other tools write, and reads column text exactly as stored. A PostgreSQL backend
brings its own module with the same functions.
"""

from __future__ import annotations

import json
import subprocess
import sys

import apsw

#: The PrismQ tables whose timestamp columns the PrismQ backend parses (DESIGN §3).
PRISMQ_TABLES = ("task_queue", "workers", "task_logs")

_READ_TIMESTAMPS = """
import json, sqlite3, sys
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
found = {}
for table in sys.argv[2:]:
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    for column in columns:
        if column.endswith("_utc"):
            rows = conn.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")
            found[f"{table}.{column}"] = [value for (value,) in rows]
print(json.dumps(found))
"""


def set_status(location: str, task_id: int, status: str) -> None:
    """Write a status straight into the row, as the PrismQ backend or another tool would."""
    conn = apsw.Connection(location)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("UPDATE task_queue SET status = ? WHERE id = ?", (status, task_id))
        if conn.changes() != 1:
            raise LookupError(f"no task {task_id} in {location}")
    finally:
        conn.close()


def set_columns(location: str, task_id: int, values: dict[str, object]) -> None:
    """Write column values straight into a task's row (attempts past max_attempts, odd
    timestamps), as another tool would; column names come from the test, never from input."""
    conn = apsw.Connection(location)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        assignments = ", ".join(f'"{column}" = ?' for column in values)
        conn.execute(f"UPDATE task_queue SET {assignments} WHERE id = ?",
                     (*values.values(), task_id))
        if conn.changes() != 1:
            raise LookupError(f"no task {task_id} in {location}")
    finally:
        conn.close()


def timestamp_columns(location: str) -> dict[str, list[object]]:
    """Every non-NULL value of every ``*_utc`` column of the PrismQ tables, as stored.

    Read by the standard ``sqlite3`` module in a child process: inside the test process only
    apsw may open the file (two SQLite copies in one process break each other's locks).
    """
    done = subprocess.run([sys.executable, "-c", _READ_TIMESTAMPS, location, *PRISMQ_TABLES],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]
