"""The PrismQ DDL exactly as the backend writes it, plus this app's additive migrations.

PrismQ's own tables, indexes and views are created with ``IF NOT EXISTS`` so a file made by
the backend opens unchanged. Everything this app adds lives in migrations numbered by
``PRAGMA user_version`` and named ``pqd_*``: new tables, indexes and triggers only, never a
change to a PrismQ column.
"""

from __future__ import annotations

from prismq_desktop.core.sqlite import aggregates

PRISMQ_TABLES = """
CREATE TABLE IF NOT EXISTS task_queue (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  type               TEXT NOT NULL,
  priority           INTEGER NOT NULL DEFAULT 100,
  payload            TEXT NOT NULL,
  compatibility      TEXT NOT NULL DEFAULT '{}',

  status             TEXT NOT NULL DEFAULT 'queued',
  attempts           INTEGER NOT NULL DEFAULT 0,
  max_attempts       INTEGER NOT NULL DEFAULT 5,

  run_after_utc      DATETIME NOT NULL DEFAULT (datetime('now')),
  lease_until_utc    DATETIME,
  reserved_at_utc    DATETIME,
  processing_started_utc DATETIME,
  finished_at_utc    DATETIME,

  locked_by          TEXT,
  error_message      TEXT,
  idempotency_key    TEXT,

  created_at_utc     DATETIME NOT NULL DEFAULT (datetime('now')),
  updated_at_utc     DATETIME NOT NULL DEFAULT (datetime('now')),

  -- Generated columns for JSON filtering
  -- region: from compatibility (worker matching), format: from payload (task data)
  region             TEXT GENERATED ALWAYS AS (json_extract(compatibility, '$.region')) VIRTUAL,
  format             TEXT GENERATED ALWAYS AS (json_extract(payload, '$.format')) VIRTUAL
);

CREATE INDEX IF NOT EXISTS ix_task_status_prio_time
  ON task_queue (status, priority, run_after_utc, id);

CREATE INDEX IF NOT EXISTS ix_task_type_status
  ON task_queue (type, status);

CREATE INDEX IF NOT EXISTS ix_task_region
  ON task_queue (region);

CREATE INDEX IF NOT EXISTS ix_task_format
  ON task_queue (format);

CREATE UNIQUE INDEX IF NOT EXISTS uq_task_idempotency
  ON task_queue (idempotency_key)
  WHERE idempotency_key IS NOT NULL;

CREATE TABLE IF NOT EXISTS workers (
  worker_id      TEXT PRIMARY KEY,
  capabilities   TEXT NOT NULL,
  heartbeat_utc  DATETIME NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE IF NOT EXISTS task_logs (
  log_id     INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id    INTEGER NOT NULL,
  at_utc     DATETIME NOT NULL DEFAULT (datetime('now')),
  level      TEXT NOT NULL,
  message    TEXT,
  details    TEXT,
  FOREIGN KEY (task_id) REFERENCES task_queue(id)
);

CREATE INDEX IF NOT EXISTS ix_logs_task
  ON task_logs (task_id, at_utc);
"""

