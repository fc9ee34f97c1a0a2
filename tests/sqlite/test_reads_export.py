"""Export: the file holds exactly the query's rows in its order; stop leaves no file."""

from __future__ import annotations

import csv
import json
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from prismq_desktop.core import Queue, TaskQuery, export
from prismq_desktop.core.models import TASK_COLUMNS
from prismq_desktop.core.sqlite import sample_data as history
from tests.support import sqlite_db

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def filled(db_path: Path) -> Queue:
    queue = Queue.open(db_path, clock=lambda: NOW)
    history.generate(sqlite_db(queue), 1200, 1, NOW, with_logs=False)
    with sqlite_db(queue).transaction() as conn:  # odd rows are exported as they are
        conn.execute("INSERT INTO task_queue (type, payload, priority, error_message)"
                     " VALUES ('odd', '{a: 1,}', 'high', 'line one\nline \"two\", 50%')")
    return queue


QUERIES = [TaskQuery(), TaskQuery(statuses=("failed",), sort="error"),
           TaskQuery(text="payload.query:*trends -status:completed", sort="created",
                     descending=False), TaskQuery(text="type:odd")]


@pytest.mark.parametrize("query", QUERIES)
def test_csv_matches_the_query_row_for_row(filled: Queue, tmp_path: Path,
                                           query: TaskQuery) -> None:
    result = filled.export(query, tmp_path / "out.csv")
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    expected = filled.result_set(query)
    assert rows[0] == list(TASK_COLUMNS)
    assert [int(row[0]) for row in rows[1:]] == expected.ids.tolist()
    assert result.rows == result.total == len(expected) and not result.stopped
    tasks = {t.id: t for t in filled.window(expected, 0, len(expected)) if t}
    for row in rows[1:]:
        stored = tasks[int(row[0])].to_dict()
        assert row == ["" if stored[c] is None else str(stored[c]) for c in TASK_COLUMNS]


@pytest.mark.parametrize("query", QUERIES)
def test_json_lines_hold_the_stored_values(filled: Queue, tmp_path: Path,
                                           query: TaskQuery) -> None:
    filled.export(query, tmp_path / "out.jsonl", "jsonl")
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    expected = filled.result_set(query)
    got = [json.loads(line) for line in lines]
    assert [row["id"] for row in got] == expected.ids.tolist()
    assert got == [t.to_dict() for t in filled.window(expected, 0, len(expected))]


def test_progress_and_stopping_leave_no_partial_file(filled: Queue, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "CHUNK", 100)
    seen: list[tuple[int, int]] = []
    filled.export(TaskQuery(), tmp_path / "all.csv", progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (100, 1201) and seen[-1] == (1201, 1201) and len(seen) == 13
    result = filled.export(TaskQuery(), tmp_path / "stop.csv", progress=lambda d, t: d < 300)
    assert result.stopped and result.rows == 300
    stop = threading.Event()
    stop.set()
    assert filled.export(TaskQuery(), tmp_path / "never.jsonl", "jsonl", cancel=stop).stopped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.csv", "queue.db",
                                                          "queue.db-shm", "queue.db-wal"]
