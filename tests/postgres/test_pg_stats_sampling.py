"""PostgreSQL reads 1 run in k once a window holds more than RUN_SAMPLE_CAP of them; the
stats say so (the Stats tab's "from 1 run in k" note) and count every run back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from prismq_desktop.core import Queue
from prismq_desktop.core import stats as core_stats
from tests.support import FakeClock


def test_sampled_runs_are_said_and_weighed(pg_location: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core_stats, "RUN_SAMPLE_CAP", 4)
    clock = FakeClock()
    clock.moment -= timedelta(minutes=5)
    with Queue.open(pg_location, clock=clock) as queue:
        queue.enqueue_many([{"type": "scan"}] * 12)
        for _ in range(12):
            task = queue.claim("w1", lease_seconds=600)
            assert task is not None
            clock.advance(1)
            assert queue.complete(task.id, "w1", claimed_at=task.claimed_at)
        clock.moment += timedelta(minutes=4)
        result = queue.stats("15m")
    assert result.runs_every == 3
    (scan,) = (row for row in result.types if row.type == "scan")
    assert scan.runs == 12  # 4 runs read, each standing for 3
