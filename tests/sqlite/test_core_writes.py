"""The core's write paths after their speed-ups: claim plans, order, run rows, migration."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import apsw
import numpy as np
import pytest

from prismq_desktop.core import Queue, QueueDatabaseError, copying, timeutil
from prismq_desktop.core.claims import STRATEGIES
from prismq_desktop.core.sqlite import enqueue, health, reads, schema
from prismq_desktop.core.sqlite import sample_data as history
from prismq_desktop.core.sqlite.claiming import claim_sql
from tests.support import sqlite_db


def _plan(conn: apsw.Connection, sql: str, params: dict[str, object] | tuple) -> str:
    return " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.mark.parametrize("analyzed", [False, True])
def test_every_claim_reads_its_order_from_an_index(queue: Queue, analyzed: bool) -> None:
    """No strategy, filter or statistics makes a claim sort the backlog (DESIGN §9)."""
    queue.enqueue_many([{"type": t, "priority": p} for t in ("a", "b") for p in range(50)] * 20)
    conn = sqlite_db(queue).get_connection()
    if analyzed:
        conn.execute("ANALYZE")
    shapes = itertools.product(STRATEGIES, (None, 1, 3), (False, True))
    for strategy, n_types, cutoff in shapes:
        params: dict[str, object] = {"now": "2026-11-23 12:00:00", "worker": "w", "cutoff": 5,
                                     "status": "processing", "lease": "x", "caps": "{}"}
        params.update({f"t{i}": "a" for i in range(n_types or 0)})
        plan = _plan(conn, claim_sql(strategy, n_types, cutoff), params)
        assert "TEMP B-TREE" not in plan, (strategy, n_types, cutoff, plan)
        assert "USING INDEX" in plan, plan


def test_a_run_row_tolerates_an_unreadable_creation_time(queue: Queue) -> None:
    task = queue.enqueue("a")
    sqlite_db(queue).execute("UPDATE task_queue SET created_at_utc = 'yesterday' WHERE id = ?",
                     (task.id,))
    claimed = queue.claim("w")
    assert claimed is not None
    assert queue.complete(task.id, "w", claimed_at=claimed.claimed_at)
    assert sqlite_db(queue).query("SELECT wait_s, run_s FROM pqd_attempts") == [(None, 0.0)]


def test_enqueue_writes_no_log_row(queue: Queue) -> None:
    """The row's timestamps record an enqueue (DESIGN §4): no task_logs row, single or bulk."""
    queue.enqueue("a")
    queue.enqueue("a", idempotency_key="k")
    queue.enqueue_many([{"type": "b"}] * 3)
    queue.enqueue_many([{"type": "b", "idempotency_key": "j"}])
    assert sqlite_db(queue).query("SELECT count(*) FROM task_logs") == [(0,)]


