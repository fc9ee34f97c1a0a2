"""Worker throughput and latency, as ratios to a raw claim+complete loop run the same time.

``python -m benchmarks.worker_bench [--smoke]``. Every measurement runs in its own process
(``--child NAME``) on its own file, so the standard ``sqlite3`` module (raw loop, peers) and
apsw never share a process, and no run colours the next. Figures are tasks per second,
medians of three (one in smoke mode), with a no-op handler. The raw loop and the peers'
get-and-ack loops are core_bench's (the same children); huey is measured with its consumer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import core_bench

ROOT = Path(__file__).resolve().parents[1]
FULL = {"n": 5000, "peer_n": 5000, "waiting": 100_000, "repeats": 3, "latency": 60}
SMOKE = {"n": 300, "peer_n": 50, "waiting": 0, "repeats": 1, "latency": 3}
POLL = 0.25

LATENCY_HANDLER = '''
import json, os, time
from prismq_desktop.worker import handler

@handler("lat")
def lat(ctx):
    with open(os.environ["PQD_LATENCY_FILE"], "a") as out:
        out.write(json.dumps(time.time() - ctx.payload["t0"]) + "\\n")
'''


# -- children: each prints one JSON line ---------------------------------------------------
def _engine(path: Path, worker_id: str, on_event: Any = None) -> Any:
    from prismq_desktop.worker import HandlerRegistry, WorkerEngine

    registry = HandlerRegistry()
    registry.register("noop", lambda ctx: None)
    return WorkerEngine(path, worker_id=worker_id, registry=registry, poll_interval=0.01,
                        on_event=on_event)


def _finish_line(n: int) -> tuple[Any, Any]:
    """A ``tick()`` counting finished tasks, and the Event it sets at the ``n``-th.

    The timing thread sleeps on the Event instead of polling, so it never competes with the
    worker's thread for the interpreter while the clock runs.
    """
    import threading

    done, count = threading.Event(), [0]

    def tick() -> None:
        count[0] += 1
        if count[0] >= n:
            done.set()

    return tick, done


def _fill(path: Path, count: int) -> None:
    core_bench.prepare("core", path, count)


def child_engine(path: Path, n: int, waiting: int) -> dict[str, Any]:
    _fill(path, n + waiting)
    tick, finished = _finish_line(n)
    engine = _engine(path, "bench", lambda event: event.kind == "completed" and tick())
    started = time.perf_counter()
    engine.start()
    finished.wait()
    rate = n / (time.perf_counter() - started)
    engine.stop()
    return {"rate": rate}


def child_engine_share(path: Path, start_at: float, worker_id: str) -> dict[str, Any]:
    """One of two processes draining one file: its share, and when it started and ended."""
    engine = _engine(path, worker_id)
    time.sleep(max(start_at - time.time(), 0))
    started = time.time()
    engine.start()
    while engine.idle_seconds() == 0:
        time.sleep(0.01)
    ended = time.time() - engine.idle_seconds()
    engine.stop()
    return {"done": engine.counters().done, "start": started, "end": ended}


def child_latency_local(path: Path, count: int) -> dict[str, Any]:
    """Enqueue in the engine's own process; time until its handler starts."""
    import random
    import threading

    from prismq_desktop.core import Queue
    from prismq_desktop.worker import HandlerRegistry, WorkerEngine

    seen: dict[int, float] = {}
    ran = threading.Event()

    def lat(ctx: Any) -> None:
        seen[ctx.task_id] = time.perf_counter()
        ran.set()

    registry = HandlerRegistry()
    registry.register("lat", lat)
    queue = Queue.open(path)
    engine = WorkerEngine(queue, registry=registry, poll_interval=POLL)
    engine.start()
    samples = []
    for _ in range(count):
        time.sleep(random.uniform(0.01, 0.05))
        ran.clear()
        started = time.perf_counter()
        task = queue.enqueue("lat")
        ran.wait(5)
        samples.append(seen[task.id] - started)
    engine.stop()
    return {"median": statistics.median(samples)}


def child_peer_huey(path: Path, n: int) -> dict[str, Any]:
    import logging

    from huey import SqliteHuey

    logging.disable(logging.CRITICAL)
    huey = SqliteHuey(filename=str(path))
    tick, finished = _finish_line(n)

    @huey.task()
    def noop() -> None:
        tick()

    for _ in range(n):
        noop()
    consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False,
                                    initial_delay=0.001, check_worker_health=False)
    started = time.perf_counter()
    consumer.start()
    finished.wait()
    rate = n / (time.perf_counter() - started)
    consumer.stop(graceful=True)
    return {"rate": rate}


CHILDREN = {name[len("child_"):]: fn for name, fn in globals().items()
            if name.startswith("child_")}


