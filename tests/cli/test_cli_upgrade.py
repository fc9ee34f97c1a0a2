"""A command opening a file from before this version's migrations (issue 12): one updating
progress line on a terminal, none in a pipe, and Ctrl+C that leaves the file as it was and
exits 130. Real child processes; the terminal is a pty."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prismq_desktop.core import Queue
from prismq_desktop.core.sqlite import schema
from tests.cli.test_cli_process import COMMAND, cli_env, kill_group
from tests.sqlite.old_files import copy_file, make_old_file, snapshot
from tests.support import sqlite_db

#: About 2.5 s of upgrade on the reference machine; the line shows after 0.5 s.
TASKS = 200_000

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="pty and SIGINT are POSIX")


@pytest.fixture(scope="module")
def old_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_old_file(tmp_path_factory.mktemp("old") / "template.db", TASKS)


def _read_until(fd: int, text: str, timeout: float = 60.0) -> str:
    """What the child wrote to its terminal, up to and including ``text``."""
    seen, deadline = b"", time.monotonic() + timeout
    while text.encode() not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no {text!r} on the terminal; it showed {seen!r}"
        if select.select([fd], [], [], left)[0]:
            seen += os.read(fd, 4096)
    return seen.decode()


def _drain(fd: int) -> str:
    seen = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            return seen.decode()
        if not chunk:
            return seen.decode()
        seen += chunk


def test_ctrl_c_during_the_upgrade_leaves_the_file_and_exits_130(old_file: Path,
                                                                   tmp_path: Path) -> None:
    path = copy_file(old_file, tmp_path / "q.db")
    before = snapshot(path)
    terminal, child_end = pty.openpty()
    child = subprocess.Popen(
        [*COMMAND, "--db", str(path), "enqueue", "echo"], env=cli_env(), cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=child_end, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(child_end)
    try:
        shown = _read_until(terminal, "Upgrading q.db for this version… ")
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=30)
        shown += _drain(terminal)
    finally:
        kill_group(child)
        os.close(terminal)
    assert child.returncode == 130, shown
    assert out == ""  # no task was enqueued
    assert "\r" in shown and " %" in shown
    last = shown.strip().splitlines()[-1]
    assert last.startswith("prismq-desktop: error: interrupted while upgrading q.db"), last
    assert "left exactly as it was" in last
    assert snapshot(path) == before


def test_in_a_pipe_the_upgrade_prints_nothing_and_the_command_runs(old_file: Path,
                                                                  tmp_path: Path) -> None:
    path = copy_file(old_file, tmp_path / "q.db")
    done = subprocess.run([*COMMAND, "--db", str(path), "enqueue", "echo"], env=cli_env(),
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.strip().startswith("enqueued")
    with Queue.open(path, read_only=True) as queue:
        assert sqlite_db(queue).user_version() == schema.SCHEMA_VERSION
        assert queue.count() == TASKS + 1


def test_a_second_command_waits_for_the_first_ones_upgrade(old_file: Path,
                                                           tmp_path: Path) -> None:
    """Issue 17 with a long upgrade: the second process's lock timeout (0.2 s) is far below
    the upgrade's time, yet it waits for it, finds the work done and runs its command."""
    path = copy_file(old_file, tmp_path / "q.db")
    terminal, child_end = pty.openpty()
    first = subprocess.Popen(
        [*COMMAND, "--db", str(path), "enqueue", "echo"], env=cli_env(), cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=child_end, text=True, start_new_session=True)
    os.close(child_end)
    second = None
    try:
        _read_until(terminal, "Upgrading q.db for this version… ")  # it holds the lock now
        second = subprocess.Popen(
            [*COMMAND, "--db", str(path), "--lock-timeout", "0.2", "enqueue", "echo"],
            env=cli_env(), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True)
        _read_until(terminal, " done")  # its upgrade is committed (and its pty drained)
        first.communicate(timeout=120)
        _, second_err = second.communicate(timeout=120)
    finally:
        for child in (first, second):
            if child is not None:
                kill_group(child)
        os.close(terminal)
    assert (first.returncode, second.returncode, second_err) == (0, 0, "")
    with Queue.open(path, read_only=True) as queue:
        assert queue.count() == TASKS + 2
