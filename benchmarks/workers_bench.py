"""The Workers tab's and the status bar's reads on a 1,000,000-task file.

``python -m benchmarks.workers_bench`` (``--smoke``: 20,000 tasks) times the workers overview
for each "done in" window and the health summary, next to the same answer asked the obvious
way (``status IN (...)`` left to the planner, which walks the status index over every
finished row), timed in the same run.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from benchmarks.read_bench import NOW, history_file, line, timed
from prismq_desktop.core import Queue, timeutil
from prismq_desktop.core.sqlite import workers
from prismq_desktop.core.sqlite.store import database_of

NAIVE_FINISHED_BY = workers.FINISHED_BY.replace("+status", "status")
NAIVE_FAILURE = ("SELECT status, COUNT(*) FROM task_queue WHERE finished_at_utc >= ?"
                 " AND status IN ('completed', 'failed') GROUP BY status")


def bench(queue: Queue) -> None:
    for minutes in (15, 60, 1440):
        since = timeutil.to_db(NOW - timedelta(minutes=minutes))
        naive = timed(lambda s=since: database_of(queue).query(NAIVE_FINISHED_BY, (s,)))
        finished = sum(n for *_, n in database_of(queue).query(workers.FINISHED_BY, (since,)))
        line(f"workers overview, done in {minutes} min", timed(
            lambda m=minutes: queue.workers_overview(m)), naive, f"{finished:,} rows finished")
    since = timeutil.to_db(NOW - timedelta(minutes=15))
    naive = timed(lambda: database_of(queue).query(NAIVE_FAILURE, (since,)))
    line("health (oldest ready, failure rate, stale, WAL)", timed(queue.health), naive)


def main(argv: list[str]) -> int:
    tasks = 20_000 if "--smoke" in argv else 1_000_000
    path = history_file(tasks)
    print(f"== workers and health reads on {tasks:,} tasks ({path.name})", flush=True)
    with Queue.open(path, read_only=True, clock=lambda: NOW) as queue:
        bench(queue)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
