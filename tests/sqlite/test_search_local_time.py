"""Search reads a date without a zone as local time, what the table shows (issue 11 item 4).

The process runs in New York time here (TZ and ``time.tzset``), so UTC and local differ by
five hours in November; ``Z`` and offsets name their own zone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from prismq_desktop.core import Queue, TaskQuery
from tests.support import sqlite_db


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _created(queue: Queue, *stamps: str) -> list[int]:
    ids = []
    for stamp in stamps:
        task_id = queue.enqueue("echo").id
        sqlite_db(queue).execute("UPDATE task_queue SET created_at_utc = ? WHERE id = ?",
                                 (stamp, task_id))
        ids.append(task_id)
    return ids


def _found(queue: Queue, text: str) -> list[int]:
    return sorted(task.id for task in queue.list(TaskQuery(text=text)))


@pytest.mark.usefixtures("new_york")
def test_a_zoneless_time_is_the_local_time_the_table_shows(queue: Queue) -> None:
    # Shown as 00:12:53 on 2026-11-20 in New York (UTC-5).
    (task,) = _created(queue, "2026-11-20 05:12:53")
    assert _found(queue, 'created>"2026-11-20 00:12" created<"2026-11-20 00:13"') == [task]
    assert _found(queue, "created>2026-11-20T00:12 created<2026-11-20T00:13") == [task]
    assert _found(queue, 'created>"2026-11-20 05:12" created<"2026-11-20 05:13"') == []


@pytest.mark.usefixtures("new_york")
def test_z_or_an_offset_names_the_zone(queue: Queue) -> None:
    (task,) = _created(queue, "2026-11-20 05:12:53")
    assert _found(queue, "created>2026-11-20T05:12Z created<2026-11-20T05:13Z") == [task]
    assert _found(queue, "created>2026-11-20T00:12-05:00 created<2026-11-20T00:13-05:00") == [
        task]
    assert _found(queue, 'created>"2026-11-20 06:12+01:00" created<"2026-11-20 06:13+01:00"'
                  ) == [task]


@pytest.mark.usefixtures("new_york")
def test_a_date_alone_is_the_whole_local_day(queue: Queue) -> None:
    before, first, last, after = _created(
        queue, "2026-11-20 04:59:59", "2026-11-20 05:00:00", "2026-11-21 04:59:59",
        "2026-11-21 05:00:00")
    assert _found(queue, "created:2026-11-20") == [first, last]
    assert _found(queue, "created>=2026-11-20 created<2026-11-21") == [first, last]
    assert before < first and after > last


@pytest.mark.usefixtures("new_york")
def test_a_local_day_across_the_dst_change_has_its_25_hours(queue: Queue) -> None:
    """1 November 2026 in New York runs from 04:00 UTC to 05:00 UTC the next day."""
    early, late, next_day = _created(queue, "2026-11-01 04:00:00", "2026-11-02 04:59:59",
                                     "2026-11-02 05:00:00")
    assert _found(queue, "created:2026-11-01") == [early, late]
    assert next_day not in _found(queue, "created:2026-11-01")
