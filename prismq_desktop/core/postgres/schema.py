"""PrismQ's tables translated column for column to PostgreSQL, with this app's own, in one
schema of their own (``prismq`` unless the URL says ``?schema=NAME``), versioned in
``pqd_version`` (DESIGN §12).

Translation: ``bigserial`` ids, ``timestamptz`` times (the session runs in UTC and every
connection reads them back as PrismQ's ``YYYY-MM-DD HH:MM:SS`` text, see connection.py),
``jsonb`` payload, compatibility and capabilities, ``region``/``format`` generated and stored.
Statuses and the app tables are SQLite's (core/sqlite/schema.py).

Claims read partial indexes over waiting rows only, one per claim order, so a claim never
sorts the backlog and a finished task leaves them. Counts per (type, status) are kept by
statement triggers that append deltas to ``pqd_count_deltas`` (insert-only: concurrent
workers never queue behind one hot counter row); reads sum them with ``pqd_counts`` and fold
them in from time to time (reads.py).
"""

from __future__ import annotations

TABLES = """
CREATE TABLE task_queue (
  id                     bigserial PRIMARY KEY,
  type                   text NOT NULL,
  priority               integer NOT NULL DEFAULT 100,
  payload                jsonb NOT NULL,
  compatibility          jsonb NOT NULL DEFAULT '{}',
  status                 text NOT NULL DEFAULT 'queued',
  attempts               integer NOT NULL DEFAULT 0,
  max_attempts           integer NOT NULL DEFAULT 5,
  run_after_utc          timestamptz NOT NULL DEFAULT date_trunc('second', now()),
  lease_until_utc        timestamptz,
  reserved_at_utc        timestamptz,
  processing_started_utc timestamptz,
  finished_at_utc        timestamptz,
  locked_by              text,
  error_message          text,
  idempotency_key        text,
  created_at_utc         timestamptz NOT NULL DEFAULT date_trunc('second', now()),
  updated_at_utc         timestamptz NOT NULL DEFAULT date_trunc('second', now()),
  region                 text GENERATED ALWAYS AS (compatibility ->> 'region') STORED,
  format                 text GENERATED ALWAYS AS (payload ->> 'format') STORED
);
CREATE INDEX ix_task_status_prio_time ON task_queue (status, priority, run_after_utc, id);
CREATE INDEX ix_task_type_status ON task_queue (type, status);
CREATE INDEX ix_task_region ON task_queue (region);
CREATE INDEX ix_task_format ON task_queue (format);
CREATE UNIQUE INDEX uq_task_idempotency ON task_queue (idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX pqd_ix_claim_fifo ON task_queue (run_after_utc, id) WHERE status = 'queued';
CREATE INDEX pqd_ix_claim_priority ON task_queue (priority, run_after_utc, id)
  WHERE status = 'queued';
CREATE INDEX pqd_ix_task_held ON task_queue (locked_by, lease_until_utc)
  WHERE status IN ('leased', 'processing');
CREATE INDEX pqd_ix_task_created ON task_queue (created_at_utc);
CREATE INDEX pqd_ix_task_finished ON task_queue (finished_at_utc, status)
  WHERE finished_at_utc IS NOT NULL;

CREATE TABLE workers (
  worker_id      text PRIMARY KEY,
  capabilities   jsonb NOT NULL DEFAULT '{}',
  heartbeat_utc  timestamptz NOT NULL DEFAULT date_trunc('second', now())
);

CREATE TABLE task_logs (
  log_id   bigserial PRIMARY KEY,
  task_id  bigint NOT NULL REFERENCES task_queue (id),
  at_utc   timestamptz NOT NULL DEFAULT date_trunc('second', now()),
  level    text NOT NULL,
  message  text,
  details  text
);
CREATE INDEX ix_logs_task ON task_logs (task_id, log_id);

CREATE TABLE pqd_runs (
  run_id     bigserial PRIMARY KEY,
  task_id    bigint NOT NULL,
  type       text NOT NULL,
  attempt    integer NOT NULL,
  worker_id  text,
  outcome    text NOT NULL,
  wait_s     double precision,
  run_s      double precision,
  finished   double precision NOT NULL
);
CREATE INDEX pqd_ix_runs_finished ON pqd_runs (finished);
CREATE INDEX pqd_ix_runs_task ON pqd_runs (task_id);

CREATE TABLE pqd_progress (
  task_id   bigint PRIMARY KEY,
  fraction  double precision,
  message   text,
  updated   double precision NOT NULL
);

CREATE TABLE pqd_meta (key text PRIMARY KEY, value text);
"""

