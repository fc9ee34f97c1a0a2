"""The task table's windows from the query's ordered ids (gui/task_source.py): at any depth,
for every sort both ways, the same rows as a plain ORDER BY ... LIMIT/OFFSET; kept current."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from prismq_desktop.core import SORT_FIELDS, Queue, TaskQuery
from prismq_desktop.core.sqlite import filters
from prismq_desktop.core.sqlite import sample_data as history
from prismq_desktop.gui.tasks import task_source
from tests.support import sqlite_db, wait_until

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Queue]:
    """3,100 tasks: many ties (type, status, priority, attempts) and NULLs (started,
    finished, worker, error, duration)."""
    queue = Queue.open(tmp_path_factory.mktemp("source") / "q.db", clock=lambda: NOW)
    history.generate(sqlite_db(queue), 3000, 2, NOW, scheduled=40, backlog=60, with_logs=False)
    yield queue
    queue.close()


def _plain_window(queue: Queue, query: TaskQuery, offset: int, limit: int) -> list[int]:
    where, params = filters.where(query, NOW)
    sql = (f"SELECT id FROM task_queue WHERE {where} ORDER BY {filters.order_by(query)}"
           " LIMIT ? OFFSET ?")
    return [row[0] for row in sqlite_db(queue).query(sql, [*params, limit, offset])]


def test_the_fixture_has_ties_and_nulls(filled: Queue) -> None:
    nulls, kinds = sqlite_db(filled).query(
        "SELECT count(*) FILTER (WHERE finished_at_utc IS NULL), count(DISTINCT priority)"
        " FROM task_queue")[0]
    assert nulls > 50 and kinds < 10


@pytest.mark.parametrize("sort", list(SORT_FIELDS))
@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("statuses", [(), ("completed", "failed")])
def test_windows_at_depth_equal_limit_offset(filled: Queue, sort: str, descending: bool,
                                             statuses: tuple[str, ...]) -> None:
    query = TaskQuery(statuses=statuses, sort=sort, descending=descending)
    results = task_source.Results()
    total = filled.count(query)
    for offset in (0, 1, total // 3, total // 2 + 7, total - 60, total - 1, total):
        rows = task_source.rows(filled, results, query, offset, 120)
        assert [r.id for r in rows] == _plain_window(filled, query, offset, 120), offset
    first = task_source.first_window(filled, task_source.Results(), query, 90)
    assert first.count == total
    assert [r.id for r in first.rows] == _plain_window(filled, query, 0, 90)


def test_the_set_is_built_once_per_query(filled: Queue) -> None:
    results = task_source.Results()
    query = TaskQuery(sort="priority")
    kept = results.get(filled, query)
    task_source.rows(filled, results, query, 500, 50)
    assert results.get(filled, query) is kept
    other = TaskQuery(sort="priority", descending=False)
    assert results.get(filled, other) is not kept


def test_a_refresh_window_shows_new_tasks_and_survives_deletes(queue: Queue) -> None:
    ids = [queue.enqueue("echo", {"i": i}).id for i in range(6)]
    query, results = TaskQuery(), task_source.Results()
    assert [r.id for r in task_source.rows(queue, results, query, 0, 10)] == ids[::-1]
    new = queue.enqueue("echo").id
    win = task_source.window(queue, results, query, 0, 10)
    assert win.count == 7 and [r.id for r in win.rows] == [new, *ids[::-1]]
    queue.cancel(ids[2])
    queue.bulk("delete", TaskQuery(text=f"#{ids[2]}"))
    rows = task_source.rows(queue, results, query, 0, 10)
    assert [r.id for r in rows] == [new, ids[5], ids[4], ids[3], ids[1], ids[0]]
    assert task_source.position(queue, results, query, ids[1]) == 4
    assert task_source.position(queue, results, query, ids[2]) is None


def test_selection_ranges_resolve_to_ids(filled: Queue) -> None:
    query = TaskQuery(sort="duration")
    found = task_source.ids(filled, query, [(0, 4), (1500, 1502)])
    assert found == _plain_window(filled, query, 0, 5) + _plain_window(filled, query, 1500, 3)


def test_a_due_rebuild_runs_beside_the_window_reads(queue: Queue,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows keep coming from the current set while the rebuild runs on its own
    connection; the next refresh after it finished takes the new set."""
    monkeypatch.setattr(task_source, "INLINE_REBUILD_SECONDS", 0.0)  # as for a big file
    ids = [queue.enqueue("echo", priority=p).id for p in (5, 1)]
    query, results = TaskQuery(sort="priority"), task_source.Results()
    assert results.get(queue, query).ids.tolist() == [ids[0], ids[1]]
    new = queue.enqueue("echo", priority=3).id
    wait_until(lambda: results.get(queue, query).rebuild_due(), interval=0.005,
               what="the set to be old enough for a rebuild (4x its build time)")
    assert results.refresh(queue, query).ids.tolist() == [ids[0], ids[1]]  # not waited for
    wait_until(lambda: len(results.refresh(queue, query)) >= 3, what="the background rebuild")
    assert results.refresh(queue, query).ids.tolist() == [ids[0], new, ids[1]]
