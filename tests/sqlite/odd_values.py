"""A queue file with one odd value per row (no tests here): every kind of value SQLite can
hold, in every task_queue column, task_logs column and workers column, as another tool could
write them (issue 17 item 3). The CLI, core and GUI tests read the same matrix."""

from __future__ import annotations

from pathlib import Path

import apsw

from prismq_desktop.core import Queue
from prismq_desktop.core.models import TASK_COLUMNS

#: name → value; ``bad_utf8`` is stored as TEXT holding bytes that are not UTF-8.
ODD_VALUES: dict[str, object] = {
    "null": None, "epoch_ms": 1_700_000_000_000, "negative": -1, "max_int": 2**63 - 1,
    "min_int": -2**63, "huge_real": 1e308, "infinity": float("inf"), "real": 3.5, "empty": "",
    "word": "x", "bad_offset": "2026-01-01 00:00:00+99:99", "year_9999": "9999-12-31 23:59:59",
    "year_0": "0000-00-00 00:00:00", "bad_utf8": b"\xff\xfeA", "blob": b"\x00\xff",
    "bidi": "\u202eevil", "bad_json": "{", "json_array": "[1,2]",
    "controls": "a\x1b[31mred\nline",
}
#: Every task_queue column another tool can write (``id`` is SQLite's rowid: integers only).
TASK_ODD_COLUMNS = TASK_COLUMNS[1:]
LOG_ODD_COLUMNS = ("at_utc", "level", "message", "details")
WORKER_ODD_COLUMNS = ("capabilities", "heartbeat_utc")
CASES = [(column, name) for column in TASK_ODD_COLUMNS for name in ODD_VALUES]


def _assign(column: str, name: str) -> tuple[str, object]:
    if name == "bad_utf8":
        return f'"{column}" = CAST(? AS TEXT)', ODD_VALUES[name]
    return f'"{column}" = ?', ODD_VALUES[name]


def make_odd_queue(path: Path, normal: int = 3) -> dict[int, tuple[str, str]]:
    """The file at ``path``: ``normal`` ordinary tasks, then one task per (column, value)
    with that value written raw; task 1 also gets a log line per (log column, value) and
    the workers table a worker per (worker column, value). Returns {task id: case}; a case
    SQLite itself refuses (NULL in a NOT NULL column; in payload and compatibility, text the
    index on their generated column cannot read as JSON) is left ordinary, not returned."""
    with Queue.open(path) as queue:
        for n in range(normal):
            queue.enqueue("normal", {"n": n})
        ids = {queue.enqueue("odd", {"k": 1}).id: case for case in CASES}
    conn = apsw.Connection(str(path))
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        written = {}
        for task_id, (column, name) in ids.items():
            sql, value = _assign(column, name)
            try:
                conn.execute(f"UPDATE task_queue SET {sql} WHERE id = ?", (value, task_id))
                written[task_id] = (column, name)
            except (apsw.ConstraintError, apsw.SQLError):
                pass  # SQLite refuses it: NULL where NOT NULL, or JSON its index cannot read
        for column in LOG_ODD_COLUMNS:
            for name in ODD_VALUES:
                conn.execute("INSERT INTO task_logs (task_id, at_utc, level, message)"
                             " VALUES (1, '2026-01-01 00:00:00', 'INFO', 'odd log')")
                sql, value = _assign(column, name)
                _try(conn, f"UPDATE task_logs SET {sql} WHERE log_id = last_insert_rowid()",
                     value)
        for column in WORKER_ODD_COLUMNS:
            for name in ODD_VALUES:
                worker = f"odd-{column}-{name}"
                conn.execute("INSERT INTO workers (worker_id, capabilities) VALUES (?, '{}')",
                             (worker,))
                sql, value = _assign(column, name)
                _try(conn, f"UPDATE workers SET {sql} WHERE worker_id = '{worker}'", value)
        conn.execute("INSERT INTO workers (worker_id, capabilities)"
                     " VALUES (CAST(X'FFFE' AS TEXT), '{}')")
    finally:
        conn.close()
    return written


def _try(conn: apsw.Connection, sql: str, value: object) -> None:
    try:
        conn.execute(sql, (value,))
    except (apsw.ConstraintError, apsw.SQLError):
        pass  # SQLite itself refuses it (NULL where the schema says NOT NULL)
