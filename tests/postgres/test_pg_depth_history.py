"""The depth history of a PostgreSQL queue made before ``pqd_flow`` (schema version 2): read
from its task columns while it is opened read-only, back-filled from them by the migration,
and for tasks never retried the same as what the triggers record."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from prismq_desktop.core import Queue
from prismq_desktop.core.postgres import schema
from prismq_desktop.core.stats_types import Stats
from tests.postgres import raw
from tests.support import FakeClock

AS_VERSION_2 = """
DROP TRIGGER pqd_flow_insert ON task_queue; DROP TRIGGER pqd_flow_update ON task_queue;
DROP TRIGGER pqd_flow_delete ON task_queue; DROP FUNCTION pqd_flow_inserted();
DROP FUNCTION pqd_flow_updated(); DROP FUNCTION pqd_flow_deleted(); DROP TABLE pqd_flow;
UPDATE pqd_version SET version = 2;
"""


def _charts(stats: Stats) -> list[np.ndarray]:
    flow, depth = stats.throughput, stats.depth
    return [flow.enqueued, flow.completed, flow.failed, flow.finished,
            depth.ready, depth.scheduled, depth.active]


def test_an_older_schema_reads_and_migrates_to_the_recorded_history(pg_location: str) -> None:
    clock = FakeClock()
    clock.moment -= timedelta(days=2)
    with Queue.open(pg_location, clock=clock) as queue:
        for hour in range(6):
            queue.enqueue_many([{"type": "scan", "max_attempts": 1}] * 8
                               + [{"type": "scan", "run_after": clock() + timedelta(hours=2)}])
            clock.advance(600)
            for n in range(6):
                task = queue.claim("w1", lease_seconds=600, types=("scan",))
                assert task is not None
                clock.advance(30)
                if n % 2:
                    queue.fail(task.id, "w1", "boom", permanent=True, claimed_at=task.claimed_at)
                else:
                    queue.complete(task.id, "w1", claimed_at=task.claimed_at)
            clock.moment += timedelta(hours=3 + hour)
        recorded = queue.stats("7d", samples=())
    with raw.connect(pg_location) as conn:
        conn.execute(AS_VERSION_2)
    with Queue.open(pg_location, read_only=True, clock=clock) as old:
        assert old.schema_version == 2
        from_columns = old.stats("7d", samples=())
    with Queue.open(pg_location, clock=clock) as migrated:
        assert migrated.schema_version == schema.SCHEMA_VERSION
        back_filled = migrated.stats("7d", samples=())
    assert recorded.depth.scheduled.any() and recorded.throughput.failed.any()
    for a, b, c in zip(_charts(recorded), _charts(from_columns), _charts(back_filled),
                       strict=True):
        assert np.array_equal(a, b) and np.array_equal(a, c)
