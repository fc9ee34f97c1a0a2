"""The Stats tab's arithmetic: buckets, percentiles, depth reconstruction, per-type figures.

A backend reads the raw figures for a window (``Store.stats_reads``: counts per bucket,
the finished attempts, running and scheduled tasks); everything else is computed here with
NumPy, the same for every backend:

- Queue depth in the past is reconstructed backwards from the exact counts now and the
  changes recorded per bucket (:class:`Flow`: backlog, running, scheduled), each where it
  happened, so retrying an old task never rewrites the past. Running is the average over the
  bucket (exact: the recorded changes carry their times). Samples taken while the app runs
  replace the reconstruction where they exist.
- Percentiles come from log-spaced histograms (:func:`histogram_percentiles`): numpy's linear
  method on the order statistics, each placed within its bin (a few percent at most).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone

import numpy as np

from prismq_desktop.core import timeutil
from prismq_desktop.core.query import SCHEDULED
from prismq_desktop.core.stats_types import (
    BIN_EDGES,
    BUCKET_STEPS,
    MAX_BUCKETS,
    RATE_SECONDS,
    RUN_SAMPLE_CAP,
    WINDOWS,
    Depth,
    DepthSample,
    Flow,
    Histograms,
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


def reads_from_runs(backlog: np.ndarray, scheduled: np.ndarray, sample: Runs,
                    running_since: np.ndarray, edges: np.ndarray, now: float
                    ) -> tuple[Flow, Histograms]:
    """Flow and histograms for a backend that keeps a row per run and its backlog and
    scheduled changes per bucket, not the histograms (PostgreSQL): running moves by the runs'
    spans and the tasks running now."""
    size, step = len(edges) - 1, edges[1] - edges[0]

    def bucket(at: np.ndarray) -> np.ndarray:
        index: np.ndarray = ((at - edges[0]) // step).astype(np.int64)
        return index

    def changes(at: np.ndarray, weight: np.ndarray) -> np.ndarray:
        index = bucket(at)
        keep = (index >= 0) & (index < size) & (at <= now)
        return np.bincount(index[keep], weight[keep], minlength=size)

    starts = sample.finished - np.nan_to_num(sample.run, nan=0.0)
    moments = np.concatenate((starts, sample.finished, running_since))
    signs = np.concatenate((np.full(starts.shape, float(sample.every)),
                            np.full(starts.shape, -float(sample.every)),
                            np.ones(running_since.shape)))
    flow = Flow(backlog.astype(np.int64), changes(moments, signs),
                changes(moments, signs * moments), scheduled.astype(np.int64))
    bins = np.searchsorted(np.array(BIN_EDGES), np.nan_to_num(np.maximum(
        np.stack((sample.wait, sample.run)), 0.0), nan=-1.0), "right") - 1
    index = bucket(sample.finished)
    inside = (index >= 0) & (index < size)
    grids = []
    for row in (0, 1):
        grid = np.zeros((size, len(BIN_EDGES)), np.int64)
        keep = inside & (bins[row] >= 0)
        np.add.at(grid, (index[keep], bins[row][keep]), sample.every)
        grids.append(grid)
    types = np.zeros((len(sample.types), len(BIN_EDGES)), np.int64)
    known = bins[1] >= 0
    np.add.at(types, (sample.type_code[known], bins[1][known]), sample.every)
    failed = np.bincount(sample.type_code[known], sample.failed[known] * sample.every,
                         minlength=len(sample.types)).astype(np.int64)
    return flow, Histograms(np.array(BIN_EDGES), grids[0], grids[1], sample.types, types,
                            failed, sample.source, sample.every)


def histogram_percentiles(counts: np.ndarray, edges: np.ndarray,
                          quantiles: Sequence[float]) -> list[np.ndarray]:
    """Per row of ``counts`` ([rows, bins]), the quantiles as ``np.percentile``'s default
    (linear) method gives them, with each order statistic placed inside its bin by its rank
    there (geometrically: the bins are log-spaced); NaN for empty rows."""
    counts = np.asarray(counts, np.float64)
    total = counts.sum(axis=1)
    cumulative = np.cumsum(counts, axis=1)
    upper = np.append(edges[1:], edges[-1] * (edges[-1] / edges[-2]))
    result = []
    for q in quantiles:
        position = q * np.maximum(total - 1, 0)
        low = np.floor(position)
        value_low = _rank_value(counts, cumulative, edges, upper, low)
        value_high = _rank_value(counts, cumulative, edges, upper,
                                 np.minimum(low + 1, np.maximum(total - 1, 0)))
        out = value_low + (value_high - value_low) * (position - low)
        result.append(np.where(total > 0, out, np.nan))
    return result


def _rank_value(counts: np.ndarray, cumulative: np.ndarray, edges: np.ndarray,
                upper: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """The value of the ``rank``-th (0-based) attempt of each row, inside its bin."""
    index = np.minimum((cumulative <= rank[:, None]).sum(axis=1), counts.shape[1] - 1)
    rows = np.arange(counts.shape[0])
    before = np.where(index > 0, cumulative[rows, np.maximum(index - 1, 0)], 0.0)
    inside = counts[rows, index]
    fraction = np.divide(rank - before + 0.5, inside, out=np.full_like(rank, 0.5),
                         where=inside > 0)
    low, high = edges[index], upper[index]
    geometric = low * (high / np.where(low > 0, low, 1.0)) ** fraction
    value: np.ndarray = np.where(low > 0, geometric, high * fraction)
    return value


def latency(histograms: Histograms) -> Latency:
    wait = histogram_percentiles(histograms.wait, histograms.edges, (0.5, 0.95))
    run = histogram_percentiles(histograms.run, histograms.edges, (0.5, 0.95))
    return Latency(wait[0], wait[1], run[0], run[1])


def current_sample(counts: dict[str, int], at: float) -> DepthSample:
    return DepthSample(at, counts.get("queued", 0), counts.get(SCHEDULED, 0),
                       counts.get("leased", 0) + counts.get("processing", 0))


def depth(reads: StatsReads, edges: np.ndarray, now: float, current: DepthSample) -> Depth:
    """Depth at each bucket end, going back from the counts now by the changes recorded in
    later buckets; running as the average over each bucket (see the module docstring)."""
    flow = reads.flow

    def at_ends(now_value: float, changes: np.ndarray) -> np.ndarray:
        later = np.concatenate((np.cumsum(changes[::-1])[::-1][1:], [0]))
        return now_value - later

    backlog = at_ends(current.ready + current.scheduled + current.active, flow.backlog)
    running_end = at_ends(current.active, flow.running)
    scheduled = at_ends(current.scheduled, flow.scheduled)
    starts = edges[:-1].astype(np.float64)
    until = np.maximum(np.minimum(edges[1:], now).astype(np.float64), starts)
    span = until - starts
    area = (running_end - flow.running) * span + until * flow.running - flow.running_epochs
    running = np.divide(area, span, out=running_end.astype(np.float64), where=span > 0)
    ready = np.maximum(backlog - running_end - scheduled, 0)
    return Depth(ready.astype(np.float64), scheduled.astype(np.float64),
                 np.maximum(running, 0.0).astype(np.float64))


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
    histograms = reads.histograms
    counts: dict[str, dict[str, int]] = {}
    for (kind, status), n in reads.type_counts.items():
        counts.setdefault(str(kind), {})[status] = n
    oldest: dict[str, float] = {}
    for kind, moment in reads.oldest_ready.items():
        parsed = timeutil.parse(moment)
        if parsed is not None:
            oldest[str(kind)] = max(0.0, (now - parsed).total_seconds())
    p50, p95 = histogram_percentiles(histograms.type_run, histograms.edges, (0.5, 0.95))
    runs = histograms.type_run.sum(axis=1).astype(np.int64)
    rows = []
    for kind in sorted(set(counts) | set(histograms.types) | set(oldest)):
        code = histograms.types.index(kind) if kind in histograms.types else -1
        n = int(runs[code]) if code >= 0 else 0
        rows.append(TypeStats(
            kind, counts.get(kind, {}), n,
            float(histograms.type_failed[code]) / n if n else None,
            float(p50[code]) if n else None, float(p95[code]) if n else None,
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
                 latency(reads.histograms), type_stats(reads, now), rates(reads.rate_counts),
                 current, reads.histograms.every, reads.histograms.source)


def empty_throughput(size: int) -> Throughput:
    """Zeroed counts for ``size`` buckets, for a backend to fill."""
    enqueued, completed, failed, finished = (np.zeros(size, np.int64) for _ in range(4))
    return Throughput(enqueued, completed, failed, finished)
