"""Export: the file holds exactly the query's rows in its order; stop leaves no file."""

from __future__ import annotations

import csv
import json
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from prismq_desktop.core import Queue, TaskQuery, ValidationError, export
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


def test_bad_targets_and_formats(filled: Queue, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="format"):
        filled.export(TaskQuery(), tmp_path / "x.xml", "xml")
    with pytest.raises(ValidationError, match="is a directory"):
        filled.export(TaskQuery(), tmp_path)
    with pytest.raises(ValidationError, match="cannot write"):
        filled.export(TaskQuery(), tmp_path / "missing" / "x.csv")


def test_one_task_with_its_whole_log(queue: Queue, tmp_path: Path) -> None:
    task = queue.enqueue("echo", {"x": 1})
    for i in range(3):
        queue.log(task.id, "INFO", f"line {i}")
    with sqlite_db(queue).transaction() as conn:
        conn.executemany("INSERT INTO task_logs (task_id, at_utc, level, message)"
                         " VALUES (?, '2026-11-23 12:00:00', 'INFO', ?)",
                         [(task.id, f"bulk line {i}") for i in range(12_000)])
    claimed = queue.claim("w1")
    assert claimed is not None
    queue.complete(task.id, "w1", {"ok": True}, claimed_at=claimed.claimed_at)
    path = queue.export_task(task.id, tmp_path / "task.json")
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    assert document["task"] == queue.get(task.id).to_dict()
    assert [e["log_id"] for e in document["logs"]] == [e.log_id for e in queue.logs(task.id,
                                                                                    limit=10**6)]
    assert len(document["logs"]) == 1 + 3 + 12_000 + 2
    assert document["runs"][0]["outcome"] == "completed" and document["runs"][0]["attempt"] == 1
