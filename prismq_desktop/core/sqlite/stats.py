"""The Stats tab's numbers: throughput, queue depth, latency and per-type figures for a window.

Everything comes back as NumPy arrays over one set of bucket edges (epoch seconds, UTC), read
with a few statements whose cost is bounded by indexes, so the charts stay cheap on a file of
millions of tasks (DESIGN §9; figures in benchmarks/read_bench.py and gui_bench.py):

- Throughput counts index entries per bucket without parsing a timestamp: the bucket edges are
  written as PrismQ's column text and each bucket is one ranged count over
  ``pqd_ix_task_created`` / ``pqd_ix_task_finished`` (6 ms for a day of 1-minute buckets over
  143,000 tasks, against 34 ms for ``GROUP BY unixepoch(...)``). Rows written with a ``T``
  separator get their own, normally empty, range so they land in the right bucket too.
- Latency and per-type run times come from ``pqd_runs`` (sub-second times per attempt), read
  exactly up to :data:`RUN_SAMPLE_CAP` runs and beyond that as a systematic 1-in-k sample by
  run id (the filter runs on the index, so skipped runs cost no table read); files whose tasks
  were all run by other programs fall back to the task columns (whole seconds).
- Queue depth in the past is reconstructed backwards from the exact counts now: the backlog
  moves by enqueued minus finished per bucket (exact), running tasks are the runs whose
  [start, finish) spans the moment, scheduled ones the waiting tasks whose run_after was still
  ahead. A task keeps only its last run_after and start, so time spent scheduled by tasks
  that have run since (retries, delayed tasks) counts as ready: :data:`DEPTH_NOTE`. Samples
  taken while the app runs replace the reconstruction where they exist.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from prismq_desktop.core import timeutil
from prismq_desktop.core.sqlite import reads
from prismq_desktop.core.sqlite.database import QueueDatabase


@dataclass(frozen=True)
class Window:
    """A span of time the Stats tab can show."""

    key: str
    label: str
    seconds: int


WINDOWS: dict[str, Window] = {w.key: w for w in (
    Window("15m", "15 min", 900), Window("1h", "1 h", 3600),
    Window("24h", "24 h", 86400), Window("7d", "7 d", 7 * 86400))}
#: Bucket sizes in seconds; each divides a day, so no bucket straddles midnight (UTC).
BUCKET_STEPS = (15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
MAX_BUCKETS = 200
RUN_SAMPLE_CAP = 20_000
RATE_SECONDS = 60
DEPTH_NOTE = ("Depth: reconstructed from task timestamps (exact for the backlog as a whole); "
              "approximate where tasks were retried or delayed: a task keeps only its last "
              "run_after and start, so once it has run its scheduled wait counts as ready.")


def bucket_seconds(span: float, max_buckets: int = MAX_BUCKETS) -> int:
    """The smallest step that shows ``span`` in at most ``max_buckets`` buckets."""
    for step in BUCKET_STEPS:
        if span / step <= max_buckets:
            return step
    return BUCKET_STEPS[-1]


def bucket_edges(span: float, now: float, bucket: int) -> np.ndarray:
    """Edges aligned to whole buckets, the last at or just after ``now`` (so buckets stay put
    from one refresh to the next and only the last one grows)."""
    end = math.ceil(now / bucket) * bucket
    if end <= now:
        end += bucket
    count = max(1, math.ceil(span / bucket))
    return np.arange(end - count * bucket, end + 1, bucket, dtype=np.int64)


def edge_text(epoch: float) -> str:
    return timeutil.to_db(datetime.fromtimestamp(epoch, timezone.utc))


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


@dataclass(frozen=True)
class Throughput:
    """Tasks per bucket: enqueued (created), completed, failed, and finished in any way."""

    enqueued: np.ndarray
    completed: np.ndarray
    failed: np.ndarray
    finished: np.ndarray


# A file this app could not migrate (opened read-only) lacks the timestamp indexes: there one
# pass that parses every timestamp beats a table scan per bucket.
_THROUGHPUT_SCAN_SQL = " UNION ALL ".join(
    f"SELECT {kind}, (unixepoch({column}) - ?1) / ?2 AS b, {status}, count(*) FROM task_queue"
    f" WHERE unixepoch({column}) >= ?1 AND unixepoch({column}) < ?3 GROUP BY b, 3"
    for kind, column, status in ((0, "created_at_utc", "''"), (1, "finished_at_utc", "status")))


def throughput(db: QueueDatabase, edges: np.ndarray) -> Throughput:
    """Counts per bucket between consecutive ``edges`` (epoch seconds)."""
    size = len(edges) - 1
    enqueued, finished, completed, failed = (np.zeros(size, np.int64) for _ in range(4))
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
        return Throughput(enqueued, completed, failed, finished)
    texts = json.dumps([edge_text(float(e)) for e in edges])
    for i, created, done, both in db.query(THROUGHPUT_SQL, (texts,)):
        enqueued[i], finished[i] = created, done
        completed[i], failed[i] = divmod(int(both), 1 << 32)
    return Throughput(enqueued, completed, failed, finished)


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


@dataclass(frozen=True)
class Runs:
    """Finished attempts in the window (every ``every``-th one when there are many)."""

    finished: np.ndarray
    wait: np.ndarray  # NaN where unknown
    run: np.ndarray
    failed: np.ndarray
    type_code: np.ndarray
    types: tuple[str, ...]
    every: int
    source: str  # "runs" (sub-second, pqd_runs) or "tasks" (the task columns)


def runs(db: QueueDatabase, start: float, end: float, expected: int) -> Runs:
    """Attempts finished in [start, end); ``expected`` (about how many) picks the sample."""
    every = max(1, math.ceil(expected / RUN_SAMPLE_CAP))
    source = "tasks"
    rows: list[tuple] = []
    if db.user_version() >= 1:
        rows = db.query(_RUNS_SQL, (start, end, every))
        if rows or db.query(
                "SELECT 1 FROM pqd_runs WHERE finished >= ? AND finished < ? LIMIT 1",
                (start, end)):
            source = "runs"
    if source == "tasks":
        rows = db.query(_TASK_RUNS_SQL, (edge_text(start), edge_text(end), every))
    codes: dict[str, int] = {}
    type_code = np.fromiter((codes.setdefault(str(r[4]), len(codes)) for r in rows),
                            np.int64, len(rows))
    columns = [np.fromiter((r[k] for r in rows), np.float64, len(rows)) for k in range(4)]
    wait, run = (np.where(col < 0, np.nan, col) for col in columns[1:3])
    return Runs(columns[0], wait, run, columns[3] > 0, type_code, tuple(codes), every, source)


def bucket_percentiles(index: np.ndarray, values: np.ndarray, size: int,
                       quantiles: Sequence[float]) -> list[np.ndarray]:
    """Per-bucket quantiles of ``values`` (NaN ignored; NaN for empty buckets), the same as
    ``np.percentile``'s default (linear) method bucket by bucket, without a Python loop."""
    keep = ~np.isnan(values) & (index >= 0) & (index < size)
    index, values = index[keep], values[keep]
    order = np.lexsort((values, index))
    ordered = values[order]
    counts = np.bincount(index, minlength=size)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    result = []
    for q in quantiles:
        out = np.full(size, np.nan)
        has = counts > 0
        position = starts[has] + (counts[has] - 1) * q
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, starts[has] + counts[has] - 1)
        frac = position - low
        out[has] = ordered[low] + (ordered[high] - ordered[low]) * frac
        result.append(out)
    return result


