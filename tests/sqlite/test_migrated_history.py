"""A file from before the aggregates (issue 12) shows, once migrated, the history a file that
recorded the same work live shows: Stats tab and detail panel (DESIGN §7, §9).

The work runs once through the Queue API on a current file (recorded live by the triggers);
its rows are then written into a file at the version before the aggregates migration, as the
app of that version kept them (``pqd_runs``), and that file is opened, so migrated. What the
back-fill cannot know is documented in core/sqlite/aggregates.py: the columns tell only a
task's last attempt and its current schedule, so the queue depth may differ only while a task
that is now finished was between earlier attempts or waiting for its first run_after.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from pathlib import Path

import apsw
import numpy as np
import pytest

from prismq_desktop.core import Queue, timeutil
from prismq_desktop.core.sqlite import aggregates, schema
from tests.sqlite.old_files import BEFORE_AGGREGATES
from tests.support import FakeClock, sqlite_db

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)
TASK_COLUMNS = ("id, type, priority, payload, compatibility, status, attempts, max_attempts,"
                " run_after_utc, lease_until_utc, reserved_at_utc, processing_started_utc,"
                " finished_at_utc, locked_by, error_message, idempotency_key, created_at_utc,"
                " updated_at_utc")


def run_work(queue: Queue, clock: FakeClock, seed: int) -> None:
    """Twenty hours of rounds: tasks enqueued (some scheduled), then claimed by two workers,
    run for a while and completed or failed (retried while attempts remain); at the end a few
    wait, a few are scheduled and one runs."""
    rng = random.Random(seed)
    backoff = random.Random(seed + 1)
    for _round in range(70):
        for _ in range(rng.randint(1, 6)):
            later = rng.random() < 0.15
            queue.enqueue(rng.choice("abc"), {"n": rng.randint(0, 9)},
                          max_attempts=rng.randint(1, 3),
                          run_after=clock() + timedelta(seconds=900) if later else None)
            clock.advance(rng.uniform(0.1, 20))
        clock.advance(rng.uniform(5, 400))
        while (task := queue.claim(rng.choice(("w1", "w2")))) is not None:
            clock.advance(rng.lognormvariate(1, 1.2))
            if rng.random() < 0.7:
                assert queue.complete(task.id, str(task.locked_by), claimed_at=task.claimed_at)
            else:
                assert queue.fail(task.id, str(task.locked_by), "boom",
                                  claimed_at=task.claimed_at, rng=backoff)
            clock.advance(rng.uniform(0, 5))
        clock.advance(rng.uniform(60, 900))
    for _ in range(3):
        queue.enqueue("a")
    queue.enqueue("b", run_after=clock() + timedelta(hours=2))
    assert queue.claim("w1") is not None


def as_old_file(live: Path, old: Path) -> None:
    """``live``'s rows in a new file at the version before the aggregates, kept as that
    version's app kept them: PrismQ's tables as they are, the attempts as ``pqd_runs``."""
    conn = apsw.Connection(str(old))
    for script in (schema.PRISMQ_TABLES, schema.PRISMQ_VIEWS,
                   *schema.MIGRATIONS[:BEFORE_AGGREGATES],
                   f"PRAGMA user_version={BEFORE_AGGREGATES}"):
        conn.execute(script)
    conn.execute("ATTACH DATABASE ? AS live", (str(live),))
    with conn:
        conn.execute(f"INSERT INTO task_queue ({TASK_COLUMNS}) SELECT {TASK_COLUMNS}"
                     " FROM live.task_queue ORDER BY id")
        for table in ("task_logs", "workers"):
            conn.execute(f"INSERT INTO {table} SELECT * FROM live.{table}")
        conn.execute(
            "INSERT INTO pqd_runs (task_id, type, attempt, worker_id, outcome, wait_s, run_s,"
            " finished) SELECT a.task_id, t.type, a.attempt, a.worker_id, a.outcome, a.wait_s,"
            " a.run_s, a.finished FROM live.pqd_attempts a JOIN live.task_queue t"
            " ON t.id = a.task_id ORDER BY a.finished")
    conn.execute("DETACH DATABASE live")
    conn.close()


def unsure_spans(queue: Queue) -> list[tuple[float, float]]:
    """Where the back-fill may tell the depth otherwise (see the module docstring): from a
    task's creation to its last claim (or, waiting again, its last change) when it had an
    earlier attempt, or was claimed after waiting for a run_after past its creation."""
    rows = sqlite_db(queue).query(
        "SELECT unixepoch(created_at_utc), unixepoch(CASE status WHEN 'queued' THEN"
        " updated_at_utc ELSE reserved_at_utc END) FROM task_queue WHERE attempts > 1"
        " OR (status = 'queued' AND attempts > 0)"
        " OR (status <> 'queued' AND run_after_utc > created_at_utc)")
    return [(float(start), float(end)) for start, end in rows]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(the live file, the migrated file, the same file not migrated) after the same work."""
    folder = tmp_path_factory.mktemp("history")
    live, old, unmigrated = folder / "live.db", folder / "old.db", folder / "unmigrated.db"
    clock = FakeClock(NOW - timedelta(hours=20))
    with Queue.open(live, clock=clock) as queue:
        run_work(queue, clock, seed=5)
        queue.checkpoint("TRUNCATE")
    as_old_file(live, old)
    shutil.copyfile(old, unmigrated)
    with Queue.open(old, clock=clock) as queue:  # migrates
        assert sqlite_db(queue).user_version() == schema.SCHEMA_VERSION
    return live, old, unmigrated


