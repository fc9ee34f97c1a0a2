"""One engine thread: claim, run, repeat; wait for a wake-up or the next poll when idle.

Every exception is caught, reported and followed by a short pause: a thread never dies
silently and never spins on a broken file.
"""

from __future__ import annotations

import threading

from prismq_desktop.core import Task
from prismq_desktop.worker.runner import give_back, run_task
from prismq_desktop.worker.runtime import Runtime

ERROR_PAUSE = 1.0


class Slot:
    def __init__(self, rt: Runtime, index: int) -> None:
        self.rt = rt
        self.index = index
        #: Set to make the thread exit after its current task (concurrency lowered).
        self.retired = False
        self.busy = False
        self.thread = threading.Thread(target=self._loop, daemon=True,
                                       name=f"prismq-worker-{rt.settings.worker_id}-{index}")

    def start(self) -> None:
        self.thread.start()

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def _loop(self) -> None:
        rt = self.rt
        while not (self.retired or rt.stopping.is_set()):
            try:
                if not self._step():
                    return
            except Exception as exc:  # noqa: BLE001 - a worker thread must outlive any one failure
                rt.report_error(f"worker thread {self.index}", exc)
                rt.stopping.wait(ERROR_PAUSE)

    def _step(self) -> bool:
        """Claim and run one task, or wait; False when this thread has no more to do."""
        rt, poll = self.rt, self.rt.settings.poll_interval
        generation = rt.waker.generation()
        if rt.quiet.is_set():  # an operator asked for no more claims
            rt.waker.wait(generation, poll)
            return True
        known_empty = rt.waker.empty_for(generation, poll)
        if known_empty:
            rt.waker.wait(generation, known_empty)
            return True
        if not rt.reserve_claim():
            return False
        task = self._claim()
        if task is None:
            rt.counters.add("empty_polls")
            rt.waker.mark_empty(generation)
            rt.waker.wait(generation, poll)
            return True
        self._run_chain(task)
        return True

    def _going_on(self) -> bool:
        return not (self.retired or self.rt.stopping.is_set() or self.rt.quiet.is_set())

    def _run_chain(self, task: Task | None) -> None:
        """Run a task and each next one its completion claimed, while this thread goes on."""
        self.busy = True
        try:
            while task is not None:
                if not self._going_on():
                    give_back(self.rt, task)
                    return
                self.rt.waker.wake_if_idle()
                task = run_task(self.rt, task, self._going_on)
        finally:
            self.busy = False

    def _claim(self) -> Task | None:
        rt, settings = self.rt, self.rt.settings
        task = None
        try:
            task = rt.queue.claim(settings.worker_id, settings.lease_seconds, settings.strategy,
                                  types=settings.types, capabilities=settings.capabilities)
        finally:
            if task is None:
                rt.unreserve_claim()
        return task
