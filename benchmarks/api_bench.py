"""The HTTP API against the same calls made in-process (DESIGN §9, §13).

``python -m benchmarks.api_bench [--smoke]``. Eight clients at once, each enqueuing a task
and reading its status in turn: first eight threads calling ``Queue`` in this process, then
eight keep-alive connections sending the same requests over loopback to ``prismq-desktop
serve`` running as its own process, as a user would run it. The HTTP clients run in a third
process on one event loop with hand-written HTTP/1.1 (as a compiled load tool would), so
they neither share the server's GIL nor spend the CPU that ``http.client`` threads would
take from a server on the same two cores.

Printed: requests per second both ways and their ratio (budget ≥ 0.5×), each request's
latency p50 and p99 both ways (budget p99 ≤ 20 ms over HTTP; the in-process figures show
what the machine itself adds), and CPU time per request (this process for the in-process
calls, the server process over HTTP): on a loaded machine the CPU figures move much less
than the rates. Figures, not a pass/fail test.
"""
from __future__ import annotations

import asyncio
import importlib.util
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


def in_process(path: Path, n: int) -> tuple[float, list[float], float]:
    """(seconds, latencies, CPU seconds of this process)."""
    with Queue.open(path) as queue:
        def work(index: int, latencies: list[float]) -> None:
            for i in range(n):
                t0 = time.perf_counter()
                task = queue.enqueue("bench", {"client": index, "i": i})
                t1 = time.perf_counter()
                queue.get(task.id)
                latencies += [t1 - t0, time.perf_counter() - t1]
        cpu = time.process_time()
        seconds, latencies = run_clients(work)
        return seconds, latencies, time.process_time() - cpu


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    at = head.lower().index(b"content-length:") + 15
    body = await reader.readexactly(int(head[at:head.index(b"\r\n", at)]))
    return int(head[9:12]), body


async def _client(port: int, index: int, n: int, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for i in range(n):
        body = json.dumps({"type": "bench", "payload": {"client": index, "i": i}}).encode()
        t0 = time.perf_counter()
        writer.write(b"POST /api/queue/enqueue HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(body), body))
        status, answer = await _answer(reader)
        assert status == 201, (status, answer)
        t1 = time.perf_counter()
        writer.write(b"GET /api/queue/tasks/%d HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                     % json.loads(answer)["task_id"])
        status, answer = await _answer(reader)
        assert status == 200, (status, answer)
        latencies += [t1 - t0, time.perf_counter() - t1]
    writer.close()


async def _clients(port: int, n: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    began = time.perf_counter()
    await asyncio.gather(*(_client(port, index, n, latencies) for index in range(CLIENTS)))
    return time.perf_counter() - began, latencies


def client_process(port: int, n: int, out: Path) -> None:
    """The HTTP clients' side (``--client PORT N FILE``): seconds and latencies as JSON."""
    try:
        import uvloop
        run: Callable[..., tuple[float, list[float]]] = uvloop.run
    except ImportError:
        run = asyncio.run
    seconds, latencies = run(_clients(port, n))
    out.write_text(json.dumps({"seconds": seconds, "latencies": latencies}))


def over_http(port: int, server_pid: int, n: int,
              out: Path) -> tuple[float, list[float], float | None]:
    """(seconds, latencies, CPU seconds of the server process where /proc tells it)."""
    cpu = _cpu_seconds(server_pid)
    subprocess.run([sys.executable, "-m", "benchmarks.api_bench", "--client", str(port), str(n),
                    str(out)], check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    after = _cpu_seconds(server_pid)
    result = json.loads(out.read_text())
    return (result["seconds"], result["latencies"],
            None if cpu is None or after is None else after - cpu)


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def _latency(values: list[float]) -> str:
    return (f"p50 {percentile(values, 0.5) * 1000:5.1f} ms   "
            f"p99 {percentile(values, 0.99) * 1000:5.1f} ms")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--client"]:
        client_process(int(argv[1]), int(argv[2]), Path(argv[3]))
        return 0
    plan = SMOKE if "--smoke" in argv else FULL
    n, requests = plan["per_client"], plan["per_client"] * 2 * CLIENTS
    rates: dict[str, list[float]] = {"local": [], "http": []}
    latencies: dict[str, list[float]] = {"local": [], "http": []}
    cpu: dict[str, list[float]] = {"local": [], "http": []}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for repeat in range(plan["repeats"]):
            seconds, times, used = in_process(folder / f"local-{repeat}.db", n)
            rates["local"].append(requests / seconds)
            latencies["local"] += times
            cpu["local"].append(used / requests)
            path = folder / f"http-{repeat}.db"
            Queue.open(path).close()
            server, port = start_server(path, folder)
            try:
                seconds, times, server_cpu = over_http(port, server.pid, n, folder / "clients.json")
            finally:
                server.terminate()
                server.wait(timeout=15)
            rates["http"].append(requests / seconds)
            latencies["http"] += times
            if server_cpu is not None:
                cpu["http"].append(server_cpu / requests)
    local, remote = statistics.median(rates["local"]), statistics.median(rates["http"])
    per = {key: f"{statistics.median(values) * 1e6:5.0f} us CPU/request" if values else ""
           for key, values in cpu.items()}
    print(f"{CLIENTS} clients, enqueue + status, {requests:,} requests per run, "
          f"median of {plan['repeats']}")
    print(f"  in-process        {local:9,.0f} requests/s            "
          f"{_latency(latencies['local'])}   {per['local']}")
    print(f"  HTTP (loopback)   {remote:9,.0f} requests/s   {remote / local:.2f}x    "
          f"{_latency(latencies['http'])}   {per['http']} (server)")
    print("  budgets: HTTP >= 0.5x of in-process, HTTP p99 <= 20 ms; server on "
          + ("httptools + uvloop" if all(importlib.util.find_spec(name)
                                         for name in ("httptools", "uvloop"))
             else "h11 + asyncio (uvicorn[standard] brings the faster httptools + uvloop)"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
