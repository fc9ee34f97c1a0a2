"""Core write throughput as ratios to the raw SQL limit, next to the peers (DESIGN §9).

``python -m benchmarks.core_bench [--smoke | --mid]`` (``--mid``: a few minutes, between the
smoke run and the full one). Columns: single enqueue (one commit per task),
bulk enqueue (one commit for all), claim + complete with one thread, the same with 100,000
tasks waiting, and two processes draining one file (tasks done twice and lost are counted).
Rows: the raw loop with apsw and with the standard ``sqlite3`` module on PrismQ's own DDL
(the faster is the limit), this app's core, huey's SqliteHuey storage, persist-queue's
SQLiteAckQueue and litequeue; plus two extra rows: the core's claim and complete as two
separate calls (two commits), and the raw loop on this app's full schema (with the pqd_*
migrations), so what our additions cost is visible apart from what our code costs.

Every measurement runs in its own spawned process on its own file (``--child``), so apsw and
``sqlite3`` never share a process and no run colours the next. Figures are tasks per second,
medians of three (one in smoke mode).

Below the rates, WAL pages per operation for the raw loop, the core and the raw loop on the
app's full schema: frames appended to the WAL with autocheckpoint off, per enqueue, per task
of a bulk enqueue and per claim + complete. They do not depend on the machine's load, so they
say why a ratio is what it is (DESIGN §9), and tests/sqlite/test_write_pages.py pins them.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import itertools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FULL = {"single": 5000, "bulk": 100_000, "claim": 5000, "waiting": 100_000, "pair": 10_000,
        "repeats": 3}
SMOKE = {"single": 200, "bulk": 2000, "claim": 200, "waiting": 2000, "pair": 400, "repeats": 1}
MID = {"single": 1000, "bulk": 20_000, "claim": 1000, "waiting": 20_000, "pair": 2000,
       "repeats": 3}
#: Operations counted for the WAL pages per operation.
PAGE_OPS = 300
PAGE_SYSTEMS = ("raw_apsw", "core", "raw_full_schema")
WORKLOADS = ("single", "bulk", "claim", "waiting", "pair")
#: A claim measurement stops here even if not all its tasks are done (rate over what was).
CLAIM_SECONDS = 20.0
HEADINGS = ("single enqueue", "bulk enqueue", "claim+complete", "…{waiting:,} waiting",
            "2 processes")

# The raw loop: the minimum SQL by hand, each statement its own commit (DESIGN §9).
RAW_INSERT = "INSERT INTO task_queue (type, payload) VALUES ('noop', '{}')"
RAW_CLAIM = (
    "UPDATE task_queue SET status = 'processing', attempts = attempts + 1,"
    " locked_by = 'raw', lease_until_utc = datetime('now', '+30 seconds'),"
    " processing_started_utc = datetime('now') WHERE id = (SELECT id FROM task_queue"
    " WHERE status = 'queued' AND run_after_utc <= datetime('now')"
    " ORDER BY priority, run_after_utc, id LIMIT 1) RETURNING id"
)
RAW_COMPLETE = (
    "UPDATE task_queue SET status = 'completed', finished_at_utc = datetime('now')"
    " WHERE id = ? AND status = 'processing' AND locked_by = 'raw'"
)


# -- the systems measured: put one, put many in one commit, take (claim + complete) --------
class Raw:
    """The hand-written loop, on PrismQ's DDL or (``full``) on a file this app created and
    with its connection settings."""

    def __init__(self, lib: str, full: bool = False) -> None:
        self.lib, self.full = lib, full

    def open(self, path: Path) -> Any:
        if self.full:
            from prismq_desktop.core import Queue

            Queue.open(path).close()
        if self.lib == "apsw":
            import apsw

            conn = apsw.Connection(str(path))
            conn.set_busy_timeout(5000)
            script = conn.execute
        else:
            import sqlite3

            conn = sqlite3.connect(str(path), isolation_level=None, timeout=5)
            script = conn.executescript
        conn.execute("PRAGMA journal_mode=WAL").fetchall()
        conn.execute("PRAGMA synchronous=NORMAL").fetchall()
        if self.full:  # the app's connection settings too, so the line shows the schema's cost
            from prismq_desktop.core.sqlite.database import PRAGMAS

            for pragma, value in PRAGMAS:
                conn.execute(f"PRAGMA {pragma}={value}").fetchall()
        else:
            from prismq_desktop.core.sqlite import schema

            script(schema.PRISMQ_TABLES)
        return conn

    def put(self, conn: Any, i: int) -> None:
        conn.execute(RAW_INSERT)

    def put_many(self, conn: Any, count: int) -> None:
        conn.execute("BEGIN")
        conn.executemany(RAW_INSERT, [()] * count)
        conn.execute("COMMIT")

    def take(self, conn: Any, limit: int) -> list[int]:
        done = []
        while len(done) < limit:
            rows = conn.execute(RAW_CLAIM).fetchall()
            if not rows:
                break
            conn.execute(RAW_COMPLETE, rows[0])
            done.append(rows[0][0])
        return done

    def close(self, conn: Any) -> None:
        conn.close()


class Core:
    """This app's core: ``Queue`` with its log rows, counts, run rows and guards.

    ``handoff`` takes the way a busy worker does (``complete_and_claim``: one commit per
    task); without it, ``claim`` and ``complete`` as two calls and two commits.
    """

    def __init__(self, handoff: bool = True) -> None:
        self.handoff = handoff

    def open(self, path: Path) -> Any:
        from prismq_desktop.core import Queue

        return Queue.open(path)

    def put(self, queue: Any, i: int) -> None:
        queue.enqueue("noop")

    def put_many(self, queue: Any, count: int) -> None:
        queue.enqueue_many([{"type": "noop"}] * count)

    def take(self, queue: Any, limit: int) -> list[int]:
        done: list[int] = []
        task = queue.claim("bench", types=("noop",))
        while task is not None and len(done) < limit:
            if self.handoff and len(done) + 1 < limit:
                ok, following = queue.complete_and_claim(
                    task.id, "bench", claimed_at=task.claimed_at, types=("noop",))
            else:
                ok = queue.complete(task.id, "bench", claimed_at=task.claimed_at)
                following = None if len(done) + 1 >= limit else \
                    queue.claim("bench", types=("noop",))
            assert ok
            done.append(task.id)
            task = following
        return done

    def close(self, queue: Any) -> None:
        queue.close()


class Huey:
    """SqliteHuey's storage: dequeue deletes the row (it never acks)."""

    put_many = None

    def open(self, path: Path) -> Any:
        from huey import SqliteHuey

        return SqliteHuey(filename=str(path)).storage

    def put(self, storage: Any, i: int) -> None:
        storage.enqueue(str(i).encode())

    def take(self, storage: Any, limit: int) -> list[int]:
        done = []
        while len(done) < limit:
            data = storage.dequeue()
            if data is None:
                break
            done.append(int(data))
        return done

    def close(self, storage: Any) -> None:
        storage.close()


