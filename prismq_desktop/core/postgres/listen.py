"""LISTEN/NOTIFY as an accelerator (DESIGN §12): writes that make tasks runnable or cancel
them send ``pg_notify`` inside their own statement (delivered at commit, merged within one
transaction), and one listening connection per process and queue turns what arrives into
core/notify announcements, which wake idle workers and the GUI at once.

It is never the only path: workers and the GUI keep polling, since a notification can be
lost (a transaction-mode pooler drops LISTEN, a connection breaks). After every (re)connect
the listener announces a change, so whatever was missed meanwhile is looked at.
"""

from __future__ import annotations

import threading

import psycopg

from prismq_desktop.core import notify

#: The payloads: runnable tasks appeared, or a task was cancelled (``cancelled:ID``).
ADDED = "added"
CANCELLED = "cancelled"
POLL_S = 0.5
RETRY_MAX_S = 10.0


def channel(schema: str) -> str:
    """The queue's channel (schema names are checked: lower-case letters, digits, _)."""
    return f"prismq_{schema}"


class Listener:
    """One listening connection, announcing to ``location``'s subscribers until stopped."""

    def __init__(self, conninfo: str, schema: str, location: str) -> None:
        self.conninfo, self.channel, self.location = conninfo, channel(schema), location
        self.users = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prismq-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=POLL_S * 4)

    def _run(self) -> None:
        delay = POLL_S
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {self.channel}")
                    delay = POLL_S
                    notify.publish(self.location, notify.ADDED)  # what we missed meanwhile
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=POLL_S):
                            self._deliver(note.payload)
            except psycopg.Error:
                self._stop.wait(delay)
                delay = min(delay * 2, RETRY_MAX_S)

    def _deliver(self, payload: str) -> None:
        kind, _, task = payload.partition(":")
        event = notify.CANCELLED if kind == CANCELLED else notify.ADDED
        notify.publish(self.location, event, int(task) if task.isdigit() else None)


_lock = threading.Lock()
_listeners: dict[tuple[str, str], Listener] = {}


def start(conninfo: str, schema: str, location: str) -> tuple[str, str]:
    """Share (or start) this process's listener for the queue; returns its key for stop."""
    key = (conninfo, schema)
    with _lock:
        listener = _listeners.get(key)
        if listener is None:
            listener = _listeners[key] = Listener(conninfo, schema, location)
        listener.users += 1
    return key


def stop(key: tuple[str, str]) -> None:
    """One user less; the last one stops the listener."""
    with _lock:
        listener = _listeners.get(key)
        if listener is None:
            return
        listener.users -= 1
        if listener.users > 0:
            return
        del _listeners[key]
    listener.stop()
