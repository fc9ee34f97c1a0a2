"""Where Qt cannot show a window (no display, a system library missing), the app says what
to install in one line and exits 5 instead of Qt's SIGABRT; self-test checks the platform
the app will really use. Real processes; a missing library is made by hiding it in a
private mount namespace (root and ``unshare`` needed, else those tests skip)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from prismq_desktop.core import Queue, QueueDatabaseError
from prismq_desktop.gui.platform_check import XCB_LIBRARIES
from tests.cli.support import Result, assert_one_line_error
from tests.support import wait_until

ROOT = Path(__file__).resolve().parents[2]
LINUX = sys.platform.startswith("linux")
HIDDEN = ("libxcb-icccm.so.4", "libxcb-keysyms.so.1")  # what the machine lacked
UNUSED_DISPLAY = ":173"


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM",
                        "PRISMQ_QUEUE_DB_PATH")}
    return {**env, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path),
            "PRISMQ_DESKTOP_SETTINGS": str(tmp_path / "settings.ini"), **extra}


def run(tmp_path: Path, *argv: str, hide: tuple[str, ...] = (), **extra: str) -> Result:
    command = [sys.executable, "-m", "prismq_desktop", *argv]
    if hide:
        command = ["unshare", "-m", "sh", "-c", _hiding_script(tmp_path, hide) + ' exec "$@"',
                   "sh", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env=environment(tmp_path, **extra))
    return Result(done.returncode, done.stdout, done.stderr)


def _hiding_script(tmp_path: Path, names: tuple[str, ...]) -> str:
    """Shell lines that bind an empty file over each library (only inside the namespace)."""
    empty = tmp_path / "empty.so"
    empty.write_bytes(b"")
    lines = []
    for name in names:
        found = _library_path(name)
        lines.append(f"mount --bind {empty} {found} || exit 99;")
    return " ".join(lines)


def _library_path(name: str) -> str:
    for folder in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64",
                   "/lib64", "/usr/lib/aarch64-linux-gnu", "/usr/lib"):
        if Path(folder, name).exists():
            return str(Path(folder, name).resolve())
    pytest.skip(f"{name} is not installed here, so it cannot be hidden")


def _can_hide() -> bool:
    if not LINUX or shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


needs_hiding = pytest.mark.skipif(not _can_hide(),
                                  reason="hiding a library needs Linux, root and unshare -m")
linux_only = pytest.mark.skipif(not LINUX, reason="the X11 checks are Linux's")


@linux_only
def test_no_display_is_one_line_and_exit_5(tmp_path: Path) -> None:
    assert_one_line_error(run(tmp_path, "--db", "q.db"), 5, "needs a display")
    assert not (tmp_path / "q.db").exists()


@linux_only
def test_an_unreachable_display_is_one_line_and_exit_5(tmp_path: Path) -> None:
    result = run(tmp_path, "gui", "--db", "q.db", DISPLAY=UNUSED_DISPLAY)
    assert_one_line_error(result, 5, f"cannot connect to the display {UNUSED_DISPLAY}")


@linux_only
def test_the_demo_checks_before_writing_its_file(tmp_path: Path) -> None:
    assert_one_line_error(run(tmp_path, "demo", "--db", "d.db"), 5, "needs a display")
    assert not (tmp_path / "d.db").exists()


@needs_hiding
def test_missing_xcb_libraries_name_the_packages_per_distribution(tmp_path: Path) -> None:
    result = run(tmp_path, "--db", "q.db", hide=HIDDEN, DISPLAY=UNUSED_DISPLAY)
    assert_one_line_error(result, 5, "libxcb-icccm.so.4, libxcb-keysyms.so.1")
    for name in HIDDEN:
        debian, fedora = XCB_LIBRARIES[name]
        assert debian in result.err and fedora in result.err
    assert "apt-get install libxcb-icccm4 libxcb-keysyms1 (Debian, Ubuntu)" in result.err
    assert "dnf install xcb-util-wm xcb-util-keysyms (Fedora)" in result.err


@needs_hiding
def test_self_test_fails_where_the_app_would(tmp_path: Path) -> None:
    result = run(tmp_path, "self-test", hide=HIDDEN[:1], DISPLAY=UNUSED_DISPLAY)
    assert result.code == 1, result
    last = result.out.splitlines()[-1]
    assert last.startswith("self-test: display: FAILED: ") and "libxcb-icccm4" in last
    assert "passed" not in result.out


@linux_only
def test_self_test_says_when_it_is_headless(tmp_path: Path) -> None:
    result = run(tmp_path, "self-test")
    assert result.code == 0, result
    display = next(line for line in result.out.splitlines() if ": display: " in line)
    assert "headless: no display here" in display
    assert "offscreen platform" in result.out


@pytest.mark.skipif(not LINUX or shutil.which("xvfb-run") is None, reason="needs xvfb-run")
def test_self_test_uses_the_real_display(tmp_path: Path) -> None:
    done = subprocess.run(["xvfb-run", "-a", sys.executable, "-m", "prismq_desktop",
                           "self-test"], capture_output=True, text=True, timeout=180,
                          cwd=tmp_path, env=environment(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-test: main window: ok" in done.stdout and "xcb platform, 1 row(s)" in done.stdout
    assert "headless" not in done.stdout


def test_the_env_variable_names_a_file_to_create_not_the_last_recent(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with Queue.open(old) as queue:
        queue.enqueue("echo")
    (tmp_path / "settings.ini").write_text(f"[General]\nrecentFiles={old}\n")
    named = tmp_path / "new" / "named.db"
    named.parent.mkdir()
    app = subprocess.Popen([sys.executable, "-m", "prismq_desktop"], cwd=tmp_path, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=environment(tmp_path, QT_QPA_PLATFORM="offscreen",
                                           PRISMQ_QUEUE_DB_PATH=str(named)),
                           start_new_session=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        wait_until(lambda: _is_empty_queue(named), timeout=60,
                   what="the named file to be created as a queue")
    finally:
        app.send_signal(signal.SIGINT)
        try:
            app.communicate(timeout=30)
        finally:
            if app.poll() is None:
                os.killpg(app.pid, signal.SIGKILL)
                app.communicate(timeout=10)
    assert app.returncode == 0


def _is_empty_queue(path: Path) -> bool:
    """True once ``path`` is a queue file (the app may be creating its tables)."""
    if not path.exists():
        return False
    try:
        with Queue.open(path, read_only=True) as queue:
            return queue.count() == 0
    except QueueDatabaseError:
        return False
