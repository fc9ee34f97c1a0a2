"""The engine in-process: outcomes, waking, cancel, stop, concurrency, progress, errors."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from prismq_desktop.core import Queue, QueueDatabase, ReadOnlyError, TaskQuery
from prismq_desktop.core.sqlite.store import SQLiteStore
from prismq_desktop.worker import (
    EngineEvent,
    HandlerRegistry,
    PermanentError,
    TaskContext,
    WorkerEngine,
)
from prismq_desktop.worker.builtins import builtin_registry
from tests.support import sqlite_db, wait_until

Factory = Callable[..., WorkerEngine]


class Gate:
    """A handler that reports half progress, then waits for the test (or a cancel)."""

    def __init__(self) -> None:
        self.opened = threading.Event()

    def __call__(self, ctx: TaskContext) -> str:
        ctx.progress(0.5, "half way")
        while not self.opened.wait(0.01):
            if ctx.cancelled:
                return "stopped"
        return "done"


@pytest.fixture
def events() -> list[EngineEvent]:
    return []


@pytest.fixture
def make_engine(queue: Queue, events: list[EngineEvent]) -> Iterator[Factory]:
    engines: list[WorkerEngine] = []

    def make(registry: HandlerRegistry | None = None, **options: Any) -> WorkerEngine:
        options.setdefault("poll_interval", 0.05)
        options.setdefault("on_event", events.append)
        source = options.pop("source", queue)
        engine = WorkerEngine(source, worker_id=options.pop("worker_id", "w1"),
                              registry=registry or builtin_registry(), **options)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.stop(timeout=5)


def _kinds(events: list[EngineEvent], kind: str) -> list[EngineEvent]:
    return [event for event in list(events) if event.kind == kind]


def test_echo_completes_with_its_result_in_the_log(queue: Queue, make_engine: Factory) -> None:
    engine = make_engine()
    engine.start()
    task = queue.enqueue("echo", {"x": 1})
    wait_until(lambda: engine.counters().done == 1, what="echo completed")
    assert queue.get(task.id).status == "completed"
    assert queue.logs(task.id)[-1].details_data == {"result": {"x": 1}}
    assert [w.worker_id for w in queue.workers()] == ["w1"]
    engine.stop()
    assert queue.workers() == []


def test_exception_fails_with_traceback_and_backoff(
    queue: Queue, make_engine: Factory, clock: Any
) -> None:
    engine = make_engine()
    engine.start()
    task = queue.enqueue("fail", {"message": "disk full"})
    wait_until(lambda: engine.counters().failed == 1, what="first failure")
    row = queue.get(task.id)
    assert (row.status, row.attempts, row.error_message) == ("queued", 1, "RuntimeError: disk full")
    assert row.run_after_utc > row.updated_at_utc  # backoff: not runnable at once
    details = queue.logs(task.id)[-1].details_data
    assert "Traceback" in details["traceback"] and "disk full" in details["traceback"]


def test_permanent_error_fails_at_once(queue: Queue, make_engine: Factory) -> None:
    engine = make_engine()
    engine.start()
    task = queue.enqueue("fail", {"message": "bad input", "permanent": True})
    wait_until(lambda: engine.counters().failed == 1, what="permanent failure")
    row = queue.get(task.id)
    assert (row.status, row.attempts, row.error_message) == ("failed", 1, "bad input")


def test_backoff_is_respected_before_each_retry(
    queue: Queue, make_engine: Factory, clock: Any
) -> None:
    engine = make_engine()
    engine.start()
    task = queue.enqueue("fail")
    for attempt in (1, 2):
        wait_until(lambda a=attempt: engine.counters().failed == a, what=f"failure {attempt}")
        polls = engine.counters().empty_polls
        wait_until(lambda p=polls: engine.counters().empty_polls >= p + 5, what="idle polls")
        row = queue.get(task.id)
        assert (row.status, row.attempts) == ("queued", attempt)  # not claimed before run_after
        run_after = row.time("run_after_utc")
        clock.advance((run_after - clock()).total_seconds() - 0.5)
        polls = engine.counters().empty_polls
        engine.wake()
        wait_until(lambda p=polls: engine.counters().empty_polls >= p + 3, what="idle polls")
        assert queue.get(task.id).attempts == attempt  # half a second early: still waiting
        clock.advance(0.5)
        engine.wake()
    wait_until(lambda: engine.counters().failed == 3, what="third attempt")


def test_unknown_types_stay_queued_untouched(queue: Queue, make_engine: Factory) -> None:
    mystery = queue.enqueue("mystery", {"a": 1})
    engine = make_engine()
    engine.start()
    queue.enqueue_many([{"type": "echo"} for _ in range(5)])
    wait_until(lambda: engine.counters().done == 5, what="echo tasks")
    polls = engine.counters().empty_polls
    wait_until(lambda: engine.counters().empty_polls >= polls + 3, what="idle polls")
    assert queue.get(mystery.id).to_dict() == mystery.to_dict()
    assert [entry.message for entry in queue.logs(mystery.id)] == ["enqueued"]
    assert "mystery" not in engine.claim_types()


def test_same_process_enqueue_wakes_an_idle_engine_at_once(
    queue: Queue, make_engine: Factory
) -> None:
    engine = make_engine(poll_interval=30)
    engine.start()
    wait_until(lambda: engine.counters().empty_polls >= 1, what="first empty claim")
    started = time.monotonic()
    queue.enqueue("echo")
    wait_until(lambda: engine.counters().done == 1, timeout=5, what="woken engine")
    assert time.monotonic() - started < 1.0


def test_same_process_cancel_stops_the_handler_at_once(
    queue: Queue, make_engine: Factory
) -> None:
    engine = make_engine(lease_seconds=30)
    engine.start()
    task = queue.enqueue("sleep", {"seconds": 30})
    wait_until(lambda: engine.current_tasks(), what="sleep running")
    started = time.monotonic()
    queue.cancel(task.id)
    wait_until(lambda: engine.counters().cancelled == 1, timeout=5, what="handler stopped")
    assert time.monotonic() - started < 1.0
    assert queue.get(task.id).status == "cancelled"
    assert "handler stopped on cancel" in queue.logs(task.id)[-1].message


def test_same_process_bulk_cancel_stops_running_handlers_at_once(
    queue: Queue, make_engine: Factory
) -> None:
    engine = make_engine(concurrency=2, lease_seconds=30)
    engine.start()
    queue.enqueue_many([{"type": "sleep", "payload": {"seconds": 30}} for _ in range(2)])
    wait_until(lambda: len(engine.current_tasks()) == 2, what="both running")
    started = time.monotonic()
    queue.bulk("cancel", TaskQuery(types=("sleep",)))
    wait_until(lambda: engine.counters().cancelled == 2, timeout=5, what="handlers stopped")
    assert time.monotonic() - started < 1.0


def test_stop_releases_running_tasks_and_says_which(queue: Queue, make_engine: Factory) -> None:
    engine = make_engine(concurrency=2)
    engine.start()
    ids = {queue.enqueue("sleep", {"seconds": 30}).id for _ in range(2)}
    wait_until(lambda: len(engine.current_tasks()) == 2, what="both running")
    started = time.monotonic()
    released = engine.stop(release=True, timeout=5)
    assert time.monotonic() - started < 2.0
    assert set(released) == ids and not engine.running
    for task_id in ids:
        row = queue.get(task_id)
        assert (row.status, row.attempts, row.locked_by) == ("queued", 0, None)


def test_stop_without_release_lets_tasks_finish(queue: Queue, make_engine: Factory) -> None:
    gate = Gate()
    registry = HandlerRegistry()
    registry.register("gate", gate)
    engine = make_engine(registry)
    engine.start()
    task = queue.enqueue("gate")
    wait_until(lambda: engine.current_tasks(), what="gate running")
    threading.Timer(0.2, gate.opened.set).start()
    assert engine.stop(release=False, timeout=5) == []
    assert queue.get(task.id).status == "completed"


def test_stop_without_release_still_ends_at_the_deadline(
    queue: Queue, make_engine: Factory
) -> None:
    registry = HandlerRegistry()
    registry.register("gate", Gate())
    engine = make_engine(registry)
    engine.start()
    task = queue.enqueue("gate")
    wait_until(lambda: engine.current_tasks(), what="gate running")
    started = time.monotonic()
    assert engine.stop(release=False, timeout=0.3) == [task.id]
    assert time.monotonic() - started < 1.5
    assert queue.get(task.id).status == "queued"
    assert engine.counters().released == 1 and engine.counters().done == 0


def test_a_task_claimed_with_a_completion_is_given_back_on_stop(
    queue: Queue, make_engine: Factory
) -> None:
    stopping: list[Any] = []

    def stop_after_first(event: EngineEvent) -> None:
        """Runs between the completion that claimed the next task and that task's start."""
        if event.kind == "completed" and not stopping:
            stopping.append(threading.Thread(target=lambda: stopping.append(engine.stop())))
            stopping[0].start()
            wait_until(lambda: engine.stopping, what="stop begun")

    engine = make_engine(on_event=stop_after_first)
    first, second, third = queue.enqueue_many([{"type": "echo"} for _ in range(3)])
    engine.start()
    wait_until(lambda: len(stopping) == 2, what="stop returned")
    assert stopping[1] == [second]
    assert [queue.get(i).status for i in (first, second, third)] == ["completed", "queued",
                                                                      "queued"]
    assert queue.get(second).attempts == 0 and engine.counters().released == 1


