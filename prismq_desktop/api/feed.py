"""The live feed behind ``GET /api/events``: what changed in the queue, by any process.

One thread polls the queue's change token (cheap) while anyone listens; after a commit it
finds what changed with four indexed reads through ``Queue`` (no backend code):

- new tasks: ids above the highest seen a few polls ago (on PostgreSQL a lower id can
  commit a moment after a higher one);
- running tasks: the leased and processing ones, compared with the last poll's, and each
  one that left that set read again (completed, failed, requeued after a failure);
- tasks finished since the last poll (cancels of waiting tasks land here);
- waiting tasks made ready by someone since the last poll (retries).

Every status the feed has seen is remembered (up to ``MEMORY`` tasks), so each change says
the old status and the new one; ``old_status`` is null for a task the feed had not seen
(enqueued and changed before it started). Events go into a ring with sequence numbers:
listeners read what they missed, a listener too far behind gets ``resync``, and the poller
never waits for a slow client.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from prismq_desktop.core import Queue, QueueDatabaseError, Task, TaskNotFoundError, TaskQuery

MEMORY = 100_000
RING = 10_000
#: Rows read per probe; more than this changed at once and listeners get ``resync``.
PROBE_LIMIT = 2000
#: Times are stored in whole seconds and written by other clocks: look back this far.
SLACK_S = 2.0
ID_LAG_POLLS = 3


@dataclass(frozen=True)
class Event:
    seq: int
    name: str
    data: dict[str, Any]


class ChangeFeed:
    def __init__(self, queue: Queue, interval: float = 0.05) -> None:
        self._queue = queue
        self._interval = interval
        self._ring: deque[Event] = deque(maxlen=RING)
        self._seq = 0
        self._lock = threading.Lock()
        self._wakers: set[Callable[[], None]] = set()
        self._listening = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._state: _State | None = None

    # -- listeners ---------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def listen(self, waker: Callable[[], None]) -> int:
        """Call ``waker()`` (from the poller's thread) after each batch; returns the sequence
        number to read from."""
        with self._lock:
            self._wakers.add(waker)
            self._listening.set()
        self._ensure_thread()
        return self._seq

    def unlisten(self, waker: Callable[[], None]) -> None:
        with self._lock:
            self._wakers.discard(waker)
            if not self._wakers:
                self._listening.clear()

    def since(self, seq: int) -> tuple[list[Event], bool]:
        """Events after ``seq``, and whether some were lost (the ring moved past them)."""
        with self._lock:
            events = [event for event in self._ring if event.seq > seq]
            lost = bool(self._ring) and self._ring[0].seq > seq + 1 and seq < self._seq
        return events, lost

    def close(self) -> None:
        self._closed.set()
        self._listening.set()
        self._wake_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- the poller ----------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None and not self.closed:
                self._thread = threading.Thread(target=self._run, name="api-feed", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        failing = False
        while not self.closed:
            if not self._listening.is_set():
                self._state = None  # nobody listened for a while: start afresh
                self._listening.wait()
                continue
            try:
                self._poll()
                failing = False
            except QueueDatabaseError as exc:  # busy or gone for a moment: say so once
                if not failing:
                    self._publish([("error", {"detail": str(exc)})])
                failing = True
            self._closed.wait(self._interval)

    def _poll(self) -> None:
        token = self._queue.change_token()
        if self._state is None:
            self._state = _State.prime(self._queue)
            self._state.token = token
            return
        if token == self._state.token:
            return
        self._state.token = token
        changes, overflow = self._state.changes(self._queue)
        batch: list[tuple[str, dict[str, Any]]] = [("task", change) for change in changes]
        if overflow:
            batch.append(("resync", {"reason": "more changed at once than the feed lists"}))
        counts = self._queue.counts()
        batch.append(("counts", {"total": sum(counts.values()), "counts": counts}))
        self._publish(batch)

    def _publish(self, batch: list[tuple[str, dict[str, Any]]]) -> None:
        with self._lock:
            for name, data in batch:
                self._seq += 1
                self._ring.append(Event(self._seq, name, data))
        self._wake_all()

    def _wake_all(self) -> None:
        with self._lock:
            wakers = list(self._wakers)
        for waker in wakers:
            waker()


class _State:
    """What the last poll saw: the change token, the highest id, the running tasks, and the
    last status of each task seen."""

    def __init__(self, max_id: int, checked: float) -> None:
        self.token: Any = None
        self.max_id = max_id
        #: The highest id of the last few polls: new ids are read from the oldest of them,
        #: since on PostgreSQL a lower id can commit a moment after a higher one.
        self.recent_max: deque[int] = deque([max_id], maxlen=ID_LAG_POLLS)
        self.checked = checked
        self.running: set[int] = set()
        self.known: OrderedDict[int, str] = OrderedDict()

    @classmethod
    def prime(cls, queue: Queue) -> _State:
        newest = queue.list(TaskQuery(), limit=1)
        state = cls(newest[0].id if newest else 0, time.time())
        for task in queue.list(TaskQuery(statuses=("active",)), limit=PROBE_LIMIT):
            state.remember(task)
            state.running.add(task.id)
        return state

    def remember(self, task: Task) -> str | None:
        old = self.known.pop(task.id, None)
        self.known[task.id] = str(task.status)
        if len(self.known) > MEMORY:
            self.known.popitem(last=False)
        return old

    def changes(self, queue: Queue) -> tuple[list[dict[str, Any]], bool]:
        now = queue.now()
        since = (now - timedelta(seconds=time.time() - self.checked + SLACK_S))
        self.checked = time.time()
        stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")  # Z: a bare time is local
        probes = [
            TaskQuery(text=f"id>{self.recent_max[0]}", sort="id", descending=False),
            TaskQuery(statuses=("active",)),
            TaskQuery(text=f"finished>={stamp}"),
            TaskQuery(statuses=("queued",), text=f"run_after>={stamp} updated>={stamp}"),
        ]
        found: dict[int, Task] = {}
        overflow = False
        for index, probe in enumerate(probes):
            rows = queue.list(probe, limit=PROBE_LIMIT)
            overflow |= len(rows) == PROBE_LIMIT
            found.update((task.id, task) for task in rows)
            if index == 0 and rows:
                self.max_id = max(self.max_id, rows[-1].id)
            if index == 1:
                running = {task.id for task in rows}
                left, self.running = self.running - running, running
        self.recent_max.append(self.max_id)
        for task_id in left - found.keys():
            try:
                found[task_id] = queue.get(task_id)
            except TaskNotFoundError:
                self.known.pop(task_id, None)
        return self._diff(found.values()), overflow

    def _diff(self, tasks: Any) -> list[dict[str, Any]]:
        changes = []
        for task in sorted(tasks, key=lambda t: t.id):
            old = self.remember(task)
            if old != task.status:
                changes.append({"task_id": task.id, "type": task.type, "old_status": old,
                                "new_status": task.status})
        return changes
