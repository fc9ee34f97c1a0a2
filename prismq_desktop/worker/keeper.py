"""The engine's housekeeping thread: renew leases, heartbeat (with the operator's requests),
reclaim expired tasks.

Handlers run in the engine threads, so leases are renewed here, every third of the lease:
a running task survives two missed renewals, and a cancel made in another process is seen
at the latest by the next renewal (``renew_lease`` returns False and the task's flag goes up).
Between renewals, whenever the file changed, the keeper also reads its running tasks' statuses
every ``CANCEL_CHECK_SECONDS``, so with the default 30 s lease a handler hears of a cancel in
about half a second rather than up to ten (a cancel in this process reaches it at once).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from prismq_desktop.core import TaskNotFoundError
from prismq_desktop.worker.controls import obey
from prismq_desktop.worker.runtime import Runtime

#: How often, between renewals, running tasks are checked for a cancel (after a change).
CANCEL_CHECK_SECONDS = 0.5


class Keeper:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.done = threading.Event()
        self._seen: object = None  # the change token at the last cancel check
        self.thread = threading.Thread(target=self._loop, daemon=True,
                                       name=f"prismq-keeper-{rt.settings.worker_id}")

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float) -> None:
        self.done.set()
        self.rt.renew_now.set()
        if self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def _loop(self) -> None:
        self.tick()  # a crashed predecessor's tasks come back at once, not a period later
        due = time.monotonic() + self.rt.settings.renew_period
        while True:
            pause = min(CANCEL_CHECK_SECONDS, max(due - time.monotonic(), 0.0))
            woken = self.rt.renew_now.wait(pause)
            if self.done.is_set():
                return
            if woken or time.monotonic() >= due:
                self.rt.renew_now.clear()
                self.tick()
                due = time.monotonic() + self.rt.settings.renew_period
            else:
                self._guarded("looking for cancels", self.notice_cancels)

    def tick(self) -> None:
        """One round; each part reports its own errors so one failure never skips the rest."""
        self._guarded("renewing leases", self.renew_leases)
        self._guarded("heartbeat", lambda: self.rt.queue.heartbeat(self.rt.settings.worker_id))
        self._guarded("reading operator requests", lambda: obey(self.rt))
        self._guarded("reclaiming expired leases", self.reclaim)

    def renew_leases(self) -> None:
        rt = self.rt
        for ctx in rt.contexts():
            held = rt.queue.renew_lease(ctx.task_id, rt.settings.worker_id,
                                        rt.settings.lease_seconds)
            if not held:
                ctx.cancel("cancelled or lease lost")
            ctx.flush_progress()

    def notice_cancels(self) -> None:
        """Raise the flag of each running task cancelled since: a key read per task, only
        when something committed since the last look."""
        running = [ctx for ctx in self.rt.contexts() if not ctx.cancelled]
        if not running:
            return
        token = self.rt.queue.change_token()
        if token == self._seen:
            return
        self._seen = token
        for ctx in running:
            try:
                status = self.rt.queue.get(ctx.task_id).status
            except TaskNotFoundError:
                status = "deleted"
            if status in ("cancelled", "deleted"):
                ctx.cancel(str(status))

    def reclaim(self) -> None:
        reclaimed = self.rt.queue.reclaim_expired()
        if reclaimed:
            self.rt.waker.wake()

    def _guarded(self, what: str, step: Callable[[], object]) -> None:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - upkeep must outlive any one failure
            self.rt.report_error(what, exc)
