"""The main window over a big queue file, offscreen (DESIGN §9, issue 4 Performance).

Figures, each with its ratio to the budget measured in this run:
- first rows painted after the window is shown (budget 0.5 s);
- rows filled after a jump to a scroll position (budget 100 ms): the median by id, and the worst
  per sort key over both directions, measured once the sort's ordered ids are built (the time
  until then is shown with it);
- the worst jump by duration (the slowest ids to build) while the embedded worker's 4 threads
  complete tasks, so the ids are rebuilt for age meanwhile (100 ms);
- idle CPU with the window on an unchanging file (2 % of a core);
- a task enqueued by another process visible in the table (budget 0.5 s p95);
- the longest GUI-thread stall while the embedded worker's 4 threads complete no-op tasks
  (5 ms timer; 50 ms);
- process RSS (300 MB);
- the Stats tab: all charts recomputed in the background reader for the 24 h and 7 d windows
  (150 ms, 400 ms) and the GUI-thread work to show a result (16 ms).

``python -m benchmarks.gui_bench [--smoke] [--tasks N]``; the 1,000,000-task file is built once
with core.history and cached under /tmp.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication

from prismq_desktop.core import SORT_FIELDS, Queue, timeutil
from prismq_desktop.core.sqlite import sample_data as history
from prismq_desktop.core.sqlite.schema import SCHEMA_VERSION
from prismq_desktop.core.sqlite.store import database_of
from prismq_desktop.gui import create_main_window
from prismq_desktop.gui.stats.stats_view import StatsView
from prismq_desktop.gui.window.main_window import MainWindow
from prismq_desktop.gui.workers.embedded_worker import RUNNING, STOPPED

CACHE = Path(tempfile.gettempdir()) / "prismq-bench"
REPO = Path(__file__).resolve().parent.parent
BUDGETS = {"first": 0.5, "jump": 0.1, "visible": 0.5, "stall": 0.05, "rss": 300.0, "idle": 2.0,
           "stats24h": 0.15, "stats7d": 0.4, "apply": 0.016}


def cached_file(tasks: int) -> Path:
    """A history file with ``tasks`` tasks (no log rows) at the current schema, built once.

    The name carries the schema version, as other checkouts share the cache: a cache from an
    older version is copied and migrated (once), never upgraded in place, which would leave
    the older checkouts a file too new to write; nor does any run time a migration as the
    window's first paint.
    """
    CACHE.mkdir(exist_ok=True)
    legacy = CACHE / f"gui-{tasks}-seed7.db"  # schema 1, before the name said so
    path = CACHE / f"gui-{tasks}-seed7-schema{SCHEMA_VERSION}.db"
    if SCHEMA_VERSION == 1:
        path = legacy
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    older = [legacy, *(CACHE / f"gui-{tasks}-seed7-schema{v}.db"
                       for v in range(2, SCHEMA_VERSION))]
    seed = next((p for p in reversed(older) if p.exists()), None)
    if seed is not None:
        print(f"migrating a copy of {seed.name} to schema {SCHEMA_VERSION} (once)…", flush=True)
        shutil.copyfile(seed, partial)
        with Queue.open(partial):
            pass
    else:
        print(f"building {path} ({tasks:,} tasks, once)…", flush=True)
        with Queue.open(partial) as queue:
            history.generate(database_of(queue), tasks, 7, datetime.now(timezone.utc),
                             with_logs=False, scheduled=200, backlog=500)
    partial.rename(path)
    return path


def wait_for(app: QApplication, condition, timeout: float = 30.0) -> float:
    """Process events until ``condition()``; returns the seconds it took."""
    started = time.perf_counter()
    loop = QEventLoop()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("condition not met in time")
        loop.processEvents()
        time.sleep(0.0005)
    return time.perf_counter() - started


def visible_filled(window: MainWindow) -> bool:
    page = window.tasks_page
    if page is None or page.model.rowCount() == 0:
        return False
    table = page.table
    first = max(0, table.rowAt(0))
    last = table.rowAt(table.viewport().height() - 1)
    last = page.model.rowCount() - 1 if last < 0 else last
    return all(page.model.task_row(row) is not None for row in range(first, last + 1))


class PaintWatch(QObject):
    """Notes when the table's viewport paints with its visible rows filled."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.painted_at: float | None = None

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (event.type() == QEvent.Type.Paint and self.painted_at is None
                and visible_filled(self.window)):
            self.painted_at = time.perf_counter()
        return False


def first_paint(app: QApplication, path: Path) -> tuple[MainWindow, float]:
    window = create_main_window(path)
    window.resize(1400, 900)
    watch = PaintWatch(window)
    started = time.perf_counter()
    window.show()
    wait_for(app, lambda: window.tasks_page is not None)
    window.tasks_page.table.viewport().installEventFilter(watch)
    wait_for(app, lambda: watch.painted_at is not None)
    window.watch = watch  # type: ignore[attr-defined]
    return window, watch.painted_at - started  # type: ignore[operator]


