"""``prismq-desktop worker`` in-process: options, exit codes, one-line errors, the console log."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from prismq_desktop.cli.main import main
from prismq_desktop.core import Queue
from prismq_desktop.worker import options


@pytest.fixture
def queue(db_path: Path) -> Iterator[Queue]:
    """On the real clock, like the worker it feeds."""
    with Queue.open(db_path) as live:
        yield live


def _run(db: Path | str, *options: str) -> int:
    return main(["worker", "--db", str(db), *options])


def test_add_arguments_gives_the_documented_options() -> None:
    parser = argparse.ArgumentParser()
    options.add_arguments(parser)
    args = parser.parse_args(["--concurrency", "4", "--strategy", "priority", "--lease-seconds",
                              "10", "--handlers", "a.b", "--handlers", "./c.py", "--allow-shell",
                              "--max-tasks", "100", "--idle-exit", "5", "--worker-id", "w"])
    assert (args.concurrency, args.strategy, args.lease_seconds) == (4, "priority", 10.0)
    assert args.handlers == ["a.b", "./c.py"] and args.allow_shell
    assert (args.max_tasks, args.idle_exit, args.worker_id) == (100, 5.0, "w")


def test_max_tasks_runs_that_many_and_exits_zero(
    db_path: Path, queue: Queue, capsys: pytest.CaptureFixture[str]
) -> None:
    queue.enqueue_many([{"type": "echo"} for _ in range(3)])
    assert _run(db_path, "--max-tasks", "2", "--worker-id", "cli") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("handlers echo, fail, sleep") and "worker cli started" in out[0]
    assert sum("completed in" in line for line in out) == 2
    assert out[-1] == "2 completed, 0 failed, 0 cancelled, 0 discarded"
    assert queue.counts() == {"completed": 2, "queued": 1}


def test_idle_exit_with_nothing_to_do(db_path: Path, queue: Queue) -> None:
    assert _run(db_path, "--idle-exit", "0", "--quiet") == 0


@pytest.mark.parametrize(("options", "message"), [
    (["--concurrency", "0"], "concurrency must be from 1 to 64"),
    (["--lease-seconds", "0.5"], "lease seconds must be from 1"),
    (["--max-tasks", "0"], "max tasks must be from 1"),
    (["--idle-exit", "-1"], "idle exit must be zero or more"),
    (["--poll-interval", "0"], "poll interval"),
    (["--worker-id", " "], "worker id must not be empty"),
    (["--handlers", "pqd_absent_module"], "no module named 'pqd_absent_module'"),
])
def test_bad_values_are_one_line_and_exit_2(
    db_path: Path, queue: Queue, capsys: pytest.CaptureFixture[str], options: list[str],
    message: str,
) -> None:
    assert _run(db_path, *options) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_database_problems_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello")
    assert _run(not_a_db) == 3
    assert _run(tmp_path) == 3
    err = capsys.readouterr().err.splitlines()
    assert "is not a SQLite database" in err[0] and "is a directory" in err[1]
    assert not_a_db.read_text() == "hello"


def test_shell_is_announced_with_a_warning(
    db_path: Path, queue: Queue, capsys: pytest.CaptureFixture[str]
) -> None:
    queue.enqueue("shell", {"argv": ["echo", "hi"]})
    assert _run(db_path, "--allow-shell", "--max-tasks", "1") == 0
    captured = capsys.readouterr()
    assert "warning: the shell handler is enabled" in captured.err
    assert "completed in" in captured.out


def test_by_default_the_lower_priority_number_runs_first(
    db_path: Path, queue: Queue, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default strategy is priority, as the PrismQ backend's worker (issue 11 item 6)."""
    later = queue.enqueue("echo", priority=100).id
    urgent = queue.enqueue("echo", priority=5).id
    assert _run(db_path, "--max-tasks", "1", "--quiet") == 0
    assert (queue.get(urgent).status, queue.get(later).status) == ("completed", "queued")
    assert "strategy priority" in capsys.readouterr().out


def test_the_help_names_priority_as_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worker", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "priority (lower number first, then oldest; the default" in help_text


def test_a_worker_claims_only_tasks_whose_compatibility_it_declares(
    db_path: Path, queue: Queue, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11 item 5, through the real commands: a gpu task waits for a gpu worker."""
    assert main(["enqueue", "echo", "--db", str(db_path), "--priority", "1",
                 "--compatibility", '{"gpu": true, "region": "eu"}']) == 0
    plain = queue.enqueue("echo", priority=100).id
    gpu = plain - 1
    assert _run(db_path, "--idle-exit", "0.3", "--quiet") == 0  # declares nothing
    assert (queue.get(gpu).status, queue.get(plain).status) == ("queued", "completed")
    assert _run(db_path, "--idle-exit", "0.3", "--quiet", "--capability", "gpu=true") == 0
    assert queue.get(gpu).status == "queued"  # region missing
    capsys.readouterr()
    assert _run(db_path, "--max-tasks", "1", "--capabilities", '{"region": "eu"}',
                "--capability", "gpu=true", "--worker-id", "gpu-1") == 0
    assert queue.get(gpu).status == "completed" and queue.get(gpu).locked_by == "gpu-1"
    assert "capabilities region=eu gpu=true, handlers" in capsys.readouterr().out


@pytest.mark.parametrize(("options", "message"), [
    (["--capability", "gpu"], "capability 'gpu' is not KEY=VALUE"),
    (["--capabilities", "[1]"], "capabilities must be a JSON object"),
    (["--capability", "types=[]"], '"types" is not a capability'),
])
def test_bad_capabilities_exit_2(db_path: Path, queue: Queue,
                                 capsys: pytest.CaptureFixture[str], options: list[str],
                                 message: str) -> None:
    assert _run(db_path, *options) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
