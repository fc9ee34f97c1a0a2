"""The command line in-process: `main(argv)` on real files, output captured by capsys.

The real-process checks (python -m, locks held by another process, --follow, pipes) are in
test_cli_process.py; here is the bulk of the behaviour, quickly.
"""

from __future__ import annotations

import io
import json
import stat
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import apsw
import pytest

from prismq_desktop.cli.main import main
from prismq_desktop.core import Queue, timeutil
from prismq_desktop.core.models import TASK_COLUMNS
from prismq_desktop.core.sqlite import schema
from tests.cli.support import Result, assert_one_line_error, snapshot
from tests.support import sqlite_db

Run = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_path: Path) -> Run:
    """Run the CLI on db_path (``--db`` first); ``db=False`` leaves the arguments alone."""
    def run(*argv: str, db: bool = True) -> Result:
        code = main(["--db", str(db_path), *argv] if db else list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)
    return run


@pytest.fixture
def live(db_path: Path) -> Iterator[Queue]:
    """A queue on the real clock, like the CLI's."""
    with Queue.open(db_path) as queue:
        yield queue


def finished_task(queue: Queue, worker: str = "w1", fail: bool = False) -> int:
    task = queue.enqueue("echo", {"n": 1}, max_attempts=1)
    claimed = queue.claim(worker, types=["echo"])
    assert claimed is not None and claimed.id == task.id
    if fail:
        queue.fail(task.id, worker, "boom\nsecond line", claimed_at=claimed.claimed_at)
    else:
        queue.complete(task.id, worker, {"ok": True}, claimed_at=claimed.claimed_at)
    return task.id


# -- enqueue --------------------------------------------------------------------------------

def test_enqueue_twice_with_one_key_makes_one_task(cli: Run, live: Queue) -> None:
    first = cli("enqueue", "youtube_search", "--payload", '{"query": "AI trends"}',
                "--priority", "50", "--idempotency-key", "s-001", "--json")
    again = cli("enqueue", "youtube_search", "--idempotency-key", "s-001", "--json")
    assert first.code == again.code == 0
    assert list(first.json) == list(TASK_COLUMNS)
    assert first.json == again.json and first.json["priority"] == 50
    assert json.loads(first.json["payload"]) == {"query": "AI trends"}
    assert first.err == "" and "already has idempotency key 's-001'" in again.err
    assert live.count() == 1
    plain = cli("enqueue", "youtube_search", "--idempotency-key", "s-001")
    assert plain.code == 0 and "nothing new was enqueued" in plain.out


def test_enqueue_reads_payload_from_file_and_stdin(cli: Run, live: Queue, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    payload_file = tmp_path / "p.json"
    payload_file.write_text('{"from": "file"}')
    assert cli("enqueue", "a", "--payload", f"@{payload_file}").code == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"from": "stdin"}'))
    assert cli("enqueue", "b", "--payload", "-", "--compatibility", '{"region": "eu"}').code == 0
    tasks = {t.type: t for t in live.list()}
    assert tasks["a"].payload_dict == {"from": "file"}
    assert tasks["b"].payload_dict == {"from": "stdin"}
    assert tasks["b"].compatibility_data == {"region": "eu"}
    missing = cli("enqueue", "c", "--payload", f"@{tmp_path / 'nope.json'}")
    assert_one_line_error(missing, 2, "cannot read the payload")


def test_enqueue_creates_a_missing_file_owner_only(cli: Run, db_path: Path) -> None:
    result = cli("enqueue", "echo", "--run-after", "+5m")
    assert result.code == 0 and "enqueued task 1" in result.out and "runs after" in result.out
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert "scheduled" in cli("list").out