COUNTS = """
CREATE TABLE pqd_counts (
  type text NOT NULL, status text NOT NULL, n bigint NOT NULL, PRIMARY KEY (type, status));
CREATE TABLE pqd_count_deltas (type text NOT NULL, status text NOT NULL, n bigint NOT NULL);

CREATE FUNCTION pqd_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pqd_count_deltas SELECT type, status, count(*) FROM new_rows GROUP BY 1, 2;
  RETURN NULL;
END $$;
CREATE FUNCTION pqd_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pqd_count_deltas SELECT type, status, -count(*) FROM old_rows GROUP BY 1, 2;
  RETURN NULL;
END $$;
CREATE FUNCTION pqd_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pqd_count_deltas
    SELECT type, status, sum(n) FROM (
      SELECT type, status, 1 AS n FROM new_rows
      UNION ALL SELECT type, status, -1 FROM old_rows) AS moved
    GROUP BY 1, 2 HAVING sum(n) <> 0;
  RETURN NULL;
END $$;
CREATE TRIGGER pqd_counts_insert AFTER INSERT ON task_queue
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pqd_count_inserted();
CREATE TRIGGER pqd_counts_delete AFTER DELETE ON task_queue
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pqd_count_deleted();
CREATE TRIGGER pqd_counts_update AFTER UPDATE ON task_queue
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pqd_count_updated();
"""

# The PrismQ backend's monitoring views with its columns in its order (DESIGN §3).
VIEWS = """
CREATE OR REPLACE VIEW v_queue_status_summary AS
  SELECT status, count(*) AS task_count, round(avg(attempts), 2) AS avg_attempts,
         min(created_at_utc) AS oldest_task, max(created_at_utc) AS newest_task
  FROM task_queue GROUP BY status;
CREATE OR REPLACE VIEW v_queue_type_summary AS
  SELECT type, status, count(*) AS task_count, round(avg(priority), 2) AS avg_priority
  FROM task_queue GROUP BY type, status;
CREATE OR REPLACE VIEW v_worker_status AS
  SELECT w.worker_id, w.capabilities, w.heartbeat_utc,
         count(t.id) AS active_tasks,
         round(extract(epoch FROM now() - w.heartbeat_utc)) AS seconds_since_heartbeat
  FROM workers w LEFT JOIN task_queue t
    ON t.locked_by = w.worker_id AND t.status = 'processing'
  GROUP BY w.worker_id, w.capabilities, w.heartbeat_utc;
CREATE OR REPLACE VIEW v_task_performance AS
  SELECT type, status, count(*) AS task_count,
         round(avg(extract(epoch FROM finished_at_utc - processing_started_utc)), 2)
           AS avg_processing_seconds,
         round(avg(attempts), 2) AS avg_attempts
  FROM task_queue WHERE finished_at_utc IS NOT NULL GROUP BY type, status;
CREATE OR REPLACE VIEW v_recent_failures AS
  SELECT id, type, status, attempts, error_message, finished_at_utc
  FROM task_queue WHERE status IN ('failed', 'dead_letter')
  ORDER BY finished_at_utc DESC NULLS LAST LIMIT 100;
"""

