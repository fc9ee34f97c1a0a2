"""The Stats tab's reads on SQLite, all from ``pqd_agg`` (core/sqlite/aggregates.py): flow
per bucket, latency histograms, counts (core/stats.py does the arithmetic).

Each read seeks the aggregate rows of the buckets it wants (their keys are exact: bucket
starts at a fixed offset per kind), at the coarsest level that fits the chart's step: 15 s or
10 min for flow, 1 min, 10 min or 1 h for histograms. So a 7-day window reads ~1,000 flow keys
and 168 histogram keys however many tasks ran (DESIGN §9; figures in read_bench.py).

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
from prismq_desktop.core.stats_types import RATE_SECONDS, Flow, Histograms, StatsReads, Throughput

BIN_EDGES = np.array(stats_types.BIN_EDGES, np.float64)


def _flow_sql(columns: tuple[str, ...]) -> str:
    """Flow per key of ?1 (JSON) that has rows: its ``columns`` summed over the workers, then
    the key's index, all in one text (as HIST_SQL below): a 24 h series in minutes reads 5,760
    keys with ~23,000 rows, which a GROUP BY sorted and Python walked row by row at 2x the
    cost."""
    sums = " || ',' || ".join(f"sum(a.{c})" for c in columns)
    return (f"SELECT group_concat((SELECT {sums} FROM pqd_agg AS a WHERE a.b = j.value)"
            " || ',' || j.key) FROM json_each(?1) AS j")


FLOW_SQL = _flow_sql(agg.FLOW_COLUMNS)
#: What a throughput series needs (half the text to build and parse).
THROUGHPUT_COLUMNS = ("en", "co", "fa", "fi")
THROUGHPUT_SQL = _flow_sql(THROUGHPUT_COLUMNS)
_FLOW_SQLS = {agg.FLOW_COLUMNS: FLOW_SQL, THROUGHPUT_COLUMNS: THROUGHPUT_SQL}

#: Per type (every type has count rows), its histogram rows among the keys ?1, each packed
#: into one integer, ``n << ?4 | row << 12 | k`` with ``row`` its index from key ?2 in steps
#: of ?3 (?4 the bits that row and k take), all in one text that numpy parses in C: a 7-day
#: window has ~110,000 rows, and as Python tuples, or grouped by SQL (a sort), they cost
#: 3-5x the read itself (read_bench). The subquery seeks (b, g) prefixes in key order:
#: nothing is sorted. The count goes highest, so the usual small one makes short text.
_K_BITS = 12  # k < 4096: 3000 + a bin
HIST_SQL = (
    f"SELECT t.g, (SELECT group_concat((a.n << ?4) + ((j.value - ?2) / ?3 << {_K_BITS})"
    " + a.k) FROM json_each(?1) AS j JOIN pqd_agg AS a ON a.b = j.value AND a.g = t.g"
    f" AND a.k >= {agg.WAIT}) FROM (SELECT DISTINCT g FROM pqd_agg WHERE b = {agg.COUNTS}) AS t"
)
#: One type's oldest ready task: the first entry of that type in the queued tasks' run_after
#: index (or its type's entries, by PrismQ's own index). All types at once, grouped, walked
#: the whole ready backlog: 2.4 ms against 0.05 ms on 1M tasks with 5,000 ready.
OLDEST_READY_SQL = ("SELECT min(run_after_utc) FROM task_queue"
                     " WHERE status = 'queued' AND type = ?1 AND run_after_utc <= ?2")


def keys(first: float, last: float, level: tuple[int, int]) -> str:
    """Aggregate keys of one ``level``'s (size, offset) rows from the one holding ``first``
    to the one holding ``last``, as JSON for json_each."""
    step, at = level
    start = int(first) - int(first) % step
    return json.dumps(list(range(start + at, int(last) + 1 + at, step)))


def flow_level(step: int) -> tuple[int, int]:
    """The (size, offset) of the flow rows a chart of ``step``-second buckets reads."""
    return (agg.COARSE_STEP, agg.FLOW_COARSE_AT) if step % agg.COARSE_STEP == 0 else (
        agg.FLOW_STEP, 0)


def hist_level(step: int) -> tuple[int, int]:
    """The (size, offset) of the histogram rows it reads: the longest that divides the step,
    else minutes (spread over the buckets they cover)."""
    return next((size, at) for size, at in (
        (agg.HOUR_STEP, agg.HIST_HOUR_AT), (agg.COARSE_STEP, agg.HIST_COARSE_AT),
        (agg.HIST_STEP, agg.HIST_AT)) if step % size == 0 or size == agg.HIST_STEP)


def _flow(db: QueueDatabase, edges: np.ndarray, until: float,
          columns: tuple[str, ...] = agg.FLOW_COLUMNS) -> dict[str, np.ndarray]:
    """``columns`` of the flow per bucket between ``edges``, from the keys up to ``until``."""
    step, size = int(edges[1] - edges[0]), len(edges) - 1
    level = flow_level(step)
    first = int(edges[0])
    wanted = keys(first, min(float(edges[-1]) - 1, until), level)
    [(packed,)] = db.query(_FLOW_SQLS[columns], (wanted,))
    rows = _parsed(packed).reshape(-1, len(columns) + 1)
    index = (first - first % level[0] + rows[:, -1] * level[0] - first) // step
    keep = (index >= 0) & (index < size)
    sums = np.zeros((len(columns), size), np.int64)
    for column, values in zip(sums, rows[keep, :-1].T, strict=True):
        np.add.at(column, index[keep], values)  # exact: 'at' sums epochs
    return dict(zip(columns, sums, strict=True))


def _throughput(flow: dict[str, np.ndarray]) -> Throughput:
    return Throughput(flow["en"], flow["co"], flow["fa"], flow["fi"])


def _parsed(packed: str | None) -> np.ndarray:
    """group_concat's comma-separated integers (None: no rows) as an array, parsed in C."""
    return np.fromstring(packed or "", np.int64, sep=",") if packed else np.zeros(0, np.int64)


