"""PostgreSQL: the core against a raw psycopg loop on the same DDL, and procrastinate, in one run.

``python -m benchmarks.pg_bench [--smoke]`` on the server ``PRISMQ_TEST_PG_URL`` names (skips,
saying so, without one). The raw loop is the least work a queue can do on this schema: one
INSERT per enqueue, COPY for bulk, one claiming ``UPDATE … FOR UPDATE SKIP LOCKED RETURNING``
and one completing UPDATE per task, no log or run rows. The core does what it promises (its
log row per transition, a run record per attempt, NOTIFY on enqueue). procrastinate is the
peer (DESIGN §9: claim + complete ≥ 0.6× raw with 4 processes, enqueue ≥ 0.7×, pickup p99
with LISTEN ≤ 50 ms). Every figure is a ratio to the raw loop measured in this run.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg

from prismq_desktop.core import Queue
from prismq_desktop.core.claims import ClaimFilter
from prismq_desktop.core.postgres.connection import connect_options, parse

URL_VAR = "PRISMQ_TEST_PG_URL"
RAW_INSERT = ("INSERT INTO task_queue (type, payload, created_at_utc, updated_at_utc,"
              " run_after_utc) VALUES (%s, %s, now(), now(), now())")
RAW_CLAIM = (
    "UPDATE task_queue SET status = 'processing', attempts = attempts + 1, locked_by = %s,"
    " lease_until_utc = now() + interval '30 seconds', reserved_at_utc = now(),"
    " processing_started_utc = now(), updated_at_utc = now() WHERE id IN (SELECT id FROM"
    " task_queue WHERE status = 'queued' AND run_after_utc <= now() ORDER BY priority,"
    " run_after_utc, id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id"
)
RAW_COMPLETE = (
    "UPDATE task_queue SET status = 'completed', finished_at_utc = now(),"
    " lease_until_utc = NULL, updated_at_utc = now() WHERE id = %s AND locked_by = %s"
    " AND status = 'processing'"
)
PRIORITY = ClaimFilter("priority")


def location(base: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}schema=bench_{uuid.uuid4().hex[:8]}"


def raw_connect(where: str) -> psycopg.Connection[Any]:
    return psycopg.connect(connect_options(parse(where), False, 5000), autocommit=True)


def drop(where: str) -> None:
    with raw_connect(where) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{parse(where).schema}" CASCADE')


def fresh(base: str) -> str:
    """A new, empty queue schema (the app's DDL) and its URL."""
    where = location(base)
    Queue.open(where).close()
    return where


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


# -- enqueue ---------------------------------------------------------------------------------
def raw_enqueue(where: str, n: int) -> float:
    with raw_connect(where) as conn:
        start = time.perf_counter()
        for i in range(n):
            conn.execute(RAW_INSERT, ("echo", f'{{"i": {i}}}'))
        return rate(n, time.perf_counter() - start)


def core_enqueue(where: str, n: int) -> float:
    with Queue.open(where) as queue:
        start = time.perf_counter()
        for i in range(n):
            queue.enqueue("echo", {"i": i})
        return rate(n, time.perf_counter() - start)


def raw_bulk(where: str, n: int) -> float:
    with raw_connect(where) as conn:
        start = time.perf_counter()
        with conn.transaction(), conn.cursor().copy(
                "COPY task_queue (type, payload) FROM STDIN") as copy:
            for i in range(n):
                copy.write_row(("echo", f'{{"i": {i}}}'))
        return rate(n, time.perf_counter() - start)


def core_bulk(where: str, n: int) -> float:
    with Queue.open(where) as queue:
        items = [{"type": "echo", "payload": {"i": i}} for i in range(n)]
        start = time.perf_counter()
        for chunk in range(0, n, 10_000):
            queue.enqueue_many(items[chunk:chunk + 10_000])
        return rate(n, time.perf_counter() - start)


# -- claim + complete ------------------------------------------------------------------------
def raw_drain(where: str, batch: int, worker: str = "raw", limit: int = 10**9) -> int:
    done = 0
    with raw_connect(where) as conn:
        while done < limit and (ids := [row[0] for row in conn.execute(
                RAW_CLAIM, (worker, batch)).fetchall()]):
            for task_id in ids:
                conn.execute(RAW_COMPLETE, (task_id, worker))
            done += len(ids)
    return done


def core_drain(where: str, batch: int, worker: str = "core", limit: int = 10**9) -> int:
    done = 0
    with Queue.open(where) as queue:
        store = queue._store  # batched claims are the store's (the engine's hand-off)
        while done < limit and (tasks := store.claim_many(worker, 30, queue.now(), PRIORITY,
                                                          True, batch)):
            for task in tasks:
                queue.complete(task.id, worker, claimed_at=task.claimed_at)
            done += len(tasks)
    return done


def _drain_process(kind: str, where: str, batch: int, worker: str, ready: Any,
                   go: Any, result: Any) -> None:
    ready.release()
    go.wait()
    result.put((raw_drain if kind == "raw" else core_drain)(where, batch, worker))


def drain(kind: str, where: str, n: int, processes: int, batch: int) -> float:
    """Tasks per second for ``processes`` processes draining ``n`` waiting tasks."""
    if processes == 1:
        start = time.perf_counter()
        done = (raw_drain if kind == "raw" else core_drain)(where, batch)
        assert done == n, (done, n)
        return rate(n, time.perf_counter() - start)
    ctx = mp.get_context("spawn")
    ready, go, result = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_drain_process, args=(kind, where, batch, f"{kind}-{i}",
                                                      ready, go, result))
             for i in range(processes)]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.acquire()
    start = time.perf_counter()
    go.set()
    done = sum(result.get(timeout=600) for _ in procs)
    seconds = time.perf_counter() - start
    for proc in procs:
        proc.join(30)
    assert done == n, (done, n)
    return rate(n, seconds)