class PersistQueue:
    """persist-queue's SQLiteAckQueue: get, then ack."""

    put_many = None

    def open(self, path: Path) -> Any:
        from persistqueue import SQLiteAckQueue

        return SQLiteAckQueue(str(path), multithreading=True)

    def put(self, queue: Any, i: int) -> None:
        queue.put(i)

    def take(self, queue: Any, limit: int) -> list[int]:
        from persistqueue import Empty

        done = []
        while len(done) < limit:
            try:
                item = queue.get(block=False)
            except Empty:
                break
            queue.ack(item)
            done.append(item)
        return done

    def close(self, queue: Any) -> None:
        queue._getter.close()
        queue._putter.close()


class LiteQueue:
    """litequeue: pop (UPDATE ... RETURNING), then done."""

    def open(self, path: Path) -> Any:
        from litequeue import LiteQueue as Impl

        return Impl(str(path))

    def put(self, queue: Any, i: int) -> None:
        queue.put(str(i))

    def put_many(self, queue: Any, count: int) -> None:
        with queue.transaction("IMMEDIATE"):
            for i in range(count):
                queue.put(str(i))

    def take(self, queue: Any, limit: int) -> list[int]:
        done = []
        while len(done) < limit:
            message = queue.pop()
            if message is None:
                break
            queue.done(message.message_id)
            done.append(int(message.data))
        return done

    def close(self, queue: Any) -> None:
        queue.close()


