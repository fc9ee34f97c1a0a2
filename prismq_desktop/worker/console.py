"""The headless worker's console log: one readable line per engine event."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from prismq_desktop.worker import events
from prismq_desktop.worker.events import EngineCounters, EngineEvent

#: Shown with ``--quiet``: what an operator must see even when tasks fly by.
QUIET_KINDS = (events.ERROR, events.ENGINE_STARTED, events.ENGINE_STOPPED, events.CONTROL)


class ConsoleLog:
    """An event callback that prints; errors go to stderr, the rest to stdout."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None,
                 quiet: bool = False, error_log: Path | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.quiet = quiet
        #: Where the tracebacks of engine errors go (named once, in the first error's line).
        self.error_log = error_log
        self.last_error: EngineEvent | None = None
        self._lock = threading.Lock()

    def __call__(self, event: EngineEvent) -> None:
        if event.kind == events.ERROR:
            first, self.last_error = self.last_error is None, event
            where = f" (details in {self.error_log})" if first and self.error_log else ""
            self.line(format_event(event) + where, self.err)
            return
        if not (self.quiet and event.kind not in QUIET_KINDS):
            self.line(format_event(event), self.out)

    def line(self, text: str, stream: TextIO | None = None) -> None:
        with self._lock:
            target = stream or self.out
            target.write(text + "\n")
            target.flush()


def format_event(event: EngineEvent) -> str:
    """``14:05:09  #12 resize_image  completed in 31 ms`` (local time, like a terminal)."""
    clock = time.strftime("%H:%M:%S", time.localtime(event.at))
    if event.kind == events.ERROR:
        return f"{clock}  error: {event.message}"
    if event.task_id is None:
        return f"{clock}  {event.message}"
    return f"{clock}  #{event.task_id} {event.task_type}  {event.message}"


def summary(counters: EngineCounters, released: list[int]) -> str:
    text = (f"{counters.done} completed, {counters.failed} failed, "
            f"{counters.cancelled} cancelled, {counters.discarded} discarded")
    if released:
        shown = ", ".join(f"#{task_id}" for task_id in released[:10])
        more = f" and {len(released) - 10} more" if len(released) > 10 else ""
        text += f"; released {shown}{more} back to the queue"
    return text
