"""The Stats tab's reads on SQLite: counts per bucket, finished attempts, running and scheduled
tasks (core/stats.py does the arithmetic, core/stats_types.py holds the results).

Every read's cost is bounded by indexes, so the charts stay cheap on a file of millions of
tasks (DESIGN §9; figures in benchmarks/read_bench.py and gui_bench.py):

- Throughput counts index entries per bucket without parsing a timestamp: the bucket edges are
  written as PrismQ's column text and each bucket is one ranged count over
  ``pqd_ix_task_created`` / ``pqd_ix_task_finished`` (6 ms for a day of 1-minute buckets over
  143,000 tasks, against 34 ms for ``GROUP BY unixepoch(...)``). Rows written with a ``T``
  separator get their own, normally empty, range so they land in the right bucket too.
- Latency and per-type run times come from ``pqd_runs`` (sub-second times per attempt), read
  exactly up to ``RUN_SAMPLE_CAP`` runs and beyond that as a systematic 1-in-k sample by
  run id (the filter runs on the index, so skipped runs cost no table read); files whose tasks
  were all run by other programs fall back to the task columns (whole seconds).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import numpy as np

from prismq_desktop.core import timeutil
from prismq_desktop.core.models import ACTIVE
from prismq_desktop.core.sqlite import reads
from prismq_desktop.core.sqlite.database import QueueDatabase
from prismq_desktop.core.sqlite.filters import quoted
from prismq_desktop.core.stats import edge_text, empty_throughput, runs_from_rows, sample_every
from prismq_desktop.core.stats_types import RATE_SECONDS, Runs, StatsReads, Throughput

# -- throughput ------------------------------------------------------------------------------
# One row per bucket: (lo, hi) in column text, and the same range for 'T'-separated rows,
# clipped to lo's day (edges never straddle a day, but hi may be the next midnight).
_EDGES = """
WITH e(i, lo, hi) AS MATERIALIZED (
  SELECT key, value, lead(value) OVER (ORDER BY key) FROM json_each(?1)),
b(i, lo, hi, lo_t, hi_t) AS MATERIALIZED (
  SELECT i, lo, hi, replace(lo, ' ', 'T'),
         CASE WHEN substr(hi, 1, 10) = substr(lo, 1, 10) THEN replace(hi, ' ', 'T')
              ELSE substr(lo, 1, 10) || 'U' END
  FROM e WHERE hi IS NOT NULL)
