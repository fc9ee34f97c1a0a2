"""The Stats tab's reads on PostgreSQL (core/stats.py does the arithmetic).

Throughput and the depth changes are one grouped read of ``pqd_flow``'s range (the
transitions its triggers record, schema.py); latency and running read ``pqd_runs`` (every run
up to RUN_SAMPLE_CAP, then a 1-in-k sample by run id), falling back to the task columns when
no run was recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from prismq_desktop.core.postgres import reads, schema
from prismq_desktop.core.postgres.connection import Database
from prismq_desktop.core.stats import (
    empty_throughput,
    reads_from_runs,
    runs_from_rows,
    sample_every,
)
from prismq_desktop.core.stats_types import RATE_SECONDS, Runs, StatsReads, Throughput

#: Transitions per chart bucket from ``pqd_flow`` (schema.py): what happened when it happened,
#: so a later retry leaves earlier buckets as they were (issue 11.3).
FLOW = (
    "SELECT ((t - %(lo)s) / %(step)s)::int AS b, sum(en), sum(co), sum(fa), sum(fi), sum(op),"
    " sum(sc) FROM {source} f WHERE t >= %(lo)s AND t < %(hi)s GROUP BY b"
)
#: For a schema older than pqd_flow (opened read-only): the same rows from the task columns.
FLOW_FROM_TASKS = (f"(SELECT {schema.FLOW_T.format('at')} AS t, en, co, fa, fi, op, sc"
                   f" FROM ({schema.FLOW_OF_ROWS.format(rows='task_queue')}) x)")
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


def _flow(db: Database, edges: np.ndarray, until: float, version: int
          ) -> tuple[Throughput, np.ndarray, np.ndarray]:
    """Throughput, backlog changes and scheduled changes per bucket between ``edges`` (epoch
    seconds, one step apart), recorded up to ``until``."""
    size = len(edges) - 1
    flow = empty_throughput(size)
    backlog, scheduled = np.zeros(size, np.int64), np.zeros(size, np.int64)
    step = int(edges[1] - edges[0]) if len(edges) > 1 else 1
    source = "pqd_flow" if version >= schema.FLOW_VERSION else FLOW_FROM_TASKS
    params = {"lo": int(edges[0]), "hi": min(int(edges[-1]), int(until) + 1), "step": step}
    for i, en, co, fa, fi, op, sc in db.query(FLOW.format(source=source), params):
        if 0 <= i < size:
            flow.enqueued[i], flow.completed[i], flow.failed[i] = en, co, fa
            flow.finished[i], backlog[i], scheduled[i] = fi, op, sc
    return flow, backlog, scheduled


def throughput(db: Database, edges: np.ndarray, version: int) -> Throughput:
    """Counts per bucket between consecutive ``edges`` (epoch seconds, one step apart)."""
    return _flow(db, edges, float(edges[-1]), version)[0]


def runs(db: Database, start: float, end: float, expected: int) -> Runs:
    every = sample_every(expected)
    rows: list[tuple[Any, ...]] = db.query(RUNS, (start, end, every))
    if rows or db.query(ANY_RUN, (start, end)):
        return runs_from_rows(rows, every, "runs")
    return runs_from_rows(db.query(TASK_RUNS, (start, end, every)), every, "tasks")


def stats_reads(db: Database, edges: np.ndarray, now: datetime, version: int) -> StatsReads:
    at = now.timestamp()
    flow, backlog, scheduled = _flow(db, edges, at, version)
    sample = runs(db, float(edges[0]), float(edges[-1]), int(flow.finished.sum()))
    running = np.array([float(v) for (v,) in db.query(ACTIVE) if v is not None], np.float64)
    oldest = {str(kind): moment for kind, moment in db.query(OLDEST_READY, (now,))}
    enqueued, completed, failed = db.one(RATES, {"lo": int(at - RATE_SECONDS), "hi": int(at + 1)})
    changes, histograms = reads_from_runs(backlog, scheduled, sample, running, edges, at)
    return StatsReads(flow, changes, histograms, reads.status_counts(db, now),
                      reads.type_counts(db), oldest, (int(enqueued), int(completed), int(failed)))
