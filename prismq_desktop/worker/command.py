"""``prismq-desktop worker``: run the engine headless until told to stop.

Returns 0 when done (also after SIGINT/SIGTERM, once running tasks are released). Problems
leave as exceptions for the command line's one mapping to exit codes (cli/main.py): bad
option values and handler modules that do not load as ``ValidationError``, database problems
as ``QueueDatabaseError``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from prismq_desktop.core import DEFAULT_BUSY_TIMEOUT_MS, Queue, ValidationError, compat
from prismq_desktop.worker.console import ConsoleLog, summary
from prismq_desktop.worker.engine import WorkerEngine
from prismq_desktop.worker.loading import default_handlers, load_handlers
from prismq_desktop.worker.registry import HandlerLoadError

SHELL_WARNING = ("warning: the shell handler is enabled: anyone who can write this queue file "
                 "can run programs on this machine as you")
TICK = 0.1


def run(args: argparse.Namespace, location: str | os.PathLike[str] | None) -> int:
    """Run a worker on the queue at ``location`` until a signal, the budget or idle exit."""
    console = ConsoleLog(quiet=args.quiet)
    with Queue.open(location, busy_timeout_ms=_busy_ms(args)) as queue:
        return _serve(args, queue, console)


def _serve(args: argparse.Namespace, queue: Queue, console: ConsoleLog) -> int:
    try:
        engine = _engine(args, queue, console)
    except (ValueError, HandlerLoadError) as exc:
        raise ValidationError(str(exc)) from exc
    with _stop_signals() as stop:  # before start: a signal during start-up still stops cleanly
        engine.start()
        if "shell" in engine.claim_types():
            console.line(SHELL_WARNING, sys.stderr)
        _wait(engine, stop, args.idle_exit)
        released = engine.stop(release=True)
    console.line(summary(engine.counters(), released))
    return 0


def _busy_ms(args: argparse.Namespace) -> int:
    """The command line's global ``--lock-timeout`` when given, else the core's default."""
    seconds = getattr(args, "lock_timeout", None)
    return DEFAULT_BUSY_TIMEOUT_MS if seconds is None else int(seconds * 1000)


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
        capabilities=compat.parse_capabilities(args.capability, args.capabilities),
        strategy=args.strategy, lease_seconds=args.lease_seconds, registry=registry,
        poll_interval=args.poll_interval, allow_shell=args.allow_shell,
        shell_programs=args.shell_allow, max_tasks=args.max_tasks, on_event=console,
    )


def _wait(engine: WorkerEngine, stop: threading.Event, idle_exit: float | None) -> None:
    """Until a signal, the task budget is spent, an operator's stop request has been carried
    out (running tasks finished), or the worker was idle long enough."""
    while not stop.wait(TICK):
        if engine.finished or (engine.exit_requested and not engine.busy):
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
