"""The Workers tab's overview and the status bar's health, checked against the rows."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from prismq_desktop.core import Queue, query, reports, timeutil
from prismq_desktop.core.sqlite import health, workers
from prismq_desktop.core.sqlite import stats as sqlite_stats
from tests.support import FakeClock, sqlite_db


def _insert_worker(queue: Queue, worker_id: object, caps: object, beat: object) -> None:
    with sqlite_db(queue).transaction() as conn:
        conn.execute("INSERT INTO workers (worker_id, capabilities, heartbeat_utc)"
                     " VALUES (?, ?, ?)", (worker_id, caps, beat))


def test_heartbeat_ages_read_every_timestamp_form(queue: Queue, clock: FakeClock) -> None:
    now = clock()
    forms = {
        "plain": ("2026-11-23 11:59:30", 30.0),
        "fraction": ("2026-11-23 11:59:29.500", 30.5),
        "iso-z": ("2026-11-23T11:58:00Z", 120.0),
        "offset": ("2026-11-23T13:59:50+02:00", 10.0),
        "epoch": (now.timestamp() - 75, 75.0),
        "garbage": ("yesterday-ish", None),
    }
    for name, (beat, _age) in forms.items():
        _insert_worker(queue, name, "{}", beat)
    rows = {row.worker_id: row for row in queue.workers_overview().rows}
    for name, (_beat, age) in forms.items():
        assert rows[name].heartbeat_age(now) == (pytest.approx(age) if age is not None else None)
    assert not rows["plain"].is_stale(now) and rows["epoch"].is_stale(now)
    assert rows["garbage"].is_stale(now)  # never heard from in a readable form
    assert rows["offset"].is_stale(now, stale_after=5.0)


def test_capabilities_are_shown_as_stored_when_not_json(queue: Queue) -> None:
    _insert_worker(queue, "json", '{"region":"eu","gpu":true}', "2026-11-23 12:00:00")
    _insert_worker(queue, "json5", "{region: 'eu',}", "2026-11-23 12:00:00")
    _insert_worker(queue, "list", "[1,2]", "2026-11-23 12:00:00")
    rows = {row.worker_id: row for row in queue.workers_overview().rows}
    assert rows["json"].capabilities_text() == '{"region": "eu", "gpu": true}'
    assert rows["json5"].capabilities_text() == "{region: 'eu',}"
    assert rows["list"].capabilities_text() == "[1, 2]"


def _independent(queue: Queue, since: str) -> dict[str, tuple[int, int, int]]:
    """(held, completed since, failed since) per worker, by walking every row in Python."""
    counts: dict[str, list[int]] = {}
    for status, holder, finished in sqlite_db(queue).query(
            "SELECT status, locked_by, finished_at_utc FROM task_queue"):
        if holder is None:
            continue
        entry = counts.setdefault(holder, [0, 0, 0])
        if status in ("leased", "processing"):
            entry[0] += 1
        elif status in ("completed", "failed") and finished is not None and finished >= since:
            entry[1 if status == "completed" else 2] += 1
    return {holder: tuple(entry) for holder, entry in counts.items()}


def test_held_and_done_counts_match_the_rows(queue: Queue, clock: FakeClock) -> None:
    for worker in ("w1", "w2", "w3"):
        queue.register_worker(worker)
    queue.enqueue_many([{"type": "t", "max_attempts": 1} for _ in range(60)])
    for i in range(45):
        worker = ("w1", "w2", "w3", "ghost")[i % 4]
        task = queue.claim(worker, lease_seconds=3600)
        assert task is not None
        if i % 3 == 0:
            queue.complete(task.id, worker)
        elif i % 3 == 1:
            queue.fail(task.id, worker, "boom")
        if i == 20:
            clock.advance(3600)  # what finished before this falls out of a 30-minute window
    clock.advance(60)
    since = timeutil.to_db(clock() - timedelta(minutes=30))
    expected = _independent(queue, since)
    overview = queue.workers_overview(window_minutes=30)
    got = {row.worker_id: (row.active, row.completed, row.failed) for row in overview.rows}
    assert {k: v for k, v in got.items() if any(v)} == {k: v for k, v in expected.items()
                                                         if any(v)}
    assert set(got) == {"w1", "w2", "w3", "ghost"}
    [ghost] = [row for row in overview.rows if row.worker_id == "ghost"]
    assert not ghost.registered and ghost.heartbeat is None and ghost.active > 0
    assert expected["w1"][1] > 0 and expected["w1"][1] < 15  # the window cut something off


def test_health_numbers_on_known_rows(queue: Queue, clock: FakeClock) -> None:
    with sqlite_db(queue).transaction() as conn:
        rows = [
            ("queued", "2026-11-23 11:50:00", None),  # ready for 10 minutes: the oldest
            ("queued", "2026-11-23 11:58:00", None),
            ("queued", "2026-11-23 13:00:00", None),  # scheduled: not waiting yet
            ("completed", "2026-11-23 10:00:00", "2026-11-23 11:40:00"),  # before
            ("completed", "2026-11-23 10:00:00", "2026-11-23 11:55:00"),
            ("completed", "2026-11-23 10:00:00", "2026-11-23 11:56:00"),
            ("failed", "2026-11-23 10:00:00", "2026-11-23 11:59:00"),
            ("failed", "2026-11-23 10:00:00", "2026-11-23 11:30:00"),  # before the window
            ("cancelled", "2026-11-23 10:00:00", "2026-11-23 11:59:00"),
        ]
        for status, run_after, finished in rows:  # enqueued, then finished as writers do
            conn.execute("INSERT INTO task_queue (type, payload, run_after_utc) VALUES"
                         " ('t', '{}', ?)", (run_after,))
            if finished:
                conn.execute("UPDATE task_queue SET status = ?, finished_at_utc = ?,"
                             " updated_at_utc = ? WHERE id = last_insert_rowid()",
                             (status, finished, finished))
    _insert_worker(queue, "alive", "{}", "2026-11-23 11:59:40")
    _insert_worker(queue, "quiet", "{}", "2026-11-23 11:58:00")
    _insert_worker(queue, "gone", "{}", "2026-11-22T08:00:00Z")
    state = queue.health()
    assert state.oldest_ready_age == 600.0 and state.oldest_ready_utc == "2026-11-23 11:50:00"
    assert (state.completed_recently, state.failed_recently) == (2, 1)
    assert state.failure_rate == pytest.approx(1 / 3)
    assert (state.stale_workers, state.workers) == (2, 3)
    assert queue.health(stale_after=600).stale_workers == 1
    wal = f"{sqlite_db(queue).path}-wal"
    assert state.wal_bytes == os.stat(wal).st_size > 0


def test_health_of_an_idle_queue_has_no_rate(queue: Queue) -> None:
    state = queue.health()
    assert state.oldest_ready_age is None and state.failure_rate is None
    assert state.stale_workers == 0


def test_the_overview_and_health_queries_use_indexes(queue: Queue) -> None:
    """On a million rows a scan costs ~100 ms each refresh; these stay in the indexes."""
    for sql, params in ((workers.HELD_BY, ()), (health.OLDEST_READY, ("x",))):
        rows = sqlite_db(queue).query(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[3]) for row in rows)
        assert "SEARCH task_queue USING" in plan and "SCAN task_queue" not in plan, plan
    # Tasks finished lately (per worker and in all): a range of the aggregate rows.
    rows = sqlite_db(queue).query(f"EXPLAIN QUERY PLAN {sqlite_stats.RECENT_SQL}", (0, 1, 15))
    plan = " ".join(str(row[3]) for row in rows)
    assert "SEARCH pqd_agg USING PRIMARY KEY (b>? AND b<?)" in plan, plan


def test_one_stale_threshold_for_every_view() -> None:
    assert query.STALE_AFTER_SECONDS is reports.STALE_AFTER_SECONDS
    assert not hasattr(workers, "STALE_AFTER_SECONDS")
