"""A queue in a folder nobody may write (issue 17 item 7): reads need no write access to the
folder. With no ``-shm`` there, SQLite can read a WAL file only as immutable: every read
command works, and the app says the queue is read-only and why."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from prismq_desktop.core import Queue
from tests.worker.support import REPO, child_env

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX folders")


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=30)


@pytest.fixture
def locked_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder holding a queue with two tasks (and no -wal/-shm), then made read-only: by
    its mode, or for root (whom modes do not stop) by a read-only bind mount."""
    folder = tmp_path / "share"
    folder.mkdir()
    with Queue.open(folder / "queue.db") as queue:
        task = queue.enqueue("report", {"day": "monday"})
        queue.enqueue("report", {"day": "tuesday"})
        queue.log(task.id, "INFO", "looked at")
    assert sorted(p.name for p in folder.iterdir()) == ["queue.db"]
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mount = tmp_path / "mounted"
    mount.mkdir()
    try:
        _run("mount", "--bind", str(folder), str(mount))
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("root without a read-only folder: mount --bind is not allowed here")
    try:
        _run("mount", "-o", "remount,ro,bind", str(mount))
        yield mount
    finally:
        _run("umount", "--lazy", str(mount))  # lazy: a connection still closing is fine


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "prismq_desktop", *args], env=child_env(),
                          cwd=REPO, capture_output=True, text=True, timeout=60)


def test_every_read_works_and_says_why_it_is_read_only(locked_folder: Path) -> None:
    for read_only in (True, False):  # the CLI's reads, and the window's read-write attempt
        with Queue.open(locked_folder / "queue.db", read_only=read_only) as queue:
            assert queue.read_only
            assert queue.count() == 2 and queue.get(1).payload == '{"day": "monday"}'
            assert queue.logs(1)[-1].message == "looked at"
            assert "is read-only" in queue.read_only_reason
            assert str(locked_folder) in queue.read_only_reason


@pytest.mark.parametrize("command", [["list"], ["show", "1"], ["stats"], ["logs", "1"],
                                     ["list", "--json"], ["check"]])
def test_read_commands_work(locked_folder: Path, command: list[str]) -> None:
    done = _cli("--db", str(locked_folder / "queue.db"), *command)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.strip()


def test_check_says_the_queue_is_read_only_and_why(locked_folder: Path, tmp_path: Path) -> None:
    done = _cli("--db", str(locked_folder / "queue.db"), "check")
    assert f"access:         read-only: the folder {locked_folder} is read-only" in done.stdout
    exported = _cli("--db", str(locked_folder / "queue.db"), "export", str(tmp_path / "out.csv"))
    assert exported.returncode == 0, exported.stderr
    assert len((tmp_path / "out.csv").read_text().splitlines()) == 3
