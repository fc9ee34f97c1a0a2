"""Reads over a big queue file: counts, windows at any sort and depth, search, bulk, export.

``python -m benchmarks.read_bench`` works on a 1,000,000-task file (made once with
core.history and cached under /tmp/prismq-bench, ~1.5 min); ``--smoke`` on 20,000 tasks in
seconds; ``--index-cost`` also measures what per-sort-key indexes would cost writes (why
there are none). Every figure is printed next to the naive query for the same answer, timed
in the same run: a plain GROUP BY, an OFFSET window, a LIKE scan. The Stats figures are also
printed beside a raw peer, timed alternately with them: plain SQL over exactly the aggregate
rows they read, with no Python, so on this shared machine a slow figure whose ratio holds
is load, and one whose ratio grew is ours; their CPU time is printed too (wall time well
above it was spent waiting for a core). Figures with a DESIGN §9 budget say whether they
meet it (on 1,000,000 tasks; smoke figures are on a small file and only say it runs).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from prismq_desktop.core import SORT_FIELDS, Queue, TaskQuery, stats
from prismq_desktop.core.sqlite import filters as sql_filters
from prismq_desktop.core.sqlite import sample_data as history
from prismq_desktop.core.sqlite import schema
from prismq_desktop.core.sqlite import stats as sql_stats
from prismq_desktop.core.sqlite.store import database_of

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)
CACHE = Path(tempfile.gettempdir()) / "prismq-bench"
FILTERS = {"all": TaskQuery(), "completed": TaskQuery(statuses=("completed",)),
           "failed": TaskQuery(statuses=("failed",)), "transcode": TaskQuery(types=("transcode",))}
SEARCHES = ['payload.query:"AI trends"', "payload.query:nope", "payload.path:*talk.mkv",
            "payload.size_mb>1000", "compat.region:eu", "espresso", "error:timeout"]


def timed(run: Callable[[], Any], repeat: int = 3) -> float:
    """Median wall time of ``repeat`` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def history_file(tasks: int) -> Path:
    """A cached history file for these parameters and this schema (made on first use)."""
    digest = hashlib.sha1("".join(schema.MIGRATIONS).encode()).hexdigest()[:8]
    path = CACHE / f"reads-{tasks}t-7d-seed7-{digest}.db"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            stale.unlink(missing_ok=True)
        print(f"generating {tasks:,} tasks into {path} ...", flush=True)
        with Queue.open(partial) as queue:
            history.generate(database_of(queue), tasks, 7, NOW, scheduled=tasks // 500,
                             backlog=tasks // 200)
            queue.checkpoint("TRUNCATE")
        partial.rename(path)
    return path


def timed_pair(ours: Callable[[], Any], peer: Callable[[], Any], repeat: int = 7
               ) -> tuple[float, float, float]:
    """Median wall times of ``ours`` and ``peer`` run alternately (so load hits both alike),
    and the median CPU time of ``ours``: wall well above CPU is time spent waiting for a core
    (the machine's load), CPU above its usual is ours."""
    first, second, cpu = [], [], []
    for _ in range(repeat):
        start = time.process_time()
        first.append(timed(ours, 1))
        cpu.append((time.process_time() - start) * 1000)
        second.append(timed(peer, 1))
    return statistics.median(first), statistics.median(second), statistics.median(cpu)


def line(label: str, ours: float, naive: float | None = None, note: str = "",
         budget: float | None = None, peer: str = "naive") -> None:
    text = f"{label:<44} {ours:9.2f} ms"
    if budget is not None:
        text += f" (budget {budget:.0f} ms: {'ok' if ours <= budget else 'MISSED'})"
    if naive is not None:
        text += f"   {peer} {naive:9.2f} ms   ratio {ours / naive:6.3f}"
    print(text + (f"   {note}" if note else ""), flush=True)


def bench_counts(queue: Queue) -> None:
    now = "2026-11-23 12:00:00"
    naive = timed(lambda: database_of(queue).query(
        "SELECT status, run_after_utc > ?, COUNT(*) FROM task_queue GROUP BY 1, 2", (now,)))
    line("counts per status (incl. scheduled)", timed(queue.counts), naive, budget=50)
    line("count of a status+type filter", timed(lambda: queue.count(
        TaskQuery(statuses=("queued", "failed"), types=("transcode",)))))


#: The raw peer of the Stats reads: every aggregate row of the given keys (JSON), summed by
#: SQL alone (no rows to Python): the least any read of those rows costs.
RAW_AGG = ("SELECT count(*), sum(a.n), sum(a.en), sum(a.co) FROM json_each(?1) AS j"
           " JOIN pqd_agg AS a ON a.b = j.value")


def _agg_keys(edges: np.ndarray, hist: bool = True) -> str:
    """The keys of the flow rows and (with ``hist``) the histogram rows that the Stats reads
    of the buckets between ``edges`` seek, as JSON."""
    step, first, last = int(edges[1] - edges[0]), float(edges[0]), float(edges[-1]) - 1
    levels = [sql_stats.flow_level(step), *([sql_stats.hist_level(step)] if hist else [])]
    return json.dumps([key for level in levels
                       for key in json.loads(sql_stats.keys(first, last, level))])


def bench_stats(queue: Queue) -> None:
    """The Stats tab's 24 h throughput series in 1-minute buckets, and all of its charts, each
    beside its raw peer (and the series beside the naive scan of task_queue)."""
    db = database_of(queue)
    naive = timed(lambda: db.query(
        "SELECT (unixepoch(created_at_utc) - ?1) / 60, count(*) FROM task_queue"
        " WHERE created_at_utc >= ?2 GROUP BY 1", (NOW.timestamp() - 86400, "2026-11-22 12:00")))
    edges = stats.bucket_edges(86400, NOW.timestamp(), 60)
    keys = _agg_keys(edges, hist=False)
    ours, raw, cpu = timed_pair(lambda: queue.throughput_series(86400, 60),
                                lambda: db.query(RAW_AGG, (keys,)))
    line("24 h throughput series, 1-min buckets", ours, naive, "naive = GROUP BY unixepoch",
         budget=60)
    line("    the same beside its raw peer", ours, raw, peer="raw agg", note=f"cpu {cpu:.2f} ms")
    for key, budget in (("15m", None), ("1h", None), ("24h", 60), ("7d", 120)):
        window = stats.WINDOWS[key]
        step = stats.bucket_seconds(window.seconds)
        edges = stats.bucket_edges(window.seconds, NOW.timestamp(), step)
        keys = _agg_keys(edges)
        ours, raw, cpu = timed_pair(lambda k=key: queue.stats(k),
                                    lambda k=keys: db.query(RAW_AGG, (k,)))
        rows = db.query(RAW_AGG, (keys,))[0][0]
        line(f"stats: all charts, {key} window", ours, raw, budget=budget, peer="raw agg",
             note=f"cpu {cpu:.2f} ms, {rows:,} aggregate rows")


def bench_windows(queue: Queue, smoke: bool) -> None:
    """Every sort key, both directions, four filters, three depths: build once, then windows."""
    worst: tuple[float, str] = (0.0, "")
    builds: dict[str, float] = {}
    for (name, base), sort, descending in _combinations(smoke):
        query = TaskQuery(base.statuses, base.types, sort=sort, descending=descending)
        start = time.perf_counter()
        result = queue.result_set(query)
        builds[f"{name}/{sort}"] = max(builds.get(f"{name}/{sort}", 0.0),
                                       (time.perf_counter() - start) * 1000)
        for offset in (0, len(result) // 2, max(0, len(result) - 200)):
            took = timed(lambda r=result, o=offset: queue.window(r, o, 200))
            worst = max(worst, (took, f"{name}/{sort}/{'desc' if descending else 'asc'}@{offset}"))
    line("200-row window, worst of all sorts/depths", worst[0], note=worst[1], budget=50)
    _print_builds(builds)
    _naive_offsets(queue)
    result = queue.result_set(TaskQuery(sort="priority"))
    probe = int(result.ids[len(result) * 3 // 4])
    line("position of a task id in the order", timed(lambda: result.position_of(probe)))


def _combinations(smoke: bool) -> list[tuple[tuple[str, TaskQuery], str, bool]]:
    keys = list(SORT_FIELDS)
    filters = list(FILTERS.items())
    return [(f, s, d) for f in filters for s in keys for d in (True, False)
            if not smoke or f[0] == "all" or s in ("id", "created")]


def _print_builds(builds: dict[str, float]) -> None:
    """The one-off cost per query: slowest first."""
    ranked = sorted(builds.items(), key=lambda item: -item[1])
    print("result set build (once per query; slowest first):", flush=True)
    for key, took in ranked[:6]:
        print(f"    {key:<28} {took:9.1f} ms")
    print(f"    median of {len(ranked)} {statistics.median(builds.values()):9.1f} ms,"
          f" fastest {ranked[-1][0]} {ranked[-1][1]:.1f} ms", flush=True)


def _naive_offsets(queue: Queue) -> None:
    total = queue.count()
    for sort in ("id", "created", "priority", "error"):
        query = TaskQuery(sort=sort)
        where, params = sql_filters.where(query, NOW)
        order = sql_filters.order_by(query)
        sql = (f"SELECT * FROM task_queue WHERE {where} ORDER BY {order}"
               " LIMIT 200 OFFSET ?")
        naive = timed(lambda s=sql, p=params: database_of(queue).query(s, [*p, total // 2]),
                      repeat=1)
        result = queue.result_set(query)
        ours = timed(lambda r=result: queue.window(r, total // 2, 200))
        line(f"window at {total // 2:,} by {sort}", ours, naive, "naive = LIMIT/OFFSET")


def bench_search(queue: Queue) -> None:
    naive = timed(lambda: database_of(queue).query(
        "SELECT * FROM task_queue WHERE payload LIKE '%nope%' ORDER BY id DESC LIMIT 200"))
    for text in SEARCHES:
        query = TaskQuery(text=text)
        first = timed(lambda q=query: queue.list(q, 0, 200))
        line(f"first window: {text}", first, naive, "naive = LIKE scan")
    start = time.perf_counter()
    result = queue.result_set(TaskQuery(text=SEARCHES[0]))
    line(f"all {len(result):,} matches of {SEARCHES[0]}", (time.perf_counter() - start) * 1000)


def main(argv: list[str]) -> int:
    smoke = "--smoke" in argv
    tasks = 20_000 if smoke else 1_000_000
    path = history_file(tasks)
    print(f"== reads on {tasks:,} tasks ({path.name})", flush=True)
    with Queue.open(path, read_only=True, clock=lambda: NOW) as queue:
        bench_counts(queue)
        bench_stats(queue)
        bench_windows(queue, smoke)
        bench_search(queue)
    from benchmarks.read_bench_writes import bench_writes
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
        copy = Path(scratch) / "scratch.db"
        shutil.copyfile(path, copy)
        bench_writes(copy, NOW, tasks, with_index_cost="--index-cost" in argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
