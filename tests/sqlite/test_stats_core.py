"""core/stats.py against counts computed independently with plain SQL on real files."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import apsw
import numpy as np
import pytest

from prismq_desktop.core import Queue, stats, timeutil
from prismq_desktop.core.sqlite import aggregates as agg
from prismq_desktop.core.sqlite import sample_data as history
from prismq_desktop.core.sqlite import schema
from prismq_desktop.core.sqlite import stats as sqlite_stats
from tests.support import FakeClock, sqlite_db

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)


def text(moment: datetime) -> str:
    return timeutil.to_db(moment)


def insert_task(queue: Queue, created: object, status: str = "queued", finished: object = None,
                kind: str = "t", run_after: object = None) -> int:
    """A task enqueued at ``created`` and, unless queued, moved to ``status`` at ``finished``,
    as any writer does it (the triggers record each transition)."""
    db = sqlite_db(queue)
    db.execute(
        "INSERT INTO task_queue (type, payload, created_at_utc, updated_at_utc, run_after_utc)"
        " VALUES (?, '{}', ?, ?, ?)", (kind, created, created, run_after or created))
    task_id = int(db.query("SELECT max(id) FROM task_queue")[0][0])
    if status != "queued":
        db.execute("UPDATE task_queue SET status = ?, finished_at_utc = ?, updated_at_utc = ?"
                   " WHERE id = ?", (status, finished, finished or created, task_id))
    return task_id


def insert_run(queue: Queue, finished: float, wait: float | None, run: float | None,
               outcome: str = "completed", kind: str = "t") -> None:
    """One attempt as the app records it: claimed, its pqd_attempts row (sub-second wait and
    run), then the status change."""
    db = sqlite_db(queue)
    start = finished - (run or 0.0)
    created = start - (wait or 0.0)
    task_id = insert_task(queue, text(datetime.fromtimestamp(created, timezone.utc)), kind=kind)
    db.execute("UPDATE task_queue SET status = 'processing', attempts = 1, locked_by = 'w',"
               " processing_started_utc = ?1, updated_at_utc = ?1 WHERE id = ?2",
               (text(datetime.fromtimestamp(start, timezone.utc)), task_id))
    db.execute("INSERT INTO pqd_attempts (task_id, finished, attempt, worker_id, outcome,"
               " wait_s, run_s) VALUES (?, ?, 1, 'w', ?, ?, ?)",
               (task_id, finished, outcome, wait, run))
    db.execute("UPDATE task_queue SET status = ?1, finished_at_utc = ?2, updated_at_utc = ?2"
               " WHERE id = ?3",
               (outcome, text(datetime.fromtimestamp(finished, timezone.utc)), task_id))


@pytest.fixture
def history_queue(db_path) -> Queue:
    with Queue.open(db_path, clock=lambda: NOW) as queue:
        history.generate(sqlite_db(queue), 4000, 2, NOW, with_logs=False, scheduled=7, backlog=11)
        yield queue


@pytest.mark.parametrize(("key", "bucket", "count"), [
    ("15m", 15, 60), ("1h", 30, 120), ("24h", 600, 144), ("7d", 3600, 168)])
def test_each_window_gets_aligned_buckets_that_fit(key: str, bucket: int, count: int) -> None:
    window = stats.WINDOWS[key]
    assert stats.bucket_seconds(window.seconds) == bucket
    now = NOW.timestamp() + 7.5
    edges = stats.bucket_edges(window.seconds, now, bucket)
    assert len(edges) == count + 1
    assert np.all(np.diff(edges) == bucket) and edges[0] % bucket == 0
    assert edges[-2] <= now < edges[-1]


def test_throughput_equals_plain_sql_counts_per_bucket(history_queue: Queue) -> None:
    result = history_queue.stats("24h")
    edges = result.edges
    sql = ("SELECT (unixepoch({col}) - ?1) / ?2, count(*) FROM task_queue"
           " WHERE unixepoch({col}) >= ?1 AND unixepoch({col}) < ?3 {extra} GROUP BY 1")
    for name, col, extra in (("enqueued", "created_at_utc", ""),
                             ("completed", "finished_at_utc", "AND status = 'completed'"),
                             ("failed", "finished_at_utc", "AND status = 'failed'"),
                             ("finished", "finished_at_utc", "")):
        expected = np.zeros(len(edges) - 1, np.int64)
        for index, n in sqlite_db(history_queue).query(sql.format(col=col, extra=extra),
                                               (int(edges[0]), result.bucket, int(edges[-1]))):
            expected[index] = n
        assert np.array_equal(getattr(result.throughput, name), expected), name
        assert expected.sum() > 0
    assert result.throughput.failed.sum() > 0 and not result.empty


def test_one_minute_series_over_a_day(history_queue: Queue) -> None:
    edges, flow = history_queue.throughput_series(86400, 60)
    assert len(edges) == 1441
    total = sqlite_db(history_queue).query(
        "SELECT count(*) FROM task_queue WHERE created_at_utc >= ? AND created_at_utc < ?",
        (stats.edge_text(edges[0]), stats.edge_text(edges[-1])))[0][0]
    assert flow.enqueued.sum() == total > 1000


def test_stats_seek_the_aggregate_rows_and_never_scan_or_sort(history_queue: Queue) -> None:
    edges = history_queue.stats("24h").edges
    keys = json.dumps([int(e) for e in edges[:-1]])
    plans = [" ".join(str(row[3]) for row in sqlite_db(history_queue).query(
        "EXPLAIN QUERY PLAN " + sql, params)) for sql, params in (
            (sqlite_stats.FLOW_SQL, (keys,)),
            (sqlite_stats.HIST_SQL, (keys, int(edges[0]), 600, 20)))]
    assert "SEARCH a USING PRIMARY KEY (b=?)" in plans[0], plans[0]
    assert "SEARCH a USING PRIMARY KEY (b=? AND g=? AND k>?)" in plans[1], plans[1]
    assert not any("TEMP B-TREE" in plan for plan in plans)
    assert not any("task_queue" in plan for plan in plans)
    plan = " ".join(str(row[3]) for row in sqlite_db(history_queue).query(
        "EXPLAIN QUERY PLAN " + sqlite_stats.OLDEST_READY_SQL, ("transcode", text(NOW))))
    assert "USING INDEX" in plan and "SCAN" not in plan, plan  # per type, not the backlog


@pytest.mark.parametrize("seed", [3, 4])
def test_latency_percentiles_are_within_a_few_percent_of_numpy(queue: Queue, seed: int) -> None:
    rng = np.random.default_rng(seed)
    start = NOW.timestamp() - 3000
    finished = start + rng.uniform(0, 2990, 500)
    run = rng.lognormal(0, 1, 500)
    wait = rng.lognormal(1, 1, 500)
    wait[::7] = np.nan  # a NULL wait (a run recorded without its claim time)
    for f, w, r in zip(finished, wait, run, strict=True):
        insert_run(queue, float(f), None if np.isnan(w) else float(w), float(r))
    result = queue.stats("24h")  # 10-minute buckets: one histogram row each
    index = ((finished - result.edges[0]) // result.bucket).astype(int)
    checked = 0
    for b in range(len(result.edges) - 1):
        mine = index == b
        waits = wait[mine & ~np.isnan(wait)]
        if not mine.any():
            assert np.isnan(result.latency.run_p50[b])
            continue
        checked += 1
        assert result.latency.run_p50[b] == pytest.approx(np.percentile(run[mine], 50), rel=0.04)
        assert result.latency.run_p95[b] == pytest.approx(np.percentile(run[mine], 95), rel=0.04)
        assert result.latency.wait_p95[b] == pytest.approx(np.percentile(waits, 95), rel=0.04)
    assert checked >= 5
    [row] = result.types
    assert row.run_p95 == pytest.approx(np.percentile(run, 95), rel=0.04)
    assert row.failure_rate == 0.0 and row.runs == 500


def test_live_samples_replace_the_reconstruction(queue: Queue) -> None:
    insert_task(queue, text(NOW - timedelta(minutes=20)))
    at = NOW.timestamp() - 600
    result = queue.stats("1h", samples=[stats.DepthSample(at, 42, 3, 7)])
    index = int(np.searchsorted(result.edges, at, "right")) - 1
    assert (result.depth.ready[index], result.depth.scheduled[index],
            result.depth.active[index]) == (42, 3, 7)
    assert result.depth.ready[index - 1] == 1
    assert result.depth.sampled_from == at


def test_type_table_counts_rates_and_oldest_ready(queue: Queue) -> None:
    insert_task(queue, text(NOW - timedelta(minutes=30)), kind="a")
    insert_task(queue, text(NOW - timedelta(minutes=5)), kind="a")
    insert_run(queue, NOW.timestamp() - 20, 1.0, 2.0, "failed", kind="b")
    insert_run(queue, NOW.timestamp() - 10, 1.0, 4.0, "completed", kind="b")
    result = queue.stats("1h")
    rows = {row.type: row for row in result.types}
    assert rows["a"].counts == {"queued": 2} and rows["a"].oldest_ready_age == 1800
    assert rows["b"].failure_rate == 0.5 and rows["b"].run_p50 == pytest.approx(3.0, rel=0.04)
    assert rows["a"].failure_rate is None and rows["b"].oldest_ready_age is None
    assert (result.rates.completed_per_min, result.rates.failed_per_min) == (1, 1)
    assert result.rates.enqueued_per_min == 2  # b's two tasks, made just before their runs
    assert result.rates.completed_per_s == pytest.approx(1 / 60)


def test_without_run_records_latency_comes_from_the_task_columns(queue: Queue) -> None:
    """The PrismQ backend's worker writes no attempt row: whole seconds from its columns."""
    task_id = insert_task(queue, text(NOW - timedelta(seconds=100)), kind="x")
    started, finished = text(NOW - timedelta(seconds=90)), text(NOW - timedelta(seconds=30))
    for status, moment in (("processing", started), ("completed", finished)):
        sqlite_db(queue).execute(
            "UPDATE task_queue SET status = ?1, processing_started_utc = coalesce("
            "processing_started_utc, ?2), finished_at_utc = CASE ?1 WHEN 'completed' THEN ?2"
            " END, updated_at_utc = ?2, locked_by = 'worker-01' WHERE id = ?3",
            (status, moment, task_id))
    result = queue.stats("15m")
    assert np.nanmax(result.latency.run_p50) == pytest.approx(60, rel=0.04)
    assert np.nanmax(result.latency.wait_p50) == pytest.approx(10, rel=0.04)


