"""``prismq-desktop demo``: a queue file with a week of realistic history, demo handlers in
the embedded worker, and a trickle of new tasks so every view moves.

The pieces work without Qt (``build_demo_file``, ``DemoTraffic``) so tests and the
screenshot script use them headless; ``run_demo`` puts them together with the GUI.
"""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from prismq_desktop.cli.files import demo_db_path
from prismq_desktop.core import Queue, QueueDatabaseError
from prismq_desktop.core.sample_data import DEMO_TYPES

DEMO_TASKS = 30_000
DEMO_DAYS = 7.0
#: Workers the history names; their heartbeats are old, so the Workers tab marks them stale.
PAST_WORKERS = {"demo-worker-1": 3, "demo-worker-2": 12, "gpu-box-eu": 95}


class DemoError(Exception):
    """The demo refuses to touch a file (it is not a demo file, or cannot be replaced)."""


def build_demo_file(path: Path, *, tasks: int | None = None, days: float = DEMO_DAYS,
                    now: datetime | None = None, seed: int = 7) -> Path:
    """A fresh demo file at ``path``: history up to ``now``, a backlog, scheduled tasks,
    past workers, and the queue marked as the demo's (``Queue.mark_demo``).

    An old demo file there is replaced (its history would be days stale); any other file
    is refused, so ``--db`` can never pour fake tasks into a real queue.
    """
    now = now or datetime.now(timezone.utc)
    tasks = DEMO_TASKS if tasks is None else tasks
    _remove_old_demo(path)
    with Queue.open(path, clock=_stopped_clock(now)) as queue:
        queue.add_sample_history(tasks, days, seed=seed, backlog=40, scheduled=25)
        queue.mark_demo()
        for worker_id, minutes_ago in PAST_WORKERS.items():
            queue.with_clock(_stopped_clock(now - timedelta(minutes=minutes_ago))
                             ).register_worker(worker_id, {"region": "eu"} if "eu" in worker_id
                                               else {})
    return path


def _stopped_clock(moment: datetime) -> Callable[[], datetime]:
    """A clock that always says ``moment`` (a past worker's heartbeat is written then)."""
    return lambda: moment


def _remove_old_demo(path: Path) -> None:
    if not path.exists():
        return
    try:
        old = Queue.open(path, read_only=True)
    except QueueDatabaseError as exc:
        raise DemoError(f"{path} is not a demo file ({exc}); the demo writes only its own "
                        "files") from exc
    with old:
        if not old.is_demo():
            raise DemoError(f"{path} is a queue file, not a demo file; the demo writes only "
                            "its own files")
    for suffix in ("", "-wal", "-shm"):
        try:
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        except OSError as exc:
            raise DemoError(f"cannot replace the old demo file {path}: {exc}") from exc


class DemoTraffic:
    """A thread enqueuing demo tasks now and then, in bursts sometimes, while the queue is
    not too long, so the table, the counts and the charts keep moving."""

    def __init__(self, path: Path, *, mean_gap: float = 6.0, max_waiting: int = 60,
                 seed: int | None = None) -> None:
        self.path = path
        self.mean_gap = mean_gap
        self.max_waiting = max_waiting
        self.enqueued = 0
        self.beats = 0
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-traffic", daemon=True)

    def start(self) -> DemoTraffic:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        with Queue.open(self.path) as queue:
            while not self._stop.wait(self._rng.expovariate(1 / self.mean_gap)):
                self.beats += 1
                try:
                    self._tick(queue)
                except QueueDatabaseError as exc:  # busy for 5 s: skip this beat
                    print(f"demo traffic: {exc}", file=sys.stderr)

    def _tick(self, queue: Queue) -> None:
        if queue.counts().get("queued", 0) >= self.max_waiting:
            return
        burst = self._rng.randint(5, 15) if self._rng.random() < 0.08 else 1
        queue.enqueue_many([self.new_task() for _ in range(burst)])
        self.enqueued += burst

    def new_task(self) -> dict:
        """One task like the history's: a type by its share, one of its payloads."""
        profile = self._rng.choices(DEMO_TYPES,
                                    [p.share for p in DEMO_TYPES])[0]
        return {"type": profile.name, "payload": dict(self._rng.choice(profile.payloads)),
                "priority": self._rng.choice((10, 100, 100, 100, 200))}


def run_demo(db_path: Path | None = None) -> int:
    """Build the demo file, open the GUI on it with the embedded worker running demo
    handlers, and feed it new tasks until the window closes."""
    from prismq_desktop.cli import demo_handlers
    from prismq_desktop.gui.app import run_gui
    from prismq_desktop.worker import default_handlers

    path = Path(db_path) if db_path is not None else demo_db_path()
    print(f"demo: writing a week of history to {path} ...", flush=True)
    try:
        build_demo_file(path)
    except (DemoError, QueueDatabaseError) as exc:
        print(f"prismq-desktop: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, DemoError) else 3
    demo_handlers.register(default_handlers())
    traffic = DemoTraffic(path).start()
    try:
        return run_gui(path, start_worker=True)
    finally:
        traffic.stop()
