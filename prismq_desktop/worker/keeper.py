"""The engine's housekeeping thread: renew leases, heartbeat (with the operator's requests),
reclaim expired tasks.

Handlers run in the engine threads, so leases are renewed here, every third of the lease:
a running task survives two missed renewals, and a cancel made in another process is seen
within one renewal period (``renew_lease`` returns False and the task's flag goes up).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from prismq_desktop.worker.controls import obey
from prismq_desktop.worker.runtime import Runtime


class Keeper:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.done = threading.Event()
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
        while True:
            self.rt.renew_now.wait(self.rt.settings.renew_period)
            self.rt.renew_now.clear()
            if self.done.is_set():
                return
            self.tick()

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

    def reclaim(self) -> None:
        reclaimed = self.rt.queue.reclaim_expired()
        if reclaimed:
            self.rt.waker.wake()

    def _guarded(self, what: str, step: Callable[[], object]) -> None:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - upkeep must outlive any one failure
            self.rt.report_error(what, exc)
