"""A handler that logs and reports progress while another process holds the file's write lock
(issue 17 item 9): no QueueBusyError reaches it; progress is best effort, log lines are kept
and written in order with the outcome, and the task that did its work completes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import apsw
import pytest

from prismq_desktop.core import Queue
from prismq_desktop.worker import HandlerRegistry, TaskContext, WorkerEngine
from tests.support import wait_until


class Chatty:
    """Logs and reports progress once the test holds the lock, then waits to be let go."""

    def __init__(self) -> None:
        self.locked = threading.Event()
        self.spoke = threading.Event()
        self.go = threading.Event()
        self.raised: list[BaseException] = []

    def __call__(self, ctx: TaskContext) -> str:
        ctx.log("INFO", "before the lock")
        self.locked.wait(10)
        try:
            for n in range(3):
                ctx.progress(n / 3, f"step {n}")
                ctx.log("INFO", f"during the lock {n}", step=n)
        except BaseException as exc:
            self.raised.append(exc)
            raise
        finally:
            self.spoke.set()
        self.go.wait(10)
        return "done"


@pytest.fixture
def locker(db_path: Path) -> Iterator[apsw.Connection]:
    """Another connection, as another process would hold the write lock."""
    conn = apsw.Connection(str(db_path))
    yield conn
    if not conn.get_autocommit():
        conn.execute("ROLLBACK")
    conn.close()


def test_logs_and_progress_during_a_long_lock_never_fail_the_task(
    db_path: Path, locker: apsw.Connection
) -> None:
    chatty = Chatty()
    registry = HandlerRegistry()
    registry.register("chatty", chatty)
    with Queue.open(db_path, busy_timeout_ms=100) as queue:
        task = queue.enqueue("chatty")
        engine = WorkerEngine(queue, worker_id="w1", registry=registry, poll_interval=0.05)
        engine.start()
        try:
            wait_until(lambda: any(e.message == "before the lock" for e in queue.logs(task.id)),
                       what="the handler running")
            locker.execute("BEGIN IMMEDIATE")
            chatty.locked.set()
            assert chatty.spoke.wait(20)
            assert chatty.raised == []
            locker.execute("COMMIT")
            chatty.go.set()
            wait_until(lambda: queue.get(task.id).status == "completed", what="completion")
        finally:
            chatty.go.set()
            engine.stop(timeout=5)
        assert queue.get(task.id).attempts == 1
        messages = [entry.message for entry in queue.logs(task.id)]
        during = [m for m in messages if m.startswith("during the lock")]
        assert during == ["during the lock 0", "during the lock 1", "during the lock 2"]
        completed = next(i for i, m in enumerate(messages) if m.startswith("completed"))
        assert messages.index("during the lock 2") < completed
