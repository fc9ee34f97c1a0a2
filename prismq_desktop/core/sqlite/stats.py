"""The Stats tab's reads on SQLite, all from ``pqd_agg`` (core/sqlite/aggregates.py): flow
per bucket, latency histograms, counts (core/stats.py does the arithmetic).

Each read seeks the aggregate rows of the buckets it wants (their keys are exact: bucket
starts at a fixed offset per kind), at the coarsest level that fits the chart's step: 15 s or
10 min for flow, 1 min or 10 min for histograms. So a 7-day window reads ~1,000 flow keys
and ~1,000 histogram keys however many tasks ran (DESIGN §9; figures in read_bench.py).

A file this app has not migrated (opened read-only) gets the same rows built for the read
in temporary tables from its task columns (the migration's back-fill), then dropped.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import numpy as np

from prismq_desktop.core import stats_types, timeutil
from prismq_desktop.core.sqlite import aggregates as agg
from prismq_desktop.core.sqlite import reads, schema
from prismq_desktop.core.sqlite.database import QueueDatabase
from prismq_desktop.core.stats import empty_throughput
from prismq_desktop.core.stats_types import RATE_SECONDS, Flow, Histograms, StatsReads, Throughput

BIN_EDGES = np.array(stats_types.BIN_EDGES, np.float64)
_SUMS = ", ".join(f"sum(a.{c})" for c in agg.FLOW_COLUMNS)
#: Flow per chart bucket: ?1 the keys (JSON), ?2 their offset, ?3 the first edge, ?4 the step.
FLOW_SQL = (f"SELECT (j.value - ?2 - ?3) / ?4, {_SUMS} FROM json_each(?1) AS j"
            " JOIN pqd_agg AS a ON a.b = j.value GROUP BY 1")
#: Histogram counts per chart bucket or per histogram bucket (?4 = 1), and per type.
HIST_SQL = ("SELECT (j.value - ?2 - ?3) / ?4, a.k, sum(a.n) FROM json_each(?1) AS j"
            " JOIN pqd_agg AS a ON a.b = j.value GROUP BY 1, 2")
TYPE_HIST_SQL = ("SELECT a.g, a.k, sum(a.n) FROM json_each(?1) AS j"
                 " JOIN pqd_agg AS a ON a.b = j.value WHERE a.k >= ?2 GROUP BY 1, 2")
_OLDEST_READY_SQL = (
    "SELECT type, min(run_after_utc) FROM task_queue"
    " WHERE status = 'queued' AND run_after_utc <= ? GROUP BY type"
)


def _keys(first: float, last: float, step: int, at: int) -> str:
    """Aggregate keys of the ``step`` buckets from the one holding ``first`` to the one
    holding ``last``, as JSON for json_each."""
    start = int(first) - int(first) % step
    return json.dumps(list(range(start + at, int(last) + 1 + at, step)))


def _flow_rows(db: QueueDatabase, edges: np.ndarray, until: float) -> list[tuple[Any, ...]]:
    step = int(edges[1] - edges[0])
    size, at = (agg.COARSE_STEP, agg.FLOW_COARSE_AT) if step % agg.COARSE_STEP == 0 else (
        agg.FLOW_STEP, 0)
    keys = _keys(float(edges[0]), min(float(edges[-1]) - 1, until), size, at)
    return db.query(FLOW_SQL, (keys, at, int(edges[0]), step))


def throughput(db: QueueDatabase, edges: np.ndarray) -> Throughput:
    """Counts per bucket between consecutive ``edges`` (epoch seconds)."""
    with _aggregates(db):
        return _throughput(_flow_rows(db, edges, float(edges[-1])), len(edges) - 1)[0]


def _throughput(rows: list[tuple[Any, ...]], size: int) -> tuple[Throughput, Flow]:
    flow = empty_throughput(size)
    columns = {c: np.zeros(size, np.int64) for c in agg.FLOW_COLUMNS}
    for i, *values in rows:
        if 0 <= i < size:
            for name, value in zip(agg.FLOW_COLUMNS, values, strict=True):
                columns[name][i] = value
    flow.enqueued[:], flow.completed[:] = columns["en"], columns["co"]
    flow.failed[:], flow.finished[:] = columns["fa"], columns["fi"]
    return flow, Flow(columns["op"], columns["ac"], columns["at"], columns["sc"])


def histograms(db: QueueDatabase, edges: np.ndarray, source: str) -> Histograms:
    """Wait and run histograms per chart bucket, and run histograms per type (the rows are
    added up with numpy: a 7-day window returns ~30,000 of them)."""
    step, size = int(edges[1] - edges[0]), len(edges) - 1
    span, at = next((size, offset) for size, offset in (
        (agg.HOUR_STEP, agg.HIST_HOUR_AT), (agg.COARSE_STEP, agg.HIST_COARSE_AT),
        (agg.HIST_STEP, agg.HIST_AT)) if step % size == 0 or size == agg.HIST_STEP)
    first, last = float(edges[0]), float(edges[-1]) - 1
    keys = _keys(first, last, span, at)
    start = int(first) - int(first) % span
    per_row = span > step  # buckets finer than a histogram row get its counts in each
    bins = len(BIN_EDGES)
    grid = np.zeros((2, size, bins), np.int64)  # wait, run
    rows = np.array(db.query(HIST_SQL, (keys, at, start if per_row else int(edges[0]),
                                        span if per_row else step)), np.int64).reshape(-1, 3)
    index, k, n = rows.T
    kind, where = (k // 1000 != 1).astype(np.int64), k % 1000
    if per_row:  # each histogram row covers span // step buckets from its start
        first_bucket = (start + index * span - int(edges[0])) // step
        repeat = span // step
        index = (first_bucket[:, None] + np.arange(repeat)).ravel()
        kind, where, n = (np.repeat(column, repeat) for column in (kind, where, n))
    keep = (index >= 0) & (index < size)
    np.add.at(grid, (kind[keep], index[keep], where[keep]), n[keep])
    typed = db.query(TYPE_HIST_SQL, (keys, agg.RUN_OK))
    names = tuple(dict.fromkeys(str(g) for g, _k, _n in typed))
    code = np.array([names.index(str(g)) for g, _k, _n in typed], np.int64)
    k = np.array([row[1] for row in typed], np.int64)
    n = np.array([row[2] for row in typed], np.int64)
    type_run = np.zeros((len(names), bins), np.int64)
    np.add.at(type_run, (code, k % 1000), n)
    failed = np.bincount(code, np.where(k // 1000 * 1000 == agg.RUN_FAILED, n, 0),
                         minlength=len(names)).astype(np.int64)
    return Histograms(BIN_EDGES, grid[0], grid[1], names, type_run, failed, source)


def stats_reads(db: QueueDatabase, edges: np.ndarray, now: datetime) -> StatsReads:
    """Everything the Stats tab reads for the buckets between ``edges``."""
    at = now.timestamp()
    with _aggregates(db) as source:
        flow, changes = _throughput(_flow_rows(db, edges, at), len(edges) - 1)
        hist = histograms(db, edges, source)
        recent = recent_flow(db, at - RATE_SECONDS).values()
        enqueued, completed, failed = (sum(row[i] for row in recent) for i in range(3))
        oldest = {str(kind): moment for kind, moment
                  in db.query(_OLDEST_READY_SQL, (timeutil.to_db(now),))}
        return StatsReads(flow, changes, hist, reads.status_counts(db, now),
                          reads.type_status_counts(db), oldest,
                          (int(enqueued), int(completed), int(failed)))


#: Per worker ('' for none): tasks enqueued, completed and failed in the 15 s buckets from
#: ?1 on: a short range of the table.
RECENT_SQL = ("SELECT g, sum(en), sum(co), sum(fa) FROM pqd_agg WHERE b >= ?1 AND b < ?2"
              " AND b % ?3 = 0 GROUP BY g")


def recent_flow(db: QueueDatabase, since: float) -> dict[Any, tuple[int, int, int]]:
    """{worker: (enqueued, completed, failed)} from the 15 s bucket holding ``since`` on (so
    up to 15 s more than asked)."""
    start = int(since) - int(since) % agg.FLOW_STEP
    rows = db.query(RECENT_SQL, (start, agg.COUNTS, agg.FLOW_STEP))
    return {g: (int(e), int(c), int(f)) for g, e, c, f in rows}


@contextlib.contextmanager
def _aggregates(db: QueueDatabase) -> Iterator[str]:
    """Yields where the latencies come from; for an unmigrated file, builds its aggregate
    rows in temporary tables first (they shadow nothing: the file has none) and drops them
    after."""
    if db.user_version() >= schema.AGGREGATES_VERSION:
        yield "runs"
        return
    conn = db.get_connection()
    conn.execute(agg.TABLES.replace("CREATE TABLE", "CREATE TEMP TABLE"))
    try:
        if db.user_version() >= 1:
            conn.execute("INSERT INTO temp.pqd_attempts (task_id, finished, attempt, worker_id,"
                         " outcome, wait_s, run_s) SELECT task_id, finished, attempt,"
                         " worker_id, outcome, wait_s, run_s FROM main.pqd_runs WHERE 1"
                         " ON CONFLICT DO NOTHING")
        conn.execute(agg.BACKFILL)
        has_runs = bool(db.query("SELECT 1 FROM temp.pqd_attempts LIMIT 1"))
        yield "runs" if has_runs else "tasks"
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.pqd_agg; DROP TABLE IF EXISTS temp.pqd_bins;"
                     " DROP TABLE IF EXISTS temp.pqd_attempts;")
