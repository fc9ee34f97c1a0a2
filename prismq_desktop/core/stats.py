"""The Stats tab's arithmetic: buckets, percentiles, depth reconstruction, per-type figures.

A backend reads the raw figures for a window (``Store.stats_reads``: counts per bucket,
the finished attempts, running and scheduled tasks); everything else is computed here with
NumPy, the same for every backend:

- Queue depth in the past is reconstructed backwards from the exact counts now: the backlog
  moves by enqueued minus finished per bucket (exact), running tasks are the runs whose
  [start, finish) spans the moment, scheduled ones the waiting tasks whose run_after was still
  ahead. A task keeps only its last run_after and start, so time spent scheduled by tasks
  that have run since (retries, delayed tasks) counts as ready: :data:`DEPTH_NOTE`. Samples
  taken while the app runs replace the reconstruction where they exist.
- Percentiles per bucket come from one sort of all values (:func:`bucket_percentiles`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

import numpy as np

from prismq_desktop.core import timeutil
from prismq_desktop.core.query import SCHEDULED
from prismq_desktop.core.stats_types import (
    BUCKET_STEPS,
    MAX_BUCKETS,
    RATE_SECONDS,
    RUN_SAMPLE_CAP,
    WINDOWS,
    Depth,
    DepthSample,
    Latency,
    Rates,
    Runs,
    Stats,
    StatsReads,
    Throughput,
    TypeStats,
    Window,
)


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
    """An epoch second as PrismQ's column text."""
    return timeutil.to_db(datetime.fromtimestamp(epoch, timezone.utc))


def sample_every(expected: int) -> int:
    """Read every k-th run so that about RUN_SAMPLE_CAP of ``expected`` runs are read."""
    return max(1, math.ceil(expected / RUN_SAMPLE_CAP))


def runs_from_rows(rows: Sequence[Sequence[object]], every: int, source: str) -> Runs:
    """Rows of (finished epoch, wait or -1, run or -1, failed flag, type) as arrays."""
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


def latency(sample: Runs, edges: np.ndarray) -> Latency:
    size = len(edges) - 1
    index = ((sample.finished - edges[0]) // (edges[1] - edges[0])).astype(np.int64)
    wait = bucket_percentiles(index, sample.wait, size, (0.5, 0.95))
    run = bucket_percentiles(index, sample.run, size, (0.5, 0.95))
    return Latency(wait[0], wait[1], run[0], run[1])


def current_sample(counts: dict[str, int], at: float) -> DepthSample:
    return DepthSample(at, counts.get("queued", 0), counts.get(SCHEDULED, 0),
                       counts.get("leased", 0) + counts.get("processing", 0))


def depth(reads: StatsReads, edges: np.ndarray, now: float, current: DepthSample) -> Depth:
    """Reconstruct depth at each bucket end from the counts now (see the module docstring)."""
    flow, sample = reads.throughput, reads.runs
    moments = np.minimum(edges[1:], now).astype(np.float64)
    backlog_now = current.ready + current.scheduled + current.active
    net = flow.enqueued - flow.finished
    after = np.concatenate((np.cumsum(net[::-1])[::-1][1:], [0]))
    backlog = backlog_now - after
    starts = sample.finished - np.nan_to_num(sample.run, nan=0.0)
    active_starts = reads.running_since
    until = np.minimum(edges, now)  # the last bucket has only run until now
    busy = sample.every * _busy_seconds(starts, sample.finished, until) + _busy_seconds(
        active_starts, np.full(active_starts.shape, now), until)
    span = np.diff(until).astype(np.float64)
    running = np.divide(np.diff(busy), span, out=np.zeros_like(span), where=span > 0)
    waiting_since = np.sort(epochs(s for s, _ in reads.scheduled_spans))
    scheduled_until = np.sort(epochs(u for _, u in reads.scheduled_spans))
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
    result: np.ndarray = (begun * moments - started_sum) - (ended * moments - ended_sum)
    return result


def epochs(values: Iterable[float | None]) -> np.ndarray:
    """The numbers among ``values`` (None skipped) as a float array."""
    return np.array([float(v) for v in values if v is not None], np.float64)


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
    ready, scheduled, active = columns
    return Depth(ready, scheduled, active, sampled_from=float(at[keep].min()))


def type_stats(reads: StatsReads, now: datetime) -> list[TypeStats]:
    sample = reads.runs
    counts: dict[str, dict[str, int]] = {}
    for (kind, status), n in reads.type_counts.items():
        counts.setdefault(str(kind), {})[status] = n
    oldest: dict[str, float] = {}
    for kind, moment in reads.oldest_ready.items():
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


def rates(counts: tuple[int, int, int]) -> Rates:
    """The last minute's (enqueued, completed, failed) as rates."""
    enqueued, completed, failed = counts
    scale = 60.0 / RATE_SECONDS
    return Rates(completed / RATE_SECONDS, completed * scale, enqueued * scale, failed * scale)


def window_of(window: Window | str) -> Window:
    return WINDOWS[window] if isinstance(window, str) else window


def compute(reads: StatsReads, window: Window, edges: np.ndarray, bucket: int, now: datetime,
            samples: Sequence[DepthSample] = ()) -> Stats:
    """All of the Stats tab for ``window`` ending ``now``; ``samples`` are the live depth
    samples (the exact current counts are always one)."""
    at = now.timestamp()
    current = current_sample(reads.counts, at)
    rebuilt = depth(reads, edges, at, current)
    return Stats(window, bucket, edges, at, reads.throughput,
                 with_samples(rebuilt, edges, [*samples, current]),
                 latency(reads.runs, edges), type_stats(reads, now), rates(reads.rate_counts),
                 current, reads.runs.every, reads.runs.source)


def empty_throughput(size: int) -> Throughput:
    """Zeroed counts for ``size`` buckets, for a backend to fill."""
    enqueued, completed, failed, finished = (np.zeros(size, np.int64) for _ in range(4))
    return Throughput(enqueued, completed, failed, finished)