def opened(path: Path) -> Queue:
    """The file read at a moment just after the work's last write."""
    with Queue.open(path, read_only=True) as queue:
        [(latest,)] = sqlite_db(queue).query("SELECT max(updated_at_utc) FROM task_queue")
    end = timeutil.parse(latest)
    assert end is not None
    return Queue.open(path, read_only=True, clock=lambda: end + timedelta(seconds=30))


def test_the_work_covers_what_the_history_shows(files: tuple[Path, Path, Path]) -> None:
    """Retries, permanent failures, scheduled tasks and a running one (else the comparisons
    below would prove little)."""
    with opened(files[0]) as queue:
        db = sqlite_db(queue)
        [(retried, failed, runs, waiting)] = db.query(
            "SELECT sum(attempts > 1 AND status IN ('completed', 'failed')),"
            " sum(status = 'failed'), (SELECT count(*) FROM pqd_attempts),"
            " sum(status = 'queued') FROM task_queue")
        assert retried >= 10 and failed >= 10 and runs >= 200 and waiting >= 3
        assert queue.counts().get("processing") == 1 and queue.counts().get("scheduled") == 1
        assert len(unsure_spans(queue)) >= 15


@pytest.mark.parametrize("window", ["15m", "1h", "24h", "7d"])
def test_stats_after_migration_equal_the_live_record(files: tuple[Path, Path, Path],
                                                     window: str) -> None:
    live, migrated = opened(files[0]), opened(files[1])
    with live, migrated:
        ours, theirs = live.stats(window), migrated.stats(window)
        spans = unsure_spans(live)
    assert np.array_equal(ours.edges, theirs.edges)
    for name in ("enqueued", "completed", "failed", "finished"):
        assert np.array_equal(getattr(ours.throughput, name),
                              getattr(theirs.throughput, name)), name
    assert ours.throughput.enqueued.sum() > 0 or window == "15m"
    for field in fields(ours.latency):  # the same attempts in the same bins
        np.testing.assert_array_equal(getattr(ours.latency, field.name),
                                      getattr(theirs.latency, field.name), field.name)
    assert ours.types == theirs.types
    assert (ours.rates, ours.current) == (theirs.rates, theirs.current)
    assert ours.runs_source == theirs.runs_source == "runs"
    starts, ends = ours.edges[:-1], ours.edges[1:]
    unsure = np.array([sum(1 for lo, hi in spans if lo < end and hi >= start)
                       for start, end in zip(starts, ends, strict=True)])
    for name in ("ready", "scheduled", "active"):
        ours_v, theirs_v = getattr(ours.depth, name), getattr(theirs.depth, name)
        np.testing.assert_array_equal(ours_v[unsure == 0], theirs_v[unsure == 0], name)
        assert (np.abs(ours_v - theirs_v) <= unsure + 1e-9).all(), name


def test_the_one_minute_series_after_migration_equals_the_live_record(
        files: tuple[Path, Path, Path]) -> None:
    live, migrated = opened(files[0]), opened(files[1])
    with live, migrated:
        (edges, ours), (_, theirs) = (q.throughput_series(86400, 60) for q in (live, migrated))
    assert len(edges) == 1441 and ours.completed.sum() > 100
    for name in ("enqueued", "completed", "failed", "finished"):
        assert np.array_equal(getattr(ours, name), getattr(theirs, name)), name


def test_the_detail_panel_after_migration_equals_the_live_record(
        files: tuple[Path, Path, Path]) -> None:
    live, migrated = opened(files[0]), opened(files[1])
    with live, migrated:
        ids = [task_id for (task_id,) in sqlite_db(live).query("SELECT id FROM task_queue")]
        multi = 0
        for task_id in ids:
            ours, theirs = live.details(task_id), migrated.details(task_id)
            assert ours.task == theirs.task
            assert ours.runs == theirs.runs, task_id
            assert live.logs(task_id) == migrated.logs(task_id)
            multi += len(ours.runs) > 1
        assert multi >= 10


def test_the_migration_leaves_the_aggregates_as_the_triggers_keep_them(
        files: tuple[Path, Path, Path]) -> None:
    """Every kind of aggregate row the stats read (histograms at three levels, flow at two,
    counts) is there after the migration, and the histogram rows equal the live file's."""
    rows = []
    for path in files[:2]:
        with opened(path) as queue:
            rows.append(sqlite_db(queue).query(
                "SELECT b, g, k, n FROM pqd_agg WHERE k >= ? AND b < ? ORDER BY b, g, k",
                (aggregates.WAIT, aggregates.COUNTS)))
    assert rows[0] == rows[1]
    residues = {b % aggregates.FLOW_STEP for b, _g, _k, _n in rows[0]}
    assert residues == {at % aggregates.FLOW_STEP for at in (
        aggregates.HIST_AT, aggregates.HIST_COARSE_AT, aggregates.HIST_HOUR_AT)}


@pytest.mark.parametrize("window", ["1h", "7d"])
def test_the_migrated_file_shows_what_the_app_showed_before_migrating(
        files: tuple[Path, Path, Path], window: str) -> None:
    """Opened read-only (so not migrated), the old file's history is built for each read from
    its columns and run rows; once migrated it shows exactly that, depth included."""
    before, after = opened(files[2]), opened(files[1])
    with before, after:
        assert sqlite_db(before).user_version() == BEFORE_AGGREGATES
        ours, theirs = before.stats(window), after.stats(window)
        assert [before.details(i).runs for i in range(1, 40)] == [
            after.details(i).runs for i in range(1, 40)]
    for part in ("throughput", "depth", "latency"):
        for field in fields(getattr(ours, part)):
            np.testing.assert_array_equal(getattr(getattr(ours, part), field.name),
                                          getattr(getattr(theirs, part), field.name))
    assert ours.types == theirs.types and ours.depth.ready.any()