BAD_ENQUEUE = [
    (["x", "--payload", "{bad"], "payload is not valid JSON"),
    (["x", "--payload", "[1, 2]"], "payload must be a JSON object"),
    (["x", "--payload", "42"], "payload must be a JSON object"),
    (["x", "--compatibility", "nope"], "compatibility is not valid JSON"),
    ([""], "task type must not be empty"),
    (["   "], "task type must not be empty"),
    (["t" * 101], "longer than 100"),
    (["x", "--priority", "1001"], "priority must be from 0 to 1000"),
    (["x", "--priority", "-1"], "priority must be from 0 to 1000"),
    (["x", "--priority", "high"], "priority must be a whole number"),
    (["x", "--max-attempts", "0"], "max attempts must be from 1 to 100"),
    (["x", "--max-attempts", "101"], "max attempts must be from 1 to 100"),
    (["x", "--run-after", "next tuesday"], "cannot read 'next tuesday' as a date-time"),
    (["x", "--run-after", "2026-13-45"], "as a date-time"),
    (["x", "--idempotency-key", "k" * 201], "idempotency key is longer"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_ENQUEUE)
def test_bad_enqueue_input_changes_nothing(cli: Run, db_path: Path, argv: list[str],
                                           message: str) -> None:
    Queue.open(db_path).close()
    before = snapshot(db_path)
    assert_one_line_error(cli("enqueue", *argv), 2, message)
    assert snapshot(db_path) == before


def test_bad_enqueue_input_does_not_create_the_file(cli: Run, db_path: Path) -> None:
    assert_one_line_error(cli("enqueue", "x", "--payload", "{"), 2, "not valid JSON")
    assert not db_path.exists()


# -- list, show -----------------------------------------------------------------------------

def test_list_filters_sorts_and_pages(cli: Run, live: Queue) -> None:
    for n in range(5):
        live.enqueue("alpha" if n % 2 else "beta", {"n": n, "needle": n == 3}, priority=10 * n)
    done = finished_task(live)
    queued = cli("list", "--status", "queued", "--json")
    assert queued.code == 0 and [t["id"] for t in queued.json] == [5, 4, 3, 2, 1]
    assert all(list(t) == list(TASK_COLUMNS) for t in queued.json)
    both = cli("list", "--status", "queued,completed", "--type", "echo", "--json").json
    assert [t["id"] for t in both] == [done]
    assert [t["id"] for t in cli("list", "--search", "needle\": true", "--json").json] == [4]
    by_priority = cli("list", "--type", "alpha", "--sort", "priority", "--asc", "--json").json
    assert [t["priority"] for t in by_priority] == [10, 30]
    page = cli("list", "--limit", "2", "--offset", "1")
    assert page.code == 0 and "(more tasks match: see them with --offset 3" in page.out
    assert "more tasks match" not in cli("list", "--limit", "2", "--offset", "4").out
    assert page.out.splitlines()[0].split() == ["ID", "TYPE", "STATUS", "PRI", "TRIES",
                                                "CREATED", "WORKER", "DETAIL"]
    assert cli("list", "--type", "nothing-like-this").out == "no tasks match\n"


def test_option_values_may_start_with_a_dash(cli: Run, live: Queue, tmp_path: Path) -> None:
    live.enqueue("alpha", {"tag": "-x"})
    done = finished_task(live)
    spaced = cli("list", "--search", "-status:completed", "--json")
    assert spaced.code == 0 and [t["id"] for t in spaced.json] == [1]
    assert cli("list", "--search=-status:completed", "--json").json == spaced.json
    assert [t["id"] for t in cli("list", "--search", "-alpha", "--json").json] == [done]
    made = cli("enqueue", "beta", "--idempotency-key", "-k1", "--payload", "{}", "--json")
    assert made.code == 0 and made.json["idempotency_key"] == "-k1"
    target = tmp_path / "out.jsonl"
    assert cli("export", str(target), "--search", "-type:beta").code == 0
    assert [json.loads(line)["id"] for line in target.read_text().splitlines()] == [1, done]


def test_an_option_name_after_an_option_says_how_to_give_it_as_the_value(cli: Run) -> None:
    assert_one_line_error(cli("list", "--search", "--json"), 2,
                          "argument --search: expected one argument (to give it '--json', "
                          "write --search=--json)")
    assert_one_line_error(cli("list", "--search"), 2, "argument --search: expected one")


def test_list_refuses_an_unknown_status_but_accepts_odd_ones_in_the_file(
        cli: Run, live: Queue) -> None:
    task = live.enqueue("x")
    sqlite_db(live).execute("UPDATE task_queue SET status = 'archived' WHERE id = ?", (task.id,))
    assert_one_line_error(cli("list", "--status", "queud"), 2, "unknown status 'queud'")
    assert [t["id"] for t in cli("list", "--status", "archived", "--json").json] == [task.id]


def test_show_prints_every_field_and_pretty_payload(cli: Run, live: Queue) -> None:
    task = live.enqueue("youtube_search", {"query": "AI trends"}, idempotency_key="s-1")
    shown = cli("show", str(task.id))
    assert shown.code == 0
    for column in TASK_COLUMNS:
        assert column in shown.out
    assert '  {\n    "query": "AI trends"\n  }' in shown.out
    assert cli("show", str(task.id), "--json").json == live.get(task.id).to_dict()


def test_show_odd_rows_as_they_are(cli: Run, live: Queue) -> None:
    task = live.enqueue("x")
    sqlite_db(live).execute(
        "UPDATE task_queue SET payload = ?, type = ?, status = 'weird', created_at_utc = 'soon'"
        " WHERE id = ?", ("{json5: 'yes', trailing: 1,}", "evil\x1b[31mred", task.id))
    shown = cli("show", str(task.id))
    assert shown.code == 0
    assert "{json5: 'yes', trailing: 1,}" in shown.out and "(not valid JSON" in shown.out
    assert "\x1b" not in shown.out and "evil\\x1b[31mred" in shown.out
    assert "weird" in shown.out and "soon  (not a readable time)" in shown.out
    listed = cli("list")
    assert listed.code == 0 and "\x1b" not in listed.out


# -- cancel, retry, logs --------------------------------------------------------------------

def test_cancel_retry_and_their_refusals(cli: Run, live: Queue) -> None:
    task = live.enqueue("x")
    cancelled = cli("cancel", str(task.id), "--json")
    assert cancelled.code == 0 and cancelled.json["status"] == "cancelled"
    assert_one_line_error(cli("cancel", str(task.id)), 1, "task 1 is cancelled")
    retried = cli("retry", str(task.id))
    assert retried.code == 0 and "retried task 1" in retried.out and "now queued" in retried.out
    assert_one_line_error(cli("retry", str(task.id)), 1, "only failed, cancelled")
    done = finished_task(live)
    assert_one_line_error(cli("cancel", str(done)), 1, "is completed")
    for command in ("cancel", "retry", "show", "logs"):
        assert_one_line_error(cli(command, "999"), 2, "no task with id 999")
    assert_one_line_error(cli("show", "abc"), 2, "a task id must be a whole number")
    assert_one_line_error(cli("show", "0"), 2, "a task id must be from 1")


def test_logs_human_json_and_follow_of_a_finished_task(cli: Run, live: Queue) -> None:
    task_id = finished_task(live, fail=True)
    human = cli("logs", str(task_id))
    assert human.code == 0
    lines = human.out.splitlines()
    assert "enqueued" in lines[0] and "claimed by w1" in lines[1]
    assert any("boom" in line for line in lines)
    entries = cli("logs", str(task_id), "--json").json
    assert next(e["message"] for e in entries) == "enqueued"
    assert set(entries[0]) == {"log_id", "task_id", "at_utc", "level", "message", "details"}
    followed = cli("logs", str(task_id), "--follow", "--json")
    assert followed.code == 0
    assert [json.loads(line) for line in followed.out.splitlines()] == entries


# -- stats, backup, check, purge ------------------------------------------------------------

def test_stats_counts_types_oldest_and_workers(cli: Run, live: Queue) -> None:
    live.enqueue("a")
    live.enqueue("b", run_after="+1h")
    finished_task(live)
    live.register_worker("fresh", {"region": "eu"})
    five_minutes_ago = timeutil.utc_now() - timedelta(minutes=5)
    live.with_clock(lambda: five_minutes_ago).register_worker("gone")
    data = cli("stats", "--json").json
    assert data["total"] == 3
    assert data["counts"] == {"queued": 1, "scheduled": 1, "completed": 1}
    assert data["types"] == {"a": {"queued": 1}, "b": {"queued": 1}, "echo": {"completed": 1}}
    assert data["oldest_queued_age_seconds"] >= 0 and data["oldest_queued_utc"]
    workers = {w["worker_id"]: w for w in data["workers"]}
    assert workers["fresh"]["stale"] is False and workers["gone"]["stale"] is True
    assert workers["gone"]["heartbeat_age_seconds"] >= 299
    human = cli("stats")
    assert human.code == 0 and "tasks: 3" in human.out and "stale" in human.out
    assert "scheduled" in human.out and "per type:" in human.out


def test_backup_check_and_purge(cli: Run, live: Queue, db_path: Path, tmp_path: Path) -> None:
    forty_days_ago = timeutil.utc_now() - timedelta(days=40)
    finished_task(live.with_clock(lambda: forty_days_ago))
    live.enqueue("fresh")
    copy = tmp_path / "copy.db"
    backup = cli("backup", str(copy))
    assert backup.code == 0 and copy.exists()
    assert_one_line_error(cli("backup", str(copy)), 2, "already exists")
    checked = cli("--db", str(copy), "check", "--json", db=False)
    assert checked.code == 0 and checked.json["ok"] is True
    assert checked.json["schema_version"] == checked.json["app_schema_version"]
    assert checked.json["sqlite_version"] == apsw.sqlite_lib_version()
    assert "integrity:      ok" in cli("check").out
    assert cli("purge", "--older-than", "60", "--json").json["purged"] == 0
    purged = cli("purge", "--older-than", "30")
    assert purged.code == 0 and purged.out == "purged 1 finished task older than 30 days\n"
    assert [t.type for t in live.list()] == ["fresh"]
    assert_one_line_error(cli("purge", "--older-than", "-1"), 2, "days must be from 0")
    assert_one_line_error(cli("purge"), 2, "required: --older-than")


# -- files that are not usable queues -------------------------------------------------------

def _not_sqlite(path: Path) -> None:
    path.write_text("hello, I am a text file\n")


def _other_sqlite(path: Path) -> None:
    conn = apsw.Connection(str(path))
    conn.execute("CREATE TABLE notes (x); INSERT INTO notes VALUES (1)")
    conn.close()


def _corrupt(path: Path) -> None:
    Queue.open(path).close()
    data = bytearray(path.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("make", [_not_sqlite, _other_sqlite, _corrupt])
@pytest.mark.parametrize("argv", [["list"], ["enqueue", "x"], ["cancel", "1"], ["check"],
                                  ["purge", "--older-than", "1"]])
def test_unusable_files_are_refused_untouched(cli: Run, db_path: Path, make: Callable,
                                              argv: list[str]) -> None:
    make(db_path)
    before = snapshot(db_path)
    assert_one_line_error(cli(*argv), 3, "")
    assert snapshot(db_path) == before


@pytest.mark.parametrize("argv", [["list"], ["show", "1"], ["stats"], ["check"], ["logs", "1"],
                                  ["cancel", "1"], ["retry", "1"], ["backup", "b.db"],
                                  ["purge", "--older-than", "1"]])
def test_only_enqueue_creates_a_missing_file(cli: Run, db_path: Path, argv: list[str]) -> None:
    assert_one_line_error(cli(*argv), 3, f"{db_path} does not exist")
    assert not db_path.exists()


def test_a_directory_is_refused(cli: Run, tmp_path: Path) -> None:
    for argv in (["list"], ["enqueue", "x"]):
        assert_one_line_error(cli("--db", str(tmp_path), *argv, db=False), 3, "is a directory")


def test_default_path_comes_from_the_environment(cli: Run, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRISMQ_QUEUE_DB_PATH", str(tmp_path / "env.db"))
    assert_one_line_error(cli("list", db=False), 3, "set PRISMQ_QUEUE_DB_PATH")
    assert cli("enqueue", "x", db=False).code == 0
    assert (tmp_path / "env.db").exists()


def test_newer_schema_reads_but_refuses_writes(cli: Run, db_path: Path) -> None:
    with Queue.open(db_path) as queue:
        queue.enqueue("x")
        sqlite_db(queue).execute("PRAGMA user_version = 99")
    before = snapshot(db_path)
    assert cli("list", "--json").json[0]["type"] == "x"
    assert f"99 (this app: {schema.SCHEMA_VERSION}; newer" in cli("check").out
    for argv in (["enqueue", "y"], ["cancel", "1"], ["purge", "--older-than", "0"]):
        assert_one_line_error(cli(*argv), 3, "schema version 99 is newer")
    assert snapshot(db_path) == before


# -- usage ----------------------------------------------------------------------------------

def test_db_before_or_after_the_command(cli: Run, tmp_path: Path) -> None:
    first, second = tmp_path / "one.db", tmp_path / "two.db"
    assert cli("--db", str(first), "enqueue", "a", db=False).code == 0
    assert cli("enqueue", "b", "--db", str(second), db=False).code == 0
    after = cli("list", "--json", "--db", str(second), db=False).json
    assert [t["type"] for t in after] == ["b"]
    wins = cli("--db", str(first), "list", "--db", str(second), "--json", db=False).json
    assert [t["type"] for t in wins] == ["b"]  # the one nearest the command's options wins
    kept = cli("--db", str(first), "--lock-timeout", "1", "list", "--json", db=False).json
    assert [t["type"] for t in kept] == ["a"]


@pytest.mark.parametrize(("argv", "fragment"), [
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["list", "--bogus"], "unrecognized arguments: --bogus"),
    (["list", "--limit", "0"], "the limit must be from 1 to 1000000"),
    (["list", "--sort", "colour"], "invalid choice: 'colour'"),
    (["enqueue"], "required: type"),
    (["--lock-timeout", "-1", "list"], "seconds must be from 0"),
    (["list", "--asc", "--desc"], "not allowed with argument"),
])
def test_usage_errors_are_one_line_exit_2(cli: Run, argv: list[str], fragment: str) -> None:
    assert_one_line_error(cli(*argv), 2, fragment)


def test_version_and_help(cli: Run) -> None:
    version = cli("--version", db=False)
    assert version.code == 0
    assert version.out.startswith("prismq-desktop 0.1.0 ")
    assert f"SQLite {apsw.sqlite_lib_version()}" in version.out
    helped = cli("--help", db=False)
    assert helped.code == 0 and "Exit codes: 0 done; 1 refused" in helped.out
    assert cli("list", "--help", db=False).code == 0


# -- the parts other commands hand over to --------------------------------------------------

@pytest.mark.parametrize(("argv", "module", "what"), [
    ([], "prismq_desktop.gui.app", "the desktop app"),
    (["gui", "--worker"], "prismq_desktop.gui.app", "the desktop app"),
    (["worker", "--concurrency", "2"], "prismq_desktop.worker.command", "the worker"),
    (["demo"], "prismq_desktop.cli.demo", "the demo"),
    (["self-test"], "prismq_desktop.cli.selftest", "the self-test"),
])
def test_a_part_missing_from_the_build_is_one_line(cli: Run, monkeypatch: pytest.MonkeyPatch,
                                                   argv: list[str], module: str,
                                                   what: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as in a build without that part
    assert_one_line_error(cli(*argv), 2, f"{what} is not available in this build")


def test_an_unexpected_error_is_one_line_exit_4(cli: Run,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        @staticmethod
        def run_self_test() -> int:
            raise RuntimeError("surprise\nwith a second line")

    monkeypatch.setitem(sys.modules, "prismq_desktop.cli.selftest", Broken)
    assert_one_line_error(cli("self-test"), 4, "internal error (RuntimeError: surprise with a")