@dataclass(frozen=True)
class Latency:
    """Wait (created → started) and run (started → finished) seconds per bucket."""

    wait_p50: np.ndarray
    wait_p95: np.ndarray
    run_p50: np.ndarray
    run_p95: np.ndarray


def latency(sample: Runs, edges: np.ndarray) -> Latency:
    size = len(edges) - 1
    index = ((sample.finished - edges[0]) // (edges[1] - edges[0])).astype(np.int64)
    wait = bucket_percentiles(index, sample.wait, size, (0.5, 0.95))
    run = bucket_percentiles(index, sample.run, size, (0.5, 0.95))
    return Latency(wait[0], wait[1], run[0], run[1])


# -- depth -----------------------------------------------------------------------------------
_ACTIVE_SQL = (
    "SELECT unixepoch(coalesce(processing_started_utc, reserved_at_utc)) FROM task_queue"
    " WHERE status IN ('leased', 'processing')"
)
# Waiting tasks whose run_after is in the window and later than when they started waiting
# (created, or the failure that requeued them): their scheduled spans.
_SCHEDULED_SQL = (
    "SELECT unixepoch(since), unixepoch(run_after_utc) FROM ("
    " SELECT CASE WHEN attempts > 0 THEN updated_at_utc ELSE created_at_utc END AS since,"
    " run_after_utc FROM task_queue WHERE status = 'queued' AND run_after_utc > ?)"
    " WHERE run_after_utc > since"
)


@dataclass(frozen=True)
class Depth:
    """Tasks waiting at the end of each bucket (the last: now), and running on average
    during it (a sum of run time, so a sample of runs still gives a smooth line)."""

    ready: np.ndarray
    scheduled: np.ndarray
    active: np.ndarray
    #: Epoch from which values are live samples (exact); None: all reconstructed.
    sampled_from: float | None = None


@dataclass(frozen=True)
class DepthSample:
    """Exact counts at one moment (the GUI keeps these while it runs)."""

    at: float
    ready: int
    scheduled: int
    active: int


def current_sample(counts: dict[str, int], at: float) -> DepthSample:
    return DepthSample(at, counts.get("queued", 0), counts.get(reads.SCHEDULED, 0),
                       counts.get("leased", 0) + counts.get("processing", 0))


def depth(db: QueueDatabase, edges: np.ndarray, now: float, flow: Throughput, sample: Runs,
          current: DepthSample) -> Depth:
    """Reconstruct depth at each bucket end from the counts now (see the module docstring)."""
    moments = np.minimum(edges[1:], now).astype(np.float64)
    backlog_now = current.ready + current.scheduled + current.active
    net = flow.enqueued - flow.finished
    after = np.concatenate((np.cumsum(net[::-1])[::-1][1:], [0]))
    backlog = backlog_now - after
    starts = sample.finished - np.nan_to_num(sample.run, nan=0.0)
    active_starts = _epochs(db.query(_ACTIVE_SQL))
    until = np.minimum(edges, now)  # the last bucket has only run until now
    busy = sample.every * _busy_seconds(starts, sample.finished, until) + _busy_seconds(
        active_starts, np.full(active_starts.shape, now), until)
    span = np.diff(until).astype(np.float64)
    running = np.divide(np.diff(busy), span, out=np.zeros_like(span), where=span > 0)
    spans = db.query(_SCHEDULED_SQL, (edge_text(float(edges[0])),))
    waiting_since = np.sort(_epochs([(s,) for s, _ in spans]))
    scheduled_until = np.sort(_epochs([(u,) for _, u in spans]))
    scheduled = (np.searchsorted(waiting_since, moments, "right")
                 - np.searchsorted(scheduled_until, moments, "right"))
    ready = np.maximum(backlog - running - scheduled, 0)
    return Depth(ready.astype(np.float64), scheduled.astype(np.float64),
                 running.astype(np.float64))


def _busy_seconds(starts: np.ndarray, ends: np.ndarray, moments: np.ndarray) -> np.ndarray:
    """Run-seconds spent before each moment by runs [start, end): differences between
    moments give the average number running in between, with no loop over runs."""
    starts, ends = np.sort(starts), np.sort(ends)
    moments = moments.astype(np.float64)
    begun = np.searchsorted(starts, moments, "left")
    ended = np.searchsorted(ends, moments, "left")
    started_sum = np.concatenate(([0.0], np.cumsum(starts)))[begun]
    ended_sum = np.concatenate(([0.0], np.cumsum(ends)))[ended]
    return (begun * moments - started_sum) - (ended * moments - ended_sum)


def _epochs(rows: list[tuple]) -> np.ndarray:
    return np.array([float(value) for (value,) in rows if value is not None], np.float64)


def with_samples(reconstructed: Depth, edges: np.ndarray, samples: Sequence[DepthSample]
                 ) -> Depth:
    """Depth with each bucket that holds a live sample showing its last one (exact)."""
    if not samples:
        return reconstructed
    at = np.array([s.at for s in samples])
    index = np.searchsorted(edges, at, "right") - 1  # bucket i: [edges[i], edges[i+1])
    keep = (index >= 0) & (index < len(edges) - 1)
    if not keep.any():
        return reconstructed
    columns = []
    for name in ("ready", "scheduled", "active"):
        values = getattr(reconstructed, name).copy()
        values[index[keep]] = np.array([getattr(s, name) for s in samples])[keep]
        columns.append(values)
    return Depth(*columns, sampled_from=float(at[keep].min()))


# -- per type, rates, everything -----------------------------------------------------------------
_OLDEST_READY_SQL = (
    "SELECT type, min(run_after_utc) FROM task_queue"
    " WHERE status = 'queued' AND run_after_utc <= ? GROUP BY type"
)


@dataclass(frozen=True)
class TypeStats:
    """One row of the per-type table."""

    type: str
    counts: dict[str, int]
    runs: int  # finished attempts in the window (estimated when sampled)
    failure_rate: float | None  # failed attempts / finished attempts in the window
    run_p50: float | None
    run_p95: float | None
    oldest_ready_age: float | None  # seconds the oldest ready task has waited


def type_stats(db: QueueDatabase, sample: Runs, now: datetime) -> list[TypeStats]:
    counts: dict[str, dict[str, int]] = {}
    for (kind, status), n in reads.type_status_counts(db).items():
        counts.setdefault(str(kind), {})[status] = n
    now_text = timeutil.to_db(now)
    oldest: dict[str, float] = {}
    for kind, moment in db.query(_OLDEST_READY_SQL, (now_text,)):
        parsed = timeutil.parse(moment)
        if parsed is not None:
            oldest[str(kind)] = max(0.0, (now - parsed).total_seconds())
    rows = []
    for kind in sorted(set(counts) | set(sample.types) | set(oldest)):
        code = sample.types.index(kind) if kind in sample.types else -1
        mine = sample.type_code == code
        run = sample.run[mine & ~np.isnan(sample.run)]
        n = int(mine.sum())
        rows.append(TypeStats(
            kind, counts.get(kind, {}), n * sample.every,
            float(sample.failed[mine].mean()) if n else None,
            float(np.percentile(run, 50)) if run.size else None,
            float(np.percentile(run, 95)) if run.size else None,
            oldest.get(kind)))
    return rows


@dataclass(frozen=True)
class Rates:
    """Over the last minute: the "current rate" big numbers."""

    completed_per_s: float
    completed_per_min: float
    enqueued_per_min: float
    failed_per_min: float


def rates(db: QueueDatabase, now: float) -> Rates:
    since, until = edge_text(now - RATE_SECONDS), edge_text(now + 1)
    (enqueued, completed, failed), = db.query(
        "SELECT (SELECT count(*) FROM task_queue WHERE created_at_utc >= ?1"
        " AND created_at_utc < ?2), (SELECT count(*) FROM task_queue WHERE"
        " finished_at_utc >= ?1 AND finished_at_utc < ?2 AND +status = 'completed'),"
        " (SELECT count(*) FROM task_queue WHERE finished_at_utc >= ?1 AND finished_at_utc < ?2"
        " AND +status = 'failed')", (since, until))
    scale = 60.0 / RATE_SECONDS
    return Rates(completed / RATE_SECONDS, completed * scale, enqueued * scale, failed * scale)


@dataclass(frozen=True)
class Stats:
    """Everything the Stats tab draws for one window, computed at ``now`` (epoch seconds)."""

    window: Window
    bucket: int
    edges: np.ndarray
    now: float
    throughput: Throughput
    depth: Depth
    latency: Latency
    types: list[TypeStats]
    rates: Rates
    current: DepthSample
    runs_every: int = 1
    runs_source: str = "runs"

    @property
    def empty(self) -> bool:
        """Nothing happened in the window and nothing is waiting: the calm empty state."""
        flow = self.throughput
        return not (flow.enqueued.any() or flow.finished.any()
                    or self.current.ready or self.current.scheduled or self.current.active)

    def series(self) -> dict[str, np.ndarray]:
        """The plotted arrays by name, one value per bucket (what Export CSV writes)."""
        flow, depth_, lat = self.throughput, self.depth, self.latency
        return {
            "bucket_start": self.edges[:-1], "bucket_end": self.edges[1:],
            "enqueued": flow.enqueued, "completed": flow.completed, "failed": flow.failed,
            "ready": depth_.ready, "scheduled": depth_.scheduled, "active": depth_.active,
            "wait_p50_s": lat.wait_p50, "wait_p95_s": lat.wait_p95,
            "run_p50_s": lat.run_p50, "run_p95_s": lat.run_p95,
        }


def compute(db: QueueDatabase, window: Window | str, now: datetime,
            samples: Sequence[DepthSample] = (), bucket: int | None = None) -> Stats:
    """All of the Stats tab for ``window`` ending now; ``samples`` are the live depth samples
    (the exact current counts are always one)."""
    window = WINDOWS[window] if isinstance(window, str) else window
    with _unmapped(db):
        return _compute(db, window, now, samples, bucket)


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


def _compute(db: QueueDatabase, window: Window, now: datetime, samples: Sequence[DepthSample],
             bucket: int | None) -> Stats:
    at = now.timestamp()
    step = bucket or bucket_seconds(window.seconds)
    edges = bucket_edges(window.seconds, at, step)
    flow = throughput(db, edges)
    sample = runs(db, float(edges[0]), float(edges[-1]), int(flow.finished.sum()))
    current = current_sample(reads.status_counts(db, now), at)
    rebuilt = depth(db, edges, at, flow, sample, current)
    return Stats(window, step, edges, at, flow,
                 with_samples(rebuilt, edges, [*samples, current]),
                 latency(sample, edges), type_stats(db, sample, now), rates(db, at), current,
                 sample.every, sample.source)
