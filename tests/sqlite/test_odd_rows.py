"""One unusual row never blinds the app (issue 17 item 3, DESIGN §3): a matrix of every kind
of value SQLite can hold in every column (tests/sqlite/odd_values.py) is read by the core, by
each command in-process for every row, and by the real commands over the whole file; values
are shown as they are, text that is not UTF-8 with its bytes escaped and marked."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import apsw
import pytest

from prismq_desktop.cli.main import main
from prismq_desktop.core import SORT_FIELDS, Queue, TaskQuery
from prismq_desktop.core.models import RawText
from tests.sqlite.odd_values import CASES, ODD_VALUES, make_odd_queue
from tests.worker.support import REPO, child_env


@pytest.fixture(scope="module")
def odd_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[str, str], int]]:
    path = tmp_path_factory.mktemp("odd") / "queue.db"
    written = make_odd_queue(path)
    return path, {case: task_id for task_id, case in written.items()}


@pytest.fixture(scope="module")
def odd_queue(odd_file: tuple[Path, dict]) -> Iterator[Queue]:
    with Queue.open(odd_file[0], read_only=True) as queue:
        yield queue


def _id(odd_file: tuple[Path, dict], case: tuple[str, str]) -> int:
    if case not in odd_file[1]:
        pytest.skip(f"SQLite refuses {case[1]} in {case[0]}")
    return odd_file[1][case]


def _cli(path: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", str(path), *argv])
    return code, out.getvalue(), err.getvalue()


def test_the_matrix_holds_every_value_in_every_column(odd_file: tuple[Path, dict]) -> None:
    refused = sorted(set(CASES) - set(odd_file[1]))
    assert all(name == "null" or column in ("payload", "compatibility")
               for column, name in refused), refused
    assert len(odd_file[1]) >= len(CASES) - 40


@pytest.mark.parametrize("case", CASES, ids=[f"{c}-{n}" for c, n in CASES])
def test_the_core_reads_each_odd_row_as_stored(odd_queue: Queue, odd_file: tuple[Path, dict],
                                               case: tuple[str, str]) -> None:
    task_id = _id(odd_file, case)
    column, name = case
    task = odd_queue.get(task_id)
    value, stored = getattr(task, column), ODD_VALUES[name]
    if name == "bad_utf8":
        assert isinstance(value, RawText) and value == "\\xff\\xfeA" and value.raw == stored
    else:  # exactly what SQLite returns (after the column's type affinity)
        raw = apsw.Connection(str(odd_file[0]), flags=apsw.SQLITE_OPEN_READONLY)
        try:
            (expected,), = raw.execute(f'SELECT "{column}" FROM task_queue WHERE id = ?',
                                       (task_id,)).fetchall()
        finally:
            raw.close()
        assert value == expected and type(value) is type(expected)
    task.shown_status(odd_queue.now())
    task.time(column) if column.endswith("_utc") else None
    odd_queue.details(task_id)
    json.dumps(odd_queue.task_document(task_id), allow_nan=False)


@pytest.mark.parametrize("case", CASES, ids=[f"{c}-{n}" for c, n in CASES])
def test_show_prints_each_odd_row(odd_file: tuple[Path, dict], case: tuple[str, str]) -> None:
    task_id = _id(odd_file, case)
    code, text, err = _cli(odd_file[0], "show", str(task_id))
    assert (code, err) == (0, "") and f"{task_id}" in text
    if case[1] == "bad_utf8" and case[0] not in ("payload", "compatibility"):
        assert "⚠\\xff\\xfeA" in text  # shown escaped, and marked
    code, text, err = _cli(odd_file[0], "show", str(task_id), "--json")
    assert (code, err) == (0, "")
    json.loads(text)
    if case[1] == "bad_utf8":
        assert json.dumps("\\xff\\xfeA")[1:-1] in text


def test_every_window_at_every_sort_shows_every_row(odd_queue: Queue) -> None:
    total = odd_queue.count()
    for sort in SORT_FIELDS:
        for descending in (True, False):
            rows = odd_queue.window(odd_queue.result_set(TaskQuery(sort=sort,
                                                                   descending=descending)), 0,
                                    total + 10)
            assert len(rows) == total and all(row is not None for row in rows), sort
    for window in ("15m", "1h", "24h", "7d"):
        odd_queue.stats(window)
    odd_queue.summary(), odd_queue.health(), odd_queue.workers_overview()
    odd_queue.search_completion(), odd_queue.unhandled_types()
    entries = odd_queue.logs(1)
    assert any(isinstance(entry.message, RawText) for entry in entries)


@pytest.mark.parametrize("command", [
    ["list", "--limit", "1000"], ["list", "--json", "--limit", "1000"], ["stats"],
    ["stats", "--json"], ["logs", "1"], ["logs", "1", "--json"], ["check"],
])
def test_the_real_commands_read_the_whole_file(odd_file: tuple[Path, dict],
                                               command: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "prismq_desktop", "--db", str(odd_file[0]),
                           *command], env=child_env(), cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    if command[:2] == ["list", "--json"]:
        assert len(json.loads(done.stdout)) == 3 + len(CASES)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_writes_every_row(odd_file: tuple[Path, dict], tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"out.{fmt}"
    code, _, err = _cli(odd_file[0], "export", str(target), "--format", fmt)
    assert (code, err) == (0, "")
    if fmt == "jsonl":
        rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
        assert len(rows) == 3 + len(CASES)
        assert any(row["type"] == "\\xff\\xfeA" for row in rows)


def test_odd_text_never_stops_claims_or_user_actions(tmp_path: Path) -> None:
    """A worker claims (and hands off to) rows holding text not in UTF-8, a user cancels and
    retries them: each write returns the row as stored instead of failing for ever."""
    path = tmp_path / "queue.db"
    with Queue.open(path) as queue:
        ids = [queue.enqueue("a", {"n": n}).id for n in range(6)]
    conn = apsw.Connection(str(path))
    for task_id, column in zip(ids, ("idempotency_key", "error_message", "locked_by",
                                     "idempotency_key", "error_message", "locked_by"),
                               strict=True):
        conn.execute(f"UPDATE task_queue SET {column} = CAST(? AS TEXT) WHERE id = ?",
                     (f"odd-{task_id}-".encode() + b"\xff", task_id))
    conn.close()
    with Queue.open(path) as queue:
        cancelled = queue.cancel(ids[5])
        assert cancelled.status == "cancelled" and isinstance(cancelled.locked_by, RawText)
        assert queue.retry(ids[5]).status == "queued"
        first = queue.claim("w1")
        assert first is not None and isinstance(first.idempotency_key, RawText)
        done, following = queue.complete_and_claim(first.id, "w1")
        ran = [first.id]
        while following is not None:
            ran.append(following.id)
            done, following = queue.complete_and_claim(following.id, "w1")
        assert done and sorted(ran) == ids
        assert queue.count(TaskQuery(statuses=("completed",))) == 6