def throughput(db: QueueDatabase, edges: np.ndarray) -> Throughput:
    """Counts per bucket between consecutive ``edges`` (epoch seconds)."""
    with _aggregates(db):
        return _throughput(_flow(db, edges, float(edges[-1]), THROUGHPUT_COLUMNS))


def histograms(db: QueueDatabase, edges: np.ndarray, source: str) -> Histograms:
    """Wait and run histograms per chart bucket, and run histograms per type, from the
    histogram rows of the coarsest level whose rows fit the chart's step (one read)."""
    step, size = int(edges[1] - edges[0]), len(edges) - 1
    span, at = hist_level(step)
    first, last = float(edges[0]), float(edges[-1]) - 1
    start = int(first) - int(first) % span
    names: dict[str, int] = {}
    parts, codes = [], []
    wanted = keys(first, last, (span, at))
    low = (wanted.count(",") + 1 << _K_BITS).bit_length()  # bits of row << 12 | k
    for g, packed in db.query(HIST_SQL, (wanted, start + at, span, low)):
        if packed:
            values = _parsed(packed)
            parts.append(values)
            codes.append(np.full(len(values), names.setdefault(str(g), len(names)), np.int64))
    values = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    code = np.concatenate(codes) if codes else np.zeros(0, np.int64)
    n, row = values >> low, (values & ((1 << low) - 1)) >> _K_BITS
    k = values & ((1 << _K_BITS) - 1)
    kind, where = (k >= agg.RUN_OK).astype(np.int64), k % 1000  # 0 wait, 1 run
    bins = len(BIN_EDGES)
    # each row covers span // step chart buckets from its start (one when the step is longer)
    repeat = max(span // step, 1)
    first_bucket = (start + row * span - int(edges[0])) // step
    index = (first_bucket[:, None] + np.arange(repeat)).ravel()
    keep = (index >= 0) & (index < size)
    cell = ((np.repeat(kind, repeat) * size + index) * bins + np.repeat(where, repeat))[keep]
    grid = _sums(cell, np.repeat(n, repeat)[keep], 2 * size * bins).reshape(2, size, bins)
    run = kind == 1
    type_run = _sums(code[run] * bins + where[run], n[run], len(names) * bins).reshape(-1, bins)
    failed = _sums(code, np.where(k >= agg.RUN_FAILED, n, 0), len(names))
    return Histograms(BIN_EDGES, grid[0], grid[1], tuple(names), type_run, failed, source)


def _sums(index: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """``weights`` added up per ``index`` in ``range(size)`` (exact: counts stay below 2**53)."""
    return np.bincount(index, weights, minlength=size).astype(np.int64)


def stats_reads(db: QueueDatabase, edges: np.ndarray, now: datetime) -> StatsReads:
    """Everything the Stats tab reads for the buckets between ``edges``."""
    at = now.timestamp()
    with _aggregates(db) as source:
        flow = _flow(db, edges, at)
        changes = Flow(flow["op"], flow["ac"], flow["at"], flow["sc"])
        hist = histograms(db, edges, source)
        recent = recent_flow(db, at - RATE_SECONDS).values()
        enqueued, completed, failed = (sum(row[i] for row in recent) for i in range(3))
        counts = reads.type_status_counts(db)
        return StatsReads(_throughput(flow), changes, hist, reads.status_counts(db, now),
                          counts, _oldest_ready(db, counts, now),
                          (int(enqueued), int(completed), int(failed)))


def _oldest_ready(db: QueueDatabase, counts: dict[tuple[str, str], int], now: datetime
                  ) -> dict[str, Any]:
    """{type: run_after of its oldest ready task} for the types with tasks queued."""
    at = timeutil.to_db(now)
    waiting = sorted({kind for (kind, status), n in counts.items() if status == "queued" and n})
    oldest = {kind: db.query(OLDEST_READY_SQL, (kind, at))[0][0] for kind in waiting}
    return {kind: moment for kind, moment in oldest.items() if moment is not None}


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
