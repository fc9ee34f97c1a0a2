"""`prismq-desktop export`: the search language and status filters, streamed to a file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from test_cli import Run, cli  # noqa: F401  (the in-process CLI fixture)

from prismq_desktop.core import Queue, TaskQuery
from tests.cli.support import assert_one_line_error, snapshot


def _fill(path: Path) -> None:
    with Queue.open(path) as queue:
        queue.enqueue_many([{"type": "transcode", "payload": {"size": n, "name": f"v{n}"}}
                            for n in range(40)])
        queue.enqueue_many([{"type": "thumbnail", "payload": {"size": n}} for n in range(10)])
        for _ in range(5):
            task = queue.claim("w1", types=["transcode"])
            queue.fail(task.id, "w1", "timeout while encoding", permanent=True)


def test_export_writes_exactly_the_filters_rows(cli: Run, db_path: Path,  # noqa: F811
                                                tmp_path: Path) -> None:
    _fill(db_path)
    target = tmp_path / "big.csv"
    done = cli("export", str(target), "--search", "type:transcode payload.size>=30")
    assert done.code == 0 and done.out == f"exported 10 tasks to {target} (csv)\n"
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with Queue.open(db_path, read_only=True) as queue:
        expected = queue.list(TaskQuery(text="type:transcode payload.size>=30", sort="id",
                                        descending=False), 0, 100)
    assert [int(row["id"]) for row in rows] == [task.id for task in expected]
    assert rows[0]["payload"] == expected[0].payload
    lines = tmp_path / "failed.jsonl"
    done = cli("export", str(lines), "--status", "failed", "--search", "error:TIMEOUT", "--json")
    assert done.code == 0 and done.json["rows"] == 5 and done.json["format"] == "jsonl"
    records = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    assert {r["status"] for r in records} == {"failed"} and len(records) == 5


def test_export_bad_input_is_one_line_and_writes_nothing(cli: Run, db_path: Path,  # noqa: F811
                                                         tmp_path: Path) -> None:
    _fill(db_path)
    before = snapshot(db_path)
    target = tmp_path / "out.csv"
    assert_one_line_error(cli("export", str(target), "--search", "payload.size>"), 2,
                          "needs a value")
    assert_one_line_error(cli("export", str(target), "--status", "failde"), 2,
                          "unknown status 'failde'")
    assert_one_line_error(cli("export", str(tmp_path)), 2, "is a directory")
    assert_one_line_error(cli("export", str(target), "--format", "xml"), 2, "invalid choice")
    assert_one_line_error(cli("export", str(tmp_path / "no" / "x.csv")), 2, "cannot write")
    assert_one_line_error(cli("export", str(target), "--db", str(tmp_path / "missing.db"),
                              db=False), 3, "does not exist")
    assert list(tmp_path.glob("out.csv*")) == [] and snapshot(db_path) == before
