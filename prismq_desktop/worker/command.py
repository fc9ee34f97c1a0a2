"""``prismq-desktop worker``: run the engine headless until told to stop.

Returns 0 when done (also after SIGINT/SIGTERM, at any moment, once running tasks are
released). Problems leave as exceptions for the command line's one mapping to exit codes
(cli/main.py): bad option values and handler modules that do not load as
``ValidationError``, database problems as ``QueueDatabaseError`` (also a worker that stops
because its writes keep failing).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from prismq_desktop import paths
from prismq_desktop.core import (
    DEFAULT_BUSY_TIMEOUT_MS,
    Queue,
    QueueDatabaseError,
    ValidationError,
    compat,
)
from prismq_desktop.worker.console import ConsoleLog, summary
from prismq_desktop.worker.engine import WorkerEngine
from prismq_desktop.worker.loading import default_handlers, load_handlers
from prismq_desktop.worker.registry import HandlerLoadError

SHELL_WARNING = ("warning: the shell handler is enabled: anyone who can write this queue file "
                 "can run programs on this machine as you")
TICK = 0.1


def run(args: argparse.Namespace, location: str | os.PathLike[str] | None) -> int:
    """Run a worker on the queue at ``location`` until a signal, the budget or idle exit.

    Never creates the queue (a mistyped path is an error, not a new empty queue). A signal
    during start-up (opening, loading handlers) stops it as cleanly as one later.
    """
    with _stop_signals() as stop, _errors_to_log() as error_log:
        console = ConsoleLog(quiet=args.quiet, error_log=error_log)
        with Queue.open(location, create=False, busy_timeout_ms=_busy_ms(args)) as queue:
            return _serve(args, queue, console, stop)


def _serve(args: argparse.Namespace, queue: Queue, console: ConsoleLog,
           stop: threading.Event) -> int:
    try:
        engine = _engine(args, queue, console)
    except (ValueError, HandlerLoadError) as exc:
        raise ValidationError(str(exc)) from exc
    if stop.is_set():
        console.line("worker stopped before it started: nothing was claimed")
        return 0
    engine.start()
    if "shell" in engine.claim_types():
        console.line(SHELL_WARNING, sys.stderr)
    failure = _wait(engine, stop, args.idle_exit, console)
    released = engine.stop(release=True)
    console.line(summary(engine.counters(), released))
    if failure:
        raise QueueDatabaseError(f"the worker stopped: {failure}")
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


def _wait(engine: WorkerEngine, stop: threading.Event, idle_exit: float | None,
          console: ConsoleLog) -> str | None:
    """Until a signal, the task budget is spent, an operator's stop request has been carried
    out (running tasks finished), or the worker was idle long enough. Idle means nothing to
    do: a worker whose claims or writes fail (a full disk) is not idle, and this returns
    the last error as the reason it stops."""
    while not stop.wait(TICK):
        if engine.finished or (engine.exit_requested and not engine.busy):
            return None
        idle = engine.idle_seconds()
        if idle_exit is not None and idle > 0 and idle >= idle_exit:
            error = console.last_error
            if error is not None and time.time() - error.at <= idle + TICK:
                return error.message
            return None
    return None


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


@contextmanager
def _errors_to_log() -> Iterator[Path | None]:
    """Engine errors keep one line on the console; their tracebacks go to a log file in the
    app's logs folder (made at the first error), not to the terminal."""
    logger = logging.getLogger("prismq_desktop.worker")
    try:
        folder = paths.logs_dir()
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        handler: logging.Handler = logging.NullHandler()
        log_file = None
    else:
        log_file = folder / f"worker-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"
        handler = _QuietFileHandler(log_file, delay=True, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield log_file
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        handler.close()


class _QuietFileHandler(logging.FileHandler):
    """A log file that cannot be written (that disk is full too) is skipped, not reported
    with a traceback of its own on the terminal."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        pass
