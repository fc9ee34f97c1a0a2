"""One WITHOUT ROWID table, ``pqd_agg``, kept by triggers on task_queue: exact counts, time
rollups of every transition and latency histograms (DESIGN §9, issue 12).

Triggers keep it, not app code, so writes by the PrismQ backend keep it exact too; they use
only SQL every SQLite since 3.24 has (``strftime('%s')``, upserts; no math functions), since
the backend's SQLite runs them on its own writes.

Rows, all in one key space ``(b, g, k)`` so that what a commit changes sits on one or two
pages near the end of the table (the rows of the current minutes and, last, the counts):

- counts: ``b = COUNTS``, ``g`` type, ``k`` status, ``n`` tasks;
- flow: ``b`` a bucket start (15 s, or 600 s at ``b + 598``), ``g`` the worker or '',
  ``k = 0``; per bucket: ``en`` enqueued, ``st`` claimed, ``co`` completed, ``fa`` failed,
  ``fi`` finished (left the backlog), ``op`` backlog change, ``ac`` running change with
  ``at`` the sum of ±epoch of those changes, ``sc`` scheduled change. Transitions are
  recorded where they happen, so history never moves when a task is retried later;
- histograms: ``b`` a minute at ``b + 59``, ten minutes at ``b + 597`` or an hour at
  ``b + 3596`` (so a 7-day chart reads 168 of them, not 1,008), ``g`` type,
  ``k`` = 1000 + wait bin, 2000 + run bin (completed) or 3000 + run bin (failed), ``n``
  attempts. Bins are log-spaced (``stats_types.BIN_EDGES``, 10 per doubling: 7 % wide).

The residues of ``b`` keep the kinds apart, so a read seeks the buckets it wants exactly.
An attempt's sub-second wait and run come from its ``pqd_attempts`` row, which the app writes
just before the status change; other writers' attempts get whole seconds from the columns.
"""

from __future__ import annotations

from prismq_desktop.core.stats_types import BIN_EDGES

COUNTS = 1 << 62
FLOW_STEP, COARSE_STEP, HIST_STEP, HOUR_STEP = 15, 600, 60, 3600
#: Offsets of each kind's rows from their bucket start (each a different residue mod 15).
FLOW_COARSE_AT, HIST_AT, HIST_COARSE_AT, HIST_HOUR_AT = 598, 59, 597, 3596
WAIT, RUN_OK, RUN_FAILED = 1000, 2000, 3000
FLOW_COLUMNS = ("en", "st", "co", "fa", "fi", "op", "ac", "at", "sc")
_ALL = ("n", *FLOW_COLUMNS)


def _epoch(text: str) -> str:
    """A stored timestamp as epoch seconds; unreadable text counts as now, never NULL."""
    return f"CAST(coalesce(strftime('%s', {text}), strftime('%s', 'now')) AS INTEGER)"


def _row(b: str, g: str, k: str, where: str = "", **values: str) -> str:
    cells = ", ".join(values.get(name, "0") for name in _ALL)
    return f"SELECT {b}, {g}, {k}, {cells}" + (f" WHERE {where}" if where else "")


def _upsert(rows: list[str]) -> str:
    """One statement adding every row's values to the table (one program run per trigger)."""
    updates = ", ".join(f"{c} = {c} + excluded.{c}" for c in _ALL)
    return (f"INSERT INTO pqd_agg (b, g, k, {', '.join(_ALL)}) SELECT * FROM ("
            + " UNION ALL ".join(rows)
            + f") WHERE 1 ON CONFLICT (b, g, k) DO UPDATE SET {updates};")


def _flow(t: str, g: str, where: str = "", **values: str) -> list[str]:
    """The same flow values in a 15 s bucket and in its 600 s bucket."""
    return [_row(f"{t} - {t} % {FLOW_STEP}", g, "0", where, **values),
            _row(f"{t} - {t} % {COARSE_STEP} + {FLOW_COARSE_AT}", g, "0", where, **values)]


OPEN = "('queued', 'leased', 'processing')"
ACTIVE = "('leased', 'processing')"
ENDINGS = "('completed', 'failed', 'queued')"


