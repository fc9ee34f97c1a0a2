"""The engine's scheduler thread: enqueue due schedule ticks (DESIGN §14).

Every worker process and the app's embedded worker run one. The core makes one task per tick
however many run at once (the tick's key, in the transaction that moves the schedule on), so
nothing here needs to know about the others. Between ticks the check is one indexed read.
"""

from __future__ import annotations

import threading

from prismq_desktop.worker import events
from prismq_desktop.worker.runtime import Runtime

#: How often due schedules are looked for: cron counts minutes, so a run is at most this late.
SCHEDULE_PERIOD = 1.0


class Scheduler:
    def __init__(self, rt: Runtime, period: float = SCHEDULE_PERIOD) -> None:
        self.rt = rt
        self.period = period
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True,
                                       name=f"prismq-scheduler-{rt.settings.worker_id}")

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float) -> None:
        self.done.set()
        if self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def _loop(self) -> None:
        while True:
            try:
                self.tick()
            except Exception as exc:  # noqa: BLE001 (reported; the next period tries again)
                self.rt.report_error("enqueueing due schedules", exc)
            if self.done.wait(self.period):
                return

    def tick(self) -> None:
        fired = self.rt.queue.fire_due_schedules()
        for name, ids in fired.items():
            for task_id in ids:
                self.rt.emit(events.SCHEDULED, f"schedule {name} enqueued task #{task_id}")
        if any(fired.values()):
            self.rt.waker.wake()