def test_a_version_one_file_migrates_and_keeps_its_counts(db_path: Path) -> None:
    conn = apsw.Connection(str(db_path))
    for script in (schema.PRISMQ_TABLES, schema.PRISMQ_VIEWS, schema.MIGRATIONS[0],
                   "PRAGMA user_version=1",
                   "INSERT INTO task_queue (type, payload) VALUES ('old', '{}')"):
        conn.execute(script)
    conn.close()
    with Queue.open(db_path) as queue:
        assert sqlite_db(queue).user_version() == schema.SCHEMA_VERSION
        names = {name for (name,) in sqlite_db(queue).query(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'pqd_ix_task%'")}
        assert "pqd_ix_task_queued_run_after" in names
        assert "pqd_ix_task_status_run_after" not in names
        task = queue.claim("w")
        assert task is not None and task.type == "old"
        assert queue.complete(task.id, "w")
        assert queue.counts().get("completed") == 1
        assert queue.integrity_check() == ["ok"]


def test_a_transaction_commits_rolls_back_and_translates(queue: Queue) -> None:
    db = sqlite_db(queue)
    with db.transaction() as conn:
        conn.execute("INSERT INTO pqd_meta (key, value) VALUES ('a', '1')")
        with pytest.raises(QueueDatabaseError, match="UNIQUE"), db.transaction() as inner:  # noqa: PT012
            inner.execute("INSERT INTO pqd_meta (key, value) VALUES ('b', '2')")
            inner.execute("INSERT INTO pqd_meta (key, value) VALUES ('a', '3')")
    with pytest.raises(RuntimeError), db.transaction() as conn:  # noqa: PT012
        conn.execute("INSERT INTO pqd_meta (key, value) VALUES ('c', '4')")
        raise RuntimeError("boom")
    with pytest.raises(QueueDatabaseError, match="no such table"), db.transaction() as conn:  # noqa: PT012
        conn.execute("INSERT INTO pqd_meta (key, value) VALUES ('d', '5')")
        conn.execute("INSERT INTO nowhere VALUES (1)")
    assert db.query("SELECT key, value FROM pqd_meta WHERE key IN ('a','b','c','d')") == [
        ("a", "1")]
    assert db.get_connection().get_autocommit()


def test_queued_time_reads_use_the_partial_index(queue: Queue) -> None:
    """The oldest ready task and the scheduled count read a few index entries, not a scan."""
    queue.enqueue_many([{"type": "a"}] * 500)
    conn = sqlite_db(queue).get_connection()
    for sql in (health.OLDEST_READY, reads.SCHEDULED_COUNT):
        plan = _plan(conn, sql, ("2026-11-23 12:00:00",))
        assert "pqd_ix_task_queued_run_after (status=? AND run_after_utc" in plan, plan


def test_json_columns_hold_json_dumps_text(queue: Queue) -> None:
    """DESIGN §3: payload and compatibility are stored as ``json.dumps`` text, never JSON5,
    and an edit's log keeps the text it replaced (a backend with a JSON type may differ)."""
    payload, compat = {"b": 1, "a": ["é", 2]}, {"region": "eu"}
    task = queue.enqueue("a", json.dumps(payload, indent=4), compatibility=compat)
    stored = sqlite_db(queue).query("SELECT payload, compatibility FROM task_queue WHERE id = ?",
                            (task.id,))
    assert stored == [(json.dumps(payload, ensure_ascii=False), json.dumps(compat))]
    queue.edit(task.id, payload={"query": "AI trends"})
    assert queue.logs(task.id)[-1].details_data["before"]["payload"] == stored[0][0]


def test_a_version_two_file_gets_its_aggregates_back_filled(db_path: Path) -> None:
    """The aggregates migration (issue 12) fills counts, flow and histograms from the task
    columns and the old run rows, moves the runs to pqd_attempts and drops what it replaces;
    the stats then say what the columns say, and the detail panel keeps its attempts."""
    conn = apsw.Connection(str(db_path))
    for script in (schema.PRISMQ_TABLES, schema.PRISMQ_VIEWS, *schema.MIGRATIONS[:2],
                   "PRAGMA user_version=2"):
        conn.execute(script)
    rows = [("a", "completed", "2026-11-23 11:00:00", "2026-11-23 11:00:05",
             "2026-11-23 11:00:07"),
            ("a", "failed", "2026-11-23 11:10:00", "2026-11-23 11:10:01",
             "2026-11-23 11:10:31"),
            ("b", "queued", "2026-11-23 11:20:00", None, None),
            ("b", "processing", "2026-11-23 11:30:00", "2026-11-23 11:45:00", None)]
    for kind, status, created, started, finished in rows:
        conn.execute(
            "INSERT INTO task_queue (type, payload, status, created_at_utc, updated_at_utc,"
            " run_after_utc, processing_started_utc, finished_at_utc, locked_by, attempts)"
            " VALUES (?, '{}', ?, ?, coalesce(?, ?), ?, ?, ?, ?, ?)",
            (kind, status, created, finished, created, created, started, finished,
             "w" if started else None, 1 if started else 0))
    conn.execute("INSERT INTO pqd_runs (task_id, type, attempt, worker_id, outcome, wait_s,"
                 " run_s, finished) VALUES (1, 'a', 1, 'w', 'completed', 5.25, 2.5, ?)",
                 (timeutil.parse("2026-11-23 11:00:07").timestamp(),))
    conn.close()
    now = timeutil.parse("2026-11-23 12:00:00")
    with Queue.open(db_path, clock=lambda: now) as queue:
        db = sqlite_db(queue)
        assert db.user_version() == schema.SCHEMA_VERSION
        names = {name for (name,) in db.query("SELECT name FROM sqlite_schema")}
        assert not names & {"pqd_counts", "pqd_runs", "pqd_ix_task_finished",
                            "pqd_ix_task_created"}
        assert queue.counts() == {"completed": 1, "failed": 1, "queued": 1, "processing": 1}
        [run] = queue.details(1).runs
        assert (run.attempt, run.worker_id, run.wait_s, run.run_s) == (1, "w", 5.25, 2.5)
        result = queue.stats("24h", samples=())
        flow = result.throughput
        assert (flow.enqueued.sum(), flow.completed.sum(), flow.failed.sum(),
                flow.finished.sum()) == (4, 1, 1, 2)
        assert result.latency.run_p50[~np.isnan(result.latency.run_p50)].tolist() == \
            pytest.approx([2.5, 30.0], rel=0.04)
        depth = result.depth
        assert (depth.ready[-1], depth.active[-1]) == (1, 1)
        index = int((timeutil.parse("2026-11-23 11:25:00").timestamp() - result.edges[0])
                    // result.bucket)
        assert (depth.ready[index], depth.active[index]) == (1, 0)
        assert queue.integrity_check() == ["ok"]


def test_a_copied_queue_has_the_same_stats_and_attempts(tmp_path: Path) -> None:
    """copy writes tasks in their final states: the next open rebuilds the aggregates, and
    the attempts travel as pqd_runs rows both ways (core/sqlite/copy_rows.py)."""
    now = timeutil.parse("2026-11-23 12:00:00")
    with Queue.open(tmp_path / "a.db", clock=lambda: now) as source:
        history.generate(sqlite_db(source), 300, 1, now, with_logs=False, scheduled=3)
        before = source.stats("24h", samples=())
        [task_id] = [r[0] for r in sqlite_db(source).query(
            "SELECT task_id FROM pqd_attempts ORDER BY task_id LIMIT 1")]
        runs = source.details(task_id).runs
        with Queue.open(tmp_path / "b.db", clock=lambda: now) as target:
            copying.copy_queue(source._store, target._store)
    with Queue.open(tmp_path / "b.db", clock=lambda: now) as copied:
        after = copied.stats("24h", samples=())
        assert copied.details(task_id).runs == runs
    for name in ("enqueued", "completed", "failed", "finished"):
        assert np.array_equal(getattr(before.throughput, name), getattr(after.throughput, name))
    for name in ("ready", "scheduled", "active"):
        assert np.array_equal(getattr(before.depth, name), getattr(after.depth, name))
    assert np.allclose(before.latency.run_p95, after.latency.run_p95, equal_nan=True)


def _aggregates_after_bulk(path: Path, monkeypatch: pytest.MonkeyPatch, suspend_from: int,
                           items: list[dict[str, object]]) -> list[tuple[object, ...]]:
    monkeypatch.setattr(enqueue, "SUSPEND_FROM", suspend_from)
    with Queue.open(path) as queue:
        queue.enqueue_many(items)
        conn = sqlite_db(queue).get_connection()
        triggers = conn.execute("SELECT sql FROM sqlite_schema WHERE type = 'trigger'"
                                " ORDER BY name").fetchall()
        return [*triggers, *conn.execute("SELECT * FROM pqd_agg ORDER BY b, g, k").fetchall()]


def test_a_large_bulk_enqueue_keeps_the_aggregates_the_trigger_would(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: a large batch suspends the insert trigger and adds its work set-based; the
    counts, flow and scheduled backlog come out row for row as the trigger makes them, and
    the file keeps its trigger."""
    items: list[dict[str, object]] = [
        {"type": f"t{i % 3}", "run_after": None if i % 4 else f"2099-01-01T00:{i % 60:02d}:00Z"}
        for i in range(3000)]
    per_row = _aggregates_after_bulk(tmp_path / "rows.db", monkeypatch, 10**9, items)
    per_batch = _aggregates_after_bulk(tmp_path / "batch.db", monkeypatch, 100, items)
    assert per_batch == per_row
    assert len(per_row) > 10  # triggers, counts of three types, flow and scheduled rows


def test_a_failed_bulk_enqueue_leaves_the_trigger_and_the_aggregates(
        queue: Queue, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(enqueue, "SUSPEND_FROM", 10)
    queue.enqueue_many([{"type": "a"}] * 20)
    conn = sqlite_db(queue).get_connection()
    before = conn.execute("SELECT * FROM pqd_agg").fetchall()
    conn.execute("CREATE TRIGGER refuse_z BEFORE INSERT ON task_queue WHEN NEW.type = 'z'"
                 " BEGIN SELECT RAISE(ABORT, 'no z'); END")
    with pytest.raises(QueueDatabaseError):
        queue.enqueue_many([{"type": "a"}] * 30 + [{"type": "z"}])
    assert conn.execute("SELECT * FROM pqd_agg").fetchall() == before
    assert conn.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'pqd_agg_insert'"
                        ).fetchall() == [(1,)]
    queue.enqueue("a")
    assert queue.counts()["queued"] == 21
