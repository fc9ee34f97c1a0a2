"""Every timestamp this app writes into a PrismQ column is literally ``YYYY-MM-DD HH:MM:SS``
(DESIGN §3): the PrismQ backend parses only that form and compares the columns as text.

Checked on the stored text, read by the standard ``sqlite3`` module in another process, not
by comparing with the app's own formatter.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone

from prismq_desktop.core import Queue, TaskQuery
from tests.sqlite import raw
from tests.support import FakeClock

PRISMQ_FORM = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
TIMESTAMP_COLUMNS = {
    "task_queue.run_after_utc", "task_queue.lease_until_utc", "task_queue.reserved_at_utc",
    "task_queue.processing_started_utc", "task_queue.finished_at_utc",
    "task_queue.created_at_utc", "task_queue.updated_at_utc", "workers.heartbeat_utc",
    "task_logs.at_utc",
}


def _workout(queue: Queue, clock: FakeClock) -> None:
    """Every write the Queue API offers, each at a moment with a fraction of a second."""
    def tick() -> None:
        clock.advance(1.337)

    rng = random.Random(3)
    queue.register_worker("w1", {"types": ["a"]})
    queue.enqueue_many([{"type": "a", "max_attempts": 2}] * 6)
    queue.enqueue("a", run_after="+1.5s", idempotency_key="k")
    queue.enqueue("a", run_after=clock() + timedelta(seconds=2.25))
    later = queue.enqueue("a", run_after="+1h").id
    for step in range(6):
        tick()
        queue.heartbeat("w1")
        task = queue.claim("w1", lease_seconds=7.3, start=step % 2 == 0)
        assert task is not None
        queue.start(task.id, "w1")
        queue.renew_lease(task.id, "w1", lease_seconds=11.1)
        queue.log(task.id, "INFO", "working")
        if step == 0:
            queue.complete(task.id, "w1", claimed_at=task.claimed_at)
        elif step == 1:
            queue.fail(task.id, "w1", "boom", rng=rng)
        elif step == 2:
            queue.complete_and_claim(task.id, "w1", lease_seconds=3.3)
        elif step == 3:
            queue.release(task.id, "w1")
        elif step == 4:
            queue.fail(task.id, "w1", "bad", permanent=True)
    tick()
    queue.cancel(later)
    queue.retry(later)
    queue.edit(later, run_after="+90.5s")
    queue.bulk("set_priority", TaskQuery(statuses=("queued",)), value=3)
    queue.bulk("run_now", TaskQuery())
    clock.advance(30.9)
    queue.reclaim_expired()
    queue.requeue_stuck()
    held = queue.claim("w1", lease_seconds=60.6)  # one lease still held at the end
    assert held is not None


def test_every_prismq_timestamp_is_whole_seconds_with_a_space(queue: Queue, clock: FakeClock,
                                                              db_path: object) -> None:
    clock.moment = datetime(2026, 11, 23, 12, 0, 0, 524_301, tzinfo=timezone.utc)
    _workout(queue, clock)
    found = raw.timestamp_columns(str(db_path))
    assert set(found) == TIMESTAMP_COLUMNS
    for column, values in found.items():
        assert values, f"{column}: the workout wrote nothing there"
        bad = [v for v in values if not (isinstance(v, str) and PRISMQ_FORM.fullmatch(v))]
        assert not bad, f"{column}: {bad[:5]}"
