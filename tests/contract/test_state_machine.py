"""A Hypothesis state machine over a queue's life through the Queue API (DESIGN §4).

Rules enqueue, claim, start, renew, complete, fail (transient or permanent), cancel, retry,
reclaim expired leases and move the clock; each rule checks its own outcome against the last
state read. After every step the invariants re-read every task and check: attempts never
exceed max_attempts; a leased or processing task has one holder and a lease, any other has
no lease; the kept counts equal counts made from the rows; every change of status or
attempts added a log row; a finished task changes only by retry.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from prismq_desktop.core import InvalidTransitionError, Queue, Task, TaskQuery
from tests.contract.backends import Backend
from tests.support import FakeClock

WORKERS = st.sampled_from(["w1", "w2"])
ACTIVE = ("leased", "processing")
FINISHED = ("completed", "failed", "cancelled", "dead_letter")
SETTINGS = settings(max_examples=50, stateful_step_count=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


class QueueLife(RuleBasedStateMachine):
    tasks = Bundle("tasks")

    def __init__(self, open_queue: Callable[[FakeClock], Queue]) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.queue = open_queue(self.clock)
        self.seen: dict[int, Task] = {}     # every task as read after the last step
        self.logged: dict[int, int] = {}    # its number of log rows then
        self.retried: set[int] = set()      # retried in this step

    def teardown(self) -> None:
        self.queue.close()

    # -- helpers ---------------------------------------------------------------------------
    def _runnable(self, task: Task) -> bool:
        run_after = task.time("run_after_utc")
        return (task.status == "queued" and run_after is not None
                and run_after <= self.clock() and task.attempts < task.max_attempts)

    def _holds(self, task_id: int, worker: str) -> bool:
        before = self.seen[task_id]
        return before.status in ACTIVE and before.locked_by == worker

    def _assert_logged(self, task_id: int) -> None:
        assert len(self.queue.logs(task_id)) > self.logged[task_id], "transition not logged"

    # -- rules -----------------------------------------------------------------------------
    @rule(target=tasks, max_attempts=st.integers(1, 3),
          delay=st.sampled_from([None, 0, 3, 40]))
    def enqueue(self, max_attempts: int, delay: int | None) -> int:
        run_after = None if delay is None else self.clock() + timedelta(seconds=delay)
        task = self.queue.enqueue("job", max_attempts=max_attempts, run_after=run_after)
        assert (task.status, task.attempts) == ("queued", 0)
        self.seen[task.id] = task
        self.logged[task.id] = len(self.queue.logs(task.id))
        return task.id

    @rule(worker=WORKERS, start=st.booleans(), lease=st.sampled_from([5, 60]))
    def claim(self, worker: str, start: bool, lease: int) -> None:
        runnable = {i for i, task in self.seen.items() if self._runnable(task)}
        task = self.queue.claim(worker, lease_seconds=lease, start=start)
        if task is None:
            assert not runnable, "a runnable task was left unclaimed"
            return
        assert task.id in runnable
        assert (task.status, task.locked_by) == ("processing" if start else "leased", worker)
        assert task.attempts == self.seen[task.id].attempts + 1
        self._assert_logged(task.id)

    @rule(task_id=tasks, worker=WORKERS)
    def start(self, task_id: int, worker: str) -> None:
        before = self.seen[task_id]
        expected = before.status == "leased" and before.locked_by == worker
        assert self.queue.start(task_id, worker) == expected
        if expected:
            assert self.queue.get(task_id).status == "processing"
            self._assert_logged(task_id)

    @rule(task_id=tasks, worker=WORKERS, lease=st.sampled_from([5, 60]))
    def renew(self, task_id: int, worker: str, lease: int) -> None:
        holds = self._holds(task_id, worker)
        assert self.queue.renew_lease(task_id, worker, lease_seconds=lease) == holds
        if holds:
            after = self.queue.get(task_id)
            assert after.time("lease_until_utc") == self.clock() + timedelta(seconds=lease)

    @rule(task_id=tasks, worker=WORKERS)
    def complete(self, task_id: int, worker: str) -> None:
        holds = self._holds(task_id, worker)
        assert self.queue.complete(task_id, worker) == holds
        if holds:
            assert self.queue.get(task_id).status == "completed"
            self._assert_logged(task_id)

    @rule(task_id=tasks, worker=WORKERS, permanent=st.booleans())
    def fail(self, task_id: int, worker: str, permanent: bool) -> None:
        before = self.seen[task_id]
        outcome = self.queue.fail(task_id, worker, "boom", permanent=permanent)
        if not self._holds(task_id, worker):
            assert outcome is None
            return
        last = permanent or before.attempts >= before.max_attempts
        assert outcome == ("failed" if last else "queued")
        after = self.queue.get(task_id)
        assert after.status == outcome and after.error_message == "boom"
        if outcome == "queued":
            assert after.time("run_after_utc") > self.clock()  # type: ignore[operator]
        self._assert_logged(task_id)

    @rule(task_id=tasks)
    def cancel(self, task_id: int) -> None:
        allowed = self.seen[task_id].status in ("queued", *ACTIVE)
        try:
            assert self.queue.cancel(task_id).status == "cancelled"
        except InvalidTransitionError:
            assert not allowed
            return
        assert allowed
        self._assert_logged(task_id)

    @rule(task_id=tasks)
    def retry(self, task_id: int) -> None:
        old = self.seen[task_id]  # a cancel's handler still running: retry waits for it
        allowed = old.status in ("failed", "cancelled", "dead_letter") and \
            not old.is_cancelling(self.clock())
        try:
            after = self.queue.retry(task_id)
        except InvalidTransitionError:
            assert not allowed
            return
        assert allowed and self._runnable(after) and after.attempts == 0
        self.retried.add(task_id)
        self._assert_logged(task_id)

    @rule()
    def reclaim_expired(self) -> None:
        now = self.clock()
        expected = {
            i: "failed" if task.attempts >= task.max_attempts else "queued"
            for i, task in self.seen.items()
            if task.status in ACTIVE and task.time("lease_until_utc") < now  # type: ignore[operator]
        }
        assert self.queue.reclaim_expired() == expected
        for task_id in expected:
            self._assert_logged(task_id)

    @rule(seconds=st.integers(1, 90))
    def advance(self, seconds: int) -> None:
        self.clock.advance(seconds)

    # -- invariants ------------------------------------------------------------------------
    @invariant()
    def every_task_keeps_the_contract(self) -> None:
        tasks = {task.id: task for task in self.queue.list(TaskQuery(), limit=10_000)}
        assert set(tasks) == set(self.seen)
        logged = {task_id: len(self.queue.logs(task_id)) for task_id in tasks}
        for task_id, task in tasks.items():
            old = self.seen[task_id]
            assert task.attempts <= task.max_attempts
            if task.status in ACTIVE:
                assert task.locked_by is not None and task.lease_until_utc is not None
            elif task.status != "cancelled":  # cancelled while running: held until it stops
                assert task.lease_until_utc is None, "a lease outlived its task's run"
            if (task.status, task.attempts) != (old.status, old.attempts):
                assert logged[task_id] > self.logged[task_id], "transition not logged"
            if old.status in FINISHED and task_id not in self.retried:
                assert task == old, "a finished task changed without a retry"
        self.seen, self.logged = tasks, logged
        self.retried.clear()

    @invariant()
    def kept_counts_equal_counts_of_the_rows(self) -> None:
        now = self.clock()
        rows = Counter("scheduled" if task.is_scheduled(now) else task.status
                       for task in self.seen.values())
        kept = {status: n for status, n in self.queue.counts().items() if n}  # 0s may appear
        assert kept == dict(rows)
        for status, n in rows.items():
            assert self.queue.count(TaskQuery(statuses=(status,))) == n


def test_the_queue_keeps_its_contract_whatever_happens(backend: Backend,
                                                       tmp_path: Path) -> None:
    runs = itertools.count()

    def open_queue(clock: FakeClock) -> Queue:
        folder = tmp_path / f"run-{next(runs)}"
        folder.mkdir()
        return Queue.open(backend.new_location(folder), clock=clock)

    run_state_machine_as_test(lambda: QueueLife(open_queue), settings=SETTINGS)
