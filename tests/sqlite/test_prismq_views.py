"""The PrismQ backend's five views (DESIGN §3, issue 11 item 1): columns in its order, values on
a small known file, and the migration that replaces the other shapes earlier versions made."""

from __future__ import annotations

from pathlib import Path

import apsw
import pytest

from prismq_desktop.core import Queue
from prismq_desktop.core.sqlite import schema
from tests.support import sqlite_db

COLUMNS = {
    "v_queue_status_summary": ["status", "task_count", "avg_attempts", "oldest_task",
                               "newest_task"],
    "v_queue_type_summary": ["type", "status", "task_count", "avg_priority"],
    "v_worker_status": ["worker_id", "capabilities", "heartbeat_utc", "active_tasks",
                        "seconds_since_heartbeat"],
    "v_task_performance": ["type", "status", "task_count", "avg_processing_seconds",
                           "avg_attempts"],
    "v_recent_failures": ["id", "type", "status", "attempts", "error_message",
                          "finished_at_utc"],
}

# (id, type, status, priority, attempts, created, started, finished, locked_by, error)
TASKS = [
    (1, "a", "completed", 10, 1, "10:00:00", "10:00:10", "10:00:13", None, None),
    (2, "a", "completed", 10, 2, "10:01:00", "10:01:00", "10:01:04", None, None),
    (3, "a", "failed", 100, 3, "10:02:00", "10:02:00", "10:02:01", None, "boom"),
    (4, "b", "queued", 50, 0, "10:03:00", None, None, None, None),
    (5, "b", "processing", 5, 1, "10:04:00", "10:04:30", None, "w1", None),
    (6, "b", "dead_letter", 7, 5, "10:05:00", "10:05:30", "10:06:00", None, "gone"),
    (7, "b", "leased", 100, 1, "10:06:00", None, None, "w1", None),
    (8, "a", "completed", 11, 2, "10:07:00", "10:07:00", "10:07:04", None, None),
]

#: The views earlier versions of this app created (other columns than PrismQ's).
OLD_APP_VIEWS = """
CREATE VIEW v_queue_status_summary AS SELECT status, COUNT(*) AS task_count,
  MIN(created_at_utc) AS oldest_created_utc, MAX(created_at_utc) AS newest_created_utc
  FROM task_queue GROUP BY status;
CREATE VIEW v_queue_type_summary AS SELECT type, COUNT(*) AS total,
  SUM(status = 'queued') AS queued, SUM(status = 'completed') AS completed
  FROM task_queue GROUP BY type;
CREATE VIEW v_worker_status AS SELECT w.worker_id, w.capabilities, w.heartbeat_utc,
  0 AS seconds_since_heartbeat, 0 AS active_tasks FROM workers w;
CREATE VIEW v_task_performance AS SELECT type, COUNT(*) AS completed, 0.0 AS avg_run_seconds,
  0.0 AS avg_wait_seconds FROM task_queue WHERE status = 'completed' GROUP BY type;
CREATE VIEW v_recent_failures AS SELECT id, type, attempts, max_attempts, error_message,
  finished_at_utc, locked_by FROM task_queue WHERE status IN ('failed', 'dead_letter')
  ORDER BY finished_at_utc DESC LIMIT 100;
"""


def _fill(conn: apsw.Connection) -> None:
    day = "2026-11-01 "
    for (task_id, kind, status, priority, attempts, created, started, finished, holder,
         error) in TASKS:
        conn.execute(
            "INSERT INTO task_queue (id, type, status, priority, attempts, payload,"
            " created_at_utc, processing_started_utc, finished_at_utc, locked_by, error_message)"
            " VALUES (?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?)",
            (task_id, kind, status, priority, attempts, day + created,
             started and day + started, finished and day + finished, holder, error))
    conn.execute("INSERT INTO workers (worker_id, capabilities, heartbeat_utc) VALUES"
                 " ('w1', '{\"gpu\": true}', datetime('now', '-30 seconds')),"
                 " ('w2', '{}', datetime('now', '-120 seconds'))")


def _view(conn: apsw.Connection, name: str) -> tuple[list[str], list[tuple[object, ...]]]:
    """(column names in order, rows) of ``SELECT *`` from a view."""
    columns = [column for (column,) in conn.execute(
        "SELECT name FROM pragma_table_info(?) ORDER BY cid", (name,))]
    return columns, [tuple(row) for row in conn.execute(f"SELECT * FROM {name}")]