def test_concurrency_changes_while_running_and_progress_is_shown(
    queue: Queue, make_engine: Factory
) -> None:
    gate = Gate()
    registry = HandlerRegistry()
    registry.register("gate", gate)
    engine = make_engine(registry)
    engine.start()
    queue.enqueue_many([{"type": "gate"} for _ in range(4)])
    wait_until(lambda: len(engine.current_tasks()) == 1, what="one running")
    engine.set_concurrency(3)
    running = wait_until(lambda: [t for t in engine.current_tasks() if t.progress == 0.5]
                         if len(engine.current_tasks()) == 3 else None, what="three running")
    assert {t.message for t in running} == {"half way"} and engine.concurrency == 3

    def progress_rows() -> list[tuple[object, ...]] | None:
        rows = sqlite_db(queue).query("SELECT fraction, message FROM pqd_progress")
        return rows if len(rows) == 3 else None

    # each handler's in-memory progress is set just before its write: wait for the third
    assert sorted(wait_until(progress_rows, what="three rows")) == [(0.5, "half way")] * 3
    engine.set_concurrency(1)
    gate.opened.set()
    wait_until(lambda: engine.counters().done == 4, what="all done")
    wait_until(lambda: sum(s.alive for s in engine._slots) == 1, what="two threads retired")


