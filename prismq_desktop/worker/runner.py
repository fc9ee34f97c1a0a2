"""Running one claimed task and recording what came of it (DESIGN §4 outcomes).

return → completed with the result; exception → failed with its traceback (retried with
backoff while attempts remain); ``PermanentError`` → failed at once; cancelled → left
``cancelled``; stopping → released. The core guards every write by status and ``locked_by``,
so a result that comes too late changes nothing but a log line.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from prismq_desktop.core import QueueBusyError, QueueDatabaseError, Task, safe_str
from prismq_desktop.worker import events
from prismq_desktop.worker.context import PermanentError, TaskContext
from prismq_desktop.worker.runtime import Runtime

T = TypeVar("T")
WRITE_TRIES = 3


class Outcome:
    """What the handler did: returned a result, raised, or stopped on the cancel flag."""

    def __init__(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result = result
        self.error = error
        self.elapsed = 0.0


def run_task(rt: Runtime, task: Task, go_on: Callable[[], bool]) -> Task | None:
    """Run one task and record its outcome.

    While ``go_on()`` holds, a completion also claims the next task in the same commit and
    returns it (the caller runs it, or gives it back with :func:`give_back`).
    """
    ctx = TaskContext(rt.queue, task, rt.info)
    rt.track(ctx)
    try:
        rt.emit(events.STARTED, f"started (attempt {task.attempts}/{task.max_attempts})", task)
        outcome = call_handler(rt, ctx)
        if not rt.settle(ctx):
            return None
        _write_kept_logs(rt, ctx)  # before the outcome, so the log reads in order
        following = record(rt, ctx, outcome, go_on)
        _write_kept_logs(rt, ctx)
        return following
    finally:
        rt.untrack(ctx)


def _write_kept_logs(rt: Runtime, ctx: TaskContext) -> None:
    """Lines ``ctx.log`` kept back while the file was locked: written now, retried."""
    if ctx.pending_logs:
        try:
            persist(ctx.flush_logs)
        except QueueDatabaseError as exc:
            rt.report_error(f"writing {ctx.pending_logs} log line(s) of task {ctx.task_id}", exc)


def call_handler(rt: Runtime, ctx: TaskContext) -> Outcome:
    handler = rt.registry.get(ctx.task.type)
    started = time.perf_counter()
    if handler is None:
        outcome = Outcome(error=PermanentError(f"no handler for task type {ctx.task.type!r}"))
    else:
        try:
            outcome = Outcome(result=handler(ctx))
        # Foreign code: even SystemExit fails the task, not the thread.
        except BaseException as exc:  # noqa: BLE001
            outcome = Outcome(error=exc)
    outcome.elapsed = time.perf_counter() - started
    return outcome


def record(rt: Runtime, ctx: TaskContext, outcome: Outcome,
           go_on: Callable[[], bool]) -> Task | None:
    if ctx.releasing:
        release(rt, ctx.task)
    elif ctx.cancelled and _status(rt, ctx.task) == "cancelled":
        _stopped_on_cancel(rt, ctx, outcome)
    elif outcome.error is None:
        try:
            return _complete(rt, ctx, outcome, go_on)
        except QueueBusyError:
            raise
        except QueueDatabaseError as exc:  # a result the store refuses (too big): say why
            rt.report_error(f"storing the result of task {ctx.task_id}", exc)
            unstored = PermanentError(f"the result could not be stored: {safe_str(exc)}")
            _fail(rt, ctx, Outcome(error=unstored))
    else:
        _fail(rt, ctx, outcome)
    return None


def give_back(rt: Runtime, task: Task) -> None:
    """A task claimed with the last completion, not to be run after all (thread stopping)."""
    try:
        release(rt, task)
    finally:
        rt.unreserve_claim()


def release(rt: Runtime, task: Task) -> bool:
    """Give an unfinished task back to the queue (worker stopping); True when it was ours."""
    done = persist(lambda: rt.queue.release(task.id, rt.settings.worker_id))
    if done:
        rt.released.append(task.id)
        rt.counters.add("released")
        rt.emit(events.RELEASED, "released back to the queue", task)
    else:  # cancelled meanwhile: its handler has stopped too
        _acknowledge(rt, task.id)
    return done


def _complete(rt: Runtime, ctx: TaskContext, outcome: Outcome,
              go_on: Callable[[], bool]) -> Task | None:
    task, settings = ctx.task, rt.settings
    following = None
    if go_on() and rt.reserve_claim():
        try:
            ok, following = persist(lambda: rt.queue.complete_and_claim(
                task.id, settings.worker_id, outcome.result, claimed_at=task.claimed_at,
                lease_seconds=settings.lease_seconds, strategy=settings.strategy,
                types=settings.types, capabilities=settings.capabilities))
        finally:
            if following is None:
                rt.unreserve_claim()
    else:
        ok = persist(lambda: rt.queue.complete(task.id, settings.worker_id, outcome.result,
                                               claimed_at=task.claimed_at))
    if ok:
        rt.counters.add("done")
        rt.emit(events.COMPLETED, f"completed in {_ms(outcome.elapsed)}", task,
                elapsed=outcome.elapsed)
    else:
        _discarded(rt, ctx, "result")
    return following


def _fail(rt: Runtime, ctx: TaskContext, outcome: Outcome) -> None:
    task, error = ctx.task, outcome.error
    assert error is not None
    text = _one_line(error)
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    status = persist(lambda: rt.queue.fail(
        task.id, rt.settings.worker_id, text, permanent=isinstance(error, PermanentError),
        details={"traceback": trace}, claimed_at=task.claimed_at))
    if status is None:
        _discarded(rt, ctx, "failure")
        return
    rt.counters.add("failed")
    then = "will retry" if status == "queued" else "no attempts left"
    if isinstance(error, PermanentError):
        then = "permanent error"
    rt.emit(events.FAILED, f"failed after {_ms(outcome.elapsed)}: {text} ({then})", task,
            elapsed=outcome.elapsed, status=status, error=text)


def _stopped_on_cancel(rt: Runtime, ctx: TaskContext, outcome: Outcome) -> None:
    rt.counters.add("cancelled")
    _acknowledge(rt, ctx.task_id, f"handler stopped on cancel after {_ms(outcome.elapsed)}")
    rt.emit(events.CANCELLED, f"stopped on cancel after {_ms(outcome.elapsed)}", ctx.task,
            elapsed=outcome.elapsed)


def _discarded(rt: Runtime, ctx: TaskContext, what: str) -> None:
    rt.counters.add("discarded")
    why = ctx.cancel_reason or "the lease was lost"
    _acknowledge(rt, ctx.task_id)  # a cancel it had not seen yet: the handler has stopped
    rt.emit(events.DISCARDED, f"late {what} discarded ({why})", ctx.task)


def _acknowledge(rt: Runtime, task_id: int, message: str | None = None) -> None:
    """The handler of a cancelled task has stopped: it no longer shows as cancelling."""
    persist(lambda: rt.queue.acknowledge_cancel(task_id, rt.settings.worker_id, message))


def _status(rt: Runtime, task: Task) -> str | None:
    status = persist(lambda: rt.queue.get(task.id)).status
    return None if status is None else str(status)


def persist(write: Callable[[], T]) -> T:
    """Run a core write, trying again when the file stays locked past the busy timeout."""
    for attempt in range(WRITE_TRIES):
        try:
            return write()
        except QueueBusyError:
            if attempt == WRITE_TRIES - 1:
                raise
            time.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


def _one_line(error: BaseException) -> str:
    lines = safe_str(error).strip().splitlines()
    text = lines[0] if lines else ""
    if isinstance(error, PermanentError):
        return text or "permanent error"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"
