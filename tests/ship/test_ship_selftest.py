"""``prismq-desktop self-test`` in a real process: every step passes, or one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STEPS = ("versions", "resources", "queue file", "enqueue", "embedded worker", "http api", "display",
         "main window")


def self_test(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-m", "prismq_desktop", "self-test"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env=environment)


def test_self_test_passes_every_step_and_cleans_up(tmp_path: Path) -> None:
    run = self_test(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert [line.split(":")[1].strip() for line in lines[:-1]] == list(STEPS)
    assert all(": ok (" in line for line in lines[:-1])
    assert lines[-1] == "self-test: passed"
    assert "1 row(s) shown, tabs: Tasks" in lines[-2]
    assert list(tmp_path.iterdir()) == []  # the temporary queue file is gone
    assert "Traceback" not in run.stderr


def test_a_failing_step_is_one_clear_line_and_exit_1(tmp_path: Path) -> None:
    run = self_test(tmp_path, QT_QPA_PLATFORM="no-such-platform")
    assert run.returncode == 1
    last = run.stdout.splitlines()[-1]
    assert last.startswith("self-test: main window: FAILED: Qt platform plugin")
    assert "no-such-platform" in last
    assert "Traceback" not in run.stderr