SYSTEMS: dict[str, Any] = {
    "raw_apsw": Raw("apsw"),
    "raw_sqlite3": Raw("sqlite3"),
    "core": Core(),
    "core_two_commits": Core(handoff=False),
    "huey": Huey(),
    "persistqueue": PersistQueue(),
    "litequeue": LiteQueue(),
    "raw_full_schema": Raw("apsw", full=True),
}
LABELS = {
    "raw_apsw": "raw loop, apsw", "raw_sqlite3": "raw loop, sqlite3",
    "core": "PrismQ Desktop core", "core_two_commits": "  core, claim + complete (2 commits)",
    "huey": "huey SqliteHuey storage", "persistqueue": "persist-queue SQLiteAckQueue",
    "litequeue": "litequeue", "raw_full_schema": "  raw loop on this app's full schema",
}
PEERS = ("huey", "persistqueue", "litequeue")


def fill(system: Any, handle: Any, count: int) -> None:
    """Put ``count`` tasks in the cheapest way the system offers (not timed)."""
    if system.put_many is not None:
        for start in range(0, count, 20_000):
            system.put_many(handle, min(20_000, count - start))
    else:
        for i in range(count):
            system.put(handle, i)


# -- children: each prints one JSON line ----------------------------------------------------
def prepare(name: str, path: Path, count: int) -> None:
    """A file of the system's with ``count`` tasks waiting (not timed)."""
    system = SYSTEMS[name]
    handle = system.open(path)
    fill(system, handle, count)
    system.close(handle)


def child_fill(name: str, path: str, count: str) -> dict[str, Any]:
    """A template file with ``count`` tasks waiting, copied by each measurement that needs it."""
    prepare(name, Path(path), int(count))
    return {}


def _copy(template: Path, path: Path) -> None:
    if template.is_dir():
        shutil.copytree(template, path)
    else:
        shutil.copyfile(template, path)


def child_measure(name: str, workload: str, path: str, count: str, waiting: str,
                  template: str) -> dict[str, Any]:
    """One workload on a new file, timed in this process.

    Claims start from a copy of ``template`` when one is given, else the tasks are put here
    first (untimed; smoke mode, where templates would cost more processes than they save).
    """
    system, n = SYSTEMS[name], int(count)
    if template != "-":
        _copy(Path(template), Path(path))
    handle = system.open(Path(path))
    if workload in ("claim", "waiting") and template == "-":
        fill(system, handle, n + int(waiting))
    started = time.perf_counter()
    if workload == "single":
        for i in range(n):
            system.put(handle, i)
        done = n
    elif workload == "bulk":
        fill(system, handle, n)
        done = n
    else:  # in slices, so a system that crawls is stopped after CLAIM_SECONDS
        done = 0
        while done < n and time.perf_counter() - started < CLAIM_SECONDS:
            took = len(system.take(handle, min(500, n - done)))
            assert took, f"ran dry after {done} of {n}"
            done += took
    rate = done / (time.perf_counter() - started)
    system.close(handle)
    return {"rate": rate, "done": done}


def child_share(name: str, path: str) -> dict[str, Any]:
    """One of two processes draining one file; says "ready" and waits for "go" on stdin."""
    system = SYSTEMS[name]
    handle = system.open(Path(path))
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.time()
    marks = system.take(handle, 10**12)
    ended = time.time()
    system.close(handle)
    return {"start": started, "end": ended, "marks": marks}


def _wal_frames(path: Path, page_size: int) -> int:
    wal = Path(f"{path}-wal")
    return max(0, (wal.stat().st_size - 32) // (page_size + 24)) if wal.exists() else 0


def _raw_connection(name: str, handle: Any) -> Any:
    """The apsw connection under a system's handle (the core's through its database)."""
    if name == "core":
        from prismq_desktop.core.sqlite.store import database_of

        return database_of(handle).get_connection()
    return handle


def perform(system: Any, handle: Any, workload: str, count: int) -> None:
    """``count`` single enqueues, one bulk enqueue of ``count`` or ``count`` claim + completes."""
    if workload == "single":
        for i in range(count):
            system.put(handle, i)
    elif workload == "bulk":
        system.put_many(handle, count)
    else:
        assert len(system.take(handle, count)) == count


def wal_pages(name: str, folder: Path, count: int = PAGE_OPS) -> dict[str, float]:
    """WAL frames per single enqueue, per task of a bulk enqueue and per claim + complete,
    each on a new file with autocheckpoint off (so every frame stays counted)."""
    system = SYSTEMS[name]
    pages: dict[str, float] = {}
    for workload in ("single", "bulk", "claim"):
        path = folder / f"pages-{name}-{workload}.db"
        handle = system.open(path)
        conn = _raw_connection(name, handle)
        if workload == "claim":
            fill(system, handle, count + 10)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        conn.execute("PRAGMA wal_autocheckpoint=0").fetchall()
        page_size = int(conn.execute("PRAGMA page_size").fetchall()[0][0])
        before = _wal_frames(path, page_size)
        perform(system, handle, workload, count)
        pages[workload] = (_wal_frames(path, page_size) - before) / count
        system.close(handle)
    return pages


def child_pages(name: str, folder: str) -> dict[str, Any]:
    return wal_pages(name, Path(folder))


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "fill": child_fill, "measure": child_measure, "share": child_share, "pages": child_pages}


