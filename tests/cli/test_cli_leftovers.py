"""What the command line leaves behind and what it prints from rows other tools wrote: no
``-wal``/``-shm`` beside files it only read, no folders a failed backup made, owner-only
exports, inert bidi controls, a word for an empty log and a 10 MB line cut short."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from prismq_desktop.core import Queue
from tests.cli.support import Result, assert_one_line_error
from tests.support import sqlite_db

ROOT = Path(__file__).resolve().parents[2]
READS = (["list"], ["show", "1"], ["logs", "1"], ["stats"], ["check"], ["list", "--json"])


def cli(tmp_path: Path, *argv: str) -> Result:
    """The real command in its own process (SQLite's locks are per process)."""
    env = {k: v for k, v in os.environ.items() if k != "PRISMQ_QUEUE_DB_PATH"}
    done = subprocess.run([sys.executable, "-m", "prismq_desktop", *argv], cwd=tmp_path,
                          env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=60)
    return Result(done.returncode, done.stdout, done.stderr)


def _queue(path: Path) -> None:
    with Queue.open(path) as queue:
        queue.enqueue("echo")


def _newer_schema(path: Path) -> None:
    _queue(path)
    with Queue.open(path) as queue:
        sqlite_db(queue).execute("PRAGMA user_version = 999")


def _read_only(path: Path) -> None:
    _queue(path)
    path.chmod(0o444)


def _corrupt(path: Path) -> None:
    _queue(path)
    with open(path, "r+b") as handle:  # keep the header, break the pages after it
        handle.seek(100)
        handle.write(b"\xa5" * 20000)


@pytest.mark.parametrize("make", [_queue, _newer_schema, _read_only, _corrupt])
def test_reads_leave_no_wal_or_shm_beside_the_file(tmp_path: Path, make) -> None:
    make(tmp_path / "q.db")
    for argv in READS:
        result = cli(tmp_path, "--db", "q.db", *argv)
        assert result.code in (0, 2, 3), result
        assert sorted(p.name for p in tmp_path.iterdir()) == ["q.db"], (argv, result)


def test_a_read_leaves_the_sidecars_of_a_queue_in_use(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from prismq_desktop.core import Queue;"
         " q = Queue.open(sys.argv[1]); q.enqueue('echo'); print('open', flush=True);"
         " sys.stdin.read(); q.close()", str(tmp_path / "q.db")],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        names = sorted(p.name for p in tmp_path.iterdir())
        assert cli(tmp_path, "--db", "q.db", "list").code == 0
        assert sorted(p.name for p in tmp_path.iterdir()) == names
    finally:
        holder.communicate(input="", timeout=20)


def test_backup_does_not_create_missing_folders(tmp_path: Path) -> None:
    _queue(tmp_path / "q.db")
    result = cli(tmp_path, "--db", "q.db", "backup", "new/deeper/copy.db")
    assert_one_line_error(result, 2, "does not exist; create it first")
    assert not (tmp_path / "new").exists()


def test_export_is_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    _queue(tmp_path / "q.db")
    (tmp_path / "tasks.csv.part").write_text("old")
    (tmp_path / "tasks.csv.part").chmod(0o644)
    for name in ("tasks.csv", "tasks.jsonl"):
        done = subprocess.run(
            ["sh", "-c", 'umask 022 && exec "$@"', "sh", sys.executable, "-m", "prismq_desktop",
             "--db", "q.db", "export", name], cwd=tmp_path, capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
        assert done.returncode == 0, done.stderr
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


BIDI = "\u202e\u2066\u200f"


def test_bidi_controls_are_inert_in_text_and_json(tmp_path: Path) -> None:
    with Queue.open(tmp_path / "q.db") as queue:
        queue.enqueue(f"evil{BIDI}gpj.exe", {"name": f"a{BIDI}b"})
        queue.log(1, "INFO", f"done {BIDI} here")
    for argv in (["list"], ["show", "1"], ["logs", "1"], ["stats"], ["list", "--json"],
                 ["show", "1", "--json"], ["logs", "1", "--json"]):
        result = cli(tmp_path, "--db", "q.db", *argv)
        assert result.code == 0, result
        assert not set(BIDI) & set(result.out + result.err), argv
        assert "\\u202e" in result.out, argv
    as_json = cli(tmp_path, "--db", "q.db", "show", "1", "--json").json
    assert as_json["type"] == f"evil{BIDI}gpj.exe"  # the same data for a program


def test_logs_of_a_task_without_log_rows_says_so(tmp_path: Path) -> None:
    _queue(tmp_path / "q.db")
    result = cli(tmp_path, "--db", "q.db", "logs", "1")
    assert result.code == 0 and result.err == ""
    assert result.out.splitlines()[-1] == ("(task 1 has no log entries: nothing has happened "
                                           "to it since it was enqueued)")


def test_logs_elides_a_10_mb_line(tmp_path: Path) -> None:
    with Queue.open(tmp_path / "q.db") as queue:
        queue.enqueue("echo")
        sqlite_db(queue).execute(  # as another tool could write it, past any cap of ours
            "INSERT INTO task_logs (task_id, at_utc, level, message) VALUES (1, ?, 'INFO', ?)",
            ("2026-12-01 10:00:00", "x" * 10_000_000))
    result = cli(tmp_path, "--db", "q.db", "logs", "1")
    assert result.code == 0 and len(result.out) < 20_000
    assert "… (9,990,000 more characters; --json prints all of it)" in result.out
    full = cli(tmp_path, "--db", "q.db", "logs", "1", "--json").json
    assert len(full[-1]["message"]) == 10_000_000
