"""The PyInstaller build: a one-folder program that passes ``--version`` and ``self-test``
and finds its resources inside the bundle (``paths.resource_path`` in the frozen layout)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytest.importorskip("PyInstaller", reason="pip install -e '.[build]'")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_built_program_runs_version_and_self_test(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(tmp_path / "dist"),
         "--work", str(tmp_path / "work")], capture_output=True, text=True, cwd=ROOT)
    assert build.returncode == 0, build.stdout + build.stderr
    assert "MiB in" in build.stdout
    exe = tmp_path / "dist" / "PrismQDesktop" / (
        "PrismQDesktop.exe" if sys.platform == "win32" else "PrismQDesktop")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "QT_QPA_PLATFORM")}

    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True,
                             timeout=60, env=env, cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("prismq-desktop 0.1.0")
    assert "SQLite 3." in version.stdout

    test = subprocess.run([str(exe), "self-test"], capture_output=True, text=True,
                          timeout=120, env=env, cwd=tmp_path)
    assert test.returncode == 0, test.stdout + test.stderr
    assert "(frozen)" in test.stdout and test.stdout.rstrip().endswith("self-test: passed")
    resources = next(line for line in test.stdout.splitlines() if ": resources: ok" in line)
    assert str(tmp_path / "dist" / "PrismQDesktop") in resources