def _is(column: str, statuses: str) -> str:
    """1 when ``column`` holds one of ``statuses``, else 0, as a CASE: an ``IN (...)`` list
    in a trigger's expression measured ~100 µs a row (an ephemeral table built each time)."""
    whens = " ".join(f"WHEN {s.strip()} THEN 1" for s in statuses.strip("()").split(","))
    return f"(CASE {column} {whens} ELSE 0 END)"

TABLES = f"""
CREATE TABLE pqd_agg (
  b INTEGER NOT NULL, g TEXT NOT NULL, k NOT NULL, n INTEGER NOT NULL DEFAULT 0,
  {', '.join(f'{c} INTEGER NOT NULL DEFAULT 0' for c in FLOW_COLUMNS)},
  PRIMARY KEY (b, g, k)
) WITHOUT ROWID;

CREATE TABLE pqd_bins (lo REAL PRIMARY KEY, bin INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO pqd_bins (lo, bin) VALUES
  {', '.join(f'({edge!r}, {i})' for i, edge in enumerate(BIN_EDGES))};

CREATE TABLE pqd_attempts (
  task_id INTEGER NOT NULL, finished REAL NOT NULL, attempt INTEGER, worker_id TEXT,
  outcome TEXT NOT NULL, wait_s REAL, run_s REAL,
  PRIMARY KEY (task_id, finished)
) WITHOUT ROWID;
"""


def _bin(value: str) -> str:
    return f"coalesce((SELECT bin FROM pqd_bins WHERE lo <= {value} ORDER BY lo DESC LIMIT 1), 0)"


# -- the triggers ------------------------------------------------------------------------------
_NOW = _epoch("'now'")
_TI = _epoch("NEW.created_at_utc")
_RI = "CAST(strftime('%s', NEW.run_after_utc) AS INTEGER)"
_S_INSERTED = f"ifnull(NEW.status = 'queued' AND {_RI} > {_TI}, 0)"
_INSERT = _upsert([
    _row(str(COUNTS), "NEW.type", "NEW.status", n="1"),
    *_flow(_TI, "''", en="1", op=_is("NEW.status", OPEN), ac=_is("NEW.status", ACTIVE),
           at=f"{_is('NEW.status', ACTIVE)} * {_TI}",
           sc=_S_INSERTED),
    *_flow(_RI, "''", _S_INSERTED, sc="-1"),
])

_T = _epoch("NEW.updated_at_utc")
_RO = "CAST(strftime('%s', OLD.run_after_utc) AS INTEGER)"
_RN = "CAST(strftime('%s', NEW.run_after_utc) AS INTEGER)"
_S_OLD = f"ifnull(OLD.status = 'queued' AND {_RO} > {_T}, 0)"
_S_NEW = f"ifnull(NEW.status = 'queued' AND {_RN} > {_T}, 0)"
_MOVED = "(OLD.status IS NOT NEW.status OR OLD.type IS NOT NEW.type)"
_A_DELTA = f"({_is('NEW.status', ACTIVE)} - {_is('OLD.status', ACTIVE)})"
# An attempt ends when a running task completes, fails or goes back to queued with its
# attempt still counted (a release refunds it; a cancel is no finished attempt).
_ENDED = (f"{_is('OLD.status', ACTIVE)} AND {_is('NEW.status', ENDINGS)}"
          " AND NEW.attempts IS OLD.attempts")
_START = ("CAST(strftime('%s', coalesce(OLD.processing_started_utc, OLD.reserved_at_utc))"
          " AS INTEGER)")
_MINE = f"a.task_id = NEW.id AND a.attempt IS NEW.attempts AND a.finished >= {_T}"
_WAIT = (f"(SELECT CASE WHEN a.task_id IS NULL THEN {_START} - CAST(strftime('%s',"
         f" NEW.created_at_utc) AS INTEGER) ELSE a.wait_s END FROM (SELECT 1)"
         f" LEFT JOIN pqd_attempts a ON {_MINE})")
_RUN = (f"(SELECT CASE WHEN a.task_id IS NULL THEN {_T} - {_START} ELSE a.run_s END"
        f" FROM (SELECT 1) LEFT JOIN pqd_attempts a ON {_MINE})")
