"""The write-side figures of read_bench: retry-all, export, and what sort indexes would cost."""

from __future__ import annotations

import csv
import resource
import shutil
import time
from datetime import datetime
from pathlib import Path

from benchmarks.core_bench import Core
from prismq_desktop.core import Queue, TaskQuery
from prismq_desktop.core.models import TASK_SELECT
from prismq_desktop.core.sqlite import sample_data as history
from prismq_desktop.core.sqlite.filters import SORT_SQL
from prismq_desktop.core.sqlite.store import database_of


def _fail_some(queue: Queue, wanted: int) -> int:
    """Make ``wanted`` tasks failed, scattered through the file as failures are."""
    missing = wanted - queue.count(TaskQuery(statuses=("failed",)))
    step = max(1, queue.count(TaskQuery(statuses=("completed",))) // max(missing, 1))
    database_of(queue).execute("PRAGMA wal_autocheckpoint=0")
    with database_of(queue).transaction() as conn:
        conn.execute("UPDATE task_queue SET status = 'failed', error_message = 'bench' WHERE id IN"
                     " (SELECT id FROM task_queue WHERE status = 'completed' AND id % ? = 0"
                     " LIMIT ?)", (step, max(missing, 0)))
    queue.checkpoint("TRUNCATE")
    database_of(queue).execute("PRAGMA wal_autocheckpoint=1000")
    return queue.count(TaskQuery(statuses=("failed",)))


def bench_bulk(queue: Queue, tasks: int) -> None:
    failed = _fail_some(queue, tasks // 10)
    result = queue.bulk("retry", TaskQuery(statuses=("failed",)))
    assert result.done == failed, result.summary()
    _fail_some(queue, failed)
    start = time.perf_counter()
    # naive: one transaction holds the lock throughout
    with database_of(queue).transaction() as conn:
        conn.execute("INSERT INTO task_logs (task_id, at_utc, level, message) SELECT id,"
                     " '2026-11-23 12:00:00', 'INFO', 'retried' FROM task_queue"
                     " WHERE status = 'failed'")
        conn.execute("UPDATE task_queue SET status = 'queued', attempts = 0 WHERE"
                     " status = 'failed'")
    naive = time.perf_counter() - start
    print(f"retry-all of {failed:,} failed tasks: {result.seconds:6.2f} s"
          f" (budget 3 s)   naive one transaction {naive:6.2f} s   ratio"
          f" {result.seconds / naive:5.2f}   batches {result.batches},"
          f" longest {result.longest_batch_s * 1000:.0f} ms (budget 100 ms),"
          f" lock held {result.locked_s:.2f} s in all", flush=True)


def _rss_mb() -> float:
    """Resident memory now (Linux /proc; elsewhere the peak so far)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_export(queue: Queue, folder: Path) -> None:
    before = _rss_mb()
    samples = [before]
    result = queue.export(TaskQuery(), folder / "all.csv",
                          progress=lambda done, total: samples.append(_rss_mb()))
    after = max(samples)
    start = time.perf_counter()
    with open(folder / "naive.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(database_of(queue).get_connection().execute(
            f"SELECT {TASK_SELECT} FROM task_queue ORDER BY id DESC"))
    naive = time.perf_counter() - start
    print(f"export {result.rows:,} rows to CSV: {result.seconds:6.2f} s (budget 15 s)"
          f"   naive single cursor {naive:6.2f} s   ratio {result.seconds / naive:5.2f}"
          f"   RSS before {before:.0f} MB, highest during {after:.0f} MB", flush=True)


def bench_index_cost(folder: Path, now: datetime) -> None:
    """Single enqueue and claim+complete on 100,000 tasks, without and with sort indexes."""
    base = folder / "index-base.db"
    with Queue.open(base, clock=lambda: now) as queue:
        history.generate(database_of(queue), 100_000, 7, now, with_logs=False)
        queue.enqueue_many([{"type": "noop"} for _ in range(20_000)])
        queue.checkpoint("TRUNCATE")
    rates = {}
    for variant in ("none", "sort keys", "sort keys + status, type"):
        path = folder / f"index-{len(rates)}.db"
        shutil.copyfile(base, path)
        with Queue.open(path) as queue:
            for name, expression in SORT_SQL.items() if variant != "none" else ():
                tail = ", id, status, type" if "status" in variant else ""
                database_of(queue).execute(
                    f"CREATE INDEX x_{name} ON task_queue (({expression}){tail})")
            rates[variant] = _write_rates(queue)
    base_enqueue, base_claim = rates["none"]
    for variant, (enqueue, claim) in rates.items():
        print(f"writes with {variant:<26} enqueue {enqueue:7.0f}/s ({enqueue / base_enqueue:4.2f}x)"
              f"   claim+complete {claim:7.0f}/s ({claim / base_claim:4.2f}x)", flush=True)


def _write_rates(queue: Queue) -> tuple[float, float]:
    """core_bench's single-enqueue and claim+complete loops, on this file."""
    core = Core(handoff=False)
    start = time.perf_counter()
    for i in range(2000):
        core.put(queue, i)
    enqueue = 2000 / (time.perf_counter() - start)
    start = time.perf_counter()
    assert len(core.take(queue, 1500)) == 1500
    return enqueue, 1500 / (time.perf_counter() - start)


def bench_writes(path: Path, now: datetime, tasks: int, with_index_cost: bool) -> None:
    with Queue.open(path, clock=lambda: now) as queue:
        bench_bulk(queue, tasks)
        bench_export(queue, path.parent)
    if with_index_cost:
        bench_index_cost(path.parent, now)
    else:
        print("(--index-cost measures what per-sort-key indexes would cost writes)")