def test_a_busy_file_is_reported_and_the_engine_carries_on(
    db_path: Path, queue: Queue, make_engine: Factory, events: list[EngineEvent]
) -> None:
    impatient = Queue(SQLiteStore(QueueDatabase(db_path, busy_timeout_ms=50)), queue.clock)
    engine = make_engine(source=impatient)
    engine.start()
    with sqlite_db(queue).transaction():
        task = queue.enqueue("echo")  # wakes the engine while this transaction holds the lock
        wait_until(lambda: _kinds(events, "error"), what="busy reported")
    assert "locked" in _kinds(events, "error")[0].message
    wait_until(lambda: queue.get(task.id).status == "completed", what="done after the lock")
    impatient.close()


def test_a_failing_event_callback_does_not_stop_work(queue: Queue, make_engine: Factory) -> None:
    def explode(event: EngineEvent) -> None:
        raise RuntimeError("callback bug")

    engine = make_engine(on_event=explode)
    engine.start()
    queue.enqueue_many([{"type": "echo"} for _ in range(3)])
    wait_until(lambda: engine.counters().done == 3, what="tasks done despite callback")


def test_max_tasks_spends_its_budget_then_reports_finished(
    queue: Queue, make_engine: Factory
) -> None:
    queue.enqueue_many([{"type": "echo"} for _ in range(5)])
    engine = make_engine(max_tasks=3, concurrency=2)
    engine.start()
    wait_until(lambda: engine.finished, what="budget spent")
    assert engine.counters().done == 3
    assert queue.count(TaskQuery(statuses=("queued",))) == 2


def test_read_only_file_and_bad_options_are_refused(db_path: Path, queue: Queue) -> None:
    reader = Queue.open(db_path, read_only=True)
    with pytest.raises(ReadOnlyError, match="cannot run a worker"):
        WorkerEngine(reader).start()
    reader.close()
    for options, message in [
        ({"concurrency": 0}, "concurrency must be from 1 to 64"),
        ({"concurrency": 1.5}, "whole number"),
        ({"strategy": "random"}, "unknown strategy"),
        ({"lease_seconds": 0}, "lease seconds"),
        ({"types": ["nope"]}, "no handler for task type"),
        ({"types": ["shell"]}, "no handler for task type"),
    ]:
        with pytest.raises(ValueError, match=message):
            WorkerEngine(queue, **options)


def test_handler_gets_payload_and_task(queue: Queue, make_engine: Factory) -> None:
    seen: list[tuple[Any, ...]] = []
    registry = HandlerRegistry()

    @registry.handler("inspect")
    def inspect(ctx: TaskContext) -> None:
        ctx.log("INFO", "resizing", path=ctx.payload["path"])
        seen.append((ctx.task.id, ctx.payload, ctx.worker.worker_id, ctx.cancelled))
        raise PermanentError("stop here")

    engine = make_engine(registry)
    engine.start()
    task = queue.enqueue("inspect", {"path": "/x.png"})
    wait_until(lambda: engine.counters().failed == 1, what="handler ran")
    assert seen == [(task.id, {"path": "/x.png"}, "w1", False)]
    entry = next(e for e in queue.logs(task.id) if e.message == "resizing")
    assert entry.details_data == {"path": "/x.png"}


def test_a_handler_calling_sys_exit_fails_its_task_not_the_thread(
    queue: Queue, make_engine: Factory
) -> None:
    registry = builtin_registry()
    registry.register("quit", lambda ctx: sys.exit(3))
    engine = make_engine(registry)
    engine.start()
    quit_task = queue.enqueue("quit", max_attempts=1)
    wait_until(lambda: engine.counters().failed == 1, what="quit failed")
    echo = queue.enqueue("echo")
    wait_until(lambda: queue.get(echo.id).status == "completed", what="thread still working")
    assert queue.get(quit_task.id).error_message == "SystemExit: 3"


def test_the_worker_row_lists_the_claimed_types_so_other_types_show_as_unhandled(
        queue: Queue, make_engine: Factory) -> None:
    queue.enqueue("echo")
    queue.enqueue("resize_image")  # no handler here: it waits for some other worker
    engine = make_engine(capabilities={"region": "eu"}, types=["echo", "sleep"])
    engine.start()
    (row,) = [w for w in queue.workers() if w.worker_id == "w1"]
    assert json.loads(row.capabilities) == {"region": "eu", "types": ["echo", "sleep"]}
    assert queue.unhandled_types() == {"resize_image"}
