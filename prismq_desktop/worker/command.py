"""``prismq-desktop worker``: run the engine headless until told to stop.

Exit codes as for every command (DESIGN §8): 0 done (also after SIGINT/SIGTERM, once running
tasks are released), 2 bad input (option values, a handler module that does not load),
3 a database problem. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from prismq_desktop.core import Queue, QueueDatabaseError
from prismq_desktop.core.sqlite.claiming import STRATEGIES
from prismq_desktop.core.sqlite.database import BUSY_TIMEOUT_MS
from prismq_desktop.worker.console import ConsoleLog, summary
from prismq_desktop.worker.engine import WorkerEngine
from prismq_desktop.worker.loading import default_handlers, load_handlers
from prismq_desktop.worker.registry import HandlerLoadError

SHELL_WARNING = ("warning: the shell handler is enabled: anyone who can write this queue file "
                 "can run programs on this machine as you")
TICK = 0.1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--concurrency", type=int, default=1, metavar="N",
                        help="tasks run at once (threads; default 1)")
    parser.add_argument("--strategy", choices=STRATEGIES, default="fifo",
                        help="which waiting task goes first (default fifo)")
    parser.add_argument("--lease-seconds", type=float, default=30.0, metavar="N",
                        help="lease length; renewed every third of it while a task runs")
    parser.add_argument("--handlers", action="append", default=[], metavar="MODULE",
                        help="module (pkg.mod) or file (./x.py) with @handler functions; "
                             "repeatable")
    parser.add_argument("--allow-shell", action="store_true",
                        help="enable the shell handler (runs programs named by tasks)")
    parser.add_argument("--shell-allow", action="append", metavar="PROGRAM",
                        help="enable the shell handler for these programs only; repeatable")
    parser.add_argument("--max-tasks", type=int, metavar="N",
                        help="exit after this many tasks have run")
    parser.add_argument("--idle-exit", type=float, metavar="SECONDS",
                        help="exit once nothing has been running or claimable this long")
    parser.add_argument("--worker-id", metavar="ID", help="name in the workers table")
    parser.add_argument("--poll-interval", type=float, default=0.25, metavar="SECONDS",
                        help="how often an idle worker looks for tasks (default 0.25)")
    parser.add_argument("--quiet", action="store_true",
                        help="print only errors and start/stop lines")


def run(args: argparse.Namespace, db_path: str | os.PathLike[str] | None) -> int:
    console = ConsoleLog(quiet=args.quiet)
    try:
        queue = Queue.open(db_path, busy_timeout_ms=_busy_ms(args))
    except QueueDatabaseError as exc:
        return _error(str(exc), 3)
    try:
        return _serve(args, queue, console)
    finally:
        queue.close()


def _serve(args: argparse.Namespace, queue: Queue, console: ConsoleLog) -> int:
    try:
        engine = _engine(args, queue, console)
    except (ValueError, HandlerLoadError) as exc:
        return _error(str(exc), 2)
    with _stop_signals() as stop:  # before start: a signal during start-up still stops cleanly
        try:
            engine.start()
        except QueueDatabaseError as exc:
            return _error(str(exc), 3)
        if "shell" in engine.claim_types():
            console.line(SHELL_WARNING, sys.stderr)
        _wait(engine, stop, args.idle_exit)
        released = engine.stop(release=True)
    console.line(summary(engine.counters(), released))
    return 0


def _busy_ms(args: argparse.Namespace) -> int:
    """The command line's global ``--lock-timeout`` when given, else the core's default."""
    seconds = getattr(args, "lock_timeout", None)
    return BUSY_TIMEOUT_MS if seconds is None else int(seconds * 1000)


def _engine(args: argparse.Namespace, queue: Queue, console: ConsoleLog) -> WorkerEngine:
    if args.worker_id is not None and not args.worker_id.strip():
        raise ValueError("worker id must not be empty")
    if args.idle_exit is not None and not args.idle_exit >= 0:
        raise ValueError("idle exit must be zero or more seconds")
    registry = default_handlers()
    for spec in args.handlers:
        load_handlers(spec, registry)
    return WorkerEngine(
        queue, worker_id=args.worker_id, concurrency=args.concurrency,
        strategy=args.strategy, lease_seconds=args.lease_seconds, registry=registry,
        poll_interval=args.poll_interval, allow_shell=args.allow_shell,
        shell_programs=args.shell_allow, max_tasks=args.max_tasks, on_event=console,
    )


def _wait(engine: WorkerEngine, stop: threading.Event, idle_exit: float | None) -> None:
    """Until a signal, the task budget is spent, or the worker was idle long enough."""
    while not stop.wait(TICK):
        if engine.finished:
            return
        if idle_exit is not None and engine.idle_seconds() > 0 and \
                engine.idle_seconds() >= idle_exit:
            return


@contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """SIGINT and SIGTERM set an event (main thread only); the old handlers come back after."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    names = [signal.SIGINT, signal.SIGTERM]
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in names}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _error(message: str, code: int) -> int:
    print(f"prismq-desktop worker: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    """``python -m prismq_desktop.worker.command --db PATH [options]`` (tests, scripts)."""
    parser = argparse.ArgumentParser(prog="prismq-desktop worker")
    parser.add_argument("--db", metavar="PATH")
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(args, args.db)


if __name__ == "__main__":
    sys.exit(main())