"""


def _ranged(expression: str, column: str, where: str = "") -> str:
    """``expression`` over the rows whose ``column`` falls in the bucket, both text forms."""
    tail = f" AND {where}" if where else ""
    return " + ".join(
        f"(SELECT {expression} FROM task_queue WHERE {column} >= {lo} AND {column} < {hi}{tail})"
        for lo, hi in (("lo", "hi"), ("lo_t", "hi_t")))


#: completed and failed packed into one sum (completed << 32 | failed), so each finished
#: bucket is walked twice (this and the total) instead of three times.
_PACKED = "total(CASE status WHEN 'completed' THEN 4294967296 WHEN 'failed' THEN 1 ELSE 0 END)"
THROUGHPUT_SQL = (
    _EDGES + "SELECT i, " + _ranged("count(*)", "created_at_utc") + ", "
    + _ranged("count(*)", "finished_at_utc") + ", "
    + _ranged(_PACKED, "finished_at_utc") + " FROM b ORDER BY i"
)


# A file this app could not migrate (opened read-only) lacks the timestamp indexes: there one
# pass that parses every timestamp beats a table scan per bucket.
_THROUGHPUT_SCAN_SQL = " UNION ALL ".join(
    f"SELECT {kind}, (unixepoch({column}) - ?1) / ?2 AS b, {status}, count(*) FROM task_queue"
    f" WHERE unixepoch({column}) >= ?1 AND unixepoch({column}) < ?3 GROUP BY b, 3"
    for kind, column, status in ((0, "created_at_utc", "''"), (1, "finished_at_utc", "status")))


def throughput(db: QueueDatabase, edges: np.ndarray) -> Throughput:
    """Counts per bucket between consecutive ``edges`` (epoch seconds)."""
    flow = empty_throughput(len(edges) - 1)
    enqueued, completed, failed, finished = (flow.enqueued, flow.completed, flow.failed,
                                             flow.finished)
    if db.user_version() < 1:
        step = int(edges[1] - edges[0])
        for kind, i, status, n in db.query(_THROUGHPUT_SCAN_SQL,
                                           (int(edges[0]), step, int(edges[-1]))):
            if kind == 0:
                enqueued[i] += n
                continue
            finished[i] += n
            if status == "completed":
                completed[i] += n
            elif status == "failed":
                failed[i] += n
        return flow
    texts = json.dumps([edge_text(float(e)) for e in edges])
    for i, created, done, both in db.query(THROUGHPUT_SQL, (texts,)):
        enqueued[i], finished[i] = created, done
        completed[i], failed[i] = divmod(int(both), 1 << 32)
    return flow


# -- runs: latency, running tasks, per type ------------------------------------------------------
_RUNS_SQL = (
    "SELECT finished, ifnull(wait_s, -1.0), ifnull(run_s, -1.0), outcome = 'failed', type"
    " FROM pqd_runs WHERE finished >= ? AND finished < ? AND run_id % ? = 0"
)
# For files whose tasks were run by other programs (no pqd_runs rows): whole seconds.
_TASK_RUNS_SQL = (
    "SELECT unixepoch(finished_at_utc),"
    " ifnull(unixepoch(processing_started_utc) - unixepoch(created_at_utc), -1.0),"
    " ifnull(unixepoch(finished_at_utc) - unixepoch(coalesce(processing_started_utc,"
    " reserved_at_utc)), -1.0), status = 'failed', type FROM task_queue"
    " WHERE finished_at_utc >= ? AND finished_at_utc < ? AND +status IN ('completed', 'failed')"
    " AND id % ? = 0 AND unixepoch(finished_at_utc) IS NOT NULL"
)


def runs(db: QueueDatabase, start: float, end: float, expected: int) -> Runs:
    """Attempts finished in [start, end); ``expected`` (about how many) picks the sample."""
    every = sample_every(expected)
    source = "tasks"
    rows: list[tuple[Any, ...]] = []
    if db.user_version() >= 1:
        rows = db.query(_RUNS_SQL, (start, end, every))
        if rows or db.query(
                "SELECT 1 FROM pqd_runs WHERE finished >= ? AND finished < ? LIMIT 1",
                (start, end)):
            source = "runs"
    if source == "tasks":
        rows = db.query(_TASK_RUNS_SQL, (edge_text(start), edge_text(end), every))
    return runs_from_rows(rows, every, source)


_ACTIVE_SQL = (
    "SELECT unixepoch(coalesce(processing_started_utc, reserved_at_utc)) FROM task_queue"
    f" WHERE status IN ({quoted(ACTIVE)})"
)
# Waiting tasks whose run_after is in the window and later than when they started waiting
# (created, or the failure that requeued them): their scheduled spans.
_SCHEDULED_SQL = (
    "SELECT unixepoch(since), unixepoch(run_after_utc) FROM ("
    " SELECT CASE WHEN attempts > 0 THEN updated_at_utc ELSE created_at_utc END AS since,"
    " run_after_utc FROM task_queue WHERE status = 'queued' AND run_after_utc > ?)"
    " WHERE run_after_utc > since"
)
_OLDEST_READY_SQL = (
    "SELECT type, min(run_after_utc) FROM task_queue"
    " WHERE status = 'queued' AND run_after_utc <= ? GROUP BY type"
)
_RATES_SQL = (
    "SELECT (SELECT count(*) FROM task_queue WHERE created_at_utc >= ?1"
    " AND created_at_utc < ?2), (SELECT count(*) FROM task_queue WHERE"
    " finished_at_utc >= ?1 AND finished_at_utc < ?2 AND +status = 'completed'),"
    " (SELECT count(*) FROM task_queue WHERE finished_at_utc >= ?1 AND finished_at_utc < ?2"
    " AND +status = 'failed')"
)


def stats_reads(db: QueueDatabase, edges: np.ndarray, now: datetime) -> StatsReads:
    """Everything the Stats tab reads for the buckets between ``edges``."""
    at = now.timestamp()
    with _unmapped(db):
        flow = throughput(db, edges)
        sample = runs(db, float(edges[0]), float(edges[-1]), int(flow.finished.sum()))
        running = np.array([float(v) for (v,) in db.query(_ACTIVE_SQL) if v is not None],
                           np.float64)
        spans = [(s, u) for s, u in db.query(_SCHEDULED_SQL, (edge_text(float(edges[0])),))]
        oldest = {str(kind): moment for kind, moment
                  in db.query(_OLDEST_READY_SQL, (timeutil.to_db(now),))}
        (enqueued, completed, failed), = db.query(
            _RATES_SQL, (edge_text(at - RATE_SECONDS), edge_text(at + 1)))
        return StatsReads(flow, sample, reads.status_counts(db, now),
                          reads.type_status_counts(db), running, spans, oldest,
                          (int(enqueued), int(completed), int(failed)))


@contextlib.contextmanager
def _unmapped(db: QueueDatabase) -> Iterator[None]:
    """Read through SQLite's bounded page cache instead of the memory map while the stats scan:
    a 7-day window touches ~150 MB of index and run pages, which mapped would all count in the
    app's RSS (budget 300 MB) and, measured, read no faster."""
    before = int(db.query("PRAGMA mmap_size")[0][0])
    db.query("PRAGMA mmap_size = 0")
    try:
        yield
    finally:
        db.query(f"PRAGMA mmap_size = {before}")
