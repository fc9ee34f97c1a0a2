"""The HTTP API against the same calls made in-process (DESIGN §9, §13).

``python -m benchmarks.api_bench [--smoke]``. Eight clients at once, each enqueuing a task
and reading its status in turn: first eight threads calling ``Queue`` in this process, then
eight threads sending the same requests over loopback (keep-alive connections, one each) to
``prismq-desktop serve`` running as its own process, as a user would run it. Printed:
requests per second both ways and their ratio (budget ≥ 0.5×), and each request's latency
over HTTP, p50 and p99 (budget p99 ≤ 20 ms). Figures, not a pass/fail test.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from prismq_desktop.core import Queue

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 8
FULL = {"per_client": 500, "repeats": 3}
SMOKE = {"per_client": 20, "repeats": 1}


def run_clients(work: Callable[[int, list[float]], None]) -> tuple[float, list[float]]:
    """Run ``work(client, latencies)`` on CLIENTS threads at once: (seconds, latencies)."""
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    start = threading.Barrier(CLIENTS + 1)

    def client(index: int) -> None:
        start.wait()
        work(index, latencies[index])
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, [x for one in latencies for x in one]


def in_process(path: Path, n: int) -> tuple[float, list[float]]:
    with Queue.open(path) as queue:
        def work(index: int, latencies: list[float]) -> None:
            for i in range(n):
                t0 = time.perf_counter()
                task = queue.enqueue("bench", {"client": index, "i": i})
                t1 = time.perf_counter()
                queue.get(task.id)
                latencies += [t1 - t0, time.perf_counter() - t1]
        return run_clients(work)


def over_http(port: int, n: int) -> tuple[float, list[float]]:
    def work(index: int, latencies: list[float]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        for i in range(n):
            t0 = time.perf_counter()
            body = json.dumps({"type": "bench", "payload": {"client": index, "i": i}})
            connection.request("POST", "/api/queue/enqueue", body,
                               {"Content-Type": "application/json"})
            answer = connection.getresponse()
            task_id = json.loads(answer.read())["task_id"]
            assert answer.status == 201, answer.status
            t1 = time.perf_counter()
            connection.request("GET", f"/api/queue/tasks/{task_id}")
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200, answer.status
            latencies += [t1 - t0, time.perf_counter() - t1]
        connection.close()
    return run_clients(work)


def start_server(path: Path, folder: Path) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "PRISMQ_DESKTOP_DATA_DIR": str(folder / "data"),
           "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "prismq_desktop", "serve", "--db", str(path), "--port", "0",
         "--no-auth"], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    return server, int(url.rsplit(":", 1)[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str]) -> int:
    plan = SMOKE if "--smoke" in argv else FULL
    n, requests = plan["per_client"], plan["per_client"] * 2 * CLIENTS
    local_rates, http_rates, http_latencies = [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for repeat in range(plan["repeats"]):
            seconds, _ = in_process(folder / f"local-{repeat}.db", n)
            local_rates.append(requests / seconds)
            path = folder / f"http-{repeat}.db"
            Queue.open(path).close()
            server, port = start_server(path, folder)
            try:
                seconds, latencies = over_http(port, n)
            finally:
                server.terminate()
                server.wait(timeout=15)
            http_rates.append(requests / seconds)
            http_latencies += latencies
    local, remote = statistics.median(local_rates), statistics.median(http_rates)
    p50, p99 = percentile(http_latencies, 0.5) * 1000, percentile(http_latencies, 0.99) * 1000
    print(f"{CLIENTS} clients, enqueue + status, {requests:,} requests per run, "
          f"median of {plan['repeats']}")
    print(f"  in-process        {local:9,.0f} requests/s")
    print(f"  HTTP (loopback)   {remote:9,.0f} requests/s   {remote / local:.2f}x  "
          f"(budget >= 0.5x)")
    print(f"  HTTP latency      p50 {p50:.1f} ms   p99 {p99:.1f} ms   (budget p99 <= 20 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
