"""The real command line in child processes: `python -m prismq_desktop ...`.

The issue's user session end to end, every exit code as a script sees it, a lock held by
another process, a live `logs --follow`, Ctrl+C and a closed pipe.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from prismq_desktop.core import Queue
from prismq_desktop.core.models import TASK_COLUMNS
from tests.cli.support import Result, assert_one_line_error, snapshot
from tests.support import sqlite_db

REPO = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-m", "prismq_desktop"]


def cli_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PRISMQ_QUEUE_DB_PATH", None)
    return env


def run(*argv: str, cwd: Path) -> Result:
    done = subprocess.run([*COMMAND, *argv], cwd=cwd, env=cli_env(), capture_output=True,
                          text=True, timeout=60)
    return Result(done.returncode, done.stdout, done.stderr)


Start = Callable[..., "subprocess.Popen[str]"]


@pytest.fixture
def start() -> Iterator[Start]:
    """Start the command in its own process group; every group is killed after the test,
    pass or fail, so a `logs --follow` that never ends cannot outlive it."""
    children: list[subprocess.Popen[str]] = []

    def spawn(*argv: str, cwd: Path, sigint: bool = False) -> subprocess.Popen[str]:
        # A suite run in the background inherits SIGINT ignored, and Python then keeps
        # ignoring it: a test that sends SIGINT sets the default back in the child.
        restore = (lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)) if sigint else None
        child = subprocess.Popen([*COMMAND, *argv], cwd=cwd, env=cli_env(), text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 start_new_session=True, preexec_fn=restore)
        children.append(child)
        return child

    yield spawn
    for child in children:
        kill_group(child)


def kill_group(child: subprocess.Popen[str]) -> None:
    """SIGKILL the child's process group (it and anything it started) and reap it; only
    while the child lives, since its id names the group only as long as it does."""
    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
    child.communicate(timeout=20)


def complete_one(path: Path, worker: str = "w1") -> int:
    with Queue.open(path) as queue:
        claimed = queue.claim(worker)
        assert claimed is not None
        assert queue.complete(claimed.id, worker, {"ok": True}, claimed_at=claimed.claimed_at)
        return claimed.id


def test_the_issue_user_session(tmp_path: Path) -> None:
    def cli(*argv: str) -> Result:
        result = run("--db", "q.db", *argv, cwd=tmp_path)
        assert result.code == 0 and result.err == "", result
        return result

    payload = '{"query": "AI trends"}'
    first = cli("enqueue", "youtube_search", "--payload", payload, "--priority", "50",
                "--idempotency-key", "s-001")
    assert first.out == "enqueued task 1 (youtube_search, priority 50)\n"
    again = cli("enqueue", "youtube_search", "--payload", payload, "--idempotency-key", "s-001")
    assert "task 1 already has idempotency key 's-001'" in again.out
    queued = cli("list", "--status", "queued", "--json").json
    assert len(queued) == 1 and list(queued[0]) == list(TASK_COLUMNS)
    assert queued[0]["priority"] == 50 and queued[0]["idempotency_key"] == "s-001"
    assert '"query": "AI trends"' in cli("show", "1").out
    assert cli("cancel", "1").out == "cancelled task 1 (youtube_search): now cancelled\n"
    assert cli("retry", "1").out == "retried task 1 (youtube_search): now queued\n"
    stats = cli("stats", "--json").json
    assert stats["counts"] == {"queued": 1} and stats["total"] == 1
    messages = [line.split(None, 3)[3] for line in cli("logs", "1").out.splitlines()]
    assert messages == ["enqueued", "cancelled", "retried"]
    assert cli("backup", "q-copy.db").code == 0
    assert "integrity:      ok" in cli("check").out
    assert cli("purge", "--older-than", "30").out == "purged 0 finished tasks older than 30 days\n"
    copied = run("list", "--json", "--db", "q-copy.db", cwd=tmp_path)
    assert [task["id"] for task in copied.json] == [1]


def test_python_m_version_and_db_after_the_command(tmp_path: Path) -> None:
    version = run("--version", cwd=tmp_path)
    assert version.code == 0 and version.out.startswith("prismq-desktop ")
    assert "SQLite 3." in version.out
    made = run("enqueue", "echo", "--db", "after.db", "--json", cwd=tmp_path)
    assert made.code == 0 and made.json["type"] == "echo"
    assert run("list", "--db", "after.db", "--json", cwd=tmp_path).json[0]["id"] == 1


def test_a_search_that_starts_with_a_dash(tmp_path: Path) -> None:
    with Queue.open(tmp_path / "q.db") as queue:
        queue.enqueue("echo")
    complete_one(tmp_path / "q.db")
    with Queue.open(tmp_path / "q.db") as queue:
        queue.enqueue("echo")
    found = run("--db", "q.db", "list", "--search", "-status:completed", "--json", cwd=tmp_path)
    assert found.code == 0 and [task["id"] for task in found.json] == [2], found
    assert_one_line_error(run("--db", "q.db", "list", "--search", "--json", cwd=tmp_path), 2,
                          "write --search=--json")


def test_every_exit_code_as_a_script_sees_it(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    with Queue.open(db) as queue:
        queue.enqueue("echo")
    complete_one(db)
    assert run("--db", "q.db", "show", "1", cwd=tmp_path).code == 0
    assert_one_line_error(run("--db", "q.db", "cancel", "1", cwd=tmp_path), 1, "is completed")
    assert_one_line_error(run("--db", "q.db", "show", "7", cwd=tmp_path), 2, "no task with id 7")
    assert_one_line_error(run("--db", "q.db", "list", "--limit", "x", cwd=tmp_path), 2,
                          "argument --limit")
    assert_one_line_error(run("--db", "nope.db", "list", cwd=tmp_path), 3, "does not exist")
    assert not (tmp_path / "nope.db").exists()


def _text_file(path: Path) -> None:
    path.write_text("not a database\n")


def _foreign_sqlite(path: Path) -> None:
    # Another process, so the stdlib's SQLite never shares this one (DESIGN §3).
    subprocess.run([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
                    " c.execute('CREATE TABLE t (x)'); c.commit()", str(path)], check=True)


def _queue_file(path: Path) -> None:
    with Queue.open(path) as queue:
        queue.enqueue("echo")


@pytest.mark.parametrize(("make", "argv", "code", "message"), [
    (_queue_file, ["enqueue", "x", "--payload", "{oops"], 2, "payload is not valid JSON"),
    (_queue_file, ["enqueue", "x", "--payload", '"text"'], 2, "must be a JSON object"),
    (_queue_file, ["cancel", "404"], 2, "no task with id 404"),
    (_text_file, ["enqueue", "x"], 3, "is not a SQLite database"),
    (_foreign_sqlite, ["enqueue", "x"], 3, "without the PrismQ queue tables"),
])
def test_bad_input_in_a_real_process_changes_nothing(tmp_path: Path, make, argv: list[str],
                                                     code: int, message: str) -> None:
    make(tmp_path / "q.db")
    before = snapshot(tmp_path / "q.db")
    assert_one_line_error(run("--db", "q.db", *argv, cwd=tmp_path), code, message)
    assert snapshot(tmp_path / "q.db") == before


def test_a_directory_in_a_real_process(tmp_path: Path) -> None:
    (tmp_path / "adir").mkdir()
    assert_one_line_error(run("enqueue", "x", "--db", "adir", cwd=tmp_path), 3, "is a directory")
    assert list((tmp_path / "adir").iterdir()) == []


def test_a_locked_file_fails_fast_and_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    _queue_file(db)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import apsw, sys; c = apsw.Connection(sys.argv[1]);"
         " c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        before = snapshot(db)
        for argv in (["enqueue", "y"], ["cancel", "1"]):
            locked = run("--db", "q.db", "--lock-timeout", "0.2", *argv, cwd=tmp_path)
            assert_one_line_error(locked, 3, "locked by another process")
        assert snapshot(db) == before
        readers_go_on = run("--db", "q.db", "list", "--json", cwd=tmp_path)  # WAL readers
        assert readers_go_on.code == 0 and len(readers_go_on.json) == 1
    finally:
        holder.communicate(input="", timeout=10)


def test_logs_follow_tails_until_the_task_finishes(tmp_path: Path, start: Start) -> None:
    db = tmp_path / "q.db"
    _queue_file(db)
    follower = start("--db", "q.db", "logs", "1", "--follow", cwd=tmp_path)
    assert follower.stdout is not None
    assert follower.stdout.readline().rstrip().endswith("enqueued")
    complete_one(db)
    rest, err = follower.communicate(timeout=20)
    assert follower.returncode == 0 and err == ""
    assert "claimed by w1" in rest and "completed in" in rest and "result: {\"ok\": true}" in rest


@pytest.mark.skipif(sys.platform.startswith("win"), reason="SIGINT to a child is POSIX")
def test_ctrl_c_ends_a_follow_quietly(tmp_path: Path, start: Start) -> None:
    _queue_file(tmp_path / "q.db")
    follower = start("--db", "q.db", "logs", "1", "-f", "--json", cwd=tmp_path, sigint=True)
    assert follower.stdout is not None
    assert json.loads(follower.stdout.readline())["message"] == "enqueued"
    follower.send_signal(signal.SIGINT)
    _, err = follower.communicate(timeout=20)
    assert follower.returncode == 0 and err == ""


def test_a_closed_pipe_is_not_an_error(tmp_path: Path, start: Start) -> None:
    with Queue.open(tmp_path / "q.db") as queue:
        queue.enqueue_many([{"type": "echo", "payload": {"n": n}} for n in range(3000)])
    reader = start("--db", "q.db", "list", "--limit", "3000", "--json", cwd=tmp_path)
    assert reader.stdout is not None and reader.stdout.readline() == "[\n"
    reader.stdout.close()  # like `| head -1`
    assert reader.wait(timeout=20) == 0
    assert reader.stderr is not None
    with reader.stderr:
        assert reader.stderr.read() == ""


def test_list_search_reads_dates_in_the_local_time_it_shows(tmp_path: Path) -> None:
    """Issue 11 item 4: in New York time the row shows 00:12:53, and that minute finds it."""
    with Queue.open(tmp_path / "q.db") as queue:
        task_id = queue.enqueue("echo").id
        sqlite_db(queue).execute("UPDATE task_queue SET created_at_utc = ? WHERE id = ?",
                                 ("2026-11-20 05:12:53", task_id))
    env = {**cli_env(), "TZ": "America/New_York"}

    def listed(*argv: str) -> str:
        done = subprocess.run([*COMMAND, "list", "--db", "q.db", *argv], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and not done.stderr, done
        return done.stdout

    assert "2026-11-20 00:12:53" in listed()
    found = listed("--search", 'created>"2026-11-20 00:12" created<"2026-11-20 00:13"')
    assert "2026-11-20 00:12:53" in found and found.splitlines()[1].split()[0] == str(task_id)
    assert "no tasks match" in listed("--search", "created:2026-11-19")
    assert "00:12:53" in listed("--search", "created>2026-11-20T05:12Z created<2026-11-20T05:13Z")
