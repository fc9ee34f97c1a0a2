"""The core's write paths after their speed-ups: claim plans, order, run rows, migration."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import apsw
import pytest

from prismq_desktop.core import Queue, QueueDatabaseError
from prismq_desktop.core.claims import STRATEGIES
from prismq_desktop.core.sqlite import health, reads, schema
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
    assert sqlite_db(queue).query("SELECT wait_s, run_s FROM pqd_runs") == [(None, 0.0)]


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
