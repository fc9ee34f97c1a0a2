"""The Stats tab's reads on PostgreSQL (core/stats.py does the arithmetic).

Throughput is one grouped count per time column over its index range (``pqd_ix_task_created``,
``pqd_ix_task_finished``); latency reads ``pqd_runs`` (every run up to RUN_SAMPLE_CAP, then a
1-in-k sample by run id), falling back to the task columns when no run was recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from prismq_desktop.core.postgres import reads
from prismq_desktop.core.postgres.connection import Database
from prismq_desktop.core.stats import (
    empty_throughput,
    reads_from_runs,
    runs_from_rows,
    sample_every,
)
from prismq_desktop.core.stats_types import RATE_SECONDS, Runs, StatsReads, Throughput

_BUCKET = "((extract(epoch FROM {column})::bigint - %(lo)s) / %(step)s)::int"
THROUGHPUT = (
    f"SELECT 0, {_BUCKET.format(column='created_at_utc')} AS b, '', count(*) FROM task_queue"
    " WHERE created_at_utc >= to_timestamp(%(lo)s) AND created_at_utc < to_timestamp(%(hi)s)"
    " GROUP BY b UNION ALL"
    f" SELECT 1, {_BUCKET.format(column='finished_at_utc')} AS b, status, count(*)"
    " FROM task_queue WHERE finished_at_utc >= to_timestamp(%(lo)s)"
    " AND finished_at_utc < to_timestamp(%(hi)s) GROUP BY b, status"
)
RUNS = (
    "SELECT finished, coalesce(wait_s, -1.0), coalesce(run_s, -1.0),"
    " (outcome = 'failed')::int, type FROM pqd_runs"
    " WHERE finished >= %s AND finished < %s AND run_id %% %s = 0"
)
ANY_RUN = "SELECT 1 FROM pqd_runs WHERE finished >= %s AND finished < %s LIMIT 1"
_EPOCH = "extract(epoch FROM {})::float8"
_RUN_SPAN = "finished_at_utc - coalesce(processing_started_utc, reserved_at_utc)"
TASK_RUNS = (
    f"SELECT {_EPOCH.format('finished_at_utc')},"
    f" coalesce({_EPOCH.format('processing_started_utc - created_at_utc')}, -1.0),"
    f" coalesce({_EPOCH.format(_RUN_SPAN)}, -1.0), (status = 'failed')::int, type"
    " FROM task_queue"
    " WHERE finished_at_utc >= to_timestamp(%s) AND finished_at_utc < to_timestamp(%s)"
    " AND status IN ('completed', 'failed') AND id %% %s = 0"
)
ACTIVE = (
    f"SELECT {_EPOCH.format('coalesce(processing_started_utc, reserved_at_utc)')}"
    " FROM task_queue WHERE status IN ('leased', 'processing')"
)
SCHEDULED = (
    f"SELECT {_EPOCH.format('since')}, {_EPOCH.format('run_after_utc')} FROM ("
    " SELECT CASE WHEN attempts > 0 THEN updated_at_utc ELSE created_at_utc END AS since,"
    " run_after_utc FROM task_queue WHERE status = 'queued'"
    " AND run_after_utc > to_timestamp(%s)) s WHERE run_after_utc > since"
)
OLDEST_READY = (
    "SELECT type, min(run_after_utc) FROM task_queue WHERE status = 'queued'"
    " AND run_after_utc <= %s GROUP BY type"
)
RATES = (
    "SELECT (SELECT count(*) FROM task_queue WHERE created_at_utc >= to_timestamp(%(lo)s)"
    " AND created_at_utc < to_timestamp(%(hi)s)),"
    " (SELECT count(*) FROM task_queue WHERE finished_at_utc >= to_timestamp(%(lo)s)"
    " AND finished_at_utc < to_timestamp(%(hi)s) AND status = 'completed'),"
    " (SELECT count(*) FROM task_queue WHERE finished_at_utc >= to_timestamp(%(lo)s)"
    " AND finished_at_utc < to_timestamp(%(hi)s) AND status = 'failed')"
)


def throughput(db: Database, edges: np.ndarray) -> Throughput:
    """Counts per bucket between consecutive ``edges`` (epoch seconds, one step apart)."""
    flow = empty_throughput(len(edges) - 1)
    step = int(edges[1] - edges[0]) if len(edges) > 1 else 1
    params = {"lo": int(edges[0]), "hi": int(edges[-1]), "step": step}
    for kind, i, status, n in db.query(THROUGHPUT, params):
        if not 0 <= i < len(flow.enqueued):
            continue
        if kind == 0:
            flow.enqueued[i] += n
            continue
        flow.finished[i] += n
        if status == "completed":
            flow.completed[i] += n
        elif status == "failed":
            flow.failed[i] += n
    return flow


def runs(db: Database, start: float, end: float, expected: int) -> Runs:
    every = sample_every(expected)
    rows: list[tuple[Any, ...]] = db.query(RUNS, (start, end, every))
    if rows or db.query(ANY_RUN, (start, end)):
        return runs_from_rows(rows, every, "runs")
    return runs_from_rows(db.query(TASK_RUNS, (start, end, every)), every, "tasks")


def stats_reads(db: Database, edges: np.ndarray, now: datetime) -> StatsReads:
    at = now.timestamp()
    flow = throughput(db, edges)
    sample = runs(db, float(edges[0]), float(edges[-1]), int(flow.finished.sum()))
    running = np.array([float(v) for (v,) in db.query(ACTIVE) if v is not None], np.float64)
    spans = [(s, u) for s, u in db.query(SCHEDULED, (float(edges[0]),))]
    oldest = {str(kind): moment for kind, moment in db.query(OLDEST_READY, (now,))}
    enqueued, completed, failed = db.one(RATES, {"lo": int(at - RATE_SECONDS), "hi": int(at + 1)})
    changes, histograms = reads_from_runs(flow, sample, running, spans, edges, at)
    return StatsReads(flow, changes, histograms, reads.status_counts(db, now),
                      reads.type_counts(db), oldest, (int(enqueued), int(completed), int(failed)))
