"""What the Stats tab draws, as NumPy arrays over one set of bucket edges (epoch seconds, UTC),
and what a backend reads for it (:class:`StatsReads`). core/stats.py does the maths; each
backend's stats module the reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


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
#: A backend that reads sampled runs (PostgreSQL) reads every run up to this many in a
#: window, then a systematic 1-in-k sample.
RUN_SAMPLE_CAP = 20_000
#: Latency histogram bins: each bin's lower bound in seconds, 10 per doubling (7 % wide)
#: from 0.1 ms; bin 0 holds everything below.
BIN_EDGES: tuple[float, ...] = (0.0, *(1e-4 * 2 ** (i / 10) for i in range(339)))
#: The "current rate" figures look back this far.
RATE_SECONDS = 60
DEPTH_NOTE = ("Depth: reconstructed from the transitions the file records (each enqueue, "
              "claim, finish, retry and delay where it happened), so a later retry never "
              "changes the past; before this app recorded them (an older file) it comes from "
              "task timestamps. Running: the average over each bucket.")


@dataclass(frozen=True)
class Throughput:
    """Tasks per bucket: enqueued (created), completed, failed, and finished in any way."""

    enqueued: np.ndarray
    completed: np.ndarray
    failed: np.ndarray
    finished: np.ndarray


@dataclass(frozen=True)
class Runs:
    """Finished attempts in the window (every ``every``-th one when there are many), as a
    backend that keeps a row per run reads them (:func:`stats.reads_from_runs`)."""

    finished: np.ndarray
    wait: np.ndarray  # NaN where unknown
    run: np.ndarray
    failed: np.ndarray
    type_code: np.ndarray
    types: tuple[str, ...]
    every: int
    source: str  # "runs" (sub-second, the app's own table) or "tasks" (the task columns)


@dataclass(frozen=True)
class Flow:
    """Recorded changes per bucket, for depth: the backlog (waiting or running), the running
    count with the sum of ±epoch of those changes (for the average), and the scheduled count."""

    backlog: np.ndarray
    running: np.ndarray
    running_epochs: np.ndarray
    scheduled: np.ndarray


@dataclass(frozen=True)
class Histograms:
    """Finished attempts as counts per log-spaced bin (``edges``: each bin's lower bound in
    seconds): wait and run per bucket, run per type over the window."""

    edges: np.ndarray
    wait: np.ndarray  # [bucket, bin]
    run: np.ndarray  # [bucket, bin]
    types: tuple[str, ...]
    type_run: np.ndarray  # [type, bin]
    type_failed: np.ndarray  # [type]: failed attempts
    source: str  # "runs" (the app's sub-second records) or "tasks" (whole-second columns)
    every: int = 1  # counted from every ``every``-th run (a backend that samples, PostgreSQL)


@dataclass(frozen=True)
class Latency:
    """Wait (created → started) and run (started → finished) seconds per bucket."""

    wait_p50: np.ndarray
    wait_p95: np.ndarray
    run_p50: np.ndarray
    run_p95: np.ndarray


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


@dataclass(frozen=True)
class Rates:
    """Over the last minute: the "current rate" big numbers."""

    completed_per_s: float
    completed_per_min: float
    enqueued_per_min: float
    failed_per_min: float


@dataclass(frozen=True)
class StatsReads:
    """Everything a backend reads for one window; the rest is arithmetic (core/stats.py)."""

    throughput: Throughput
    flow: Flow
    histograms: Histograms
    #: Status counts now, with 'scheduled' split out of 'queued' (Queue.counts()).
    counts: dict[str, int]
    #: {(type, status): n} now (Queue.type_counts()).
    type_counts: dict[tuple[str, str], int]
    #: Per type, the stored run_after of its oldest ready task.
    oldest_ready: dict[str, Any]
    #: Tasks enqueued, completed and failed in the last RATE_SECONDS.
    rate_counts: tuple[int, int, int]


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