# -- the parent: runs children, prints ratios ----------------------------------------------
def run_child(name: str, folder: Path, *args: Any) -> dict[str, Any]:
    """One measurement in a new process on a new file (a folder, for persist-queue)."""
    path = folder / f"{name}-{time.monotonic_ns()}"
    out = subprocess.run([sys.executable, "-m", "benchmarks.worker_bench", "--child", name,
                          str(path), *map(str, args)], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_rate(name: str, folder: Path, repeats: int, *args: Any) -> float | str:
    """A child of this script, or ``core:SYSTEM`` for core_bench's claim+complete loop."""
    if name.startswith("core:"):
        system, (n, waiting) = name[len("core:"):], args
        results = [core_bench.run_child("measure", system, "claim",
                                        folder / f"{system}-{time.monotonic_ns()}", n, waiting,
                                        "-") for _ in range(repeats)]
    else:
        results = [run_child(name, folder, *args) for _ in range(repeats)]
    errors = [r["error"] for r in results if "error" in r]
    return errors[0] if errors else statistics.median(r["rate"] for r in results)


def two_processes(folder: Path, n: int) -> dict[str, Any]:
    path = folder / "shared.db"
    _fill(path, n)
    start_at = time.time() + 1.0  # both processes imported and ready: start together
    procs = [subprocess.Popen([sys.executable, "-m", "benchmarks.worker_bench", "--child",
                               "engine_share", str(path), str(start_at), f"bench-{k}"],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True) for k in range(2)]
    shares = [json.loads(proc.communicate(timeout=600)[0].splitlines()[-1]) for proc in procs]
    from prismq_desktop.core import Queue

    with Queue.open(path) as queue:
        completed = queue.counts().get("completed", 0)
    span = max(s["end"] for s in shares) - min(s["start"] for s in shares)
    return {"rate": n / span, "split": [s["done"] for s in shares],
            "lost": n - completed, "doubled": sum(s["done"] for s in shares) - completed}


def latency_remote(folder: Path, count: int) -> float:
    """Enqueue here, run in a worker process polling every POLL seconds."""
    import random

    from prismq_desktop.core import Queue

    path, results, handlers = folder / "latency.db", folder / "lat.txt", folder / "lat.py"
    handlers.write_text(LATENCY_HANDLER)
    queue = Queue.open(path)
    worker = subprocess.Popen(
        [sys.executable, "-m", "prismq_desktop", "worker", "--db", str(path), "--quiet",
         "--handlers", str(handlers), "--max-tasks", str(count), "--poll-interval", str(POLL)],
        cwd=ROOT, env={**_env(), "PQD_LATENCY_FILE": str(results)}, stdout=subprocess.DEVNULL)
    time.sleep(0.8)  # let it start, so start-up time is not counted as latency
    for _ in range(count):
        queue.enqueue("lat", {"t0": time.time()})
        time.sleep(random.uniform(0.1, 0.3))
    worker.wait(60)
    queue.close()
    return statistics.median(json.loads(line) for line in results.read_text().split())


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT)}


def fmt(rate: float | str, raw: float | None = None) -> str:
    if isinstance(rate, str):
        return f"not measured ({rate})"
    text = f"{rate:>9,.0f}/s"
    return text + (f"   {rate / raw:.2f}x raw" if raw else "")


def report(size: dict[str, int], folder: Path) -> None:
    n, waiting, repeats = size["n"], size["waiting"], size["repeats"]
    print(f"worker bench: n={n}, medians of {repeats}", flush=True)
    raws = {lib: median_rate(f"core:raw_{lib}", folder, repeats, n, 0)
            for lib in ("apsw", "sqlite3")}
    raw = max(r for r in raws.values() if not isinstance(r, str))
    for lib, rate in raws.items():
        print(f"  raw claim+complete ({lib:<7})        {fmt(rate)}")
    core = median_rate("core:core", folder, repeats, n, 0)
    print(f"  core complete_and_claim loop, no engine {fmt(core, raw)}", flush=True)
    engine = median_rate("engine", folder, repeats, n, 0)
    print(f"  engine, 1 process, concurrency 1     {fmt(engine, raw)}", flush=True)
    if waiting:
        raw_waiting = median_rate("core:raw_apsw", folder, repeats, n, waiting)
        engine_waiting = median_rate("engine", folder, repeats, n, waiting)
        print(f"  raw (apsw), {waiting:,} waiting       {fmt(raw_waiting)}")
        print(f"  engine, {waiting:,} waiting           {fmt(engine_waiting, raw)}", flush=True)
    pair = two_processes(folder, n)
    print(f"  engine, 2 processes together         {fmt(pair['rate'], raw)}   split "
          f"{pair['split'][0]}/{pair['split'][1]}, lost {pair['lost']}, doubled "
          f"{pair['doubled']}", flush=True)
    for peer in ("huey", "persistqueue", "litequeue"):
        child = "peer_huey" if peer == "huey" else f"core:{peer}"
        args = (size["peer_n"],) if peer == "huey" else (size["peer_n"], 0)
        rate = median_rate(child, folder, repeats, *args)
        versus = "" if isinstance(rate, str) or isinstance(engine, str) else \
            f"   engine is {engine / rate:.2f}x"
        print(f"  peer {peer:<12}                    {fmt(rate)}{versus}", flush=True)
    local = run_child("latency_local", folder, size["latency"])["median"]
    print(f"  enqueue -> handler start, same process   median {local * 1000:.1f} ms"
          f" (budget 20 ms)")
    remote = latency_remote(folder, size["latency"])
    print(f"  enqueue -> handler start, other process  median {remote * 1000:.0f} ms"
          f" (budget {(POLL + 0.02) * 1000:.0f} ms = poll + 20 ms)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.worker_bench")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("args", nargs="*")
    args = parser.parse_args(argv)
    if args.child:
        path, *rest = args.args
        values = [float(v) if "." in v else int(v) if v.isdigit() else v for v in rest]
        print(json.dumps(CHILDREN[args.child](Path(path), *values)))
        return 0
    with tempfile.TemporaryDirectory(prefix="pqd-worker-bench-") as folder:
        report(SMOKE if args.smoke else FULL, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