@pytest.fixture
def known(queue: Queue) -> apsw.Connection:
    conn = sqlite_db(queue).get_connection()
    _fill(conn)
    return conn


@pytest.mark.parametrize("name", list(COLUMNS))
def test_each_view_has_prismq_columns_in_prismq_order(known: apsw.Connection, name: str) -> None:
    assert _view(known, name)[0] == COLUMNS[name]


def test_status_summary_values(known: apsw.Connection) -> None:
    rows = sorted(_view(known, "v_queue_status_summary")[1])
    day = "2026-11-01 "
    assert rows == [
        ("completed", 3, 1.67, day + "10:00:00", day + "10:07:00"),
        ("dead_letter", 1, 5.0, day + "10:05:00", day + "10:05:00"),
        ("failed", 1, 3.0, day + "10:02:00", day + "10:02:00"),
        ("leased", 1, 1.0, day + "10:06:00", day + "10:06:00"),
        ("processing", 1, 1.0, day + "10:04:00", day + "10:04:00"),
        ("queued", 1, 0.0, day + "10:03:00", day + "10:03:00"),
    ]


def test_type_summary_is_one_row_per_type_and_status(known: apsw.Connection) -> None:
    assert sorted(_view(known, "v_queue_type_summary")[1]) == [
        ("a", "completed", 3, 10.33), ("a", "failed", 1, 100.0),
        ("b", "dead_letter", 1, 7.0), ("b", "leased", 1, 100.0),
        ("b", "processing", 1, 5.0), ("b", "queued", 1, 50.0),
    ]


def test_worker_status_counts_processing_tasks_and_heartbeat_age(known: apsw.Connection) -> None:
    rows = {row[0]: row for row in _view(known, "v_worker_status")[1]}
    assert rows["w1"][1:2] == ('{"gpu": true}',) and rows["w1"][3] == 1  # leased task 7: no
    assert rows["w2"][3] == 0  # no task at all: 0 (a left join), not missing
    assert rows["w1"][4] in (30.0, 31.0) and rows["w2"][4] in (120.0, 121.0)


def test_task_performance_over_finished_tasks(known: apsw.Connection) -> None:
    assert sorted(_view(known, "v_task_performance")[1]) == [
        ("a", "completed", 3, 3.67, 1.67), ("a", "failed", 1, 1.0, 3.0),
        ("b", "dead_letter", 1, 30.0, 5.0),
    ]


def test_recent_failures_newest_first_at_most_100(known: apsw.Connection) -> None:
    assert _view(known, "v_recent_failures")[1] == [
        (6, "b", "dead_letter", 5, "gone", "2026-11-01 10:06:00"),
        (3, "a", "failed", 3, "boom", "2026-11-01 10:02:01"),
    ]
    known.execute("INSERT INTO task_queue (type, payload, status, finished_at_utc)"
                  " SELECT 'x', '{}', 'failed', '2026-11-02 00:00:00'"
                  " FROM (SELECT 1 FROM task_queue, task_queue, task_queue LIMIT 120)")
    rows = _view(known, "v_recent_failures")[1]
    assert len(rows) == 100 and {row[1] for row in rows} == {"x"}


def test_a_file_with_the_old_views_gets_prismq_views(db_path: Path) -> None:
    """The views an earlier version made are replaced; tasks and the rest stay as they were."""
    conn = apsw.Connection(str(db_path))
    for script in (schema.PRISMQ_TABLES, OLD_APP_VIEWS, *schema.MIGRATIONS[:2],
                   "PRAGMA user_version=2"):
        conn.execute(script)
    _fill(conn)
    conn.close()
    with Queue.open(db_path) as queue:
        assert sqlite_db(queue).user_version() == schema.SCHEMA_VERSION
        known = sqlite_db(queue).get_connection()
        for name, columns in COLUMNS.items():
            assert _view(known, name)[0] == columns, name
        assert ("a", "completed", 3, 10.33) in _view(known, "v_queue_type_summary")[1]
        assert queue.counts()["completed"] == 3
        assert queue.integrity_check() == ["ok"]