# The PrismQ backend's five views, column for column and in its order (DESIGN §3): its
# monitoring code selects them by name and ``SELECT *`` users by position.
_VIEWS = {
    "v_queue_status_summary": """
  SELECT status, COUNT(*) AS task_count, ROUND(AVG(attempts), 2) AS avg_attempts,
         MIN(created_at_utc) AS oldest_task, MAX(created_at_utc) AS newest_task
  FROM task_queue GROUP BY status""",
    "v_queue_type_summary": """
  SELECT type, status, COUNT(*) AS task_count, ROUND(AVG(priority), 2) AS avg_priority
  FROM task_queue GROUP BY type, status""",
    "v_worker_status": """
  SELECT w.worker_id, w.capabilities, w.heartbeat_utc, COUNT(t.id) AS active_tasks,
         ROUND((julianday('now') - julianday(w.heartbeat_utc)) * 86400)
           AS seconds_since_heartbeat
  FROM workers w
  LEFT JOIN task_queue t ON t.locked_by = w.worker_id AND t.status = 'processing'
  GROUP BY w.worker_id, w.capabilities, w.heartbeat_utc""",
    "v_task_performance": """
  SELECT type, status, COUNT(*) AS task_count,
         ROUND(AVG((julianday(finished_at_utc) - julianday(processing_started_utc)) * 86400), 2)
           AS avg_processing_seconds,
         ROUND(AVG(attempts), 2) AS avg_attempts
  FROM task_queue WHERE finished_at_utc IS NOT NULL GROUP BY type, status""",
    "v_recent_failures": """
  SELECT id, type, status, attempts, error_message, finished_at_utc
  FROM task_queue WHERE status IN ('failed', 'dead_letter')
  ORDER BY finished_at_utc DESC LIMIT 100""",
}
PRISMQ_VIEWS = "".join(f"CREATE VIEW IF NOT EXISTS {name} AS{body};\n"
                       for name, body in _VIEWS.items())

# Counts per (type, status) kept by triggers, so the sidebar's live counts cost a few rows
# instead of a scan of a million (DESIGN §9). Triggers live in the file, so writes by the
# PrismQ backend keep them exact too.
_COUNTS = """
CREATE TABLE IF NOT EXISTS pqd_counts (
  type    TEXT NOT NULL,
  status  TEXT NOT NULL,
  n       INTEGER NOT NULL,
  PRIMARY KEY (type, status)
) WITHOUT ROWID;

DELETE FROM pqd_counts;
INSERT INTO pqd_counts (type, status, n)
  SELECT type, status, COUNT(*) FROM task_queue GROUP BY type, status;

CREATE TRIGGER IF NOT EXISTS pqd_counts_insert AFTER INSERT ON task_queue BEGIN
  INSERT INTO pqd_counts (type, status, n) VALUES (NEW.type, NEW.status, 1)
    ON CONFLICT (type, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER IF NOT EXISTS pqd_counts_delete AFTER DELETE ON task_queue BEGIN
  UPDATE pqd_counts SET n = n - 1 WHERE type = OLD.type AND status = OLD.status;
END;

CREATE TRIGGER IF NOT EXISTS pqd_counts_update AFTER UPDATE OF status, type ON task_queue
  WHEN OLD.status IS NOT NEW.status OR OLD.type IS NOT NEW.type BEGIN
  UPDATE pqd_counts SET n = n - 1 WHERE type = OLD.type AND status = OLD.status;
  INSERT INTO pqd_counts (type, status, n) VALUES (NEW.type, NEW.status, 1)
    ON CONFLICT (type, status) DO UPDATE SET n = n + 1;
END;
"""

# One row per finished attempt with sub-second times (PrismQ columns hold whole seconds):
# the attempt history in the detail panel and the latency charts read it.
_RUNS = """
CREATE TABLE IF NOT EXISTS pqd_runs (
  run_id      INTEGER PRIMARY KEY,
  task_id     INTEGER NOT NULL,
  type        TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  worker_id   TEXT,
  outcome     TEXT NOT NULL,
  wait_s      REAL,
  run_s       REAL,
  finished    REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS pqd_ix_runs_finished ON pqd_runs (finished);
CREATE INDEX IF NOT EXISTS pqd_ix_runs_task ON pqd_runs (task_id);

CREATE TABLE IF NOT EXISTS pqd_progress (
  task_id     INTEGER PRIMARY KEY,
  fraction    REAL,
  message     TEXT,
  updated     REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS pqd_meta (
  key    TEXT PRIMARY KEY,
  value  TEXT
);
"""

# Time windows, FIFO/LIFO claims (status, run_after_utc, id) and the scheduled count.
_INDEXES = """
CREATE INDEX IF NOT EXISTS pqd_ix_task_status_run_after ON task_queue (status, run_after_utc);
CREATE INDEX IF NOT EXISTS pqd_ix_task_created ON task_queue (created_at_utc);
CREATE INDEX IF NOT EXISTS pqd_ix_task_finished ON task_queue (finished_at_utc, status);
"""

