"""Queue files as older versions of this app (or the PrismQ backend) left them, big enough
that migrating them takes measurable work (no tests here).

The tasks are written by SQL in one statement, so a file of 100,000 takes about a second to
make; ``snapshot`` reads everything a migration could change, to compare before and after.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import apsw

from prismq_desktop.core.sqlite import schema

#: The last version before the aggregate tables (issue 12): migrating it back-fills them.
BEFORE_AGGREGATES = schema.AGGREGATES_VERSION - 1

#: Tasks a second apart, a fifth of them waiting, the rest finished or failed by workers
#: w0..w2; half the finished ones have a run row (the app ran them) when the version has them.
_TASKS = """
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n)
INSERT INTO task_queue (type, payload, status, attempts, created_at_utc, run_after_utc,
  processing_started_utc, finished_at_utc, updated_at_utc, locked_by)
SELECT 't' || (i % 7), '{"n": ' || i || '}',
  CASE WHEN i % 5 = 0 THEN 'queued' WHEN i % 5 = 1 THEN 'failed' ELSE :finished END, 1,
  datetime('2026-11-01', '+' || i || ' seconds'), datetime('2026-11-01', '+' || i || ' seconds'),
  CASE WHEN i % 5 > 0 THEN datetime('2026-11-01', '+' || (i + 2) || ' seconds') END,
  CASE WHEN i % 5 > 0 THEN datetime('2026-11-01', '+' || (i + 5) || ' seconds') END,
  datetime('2026-11-01', '+' || (i + 5) || ' seconds'),
  CASE WHEN i % 5 > 0 THEN 'w' || (i % 3) END
FROM s
"""
_RUNS = """
INSERT INTO pqd_runs (task_id, type, attempt, worker_id, outcome, wait_s, run_s, finished)
SELECT id, type, 1, locked_by, status, 2.0, 3.0, CAST(strftime('%s', finished_at_utc) AS REAL)
FROM task_queue WHERE status != 'queued' AND id % 2 = 0
"""


def make_old_file(path: Path, tasks: int, version: int = BEFORE_AGGREGATES,
                  finished: str = "completed") -> Path:
    """A WAL queue file at ``user_version`` ``version`` (0: as the PrismQ backend makes it)
    holding ``tasks`` tasks; ``finished`` is the status of the tasks that ran and did not fail."""
    conn = apsw.Connection(str(path))
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        with conn:
            conn.execute(schema.PRISMQ_TABLES)
            conn.execute(schema.PRISMQ_VIEWS)
            # The rows first, then the migrations back-fill from them: today's text of an old
            # migration may make triggers that only a later one makes work.
            conn.execute(_TASKS, {"n": tasks, "finished": finished})
            runs_from = 1 if version >= 1 else version
            for script in schema.MIGRATIONS[:runs_from]:
                conn.execute(script)
            if version >= 1:
                conn.execute(_RUNS)  # pqd_runs; the aggregates' migration moves them
            for script in schema.MIGRATIONS[runs_from:version]:
                conn.execute(script)
            conn.execute(f"PRAGMA user_version={version}")
    finally:
        conn.close()
    return path


def copy_file(source: Path, target: Path) -> Path:
    """A copy of a closed queue file (its WAL was checkpointed when the last connection
    closed), for tests that start from the same made file."""
    shutil.copyfile(source, target)
    return target


def snapshot(path: Path) -> tuple[int, list[tuple[object, ...]], dict[str, str]]:
    """user_version, the schema rows, and a digest of every table's rows, read by a
    connection of its own (no app connection may be open on the file)."""
    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        version = int(conn.execute("PRAGMA user_version").fetchall()[0][0])  # type: ignore[arg-type]
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema"
                            " ORDER BY type, name").fetchall()
        tables = [name for kind, name, _, _ in rows if kind == "table"]
        digests = {}
        for table in tables:
            digest = hashlib.sha256()
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                digest.update(repr(row).encode())
            digests[table] = digest.hexdigest()
        return version, rows, digests
    finally:
        conn.close()
