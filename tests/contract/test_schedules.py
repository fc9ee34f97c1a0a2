"""Schedules through the Queue API (DESIGN §14): what is stored, what is refused, one task per
tick however many schedulers race, DST in a zone that has it, catch-up after downtime."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from prismq_desktop.core import Queue, TaskQuery, ValidationError
from prismq_desktop.core.schedules import CronError, ScheduleNotFoundError
from tests.contract.backends import QueueFactory
from tests.support import FakeClock

UTC = timezone.utc


def _schedule_tasks(queue: Queue, name: str) -> list[str]:
    """The idempotency keys of the schedule's tasks, oldest first."""
    query = TaskQuery(text=queue.schedule(name).search_text(), sort="id", descending=False)
    return [str(task.idempotency_key) for task in queue.list(query, limit=10_000)]


def test_a_schedule_is_stored_with_its_first_run(queue: Queue, clock: FakeClock) -> None:
    made = queue.add_schedule("tidy", "*/5 * * * *", "echo", {"x": 1}, priority=7,
                              max_attempts=2, timezone="Europe/Prague", catch_up="all")
    assert made.next_run == datetime(2026, 11, 23, 12, 5, tzinfo=UTC)
    assert (made.spec.payload, made.spec.priority, made.spec.max_attempts) == ('{"x": 1}', 7, 2)
    assert (made.spec.timezone, made.spec.catch_up, made.paused) == ("Europe/Prague", "all", False)
    assert made.describe() == "Every fifth minute of every hour"
    assert [s.name for s in queue.schedules()] == ["tidy"]
    assert queue.schedule("tidy").as_dict()["next_run_utc"] == "2026-11-23T12:05:00Z"


@pytest.mark.parametrize(("expression", "position", "words"), [
    ("61 * * * *", 0, "bad minute '61'"),
    ("0 9 * * MON-XYZ", 8, "bad day of week"),
    ("0 9 * *", 7, "has 4 field(s), needs 5"),
    ("*/5 * * * * *", 12, "has 6 field(s)"),
    ("1,2,,3 * * * *", 4, "empty item"),
    ("0 0 30 2 *", 4, "never happens"),
])
def test_a_bad_expression_says_where_and_stores_nothing(queue: Queue, expression: str,
                                                        position: int, words: str) -> None:
    with pytest.raises(CronError) as caught:
        queue.add_schedule("bad", expression, "echo")
    assert caught.value.position == position
    assert words in str(caught.value)
    assert f"(at character {position + 1})" in str(caught.value)
    assert queue.schedules() == []


def test_bad_zones_names_and_duplicates_are_refused(queue: Queue) -> None:
    with pytest.raises(ValidationError, match="did you mean Europe/Prague"):
        queue.add_schedule("a", "* * * * *", "echo", timezone="Europe/Prag")
    with pytest.raises(ValidationError, match="at character 4"):
        queue.add_schedule("abc def", "* * * * *", "echo")
    with pytest.raises(ValidationError, match="catch-up"):
        queue.add_schedule("a", "* * * * *", "echo", catch_up="some")
    with pytest.raises(ValidationError, match="payload"):
        queue.add_schedule("a", "* * * * *", "echo", "{not json")
    queue.add_schedule("a", "* * * * *", "echo")
    with pytest.raises(ValidationError, match="exists already"):
        queue.add_schedule("a", "0 * * * *", "other")
    assert queue.schedule("a").spec.cron == "* * * * *"
    with pytest.raises(ScheduleNotFoundError):
        queue.remove_schedule("nope")


def test_edit_pause_resume_run_now_and_remove(queue: Queue, clock: FakeClock) -> None:
    queue.add_schedule("s", "0 * * * *", "echo")
    edited = queue.edit_schedule("s", cron="30 * * * *", priority=3)
    assert (edited.spec.cron, edited.spec.priority) == ("30 * * * *", 3)
    assert edited.next_run == datetime(2026, 11, 23, 12, 30, tzinfo=UTC)
    with pytest.raises(CronError):
        queue.edit_schedule("s", cron="99 * * * *")
    assert queue.schedule("s").spec.cron == "30 * * * *"
    queue.pause_schedule("s")
    clock.advance(3 * 3600)
    assert queue.fire_due_schedules() == {}
    resumed = queue.resume_schedule("s")
    assert resumed.next_run == datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    assert queue.fire_due_schedules() == {}  # the paused hours are not missed ticks
    task = queue.run_schedule_now("s")
    assert (task.type, task.priority) == ("echo", 3)
    after = queue.schedule("s")
    assert after.last_task_id == task.id and after.last_task_status == "queued"
    assert _schedule_tasks(queue, "s") == [task.idempotency_key]
    queue.remove_schedule("s")
    assert queue.schedules() == [] and queue.get(task.id).status == "queued"


