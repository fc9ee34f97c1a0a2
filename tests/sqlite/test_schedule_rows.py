"""A schedule row this app cannot read (written by another tool or an older version) stops
alone: the others still fire, and reads show why it stopped instead of failing."""

from __future__ import annotations

from prismq_desktop.core import Queue
from tests.support import FakeClock, sqlite_db


def test_an_unreadable_schedule_stops_alone(queue: Queue, clock: FakeClock) -> None:
    queue.add_schedule("good", "* * * * *", "echo")
    queue.add_schedule("bad", "* * * * *", "echo")
    sqlite_db(queue).execute("UPDATE pqd_schedules SET cron = '99 * * * *',"
                             " timezone = 'Nowhere/Land' WHERE name = 'bad'")
    clock.advance(61)
    fired = queue.fire_due_schedules()
    assert len(fired["good"]) == 1 and fired["bad"] == []
    bad = queue.schedule("bad")
    assert bad.next_run is None and bad.describe().startswith("cannot be read: cron expression")
    assert queue.schedules()[0].as_dict()["description"].startswith("cannot be read")
    clock.advance(60)
    assert list(queue.fire_due_schedules()) == ["good"]