def jumps(app: QApplication, window: MainWindow, count: int) -> list[float]:
    """Seconds from a jump to a random scroll position until the visible rows are filled."""
    bar = window.tasks_page.table.verticalScrollBar()
    rng = random.Random(3)
    spots = [bar.maximum(), bar.maximum() // 2] + [rng.randint(0, bar.maximum())
                                                   for _ in range(count - 2)]
    times = []
    for spot in spots:
        bar.setValue(spot)
        times.append(wait_for(app, lambda: visible_filled(window)))
    return times


def sort_by(app: QApplication, window: MainWindow, key: str, descending: bool) -> float:
    """Sort; returns the seconds until the reader is idle again (first page shown and the
    ordered ids that deep windows use are built), so jumps measure windows alone."""
    page = window.tasks_page
    loaded = page.model.loaded_at
    started = time.perf_counter()
    page.model.set_query(replace(page.model.query, sort=key, descending=descending))
    wait_for(app, lambda: page.model.loaded_at != loaded and visible_filled(window), 120)
    reader_idle(app, window)
    return time.perf_counter() - started


def reader_idle(app: QApplication, window: MainWindow) -> None:
    """Wait until every job submitted so far has run (the reader is one serialized thread)."""
    done: list = []
    window.session.reader.submit(lambda _q: None, done.append)
    wait_for(app, lambda: bool(done), 120)


def jumps_at_every_sort(app: QApplication, window: MainWindow, count: int
                        ) -> dict[str, tuple[float, float]]:
    """{sort key: (worst jump in either direction, slowest sort until ids ready)}."""
    worst: dict[str, tuple[float, float]] = {}
    for key in SORT_FIELDS:
        for descending in (True, False):
            ready = sort_by(app, window, key, descending)
            times = jumps(app, window, count)
            jump, build = worst.get(key, (0.0, 0.0))
            worst[key] = (max(jump, *times), max(build, ready))
    return worst


CHILD = """
import sys, time
from prismq_desktop.core import Queue
q = Queue.open(sys.argv[1])
for _ in range(int(sys.argv[2])):
    time.sleep(float(sys.argv[3]))
    task = q.enqueue('bench_probe', {})
    print(task.id, time.time(), flush=True)
q.close()
"""


def other_process_latency(app: QApplication, window: MainWindow, path: Path,
                          count: int) -> list[float]:
    """Seconds from another process's commit until the task is in the table's top row."""
    window.tasks_page.table.scrollToTop()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(count), "0.35"],
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    latencies = []
    assert child.stdout is not None
    model = window.tasks_page.model
    for line in child.stdout:
        task_id, committed = int(line.split()[0]), float(line.split()[1])
        wait_for(app, lambda t=task_id: model.row_of(t) is not None, 10)
        latencies.append(time.time() - committed)
    child.wait()
    return latencies


ENQUEUE_NOOPS = """
import sys
from prismq_desktop.core import Queue
with Queue.open(sys.argv[1]) as q:
    q.enqueue_many([{"type": "echo"}] * int(sys.argv[2]))
"""


def longest_stall(app: QApplication, window: MainWindow, path: Path, seconds: float,
                  tasks: int) -> tuple[float, int]:
    """The largest gap between 5 ms timer ticks while the embedded worker's 4 threads
    complete no-op (echo) tasks, as it runs inside the window."""
    subprocess.run([sys.executable, "-c", ENQUEUE_NOOPS, str(path), str(tasks)], check=True,
                   env={**os.environ, "PYTHONPATH": str(REPO)})
    worker = window.worker
    worker.set_concurrency(4)
    worker.start()
    wait_for(app, lambda: worker.state == RUNNING, 30)
    gaps = [0.0]
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps[0] = max(gaps[0], (now - last[0]) / 1000)
        last[0] = now

    timer = QTimer(interval=5, timeout=tick)
    timer.start()
    deadline = time.perf_counter() + seconds
    wait_for(app, lambda: time.perf_counter() > deadline, seconds + 5)
    timer.stop()
    done = worker.counters().done
    worker.stop()
    wait_for(app, lambda: worker.state == STOPPED, 30)
    return gaps[0], done


def jumps_under_load(app: QApplication, window: MainWindow, path: Path, key: str,
                     count: int, tasks: int) -> float:
    """The worst jump fill, in an order whose ids take long to build, while the embedded
    worker's 4 threads complete tasks (so the ids are rebuilt for age meanwhile)."""
    subprocess.run([sys.executable, "-c", ENQUEUE_NOOPS, str(path), str(tasks)], check=True,
                   env={**os.environ, "PYTHONPATH": str(REPO)})
    sort_by(app, window, key, True)
    worker = window.worker
    worker.set_concurrency(4)
    worker.start()
    wait_for(app, lambda: worker.state == RUNNING, 30)
    bar = window.tasks_page.table.verticalScrollBar()
    rng = random.Random(5)
    worst = 0.0
    for _ in range(count):
        wait_for_idle(app, 0.3)
        bar.setValue(rng.randint(0, bar.maximum()))
        worst = max(worst, wait_for(app, lambda: visible_filled(window)))
    worker.stop()
    wait_for(app, lambda: worker.state == STOPPED, 30)
    return worst


