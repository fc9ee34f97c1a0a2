"""Upgrading an old file on open (issue 12): progress from 0 to 1, a stop at any point that
leaves the file exactly as it was, and openers that wait for another process's upgrade."""

from __future__ import annotations

import threading
from pathlib import Path

import apsw
import pytest

from prismq_desktop.core import MigrationCancelledError, Queue
from prismq_desktop.core.sqlite import aggregates, migrating, schema
from tests.sqlite.old_files import BEFORE_AGGREGATES, copy_file, make_old_file, snapshot
from tests.support import sqlite_db, wait_until

TASKS = 40_000
#: Tasks of the made files per status (see old_files._TASKS): every fifth waits, fails, ...
COUNTS = {"queued": TASKS // 5, "failed": TASKS // 5, "completed": TASKS * 3 // 5}


@pytest.fixture(scope="module")
def old_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_old_file(tmp_path_factory.mktemp("old") / "old.db", TASKS)


@pytest.fixture
def old_copy(old_file: Path, tmp_path: Path) -> Path:
    return copy_file(old_file, tmp_path / "queue.db")


def test_progress_rises_to_one_and_the_file_is_migrated(old_copy: Path) -> None:
    fractions: list[float] = []
    with Queue.open(old_copy, progress=fractions.append) as queue:
        assert sqlite_db(queue).user_version() == schema.SCHEMA_VERSION
        assert queue.counts() == COUNTS
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert len(fractions) > 20  # reported along the way, not only at the ends
    assert fractions[-2] >= 0.9  # the estimate is not far above the work: no jump at the end


def test_a_file_made_by_the_prismq_backend_reports_every_migration(tmp_path: Path) -> None:
    path = make_old_file(tmp_path / "prismq.db", TASKS // 4, version=0)
    fractions: list[float] = []
    with Queue.open(path, progress=fractions.append) as queue:
        assert queue.count() == TASKS // 4
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_an_up_to_date_file_never_calls_progress(old_copy: Path) -> None:
    Queue.open(old_copy).close()
    calls: list[float] = []
    Queue.open(old_copy, progress=calls.append).close()
    assert calls == []


def test_stopping_halfway_leaves_the_file_as_it_was(old_copy: Path) -> None:
    before = snapshot(old_copy)
    seen: list[float] = []

    def stop_at_half(fraction: float) -> bool:
        seen.append(fraction)
        return fraction < 0.5

    with pytest.raises(MigrationCancelledError, match="left exactly as it was"):
        Queue.open(old_copy, progress=stop_at_half)
    assert 0.5 <= seen[-1] < 0.6  # stopped right there, not at the end of the migration
    assert snapshot(old_copy) == before
    assert before[0] == BEFORE_AGGREGATES
    fractions: list[float] = []
    with Queue.open(old_copy, progress=fractions.append) as queue:
        assert queue.counts() == COUNTS
        assert queue.integrity_check() == ["ok"]
    assert fractions[-1] == 1.0


@pytest.mark.parametrize("when", [0.0, 0.9])
def test_a_stop_at_the_start_or_near_the_end_changes_nothing(old_copy: Path, when: float) -> None:
    before = snapshot(old_copy)
    with pytest.raises(MigrationCancelledError):
        Queue.open(old_copy, progress=lambda fraction: fraction < when or fraction == 1.0)
    assert snapshot(old_copy) == before


def test_an_error_in_the_callback_rolls_back_and_leaves_as_itself(old_copy: Path) -> None:
    before = snapshot(old_copy)

    def broken(fraction: float) -> None:
        if fraction > 0.3:
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        Queue.open(old_copy, progress=broken)
    assert snapshot(old_copy) == before


def test_an_opener_waits_for_another_process_upgrading_past_its_busy_timeout(
        old_copy: Path) -> None:
    """The other holds the write lock (as while migrating); this open, with a 50 ms busy
    timeout, waits, hears progress(0.0) meanwhile, and migrates once the lock is free."""
    other = apsw.Connection(str(old_copy))
    other.execute("BEGIN IMMEDIATE")
    calls: list[float] = []
    result: list[object] = []

    def open_it() -> None:
        try:
            with Queue.open(old_copy, busy_timeout_ms=50, progress=calls.append) as queue:
                result.append(queue.count())
        except Exception as exc:  # noqa: BLE001 - the test reports it below
            result.append(exc)

    thread = threading.Thread(target=open_it)
    thread.start()
    wait_until(lambda: calls.count(0.0) >= 3, what="the opener waiting on the lock")
    other.execute("COMMIT")
    other.close()
    thread.join(30)
    assert result == [TASKS]
    assert calls[-1] == 1.0


def test_a_wait_for_the_lock_can_be_stopped(old_copy: Path) -> None:
    other = apsw.Connection(str(old_copy))
    other.execute("BEGIN IMMEDIATE")
    waits: list[float] = []
    try:
        with pytest.raises(MigrationCancelledError):
            Queue.open(old_copy, busy_timeout_ms=50,
                       progress=lambda f: waits.append(f) or len(waits) < 3)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert waits == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("finished", ["completed", "cancelled"])
@pytest.mark.parametrize("version", range(schema.SCHEMA_VERSION))
def test_each_estimate_is_within_a_factor_two_of_the_steps_taken(
        tmp_path: Path, version: int, finished: str) -> None:
    """The constants behind the fraction (migrating.STEPS_PER_TASK) still describe the
    migrations: a new or changed migration that costs much more or less fails here."""
    path = make_old_file(tmp_path / "q.db", 5_000, version=version, finished=finished)
    conn = apsw.Connection(str(path))
    steps = [0]

    def count() -> bool:
        steps[0] += 100
        return False

    (estimate,) = migrating.expected_steps(conn, [version], rebuild=False)
    conn.set_progress_handler(count, 100)
    with conn:
        conn.execute(schema.MIGRATIONS[version])
    conn.close()
    taken = steps[0]
    assert estimate / 2 <= max(taken, migrating.FIXED_STEPS) <= estimate * 2, (estimate, taken)


def test_a_rebuild_of_the_aggregates_after_a_copy_reports_progress_too(old_copy: Path) -> None:
    """Rows copied in mark the aggregates stale (copy_rows.py); the next open that can write
    rebuilds them, as long as a back-fill, with the same progress and the same way to stop."""
    Queue.open(old_copy).close()
    conn = apsw.Connection(str(old_copy))
    conn.execute(aggregates.MARK_STALE)
    conn.close()
    before = snapshot(old_copy)
    with pytest.raises(MigrationCancelledError):
        Queue.open(old_copy, progress=lambda fraction: fraction < 0.5)
    assert snapshot(old_copy) == before
    fractions: list[float] = []
    with Queue.open(old_copy, progress=fractions.append) as queue:
        assert queue.counts() == COUNTS
        assert sqlite_db(queue).query(aggregates.STALE) == []
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) > 20