_HIST = (
    f"SELECT lv.b, NEW.type, v.k + {_bin('max(v.x, 0)')}, 1, {', '.join('0' * len(FLOW_COLUMNS))}"
    f" FROM (SELECT {_T} - {_T} % {HIST_STEP} + {HIST_AT} AS b"
    f" UNION ALL SELECT {_T} - {_T} % {COARSE_STEP} + {HIST_COARSE_AT}"
    f" UNION ALL SELECT {_T} - {_T} % {HOUR_STEP} + {HIST_HOUR_AT}) AS lv,"
    f" (SELECT {WAIT} AS k, {_WAIT} AS x WHERE {_ENDED} UNION ALL SELECT CASE NEW.status"
    f" WHEN 'completed' THEN {RUN_OK} ELSE {RUN_FAILED} END, {_RUN} WHERE {_ENDED}) AS v"
    " WHERE v.x IS NOT NULL"
)
_UPDATE = _upsert([
    _row(str(COUNTS), "OLD.type", "OLD.status", _MOVED, n="-1"),
    _row(str(COUNTS), "NEW.type", "NEW.status", _MOVED, n="1"),
    *_flow(_T, "coalesce(NEW.locked_by, OLD.locked_by, '')",
           f"OLD.status IS NOT NEW.status OR {_S_OLD} OR {_S_NEW}",
           st=f"{_is('NEW.status', ACTIVE)} > {_is('OLD.status', ACTIVE)}",
           co="NEW.status = 'completed' AND OLD.status IS NOT 'completed'",
           fa="NEW.status = 'failed' AND OLD.status IS NOT 'failed'",
           fi=f"{_is('OLD.status', OPEN)} > {_is('NEW.status', OPEN)}",
           op=f"{_is('NEW.status', OPEN)} - {_is('OLD.status', OPEN)}",
           ac=_A_DELTA, at=f"{_A_DELTA} * {_T}", sc=f"{_S_NEW} - {_S_OLD}"),
    *_flow(_RO, "''", _S_OLD, sc="1"),
    *_flow(_RN, "''", _S_NEW, sc="-1"),
    _HIST,
])
# A deleted task that was waiting leaves the backlog now (the row says nothing of when).
_S_DELETED = f"ifnull(OLD.status = 'queued' AND {_RO} > {_NOW}, 0)"
_DELETE = _upsert([
    _row(str(COUNTS), "OLD.type", "OLD.status", n="-1"),
    *_flow(_NOW, "''", _is("OLD.status", OPEN), op="-1", fi="1",
           ac=f"-{_is('OLD.status', ACTIVE)}", at=f"-{_is('OLD.status', ACTIVE)} * {_NOW}",
           sc=f"-{_S_DELETED}"),
    *_flow(_RO, "''", _S_DELETED, sc="1"),
])

TRIGGERS = f"""
CREATE TRIGGER pqd_agg_insert AFTER INSERT ON task_queue BEGIN
  {_INSERT}
END;
CREATE TRIGGER pqd_agg_update AFTER UPDATE OF status, type, run_after_utc ON task_queue
  WHEN OLD.status IS NOT NEW.status OR OLD.type IS NOT NEW.type
    OR OLD.run_after_utc IS NOT NEW.run_after_utc BEGIN
  {_UPDATE}
END;
CREATE TRIGGER pqd_agg_delete AFTER DELETE ON task_queue BEGIN
  {_DELETE}
END;
"""

