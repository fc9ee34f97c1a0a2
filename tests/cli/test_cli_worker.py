"""`prismq-desktop worker` as an operator meets it, in real processes: it never creates a
queue, a signal during start-up ends it cleanly, engine errors are one line each (the
traceback in a log file), and a full disk is a failure (exit 3), not idleness."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.cli.support import Result, assert_one_line_error

ROOT = Path(__file__).resolve().parents[2]


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PRISMQ_QUEUE_DB_PATH"}
    return {**env, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data")}


def worker(tmp_path: Path, *argv: str) -> Result:
    done = subprocess.run([sys.executable, "-m", "prismq_desktop", *argv], cwd=tmp_path,
                          env=environment(tmp_path), capture_output=True, text=True, timeout=60)
    return Result(done.returncode, done.stdout, done.stderr)


def test_a_mistyped_db_is_an_error_not_a_new_queue(tmp_path: Path) -> None:
    result = worker(tmp_path, "worker", "--db", "typo.db", "--idle-exit", "0")
    assert_one_line_error(result, 3, "typo.db does not exist")
    assert list(tmp_path.glob("typo.db*")) == []


@pytest.mark.skipif(sys.platform.startswith("win"), reason="SIGTERM is POSIX")
def test_sigterm_during_start_up_exits_cleanly(tmp_path: Path) -> None:
    from prismq_desktop.core import Queue

    with Queue.open(tmp_path / "q.db") as queue:
        queue.enqueue("echo")
    slow = tmp_path / "slow_handlers.py"
    slow.write_text(textwrap.dedent("""\
        import sys, time
        print("loading handlers", flush=True)
        time.sleep(1.5)  # a heavy import: the signal arrives in the middle of it
    """))
    child = subprocess.Popen([sys.executable, "-m", "prismq_desktop", "--db", "q.db", "worker",
                              "--handlers", str(slow)], cwd=tmp_path, env=environment(tmp_path),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "loading handlers\n"
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=10)
    assert child.returncode == 0, (child.returncode, err)
    assert "stopped before it started" in out and err == ""
    with Queue.open(tmp_path / "q.db", read_only=True) as queue:
        assert queue.get(1).status == "queued"


FULL_DISK = textwrap.dedent("""\
    import subprocess, sys
    from pathlib import Path
    from prismq_desktop.core import Queue
    folder = Path(sys.argv[1])
    queue = Queue.open(folder / "q.db")  # kept open: its -wal and -shm stay, as on a busy box
    queue.enqueue_many([{"type": "echo", "payload": {"n": n}} for n in range(300)])
    queue.checkpoint()
    with open(folder / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(bytes(4096))
        except OSError:
            pass
    done = subprocess.run([sys.executable, "-m", "prismq_desktop", "--db", str(folder / "q.db"),
                           "worker", "--idle-exit", "2"], capture_output=True, text=True,
                          timeout=60)
    print(done.returncode)
    print(queue.counts().get("queued", 0))
    sys.stdout.write(done.stderr)
""")


def _can_mount() -> bool:
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="a small full disk needs Linux, root, unshare -m")
def test_a_full_disk_is_exit_3_with_the_reason_and_one_line_per_error(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    script = tmp_path / "full_disk.py"
    script.write_text(FULL_DISK)
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", 'mount -t tmpfs -o size=2m,mode=0700 tmpfs "$1" && '
         'exec "$2" "$3" "$1"', "sh", str(disk), sys.executable, str(script)],
        cwd=tmp_path, env=environment(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    code, queued, *errors = done.stdout.splitlines()
    assert int(code) == 3, done.stdout
    assert int(queued) > 200  # the worker stopped with work left: it was never idle
    assert errors[-1].startswith("prismq-desktop: error: ") and "disk is full" in errors[-1]
    assert "the worker stopped" in errors[-1]
    engine_lines = errors[:-1]
    assert engine_lines and all(" error: " in line for line in engine_lines), errors
    assert "Traceback" not in done.stdout
    logs = list((tmp_path / "data" / "PrismQDesktop" / "logs").glob("worker-*.log"))
    assert len(logs) == 1 and "Traceback" in logs[0].read_text()
    assert f"details in {logs[0]}" in engine_lines[0]


@pytest.mark.skipif(sys.platform.startswith("win"), reason="SIGTERM is POSIX")
def test_sigterm_while_python_imports_the_command_is_an_orderly_exit(tmp_path: Path) -> None:
    """A supervisor stopping a worker it has just started: the signal lands while the
    command's modules are still importing (`-X importtime` reports each as it finishes)."""
    child = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "prismq_desktop",
                              "--db", "q.db", "worker"], cwd=tmp_path,
                             env=environment(tmp_path), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert child.stderr is not None
        for line in child.stderr:
            if line.split("|")[-1].strip() == "argparse":  # first of cli.main's ~400 imports
                break
        else:
            pytest.fail("the command never imported argparse")
        child.send_signal(signal.SIGTERM)
        _out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=10)
    assert child.returncode == 143, (child.returncode, err[-2000:])
    assert "Traceback" not in err
    assert not (tmp_path / "q.db").exists()