def stats_figures(app: QApplication, window: MainWindow, path: Path, repeat: int
                  ) -> dict[str, float]:
    """Median seconds: each window's recompute on the background reader (the view's job,
    with the clock at the file's newest task so a cached file keeps a full window), and the
    GUI-thread apply of its result."""
    with Queue.open(path, read_only=True) as probe:
        newest = database_of(probe).query("SELECT max(created_at_utc) FROM task_queue")[0][0]
    moment = timeutil.parse(newest) or datetime.now(timezone.utc)
    view = window.findChild(StatsView, "statsView")
    window.tabs.setCurrentWidget(view)
    figures: dict[str, float] = {}
    applies = []
    for key in ("24h", "7d"):
        view.set_window(key)
        times = []
        for _ in range(repeat):
            done: list = []

            def job(queue: Queue, key: str = key) -> tuple:
                started = time.perf_counter()
                result = queue.with_clock(lambda: moment).stats(key)
                return result, time.perf_counter() - started

            window.session.reader.submit(job, done.append)
            wait_for(app, lambda done=done: bool(done), 60)
            result, took = done[0]
            times.append(took)
            started = time.perf_counter()
            view.apply(result)
            applies.append(time.perf_counter() - started)
        figures[f"stats{key}"] = statistics.median(times)
    figures["apply"] = statistics.median(applies)
    window.tabs.setCurrentIndex(0)
    return figures


def idle_cpu(app: QApplication, seconds: float) -> float:
    """Percent of a core this process uses while the window sits on an unchanging file."""
    started, cpu = time.perf_counter(), time.process_time()
    wait_for_idle(app, seconds)
    return 100 * (time.process_time() - cpu) / (time.perf_counter() - started)


def wait_for_idle(app: QApplication, seconds: float) -> None:
    """Let the event loop run ``seconds`` without spinning (processEvents would busy-wait)."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_now_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def report(name: str, value: float, budget: float, unit: str = "s") -> None:
    shown = {"s": f"{value * 1000:.0f} ms", "%": f"{value:.1f} %"}.get(unit, f"{value:.0f} MB")
    print(f"  {name:<60} {shown:>10}   {value / budget:5.2f}× budget", flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a small file, a few seconds")
    parser.add_argument("--tasks", type=int, default=None)
    args = parser.parse_args(argv)
    tasks = args.tasks or (5_000 if args.smoke else 1_000_000)
    os.environ["PRISMQ_DESKTOP_SETTINGS"] = str(Path(tempfile.mkdtemp()) / "settings.ini")
    workdir = Path(tempfile.mkdtemp(prefix="prismq-gui-bench-"))
    path = workdir / "queue.db"
    shutil.copyfile(cached_file(tasks), path)
    app = QApplication.instance() or QApplication([])
    print(f"gui_bench: {tasks:,} tasks, offscreen", flush=True)
    try:
        window, first = first_paint(app, path)
        report("first rows painted after show", first, BUDGETS["first"])
        reader_idle(app, window)
        times = jumps(app, window, 4 if args.smoke else 12)
        report("rows filled after a jump, median (sort by id)", statistics.median(times),
               BUDGETS["jump"])
        for key, (jump, ready) in jumps_at_every_sort(app, window,
                                                      2 if args.smoke else 5).items():
            report(f"jump, worst both ways, by {key} (ids built in {ready:.2f} s)", jump,
                   BUDGETS["jump"])
        sort_by(app, window, "id", True)
        report("idle CPU, % of a core", idle_cpu(app, 1.0 if args.smoke else 5.0),
               BUDGETS["idle"], "%")
        figures = stats_figures(app, window, path, 2 if args.smoke else 5)
        report("stats: all charts recomputed, 24 h (median)", figures["stats24h"],
               BUDGETS["stats24h"])
        report("stats: all charts recomputed, 7 d (median)", figures["stats7d"],
               BUDGETS["stats7d"])
        report("stats: GUI-thread apply of a result (median)", figures["apply"],
               BUDGETS["apply"])
        seen = sorted(other_process_latency(app, window, path, 4 if args.smoke else 20))
        p95 = seen[min(len(seen) - 1, int(len(seen) * 0.95))]
        report("other process's task visible, p95", p95, BUDGETS["visible"])
        peak = rss_mb()
        stall, done = longest_stall(app, window, path, 1.5 if args.smoke else 6.0,
                                    3_000 if args.smoke else 60_000)
        report("RSS before the worker load", rss_now_mb(), BUDGETS["rss"], unit="MB")
        report("peak RSS before the worker load (all sorts built)", peak, BUDGETS["rss"], "MB")
        report(f"longest GUI stall, worker x4 ({done:,} tasks done)", stall, BUDGETS["stall"])
        worst = jumps_under_load(app, window, path, "duration", 4 if args.smoke else 20,
                                 3_000 if args.smoke else 60_000)
        report("jump, worst, by duration while worker x4 runs", worst, BUDGETS["jump"])
        report("peak RSS", rss_mb(), BUDGETS["rss"], "MB")
        window.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
