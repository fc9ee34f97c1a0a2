"""In-process notices of queue changes, so an embedded worker reacts at once instead of polling.

Another process's writes are only seen by polling; writes made through ``Queue`` in this
process are announced here after they commit. Listeners are keyed by the queue's location
(a file's real path, so two ``Queue`` objects on one file hear each other) and run in the writer's
thread, so they must be quick and never block: set a flag, notify a condition.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable

#: Runnable tasks appeared (enqueue, enqueue_many, retry); task id, or None for many.
ADDED = "added"
#: A task was cancelled (task id, or None for many); a worker running it should stop now.
CANCELLED = "cancelled"

Listener = Callable[[str, "int | None"], None]

_listeners: dict[str, tuple[Listener, ...]] = {}
_lock = threading.Lock()


@functools.lru_cache(maxsize=64)
def _key(location: str) -> str:
    """A file by its real path (two names for one file hear each other); a URL as written."""
    return location if "://" in location else os.path.realpath(location)


def subscribe(path: str | os.PathLike[str], listener: Listener) -> None:
    """Call ``listener(event, task_id)`` after each matching commit in this process."""
    key = _key(os.fspath(path))
    with _lock:
        _listeners[key] = (*_listeners.get(key, ()), listener)


def unsubscribe(path: str | os.PathLike[str], listener: Listener) -> None:
    key = _key(os.fspath(path))
    with _lock:
        remaining = tuple(item for item in _listeners.get(key, ()) if item is not listener)
        if remaining:
            _listeners[key] = remaining
        else:
            _listeners.pop(key, None)


def publish(path: str | os.PathLike[str], event: str, task_id: int | None = None) -> None:
    """Tell this file's listeners; free when nobody listens, and a failing listener is skipped."""
    if not _listeners:
        return
    for listener in _listeners.get(_key(os.fspath(path)), ()):
        try:
            listener(event, task_id)
        # A listener's bug must never undo or fail the caller's write.
        except Exception:  # noqa: BLE001
            continue
