"""Export through the Queue: the query's rows in its order, one task with its whole log.

Odd rows (JSON5, text priorities) and stopping mid-way are in tests/sqlite/test_reads_export.py.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from prismq_desktop.core import Queue, TaskQuery, ValidationError
from prismq_desktop.core.models import TASK_COLUMNS


def _fill(queue: Queue) -> None:
    queue.enqueue_many([{"type": t, "priority": p, "payload": {"query": q}}
                        for t, p, q in zip("abcab" * 8, range(40), ["AI trends", "x"] * 20,
                                           strict=True)])
    for n in range(12):
        task = queue.claim("w", strategy="priority")
        assert task is not None
        if n % 3:
            queue.complete(task.id, "w")
        else:
            queue.fail(task.id, "w", f"error, \"{n}\"\nsecond line", permanent=True)


@pytest.mark.parametrize("query", [TaskQuery(), TaskQuery(statuses=("failed",), sort="error"),
                                   TaskQuery(text="payload.query:*trends", descending=False)])
def test_csv_and_json_lines_hold_the_query_rows_in_order(queue: Queue, tmp_path: Path,
                                                         query: TaskQuery) -> None:
    _fill(queue)
    expected = queue.result_set(query)
    tasks = [t for t in queue.window(expected, 0, len(expected)) if t is not None]
    assert tasks and (len(tasks) < 40) == (query != TaskQuery())  # filters did filter
    result = queue.export(query, tmp_path / "out.csv")
    assert result.rows == result.total == len(tasks) and not result.stopped
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(TASK_COLUMNS)
    assert rows[1:] == [["" if v is None else str(v) for v in t.to_dict().values()]
                        for t in tasks]
    queue.export(query, tmp_path / "out.jsonl", "jsonl")
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [t.to_dict() for t in tasks]


def test_bad_targets_and_formats(queue: Queue, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="format"):
        queue.export(TaskQuery(), tmp_path / "x.xml", "xml")
    with pytest.raises(ValidationError, match="is a directory"):
        queue.export(TaskQuery(), tmp_path)
    with pytest.raises(ValidationError, match="cannot write"):
        queue.export(TaskQuery(), tmp_path / "missing" / "x.csv")
    assert not (tmp_path / "x.xml").exists()


def test_one_task_with_its_whole_log(queue: Queue, tmp_path: Path) -> None:
    task = queue.enqueue("echo", {"x": 1})
    for i in range(10_000):  # more than one logs() page
        queue.log(task.id, "INFO", f"line {i}")
    claimed = queue.claim("w1")
    assert claimed is not None
    queue.complete(task.id, "w1", {"ok": True}, claimed_at=claimed.claimed_at)
    path = queue.export_task(task.id, tmp_path / "task.json")
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    assert document["task"] == queue.get(task.id).to_dict()
    assert [e["log_id"] for e in document["logs"]] == [
        e.log_id for e in queue.logs(task.id, limit=10**6)]
    assert len(document["logs"]) == 1 + 10_000 + 2
    assert document["runs"][0]["outcome"] == "completed" and document["runs"][0]["attempt"] == 1
    assert queue.task_document(task.id) == document