# Cheaper writes (issue 2): each index a write touches is one more WAL page per commit, the
# dearest part of a transition. Partial indexes hold only the rows their readers ask for:
# FIFO/LIFO claims (and the scheduled count) read queued rows only, so a claim deletes one
# entry and a completion never touches it; time windows on finished_at_utc read finished rows
# only (SQLite uses the index for any range term on it), so enqueue and claim never touch it.
# The rowid ends every index entry, so the first orders as (run_after_utc, id); its leading
# status column makes the planner prefer it for "status = 'queued' AND run_after_utc ..." reads
# (oldest ready, scheduled count) as it did the full index.
_PARTIAL_INDEXES = """
DROP INDEX IF EXISTS pqd_ix_task_status_run_after;
CREATE INDEX pqd_ix_task_queued_run_after ON task_queue (status, run_after_utc)
  WHERE status = 'queued';
DROP INDEX IF EXISTS pqd_ix_task_finished;
CREATE INDEX pqd_ix_task_finished ON task_queue (finished_at_utc, status)
  WHERE finished_at_utc IS NOT NULL;
"""

# Issue 11: files made by earlier versions of this app carry views of other shapes than
# PrismQ's. Views hold no data, so each is dropped and made again as above (a file made by the
# PrismQ backend gets the same columns and values it had).
_PRISMQ_VIEWS_AGAIN = "".join(f"DROP VIEW IF EXISTS {name};\n" for name in _VIEWS) + PRISMQ_VIEWS

# Recurring tasks and operator controls (DESIGN §14, core/sqlite/schedules.py and
# controls.py). A claim skips the types in pqd_paused_types; the due read walks the partial
# index of unpaused schedules by next run. Times are PrismQ's text form, compared as text.
_SCHEDULES = """
CREATE TABLE IF NOT EXISTS pqd_schedules (
  name          TEXT PRIMARY KEY,
  cron          TEXT NOT NULL,
  type          TEXT NOT NULL,
  payload       TEXT NOT NULL DEFAULT '{}',
  priority      INTEGER NOT NULL DEFAULT 100,
  max_attempts  INTEGER NOT NULL DEFAULT 5,
  timezone      TEXT NOT NULL DEFAULT 'UTC',
  catch_up      TEXT NOT NULL DEFAULT 'latest',
  paused        INTEGER NOT NULL DEFAULT 0,
  next_run_utc  TEXT,
  last_run_utc  TEXT,
  last_task_id  INTEGER,
  created_utc   TEXT NOT NULL,
  updated_utc   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pqd_ix_schedules_due ON pqd_schedules (next_run_utc)
  WHERE paused = 0;

CREATE TABLE IF NOT EXISTS pqd_paused_types (
  type        TEXT PRIMARY KEY,
  paused_utc  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS pqd_worker_control (
  worker_id         TEXT PRIMARY KEY,
  action            TEXT NOT NULL,
  requested_utc     TEXT NOT NULL,
  acknowledged_utc  TEXT
) WITHOUT ROWID;
"""

#: Migration n brings a file from user_version n-1 to n. Append only.
MIGRATIONS: tuple[str, ...] = (
    _COUNTS + _RUNS + _INDEXES, _PARTIAL_INDEXES, _PRISMQ_VIEWS_AGAIN, _SCHEDULES,
    aggregates.MIGRATION, aggregates.HOUR_HISTOGRAMS, aggregates.CHEAPER_TRIGGERS,
)
SCHEMA_VERSION = len(MIGRATIONS)
#: From this version on the file has pqd_agg and pqd_attempts (issue 12); reads of older files
#: (opened read-only, so not migrated) fall back to the task columns.
AGGREGATES_VERSION = MIGRATIONS.index(aggregates.MIGRATION) + 1
PRISMQ_TABLE_NAMES = ("task_queue", "workers", "task_logs")