# Recurring tasks and operator controls (DESIGN §14, schedules.py): a claim skips the types
# in pqd_paused_types; the due read walks the partial index of unpaused schedules.
SCHEDULES = """
CREATE TABLE pqd_schedules (
  name          text PRIMARY KEY,
  cron          text NOT NULL,
  type          text NOT NULL,
  payload       text NOT NULL DEFAULT '{}',
  priority      integer NOT NULL DEFAULT 100,
  max_attempts  integer NOT NULL DEFAULT 5,
  timezone      text NOT NULL DEFAULT 'UTC',
  catch_up      text NOT NULL DEFAULT 'latest',
  paused        integer NOT NULL DEFAULT 0,
  next_run_utc  timestamptz,
  last_run_utc  timestamptz,
  last_task_id  bigint,
  created_utc   timestamptz NOT NULL,
  updated_utc   timestamptz NOT NULL
);
CREATE INDEX pqd_ix_schedules_due ON pqd_schedules (next_run_utc) WHERE paused = 0;
CREATE TABLE pqd_paused_types (type text PRIMARY KEY, paused_utc timestamptz NOT NULL);
CREATE TABLE pqd_worker_control (
  worker_id         text PRIMARY KEY,
  action            text NOT NULL,
  requested_utc     timestamptz NOT NULL,
  acknowledged_utc  timestamptz
);
"""

# Queue-depth history (issue 11.3): every transition appended where it happens, by statement
# triggers (so other tools' writes count too), as deltas per 15 s (the smallest chart step):
# ``en`` enqueued, ``co``/``fa``/``fi`` completed/failed/left the backlog, ``op`` backlog
# change, ``sc`` scheduled change (+1 when a task starts waiting for a later run_after, -1 at
# that run_after, moved when it leaves earlier). A later retry adds its own rows at its own
# time and never rewrites earlier ones. Running comes from pqd_runs (stats.py).
FLOW_T = "floor(extract(epoch FROM {}) / 15)::bigint * 15"
_OPEN = "('queued', 'leased', 'processing')"
#: The transitions a row tells about itself as it stands (inserted, or the back-fill): its
#: enqueue, its wait for a later run_after (until then, or until it was claimed or ended if
#: that came first; a task run more than once keeps only its last run_after, so only a
#: waiting one's last wait is told), and its end when it is finished already. Rows alike in
#: those columns are taken together (a bulk enqueue is one group).
FLOW_OF_ROWS = f"""
  SELECT e.at, r.n * e.en AS en, r.n * e.co AS co, r.n * e.fa AS fa, r.n * e.fi AS fi,
    r.n * e.op AS op, r.n * e.sc AS sc
  FROM (SELECT status, least(attempts, 2) AS attempts, created_at_utc, updated_at_utc,
    run_after_utc, reserved_at_utc, processing_started_utc, finished_at_utc, count(*) AS n
    FROM {{rows}} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) r,
  LATERAL (SELECT CASE WHEN r.status = 'queued' AND r.attempts > 0 THEN r.updated_at_utc
    ELSE r.created_at_utc END AS since, CASE WHEN r.status = 'queued' THEN r.run_after_utc
    ELSE least(r.run_after_utc, coalesce(r.reserved_at_utc, r.processing_started_utc,
      r.finished_at_utc, r.updated_at_utc)) END AS until) s,
  LATERAL (SELECT s.until > s.since AND (r.status = 'queued' OR r.attempts <= 1) AS waits) k,
  LATERAL (VALUES (r.created_at_utc, 1, 0, 0, 0, 1, 0),
    (CASE WHEN k.waits THEN s.since END, 0, 0, 0, 0, 0, 1),
    (CASE WHEN k.waits THEN s.until END, 0, 0, 0, 0, 0, -1),
    (CASE WHEN r.status NOT IN {_OPEN} THEN coalesce(r.finished_at_utc, r.updated_at_utc) END,
     0, (r.status = 'completed')::int, (r.status = 'failed')::int, 1, -1, 0)
  ) AS e(at, en, co, fa, fi, op, sc) WHERE e.at IS NOT NULL"""
_FLOW_INSERT = ("INSERT INTO pqd_flow SELECT " + FLOW_T.format("at")
                + ", sum(en), sum(co), sum(fa), sum(fi), sum(op), sum(sc) FROM ({}) x GROUP BY 1"
                " HAVING bool_or(en <> 0 OR co <> 0 OR fa <> 0 OR fi <> 0 OR op <> 0 OR sc <> 0)")