# -- the migration: back-fill from the task columns and the old run rows, then drop what the
# aggregates replace (count rows and their triggers, the run table with its two indexes, the
# time-window indexes). History before it is what the columns tell (as the charts read it
# before); from here on every transition is recorded where it happens.
_EVENTS = f"""
CREATE TEMP TABLE pqd_events (t INTEGER, g TEXT, {', '.join(FLOW_COLUMNS)});
INSERT INTO temp.pqd_events
  SELECT {_epoch('created_at_utc')}, '', 1, 0, 0, 0, 0, 1, 0, 0, 0 FROM task_queue;
INSERT INTO temp.pqd_events
  SELECT s, g, 0, 1, 0, 0, 0, 0, 1, s, 0 FROM (SELECT ifnull(locked_by, '') AS g,
    CAST(strftime('%s', coalesce(processing_started_utc, reserved_at_utc)) AS INTEGER) AS s
    FROM task_queue) WHERE s IS NOT NULL;
INSERT INTO temp.pqd_events
  SELECT e, g, 0, 0, 0, 0, 0, 0, -1, -e, 0 FROM (SELECT ifnull(locked_by, '') AS g,
    {_epoch('coalesce(finished_at_utc, updated_at_utc)')} AS e FROM task_queue
    WHERE coalesce(processing_started_utc, reserved_at_utc) IS NOT NULL
      AND strftime('%s', coalesce(processing_started_utc, reserved_at_utc)) IS NOT NULL
      AND status NOT IN {ACTIVE});
INSERT INTO temp.pqd_events
  SELECT {_epoch('coalesce(finished_at_utc, updated_at_utc)')}, ifnull(locked_by, ''), 0, 0,
    status = 'completed', status = 'failed', 1, -1, 0, 0, 0
  FROM task_queue WHERE status NOT IN {OPEN};
INSERT INTO temp.pqd_events
  SELECT CASE side.d WHEN 1 THEN since ELSE r END, '', 0, 0, 0, 0, 0, 0, 0, 0, side.d FROM (
    SELECT {_epoch("CASE WHEN attempts > 0 THEN updated_at_utc ELSE created_at_utc END")}
      AS since, CAST(strftime('%s', run_after_utc) AS INTEGER) AS r
    FROM task_queue WHERE status = 'queued') AS q,
  (SELECT 1 AS d UNION ALL SELECT -1) AS side WHERE q.r > q.since;
"""


def _flow_from_events(step: int, at: int) -> str:
    sums = ", ".join(f"sum({c})" for c in FLOW_COLUMNS)
    return (f"INSERT INTO pqd_agg (b, g, k, {', '.join(FLOW_COLUMNS)})"
            f" SELECT t - t % {step} + {at}, g, 0, {sums} FROM temp.pqd_events WHERE 1"
            f" GROUP BY 1, 2;")


# Attempts with their sub-second times, and for finished tasks that have none (run by other
# programs) the whole seconds their columns give.
_HIST_EVENTS = f"""
CREATE TEMP TABLE pqd_hist_events (t INTEGER, g TEXT, k INTEGER);
INSERT INTO temp.pqd_hist_events
  SELECT CAST(a.finished AS INTEGER), t.type, {WAIT} + {_bin('max(a.wait_s, 0)')}
  FROM pqd_attempts a JOIN task_queue t ON t.id = a.task_id WHERE a.wait_s IS NOT NULL
  UNION ALL
  SELECT CAST(a.finished AS INTEGER), t.type,
    CASE a.outcome WHEN 'completed' THEN {RUN_OK} ELSE {RUN_FAILED} END
    + {_bin('max(a.run_s, 0)')}
  FROM pqd_attempts a JOIN task_queue t ON t.id = a.task_id WHERE a.run_s IS NOT NULL;
INSERT INTO temp.pqd_hist_events
  SELECT e, type, CASE w.which WHEN 0 THEN {WAIT} ELSE rk END
    + {_bin('max(CASE w.which WHEN 0 THEN s - c ELSE e - s END, 0)')}
  FROM (
    SELECT CAST(strftime('%s', finished_at_utc) AS INTEGER) AS e, type,
      CAST(strftime('%s', coalesce(processing_started_utc, reserved_at_utc)) AS INTEGER) AS s,
      CAST(strftime('%s', created_at_utc) AS INTEGER) AS c,
      CASE status WHEN 'completed' THEN {RUN_OK} ELSE {RUN_FAILED} END AS rk
    FROM task_queue WHERE status IN ('completed', 'failed')
      AND NOT EXISTS (SELECT 1 FROM pqd_attempts a WHERE a.task_id = task_queue.id)
  ) AS f, (SELECT 0 AS which UNION ALL SELECT 1) AS w
  WHERE e IS NOT NULL AND s IS NOT NULL AND (w.which = 1 OR c IS NOT NULL);
"""