@pytest.mark.parametrize("schedulers", [2, 4])
def test_racing_schedulers_make_one_task_per_tick(queue: Queue, queue_factory: QueueFactory,
                                                  clock: FakeClock, schedulers: int) -> None:
    """Each scheduler has its own connections; all fire at once at every simulated minute."""
    queue.add_schedule("race", "* * * * *", "echo", catch_up="all")
    queues = [queue_factory() for _ in range(schedulers)]
    minutes = 30
    made: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(schedulers)
    errors: list[BaseException] = []

    def scheduler(mine: Queue) -> None:
        try:
            for _ in range(minutes):
                barrier.wait(timeout=30)
                if mine is queues[0]:
                    clock.advance(60)
                barrier.wait(timeout=30)
                fired = mine.fire_due_schedules()
                with lock:
                    made.extend(fired.get("race", []))
        except BaseException as exc:  # noqa: BLE001 (reported below, in the test's thread)
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=scheduler, args=(q,)) for q in queues]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    keys = _schedule_tasks(queue, "race")
    assert len(keys) == minutes == len(set(keys)) == len(made) == len(set(made))
    assert keys[0] == "schedule:race@2026-11-23T12:01:00Z"


def _walk(queue: Queue, clock: FakeClock, until: datetime, step: float = 600) -> None:
    while clock.moment < until:
        clock.advance(step)
        queue.fire_due_schedules()


def _local_runs(queue: Queue, name: str, zone: str) -> list[str]:
    from zoneinfo import ZoneInfo
    runs = []
    for key in _schedule_tasks(queue, name):
        moment = datetime.fromisoformat(key.rsplit("@", 1)[1].replace("Z", "+00:00"))
        runs.append(moment.astimezone(ZoneInfo(zone)).strftime("%m-%d %H:%M%z"))
    return runs


def test_a_time_skipped_by_dst_is_skipped(queue_factory: QueueFactory) -> None:
    """Prague goes 02:00 → 03:00 on 2026-03-29: the 02:30 run that day does not exist."""
    clock = FakeClock(datetime(2026, 3, 27, 12, tzinfo=UTC))
    queue = queue_factory(clock=clock)
    queue.add_schedule("night", "30 2 * * *", "echo", timezone="Europe/Prague")
    queue.add_schedule("half", "*/30 1-3 * * *", "echo", timezone="Europe/Prague")
    _walk(queue, clock, datetime(2026, 3, 30, 12, tzinfo=UTC), step=300)
    assert _local_runs(queue, "night", "Europe/Prague") == ["03-28 02:30+0100",
                                                            "03-30 02:30+0200"]
    assert [run for run in _local_runs(queue, "half", "Europe/Prague")
            if run.startswith("03-29")] == ["03-29 01:00+0100", "03-29 01:30+0100",
                                            "03-29 03:00+0200", "03-29 03:30+0200"]


def test_a_time_repeated_by_dst_runs_once(queue_factory: QueueFactory) -> None:
    """Prague goes 03:00 → 02:00 on 2026-10-25: 02:30 happens twice and runs once."""
    clock = FakeClock(datetime(2026, 10, 24, 12, tzinfo=UTC))
    queue = queue_factory(clock=clock)
    queue.add_schedule("night", "30 2 * * *", "echo", timezone="Europe/Prague")
    queue.add_schedule("half", "*/30 2 * * *", "echo", timezone="Europe/Prague")
    _walk(queue, clock, datetime(2026, 10, 26, 12, tzinfo=UTC), step=300)
    assert _local_runs(queue, "night", "Europe/Prague") == ["10-25 02:30+0200",
                                                            "10-26 02:30+0100"]
    assert _local_runs(queue, "half", "Europe/Prague") == [
        "10-25 02:00+0200", "10-25 02:30+0200", "10-26 02:00+0100", "10-26 02:30+0100"]


@pytest.mark.parametrize(("policy", "expected"), [("latest", 1), ("all", 36), ("none", 0)])
def test_catch_up_after_three_hours_down(queue: Queue, clock: FakeClock, policy: str,
                                         expected: int) -> None:
    queue.add_schedule("five", "*/5 * * * *", "echo", catch_up=policy)
    clock.advance(3 * 3600 + 150)  # no scheduler ran from 12:00 to 15:02:30
    fired = queue.fire_due_schedules()
    keys = _schedule_tasks(queue, "five")
    assert len(keys) == len(fired.get("five", [])) == expected
    if expected:
        assert keys[-1] == "schedule:five@2026-11-23T15:00:00Z"
    if policy == "all":
        assert keys[0] == "schedule:five@2026-11-23T12:05:00Z"
    schedule = queue.schedule("five")
    assert schedule.next_run == datetime(2026, 11, 23, 15, 5, tzinfo=UTC)
    clock.advance(160)  # back to normal: 15:05 found at 15:05:10 is on time for every policy
    assert len(queue.fire_due_schedules()["five"]) == 1


def test_a_due_tick_that_is_late_by_seconds_runs_under_none(queue: Queue,
                                                            clock: FakeClock) -> None:
    queue.add_schedule("m", "* * * * *", "echo", catch_up="none")
    clock.advance(65)
    assert len(queue.fire_due_schedules()["m"]) == 1


def test_preview_lists_the_next_runs(queue: Queue) -> None:
    runs = queue.preview_schedule("0 9 * * 1-5", "America/New_York",
                                  after=datetime(2026, 11, 27, 12, tzinfo=UTC), count=3)
    assert [r.isoformat() for r in runs] == [
        "2026-11-27T14:00:00+00:00", "2026-11-30T14:00:00+00:00", "2026-12-01T14:00:00+00:00"]
    with pytest.raises(CronError):
        queue.preview_schedule("x * * * *")
    assert timedelta(0) < runs[1] - runs[0]
