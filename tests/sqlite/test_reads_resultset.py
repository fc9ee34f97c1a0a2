"""ResultSet: the table's ordered ids, windows at any depth, positions, and keeping current."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from prismq_desktop.core import SORT_FIELDS, Queue, TaskQuery
from prismq_desktop.core.resultset import REBUILD_FACTOR, ResultSet
from prismq_desktop.core.sqlite import filters, resultset
from prismq_desktop.core.sqlite import sample_data as history
from tests.support import sqlite_db

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)


class Ticks:
    """A monotonic clock moved by hand: build costs and ages without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def history_queue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Queue]:
    queue = Queue.open(tmp_path_factory.mktemp("rs") / "q.db", clock=lambda: NOW)
    history.generate(sqlite_db(queue), 3000, 2, NOW, scheduled=40, backlog=60, with_logs=False)
    yield queue
    queue.close()


def _plain_order(queue: Queue, query: TaskQuery) -> list[int]:
    where, params = filters.where(query, NOW)
    sql = f"SELECT id FROM task_queue WHERE {where} ORDER BY {filters.order_by(query)}"
    return [row[0] for row in sqlite_db(queue).query(sql, params)]


QUERIES = [TaskQuery(), TaskQuery(statuses=("completed",)), TaskQuery(statuses=("failed",)),
           TaskQuery(statuses=("queued", "scheduled")), TaskQuery(types=("transcode",)),
           TaskQuery(statuses=("completed",), types=("thumbnail",)),
           TaskQuery(text="payload.query:*trends")]


@pytest.mark.parametrize("sort", list(SORT_FIELDS))
@pytest.mark.parametrize("descending", [True, False])
def test_every_sort_and_filter_keeps_sqlites_order(history_queue: Queue, sort: str,
                                                   descending: bool) -> None:
    for base in QUERIES:
        query = TaskQuery(base.statuses, base.types, base.text, sort=sort, descending=descending)
        result = history_queue.result_set(query)
        assert result.ids.tolist() == _plain_order(history_queue, query)
        assert [t.id for t in history_queue.list(query, 0, 50)] == result.task_ids(0, 50)


def test_refresh_takes_new_tasks_at_once_and_rebuilds_at_a_bounded_rate(
        db_path: Path) -> None:
    ticks = Ticks()
    queue = Queue.open(db_path, clock=lambda: NOW)
    first = [queue.enqueue("echo").id for _ in range(3)]
    result = resultset.build(sqlite_db(queue), TaskQuery(statuses=("queued",)), NOW, ticks)
    result = ResultSet(result.query, result.ids, result.max_id, ticks.now, 1.0)  # "cost 1 s"
    new = queue.enqueue("echo").id
    queue.cancel(first[0])
    same_moment = resultset.refresh(sqlite_db(queue), result, NOW, ticks)
    assert same_moment.ids.tolist() == [new, *reversed(first)]  # new task shown at once
    ticks.now += REBUILD_FACTOR * 1.0 - 0.01
    refreshed = resultset.refresh(sqlite_db(queue), result, NOW, ticks)
    assert refreshed.ids.tolist() == [new, *reversed(first)]
    ticks.now += 0.02
    rebuilt = resultset.refresh(sqlite_db(queue), result, NOW, ticks)
    assert rebuilt.ids.tolist() == [new, first[2], first[1]]  # the cancelled one left
    queue.close()


def test_refresh_of_other_orders_waits_for_the_rebuild(queue: Queue) -> None:
    ticks = Ticks()
    queue.enqueue("echo", priority=5)
    built = resultset.build(sqlite_db(queue), TaskQuery(sort="priority"), NOW, ticks)
    result = ResultSet(built.query, built.ids, built.max_id, ticks.now, 1.0)
    queue.enqueue("echo", priority=1)
    assert resultset.refresh(sqlite_db(queue), result, NOW, ticks) is result
    ticks.now += REBUILD_FACTOR
    assert len(resultset.refresh(sqlite_db(queue), result, NOW, ticks)) == 2


def test_scan_hint_gives_the_same_rows(history_queue: Queue) -> None:
    for query in QUERIES[:6]:
        where, params = filters.where(query, NOW, scan=True)
        sql = f"SELECT id FROM task_queue WHERE {where} ORDER BY {filters.order_by(query)}"
        assert [r[0] for r in sqlite_db(history_queue).query(sql, params)] == _plain_order(
            history_queue, query)


def test_an_unfiltered_id_order_follows_inserts_and_deletes_without_rebuilding(
        queue: Queue) -> None:
    ticks = Ticks()
    ids = [queue.enqueue("echo").id for _ in range(4)]
    built = resultset.build(sqlite_db(queue), TaskQuery(), NOW, ticks)
    result = ResultSet(built.query, built.ids, built.max_id, ticks.now, 100.0)  # "slow"
    queue.cancel(ids[0])  # a status change does not move anything in this order
    new = queue.enqueue("echo").id
    fresh = resultset.refresh(sqlite_db(queue), result, NOW, ticks)
    assert fresh.ids.tolist() == [new, *reversed(ids)] and fresh.built_at == result.built_at
    queue.bulk("delete", TaskQuery(text=f"#{ids[0]}"))
    rebuilt = resultset.refresh(sqlite_db(queue), fresh, NOW, ticks)
    assert rebuilt.ids.tolist() == [new, ids[3], ids[2], ids[1]]