def fill(where: str, n: int) -> None:
    """``n`` waiting tasks, then ANALYZE: a claim right after a bulk load would otherwise be
    planned without statistics (autovacuum comes round within a minute), and whichever side
    ran first would pay for it."""
    with Queue.open(where) as queue:
        for chunk in range(0, n, 10_000):
            queue.enqueue_many([{"type": "echo"}] * min(10_000, n - chunk))
    with raw_connect(where) as conn:
        conn.execute("ANALYZE task_queue")


# -- pickup latency ------------------------------------------------------------------------
def pickup(where: str, n: int, listen: bool) -> tuple[float, float]:
    """p50 and p99 ms from an enqueue's commit (another process) to its handler's start."""
    from prismq_desktop.core.postgres.store import PostgresStore
    from prismq_desktop.worker import HandlerRegistry, WorkerEngine

    started: dict[int, float] = {}
    registry = HandlerRegistry()
    registry.register("echo", lambda ctx: started.setdefault(ctx.task.id, time.time()))
    if not listen:
        original, PostgresStore.listen = PostgresStore.listen, lambda self: None  # type: ignore[method-assign]
    try:
        with Queue.open(where) as queue:
            engine = WorkerEngine(queue, concurrency=2, registry=registry, poll_interval=0.25,
                                  schedule_period=None)
            engine.start()
            time.sleep(0.5)
            committed = _enqueue_spaced(where, n)
            deadline = time.monotonic() + 30
            while len(started) < n and time.monotonic() < deadline:
                time.sleep(0.01)
            engine.stop()
    finally:
        if not listen:
            PostgresStore.listen = original  # type: ignore[method-assign]
    waits = sorted((started[i] - at) * 1000 for i, at in committed.items() if i in started)
    return statistics.median(waits), waits[min(len(waits) - 1, int(len(waits) * 0.99))]


def _enqueue_spaced(where: str, n: int) -> dict[int, float]:
    """Enqueue from a child process, one every 20 ms; {id: commit time (epoch)}."""
    ctx = mp.get_context("spawn")
    result = ctx.Queue()
    proc = ctx.Process(target=_producer, args=(where, n, result))
    proc.start()
    committed: dict[int, float] = result.get(timeout=120)
    proc.join(30)
    return committed