# -- the parent -------------------------------------------------------------------------------
def _command(*args: Any) -> list[str]:
    return [sys.executable, "-m", "benchmarks.core_bench", "--child", *map(str, args)]


def _result(out: str, err: str, code: int) -> dict[str, Any]:
    if code != 0:
        return {"error": (err.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.strip().splitlines()[-1])


def run_child(*args: Any) -> dict[str, Any]:
    out = subprocess.run(_command(*args), cwd=ROOT, capture_output=True, text=True, timeout=900)
    return _result(out.stdout, out.stderr, out.returncode)


class Bench:
    """Runs the children; in smoke mode several at once (the figures then only show it runs)."""

    def __init__(self, size: dict[str, int], folder: Path, smoke: bool) -> None:
        self.size, self.folder, self.smoke = size, folder, smoke
        self._serial = itertools.count()
        self._templates: dict[Path, threading.Lock] = collections.defaultdict(threading.Lock)

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}-{next(self._serial)}"

    def _template(self, name: str, count: int) -> Path:
        path = self.folder / f"template-{name}-{count}"
        with self._templates[path]:
            if not path.exists():
                result = run_child("fill", name, path, count)
                if "error" in result:
                    raise RuntimeError(result["error"])
        return path

    def once(self, name: str, workload: str) -> dict[str, Any]:
        """One measurement in its own process(es): {"rate": ...} (and more), or {"error": ...}."""
        try:
            if workload == "pair":
                return self.pair(name)
            size = self.size
            n = size["claim"] if workload in ("claim", "waiting") else size[workload]
            waiting = size["waiting"] if workload == "waiting" else 0
            template = "-"
            if workload in ("claim", "waiting") and not self.smoke:
                template = str(self._template(name, n + waiting))
            result = run_child("measure", name, workload, self._path(name), n, waiting,
                               template)
            if result.get("done", n) < n:
                result["note"] = f"stopped after {CLAIM_SECONDS:.0f} s at {result['done']:,}"
            return result
        except RuntimeError as exc:
            return {"error": str(exc)}

    def pair(self, name: str) -> dict[str, Any]:
        """Two processes drain one file of ``pair`` tasks; rate over the span of both."""
        n = self.size["pair"]
        path = self._path(name)
        _copy(self._template(name, n), path)
        procs = [subprocess.Popen(_command("share", name, path), cwd=ROOT, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(2)]
        for proc in procs:  # both imported and open: start them together
            assert proc.stdout is not None
            proc.stdout.readline()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        shares = []
        for proc in procs:
            out, err = proc.communicate(timeout=900)
            shares.append(_result(out, err, proc.returncode))
        errors = [s["error"] for s in shares if "error" in s]
        if errors:
            return {"error": errors[0]}
        marks = [m for s in shares for m in s["marks"]]
        span = max(s["end"] for s in shares) - min(s["start"] for s in shares)
        return {"rate": len(set(marks)) / span, "split": [len(s["marks"]) for s in shares],
                "doubled": len(marks) - len(set(marks)), "lost": n - len(set(marks))}


def cell(rate: float | str | None, raw: float | None) -> str:
    if rate is None:
        return f"{'-':>16}"
    if isinstance(rate, str):
        return f"{'error':>16}"
    return f"{rate:>9,.0f} {rate / raw:5.2f}x" if raw else f"{rate:>9,.0f}/s     "


ORDER = ("raw_apsw", "raw_sqlite3", "core", "core_two_commits", *PEERS, "raw_full_schema")


def report(size: dict[str, int], folder: Path, smoke: bool, systems: tuple[str, ...]) -> int:
    """Each workload's repeats run every system in turn, so the raw loop and the rest are
    measured seconds apart and a change in the machine's load colours them alike."""
    bench = Bench(size, folder, smoke)
    print(f"core bench: tasks/s and ratio to the raw limit, medians of {size['repeats']}"
          f" (single {size['single']:,}, bulk {size['bulk']:,}, claim {size['claim']:,},"
          f" pair {size['pair']:,}){'; smoke: children run side by side' if smoke else ''}",
          flush=True)
    names = [name for name in ORDER if name in systems]
    with concurrent.futures.ThreadPoolExecutor(4 if smoke else 1) as pool:
        jobs = [((name, workload), pool.submit(bench.once, name, workload))
                for workload in WORKLOADS for _ in range(size["repeats"]) for name in names]
        runs: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
        for key, job in jobs:
            runs[key].append(job.result())
    heads = "".join(f"{h.format(waiting=size['waiting']):>17}" for h in HEADINGS)
    print(f"{'':<38}{heads}", flush=True)
    failed = _print_rows({key: _median(results) for key, results in runs.items()}, names)
    print(f"WAL pages per operation ({PAGE_OPS} each, autocheckpoint off):"
          f"{'single':>10}{'bulk/task':>11}{'claim+complete':>16}")
    for name in PAGE_SYSTEMS:
        pages = run_child("pages", name, folder)
        if "error" in pages:
            print(f"  {LABELS[name].strip():<40} {pages['error']}")
            failed = 1
            continue
        print(f"  {LABELS[name].strip():<52}{pages['single']:>6.2f}{pages['bulk']:>11.2f}"
              f"{pages['claim']:>16.2f}", flush=True)
    return failed


def _median(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The median rate of the repeats; duplicates and losses summed over them."""
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        return {"error": errors[0]}
    merged: dict[str, Any] = {"rate": statistics.median(r["rate"] for r in results)}
    if "split" in results[0]:
        merged["split"] = [r["split"] for r in results]
        merged["doubled"] = sum(r["doubled"] for r in results)
        merged["lost"] = sum(r["lost"] for r in results)
    notes = [r["note"] for r in results if "note" in r]
    if notes:
        merged["note"] = notes[0]
    return merged


def _print_rows(results: dict[tuple[str, str], dict[str, Any]], names: list[str]) -> int:
    notes: list[str] = []
    limit: dict[str, float] = {}
    failed = False
    for name in names:
        row: dict[str, float | str] = {}
        for workload in WORKLOADS:
            value = results[name, workload]
            label = LABELS[name].strip()
            if "split" in value:
                splits = ", ".join(f"{a}/{b}" for a, b in value["split"])
                notes.append(f"2 processes, {label}: splits {splits}; doubled"
                             f" {value['doubled']}, lost {value['lost']}")
            if "note" in value:
                notes.append(f"{label}, {workload}: {value['note']}")
            if "error" in value:  # a peer failing is a finding; ours or the raw loop, a bug
                failed = failed or name not in PEERS
                notes.append(f"{label}, {workload}: {value['error']}")
            row[workload] = value.get("rate", value.get("error", "error"))
        if name == "raw_sqlite3":
            for workload in WORKLOADS:
                numbers = [results[r, workload].get("rate") for r in ("raw_apsw", "raw_sqlite3")]
                limit[workload] = max((n for n in numbers if n is not None), default=0.0)
        cells = "".join(cell(row[w], limit.get(w)) for w in WORKLOADS)
        print(f"{LABELS[name]:<38}{cells}", flush=True)
        if name == "raw_sqlite3":
            print(f"{'raw limit (the faster)':<38}"
                  + "".join(cell(limit[w], None) for w in WORKLOADS), flush=True)
    notes.append("huey and persist-queue have no bulk put: their bulk column is one put each")
    print("budgets (DESIGN §9): core single enqueue >= 0.65x, bulk >= 0.70x, claim+complete"
          " >= 0.55x (also with tasks waiting), 2 processes >= 0.50x; ahead of every peer that"
          " keeps the same promises")
    for note in notes:
        print(f"  {note}")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.core_bench")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--mid", action="store_true", help="a few minutes: between smoke and full")
    parser.add_argument("--systems", default=",".join(ORDER),
                        help="comma-separated rows to measure (both raw loops always run)")
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("args", nargs="*")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(CHILDREN[args.child](*args.args)))
        return 0
    with tempfile.TemporaryDirectory(prefix="pqd-core-bench-") as folder:
        systems = ("raw_apsw", "raw_sqlite3", *args.systems.split(","))
        size = SMOKE if args.smoke else MID if args.mid else FULL
        return report(size, Path(folder), args.smoke, systems)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
