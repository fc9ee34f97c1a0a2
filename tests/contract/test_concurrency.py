"""Threads sharing one Queue (a connection each) and a second Queue on the same location:
every task is taken once, and a read always sees what another writer committed."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from prismq_desktop.core import Queue, TaskQuery
from tests.contract.backends import QueueFactory

THREADS, TASKS = 4, 120


def test_threads_claiming_at_once_take_each_task_once(queue: Queue) -> None:
    queue.enqueue_many([{"type": "job"}] * TASKS)
    holding = threading.Barrier(THREADS)

    def work(worker: str) -> list[int]:
        first = queue.claim(worker)
        assert first is not None
        holding.wait(timeout=30)  # every thread holds a task of its own at the same moment
        done = [first.id]
        assert queue.complete(first.id, worker)
        while (task := queue.claim(worker)) is not None:
            assert queue.complete(task.id, worker)
            done.append(task.id)
        return done

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, [f"w{i}" for i in range(THREADS)]))
    taken = Counter(task_id for done in results for task_id in done)
    assert len(taken) == TASKS and set(taken.values()) == {1}
    assert queue.counts() == {"completed": TASKS}


def test_reads_see_another_writers_commits_at_once(queue: Queue,
                                                   queue_factory: QueueFactory) -> None:
    other = queue_factory()
    assert queue.count() == 0 and queue.counts() == {}
    task = other.enqueue("job")
    assert queue.get(task.id) == task and queue.count() == 1  # no snapshot held between reads
    assert other.claim("w") is not None
    assert queue.list(TaskQuery(statuses=("processing",)))[0].id == task.id
    queue.cancel(task.id)
    assert other.renew_lease(task.id, "w") is False
    assert other.get(task.id).status == "cancelled"