def _producer(where: str, n: int, result: Any) -> None:
    committed = {}
    with Queue.open(where) as queue:
        for _ in range(n):
            task = queue.enqueue("echo")
            committed[task.id] = time.time()
            time.sleep(0.02)
    result.put(committed)


# -- procrastinate ----------------------------------------------------------------------------
def procrastinate_figures(base: str, n: int) -> dict[str, float]:
    """procrastinate's defer (single, batch) and a worker draining ``n`` jobs, on a schema
    of its own."""
    import procrastinate

    where = location(base)
    schema = parse(where).schema
    with raw_connect(where) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    conninfo = connect_options(parse(where), False, 5000)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))

    @app.task(name="noop", queue="bench")
    def noop(i: int) -> None:
        return None

    figures: dict[str, float] = {}
    try:
        with app.open():
            app.schema_manager.apply_schema()
            start = time.perf_counter()
            for i in range(n):
                noop.defer(i=i)
            figures["enqueue"] = rate(n, time.perf_counter() - start)
            start = time.perf_counter()
            noop.batch_defer(*({"i": i} for i in range(n)))
            figures["bulk"] = rate(n, time.perf_counter() - start)
            start = time.perf_counter()
            app.run_worker(queues=["bench"], wait=False, concurrency=1,
                           install_signal_handlers=False)
            figures["drain"] = rate(2 * n, time.perf_counter() - start)
    finally:
        drop(where)
    return figures


# -- the run ---------------------------------------------------------------------------------
def line(name: str, core: float, raw: float, peer: float | None = None) -> None:
    peer_text = "" if peer is None else f"   procrastinate {peer:9,.0f}/s ({peer / raw:4.2f}x)"
    print(f"{name:44s} core {core:9,.0f}/s  raw {raw:9,.0f}/s  {core / raw:4.2f}x{peer_text}",
          flush=True)


def best(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def main(argv: list[str]) -> int:
    base = os.environ.get(URL_VAR)
    if not base:
        print(f"skipped: set {URL_VAR}=postgresql://... to a throwaway server")
        return 0
    smoke = "--smoke" in argv
    n, bulk, backlog, runs = (200, 2000, 2000, 1) if smoke else (2000, 100_000, 100_000, 3)
    print(f"== PostgreSQL core vs raw psycopg loop (same DDL) vs procrastinate, "
          f"{'smoke' if smoke else f'median of {runs}'}", flush=True)
    made: list[str] = []

    def schema() -> str:
        made.append(fresh(base))
        return made[-1]

    try:
        peer = procrastinate_figures(base, n)
        line("single enqueue", best(runs, lambda: core_enqueue(schema(), n)),
             best(runs, lambda: raw_enqueue(schema(), n)), peer.get("enqueue"))
        line("bulk enqueue (core unnest, raw COPY)",
             best(runs, lambda: core_bulk(schema(), bulk)),
             best(runs, lambda: raw_bulk(schema(), bulk)), peer.get("bulk"))
        for processes, batch in ((1, 1), (1, 10), (4, 1), (4, 10)):
            def measured(kind: str, p: int = processes, b: int = batch) -> float:
                where = schema()
                fill(where, n * p)
                return drain(kind, where, n * p, p, b)
            name = f"claim + complete, {processes} process(es), claims of {batch}"
            line(name, best(runs, lambda: measured("core")), best(runs, lambda: measured("raw")),
                 peer.get("drain") if (processes, batch) == (1, 1) else None)

        def deep(kind: str) -> float:
            where = schema()
            fill(where, backlog + n)
            start = time.perf_counter()
            done = (raw_drain if kind == "raw" else core_drain)(where, 1, limit=n)
            return rate(done, time.perf_counter() - start)
        line(f"claim + complete, {backlog:,} waiting", best(1, lambda: deep("core")),
             best(1, lambda: deep("raw")))
        for listen in (True, False):
            p50, p99 = pickup(schema(), 50 if smoke else 200, listen)
            print(f"pickup latency, LISTEN {'on ' if listen else 'off'} (poll 0.25 s)"
                  f"{'':13s} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms", flush=True)
    finally:
        for where in made:
            drop(where)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