_FLOW_OF_UPDATES = f"""
  SELECT e.at, 0 AS en, e.co, e.fa, e.fi, e.op, e.sc
  FROM old_rows o JOIN new_rows n ON n.id = o.id,
  LATERAL (SELECT (o.status IN {_OPEN})::int AS was, (n.status IN {_OPEN})::int AS now_open,
    (o.status = 'queued' AND o.run_after_utc > n.updated_at_utc)::int AS s_old,
    (n.status = 'queued' AND n.run_after_utc > n.updated_at_utc)::int AS s_new) k,
  LATERAL (VALUES (n.updated_at_utc, (n.status = 'completed' AND o.status <> 'completed')::int,
      (n.status = 'failed' AND o.status <> 'failed')::int, greatest(k.was - k.now_open, 0),
      k.now_open - k.was, k.s_new - k.s_old),
    (CASE WHEN k.s_old = 1 THEN o.run_after_utc END, 0, 0, 0, 0, 1),
    (CASE WHEN k.s_new = 1 THEN n.run_after_utc END, 0, 0, 0, 0, -1)
  ) AS e(at, co, fa, fi, op, sc)
  WHERE e.at IS NOT NULL AND (o.status IS DISTINCT FROM n.status
    OR o.run_after_utc IS DISTINCT FROM n.run_after_utc)"""
# A deleted task that was waiting leaves the backlog now (the row says nothing of when).
_FLOW_OF_DELETES = f"""
  SELECT e.at, 0 AS en, 0 AS co, 0 AS fa, e.fi, e.op, e.sc FROM old_rows o,
  LATERAL (SELECT (o.status IN {_OPEN})::int AS was,
    (o.status = 'queued' AND o.run_after_utc > now())::int AS s_del) k,
  LATERAL (VALUES (now(), k.was, -k.was, -k.s_del),
    (CASE WHEN k.s_del = 1 THEN o.run_after_utc END, 0, 0, 1)) AS e(at, fi, op, sc)
  WHERE e.at IS NOT NULL"""
FLOW = f"""
CREATE TABLE pqd_flow (t bigint NOT NULL, en bigint NOT NULL, co bigint NOT NULL,
  fa bigint NOT NULL, fi bigint NOT NULL, op bigint NOT NULL, sc bigint NOT NULL);
CREATE INDEX pqd_ix_flow_t ON pqd_flow (t);

CREATE FUNCTION pqd_flow_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_FLOW_INSERT.format(FLOW_OF_ROWS.format(rows="new_rows"))};
  RETURN NULL;
END $$;
CREATE FUNCTION pqd_flow_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_FLOW_INSERT.format(_FLOW_OF_UPDATES)};
  RETURN NULL;
END $$;
CREATE FUNCTION pqd_flow_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_FLOW_INSERT.format(_FLOW_OF_DELETES)};
  RETURN NULL;
END $$;
CREATE TRIGGER pqd_flow_insert AFTER INSERT ON task_queue
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pqd_flow_inserted();
CREATE TRIGGER pqd_flow_delete AFTER DELETE ON task_queue
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pqd_flow_deleted();
CREATE TRIGGER pqd_flow_update AFTER UPDATE ON task_queue
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pqd_flow_updated();
-- History before this migration is what the task columns tell.
{_FLOW_INSERT.format(FLOW_OF_ROWS.format(rows="task_queue"))};
"""

VERSION_TABLE = "CREATE TABLE pqd_version (version integer NOT NULL);"

#: Migration n brings a schema from version n-1 to n. Append only.
MIGRATIONS: tuple[str, ...] = (TABLES + COUNTS + VIEWS, SCHEDULES, FLOW)
#: The first version that keeps pqd_flow (an older schema opened read-only has none).
FLOW_VERSION = 3
SCHEMA_VERSION = len(MIGRATIONS)
#: The tables ``copy`` moves, in an order that keeps foreign keys satisfied.
TABLE_NAMES = ("task_queue", "workers", "task_logs", "pqd_runs", "pqd_progress", "pqd_meta",
               "pqd_schedules", "pqd_paused_types", "pqd_worker_control")
