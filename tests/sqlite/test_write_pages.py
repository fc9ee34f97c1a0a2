"""WAL pages per write, pinned (issue 12): pages are what a commit costs on this kind of
machine and, unlike times, they do not move with the load, so a change that adds a page to
an enqueue or a claim + complete fails here, not only in a benchmark nobody reads."""

from __future__ import annotations

from pathlib import Path

from benchmarks.core_bench import wal_pages

# Measured with 300 operations each (benchmarks/core_bench.py prints the same figures); the
# raw loop (PrismQ's DDL, minimum SQL) is the floor: 6.1 per enqueue, 6.5 per claim+complete.
# The hour histograms (7-day charts read 168 rows of them, not 1,008) cost 0.55 of a page.
CORE_SINGLE, CORE_CLAIM = 8.2, 10.55
SLACK = 0.15  # a bucket or page boundary crossed during the run


def test_core_writes_pin_their_wal_pages(tmp_path: Path) -> None:
    raw = wal_pages("raw_apsw", tmp_path, 300)
    core = wal_pages("core", tmp_path, 300)
    assert core["single"] <= CORE_SINGLE + SLACK, core
    assert core["claim"] <= CORE_CLAIM + SLACK, core
    assert core["bulk"] < 0.1, core
    # What the app adds over the floor: one aggregate page and one index page per enqueue;
    # log rows, the aggregate page and the attempt row per task.
    assert core["single"] - raw["single"] <= 2.2, (core, raw)
    assert core["claim"] - raw["claim"] <= 4.2, (core, raw)