def test_odd_timestamps_are_counted_where_they_belong_or_skipped(queue: Queue) -> None:
    minute_ago = NOW - timedelta(seconds=61)
    insert_task(queue, minute_ago.strftime("%Y-%m-%dT%H:%M:%S"))
    insert_task(queue, minute_ago.strftime("%Y-%m-%dT%H:%M:%SZ"))
    insert_task(queue, text(minute_ago) + ".5")
    insert_task(queue, "yesterday", "completed", "not a time")
    insert_task(queue, text(minute_ago), "completed", None)
    insert_task(queue, text(NOW - timedelta(minutes=3)), "failed",
                (NOW - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%S.250"))
    insert_run(queue, NOW.timestamp() - 5, None, None)  # a task of its own, 5 s ago
    result = queue.stats("15m")
    index = int((minute_ago.timestamp() - result.edges[0]) // result.bucket)
    assert result.throughput.enqueued[index] == 4
    assert result.throughput.enqueued.sum() == 6 and result.throughput.failed.sum() == 1
    assert np.isnan(result.latency.run_p50).all()
    assert not result.empty


def test_a_file_without_this_apps_migrations_is_read_by_one_pass(tmp_path) -> None:
    """A PrismQ file opened read-only keeps user_version 0: no pqd tables or indexes."""
    path = tmp_path / "prismq.db"
    connection = apsw.Connection(str(path))
    connection.execute(schema.PRISMQ_TABLES)
    rows = ((50, "completed", 40), (30, "failed", 20), (10, "queued", None), (5, "completed", 1))
    for minutes, status, finished in rows:
        created = text(NOW - timedelta(minutes=minutes))
        connection.execute(
            "INSERT INTO task_queue (type, payload, status, created_at_utc, run_after_utc,"
            " finished_at_utc, processing_started_utc) VALUES ('p', '{}', ?, ?, ?, ?, ?)",
            (status, created, created,
             None if finished is None else text(NOW - timedelta(minutes=finished)),
             None if finished is None else text(NOW - timedelta(minutes=finished + 1))))
    connection.close()
    with Queue.open(path, read_only=True, clock=lambda: NOW) as queue:
        assert sqlite_db(queue).user_version() == 0
        result = queue.stats("1h")
    flow = result.throughput
    assert (flow.enqueued.sum(), flow.completed.sum(), flow.failed.sum()) == (4, 2, 1)
    assert result.runs_source == "tasks"
    assert np.nanmax(result.latency.run_p50) == pytest.approx(60, rel=0.04)
    assert result.depth.ready[-1] == 1 and result.types[0].counts["completed"] == 2


def test_history_outlives_its_tasks_and_their_type(queue: Queue, clock: FakeClock) -> None:
    """Run histograms are read per type named by the count rows, which stay (at zero) when
    the tasks are purged or their type renamed by another writer: the history still shows."""
    for kind, run in (("gone", 4.0), ("renamed", 9.0)):
        task = queue.enqueue(kind)
        claimed = queue.claim("w")
        assert claimed is not None and claimed.id == task.id
        clock.advance(run)
        assert queue.complete(task.id, "w", claimed_at=claimed.claimed_at)
    sqlite_db(queue).execute("UPDATE task_queue SET type = 'new' WHERE type = 'renamed'")
    clock.advance(60)
    assert queue.purge(0) == 2
    result = queue.stats("1h")
    rows = {row.type: row for row in result.types}
    assert rows["gone"].runs == 1 and rows["gone"].run_p50 == pytest.approx(4.0, rel=0.04)
    assert rows["renamed"].runs == 1 and rows["renamed"].run_p50 == pytest.approx(9.0, rel=0.04)
    assert "new" not in rows and result.latency.run_p95[~np.isnan(result.latency.run_p95)].size


@pytest.mark.parametrize(("window", "bucket"), [("7d", None), ("7d", 60), ("15m", None)])
def test_histogram_counts_of_any_size_survive_the_packed_read(queue: Queue, window: str,
                                                              bucket: int | None) -> None:
    """The histogram read packs row, bin and count into one integer per row: a huge count
    in the first and the last row of a long window comes back whole."""
    huge = 3 * 2**31 + 7
    now = int(NOW.timestamp())
    for moment, n in ((now - 30, huge), (now - 6 * 86400, 5)):
        for span, at in ((agg.HIST_STEP, agg.HIST_AT), (agg.COARSE_STEP, agg.HIST_COARSE_AT),
                         (agg.HOUR_STEP, agg.HIST_HOUR_AT)):
            for k in (agg.WAIT + 40, agg.RUN_FAILED + 45):
                sqlite_db(queue).execute("INSERT INTO pqd_agg (b, g, k, n) VALUES (?, 't', ?, ?)",
                                         (moment - moment % span + at, k, n))
    sqlite_db(queue).execute("INSERT INTO pqd_agg (b, g, k, n) VALUES (?, 't', 'queued', 0)",
                             (agg.COUNTS,))
    edges = stats.bucket_edges(stats.WINDOWS[window].seconds, NOW.timestamp(),
                               bucket or stats.bucket_seconds(stats.WINDOWS[window].seconds))
    hist = sqlite_stats.histograms(sqlite_db(queue), edges, "runs")
    expected = huge + (5 if window == "7d" else 0)
    assert hist.type_run.sum() == hist.type_failed.sum() == expected
    assert hist.wait.sum() % expected == 0 and hist.run.sum() == hist.wait.sum()
    latest = int((now - 30 - edges[0]) // (edges[1] - edges[0]))
    assert hist.wait[latest, 40] == huge and hist.wait[:, 40].sum() == hist.wait.sum()
