"""The shared default path cannot be hijacked (issue 17 item 4): a folder or queue file another
user made first, a symlink on the way, or a folder others may write is refused with a message
naming --db and PRISMQ_QUEUE_DB_PATH, before anything is created or opened."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from prismq_desktop.core import Queue, QueueDatabaseError, locations
from tests.worker.support import REPO, child_env

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX owners and modes")
OTHER_UID = 65534  # nobody
as_root = pytest.mark.skipif(os.name == "posix" and os.geteuid() != 0,
                             reason="needs root to make files owned by another user")


@pytest.fixture
def shared_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A /tmp of our own (root's, sticky, world-writable) holding the built-in default."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    tmp.chmod(0o1777)
    monkeypatch.delenv("PRISMQ_QUEUE_DB_PATH", raising=False)
    monkeypatch.setattr(locations, "builtin_db_path", lambda: tmp / "prismq/queue/queue.db")
    return tmp


def _refused(location: object = None, **options: object) -> str:
    with pytest.raises(QueueDatabaseError) as caught:
        Queue.open(location, **options).close()  # type: ignore[arg-type]
    message = str(caught.value)
    assert "--db PATH or PRISMQ_QUEUE_DB_PATH" in message
    return message


def test_the_default_is_made_private_when_nobody_was_there(shared_tmp: Path) -> None:
    with Queue.open() as queue:
        queue.enqueue("a")
    assert (shared_tmp / "prismq").stat().st_mode & 0o777 == 0o700
    assert (shared_tmp / "prismq/queue/queue.db").stat().st_mode & 0o777 == 0o600
    with Queue.open() as queue:  # and reopening our own is fine
        assert queue.count() == 1


@as_root
def test_a_folder_another_user_made_first_is_refused(shared_tmp: Path) -> None:
    planted = shared_tmp / "prismq"
    (planted / "queue").mkdir(parents=True)
    os.chown(planted, OTHER_UID, OTHER_UID)
    assert "belongs to user 65534" in _refused()
    assert not (planted / "queue/queue.db").exists()  # nothing was created in it


@as_root
def test_a_queue_file_another_user_planted_is_refused(shared_tmp: Path) -> None:
    with Queue.open() as queue:  # our folders, then their file in place of ours
        queue.enqueue("a")
    file = shared_tmp / "prismq/queue/queue.db"
    for side in ("-wal", "-shm"):
        Path(f"{file}{side}").unlink(missing_ok=True)
    os.chown(file, OTHER_UID, OTHER_UID)
    assert "the file belongs to user 65534" in _refused()


@as_root
def test_a_planted_wal_file_is_refused(shared_tmp: Path) -> None:
    (shared_tmp / "prismq/queue").mkdir(parents=True, mode=0o700)
    wal = shared_tmp / "prismq/queue/queue.db-wal"
    wal.write_bytes(b"")
    os.chown(wal, OTHER_UID, OTHER_UID)
    assert "queue.db-wal" in _refused()


@as_root
def test_a_symlinked_folder_is_not_followed(shared_tmp: Path, tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    link = shared_tmp / "prismq"
    link.symlink_to(theirs)
    os.lchown(link, OTHER_UID, OTHER_UID)
    assert "symbolic link" in _refused()
    assert list(theirs.iterdir()) == []


def test_a_folder_everyone_may_write_is_refused(shared_tmp: Path) -> None:
    folder = shared_tmp / "prismq/queue"
    folder.mkdir(parents=True)
    (shared_tmp / "prismq").chmod(0o777)
    assert "other users may write in the folder" in _refused()


def test_a_named_path_in_a_folder_others_may_write_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # sticky, like /tmp: the -wal and -shm could still be planted
    assert "other users may write" in _refused(shared / "queue.db")


def test_a_named_symlink_is_the_users_choice(tmp_path: Path) -> None:
    real = tmp_path / "data" / "queue.db"
    real.parent.mkdir()
    with Queue.open(real) as queue:
        queue.enqueue("a")
    link = tmp_path / "link.db"
    link.symlink_to(real)
    with Queue.open(link) as queue:
        assert queue.count() == 1


@as_root
def test_a_named_queue_of_another_user_opens_to_read(tmp_path: Path) -> None:
    """An operator watching a service's queue in the service's own folder."""
    folder = tmp_path / "service"
    folder.mkdir()
    with Queue.open(folder / "queue.db") as queue:
        queue.enqueue("a")
    os.chown(folder, OTHER_UID, OTHER_UID)
    os.chown(folder / "queue.db", OTHER_UID, OTHER_UID)
    with Queue.open(folder / "queue.db", read_only=True, create=False) as queue:
        assert queue.count() == 1


def test_the_command_line_refuses_with_one_line_and_exit_3(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    done = subprocess.run([sys.executable, "-m", "prismq_desktop", "enqueue", "a", "--db",
                           str(shared / "queue.db")], env=child_env(), cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "other users may write in the folder" in lines[0]
    assert "--db PATH or PRISMQ_QUEUE_DB_PATH" in lines[0]
    assert list(shared.iterdir()) == []