def _hist_from_events(step: int, at: int) -> str:
    return (f"INSERT INTO pqd_agg (b, g, k, n) SELECT t - t % {step} + {at}, g, k, count(*)"
            " FROM temp.pqd_hist_events WHERE 1 GROUP BY 1, 2, 3;")


#: Refills the aggregates from the task columns and ``pqd_attempts``: the migration, and
#: sample data (which writes finished tasks directly, as no transition would).
BACKFILL = "\n".join((
    f"DELETE FROM pqd_agg; INSERT INTO pqd_agg (b, g, k, n) SELECT {COUNTS}, type, status,"
    " count(*) FROM task_queue WHERE 1 GROUP BY type, status;",
    _EVENTS, _flow_from_events(FLOW_STEP, 0), _flow_from_events(COARSE_STEP, FLOW_COARSE_AT),
    _HIST_EVENTS, _hist_from_events(HIST_STEP, HIST_AT),
    _hist_from_events(COARSE_STEP, HIST_COARSE_AT), _hist_from_events(HOUR_STEP, HIST_HOUR_AT),
    "DROP TABLE temp.pqd_events; DROP TABLE temp.pqd_hist_events;",
))

MIGRATION = "\n".join((
    TABLES,
    "INSERT INTO pqd_attempts (task_id, finished, attempt, worker_id, outcome, wait_s, run_s)"
    " SELECT task_id, finished, attempt, worker_id, outcome, wait_s, run_s FROM pqd_runs"
    " WHERE 1 ON CONFLICT DO NOTHING;",
    BACKFILL,
    "DROP TRIGGER IF EXISTS pqd_counts_insert; DROP TRIGGER IF EXISTS pqd_counts_delete;"
    " DROP TRIGGER IF EXISTS pqd_counts_update; DROP TABLE IF EXISTS pqd_counts;"
    " DROP TABLE IF EXISTS pqd_runs; DROP INDEX IF EXISTS pqd_ix_task_finished;"
    " DROP INDEX IF EXISTS pqd_ix_task_created;",
    TRIGGERS,
))

#: Rows that arrived in their final states (a copy) mark the aggregates for a rebuild, done by
#: the next open that can write (:data:`REBUILD_IF_STALE`).
MARK_STALE = ("INSERT INTO pqd_meta (key, value) VALUES ('aggregates_stale', '1')"
              " ON CONFLICT (key) DO NOTHING")
STALE = "SELECT 1 FROM pqd_meta WHERE key = 'aggregates_stale'"
REBUILD = BACKFILL + "\nDELETE FROM pqd_meta WHERE key = 'aggregates_stale';"

#: Migration: hour histograms (issue 12's 7-day read budget), summed from the ten-minute
#: rows so recorded history stays as it is; the update trigger writes them from now on.
#: Idempotent (a file made with the hour rows already gets them again, not twice).
HOUR_HISTOGRAMS = f"""
DROP TRIGGER IF EXISTS pqd_agg_update;
DELETE FROM pqd_agg WHERE b < {COUNTS} AND b % {FLOW_STEP} = {HIST_HOUR_AT % FLOW_STEP};
INSERT INTO pqd_agg (b, g, k, n)
  SELECT (b - {HIST_COARSE_AT}) - (b - {HIST_COARSE_AT}) % {HOUR_STEP} + {HIST_HOUR_AT}, g, k,
    sum(n) FROM pqd_agg
  WHERE b < {COUNTS} AND b % {FLOW_STEP} = {HIST_COARSE_AT % FLOW_STEP} AND k >= {WAIT}
  GROUP BY 1, 2, 3;
CREATE TRIGGER pqd_agg_update AFTER UPDATE OF status, type, run_after_utc ON task_queue
  WHEN OLD.status IS NOT NEW.status OR OLD.type IS NOT NEW.type
    OR OLD.run_after_utc IS NOT NEW.run_after_utc BEGIN
  {_UPDATE}
END;
"""
