"""The PyInstaller build: a one-folder program that passes ``--version`` and ``self-test``
and finds its resources inside the bundle (``paths.resource_path`` in the frozen layout),
and a one-file build beside it that leaves the folder alone (the README builds both)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXE = ".exe" if sys.platform == "win32" else ""
SKIP_REASON = ("PyInstaller is not installed: to build and test the executable, "
               "pip install -e '.[build]'")

pytest.importorskip("PyInstaller", reason=SKIP_REASON)


def build(dist: Path, work: Path, *options: str) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), *options,
                           "--dist", str(dist), "--work", str(work)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "MiB in" in done.stdout


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_built_program_runs_version_and_self_test(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build(dist, tmp_path / "work")
    build(dist, tmp_path / "work-onefile", "--onefile")  # the README's second line
    exe = dist / "PrismQDesktop" / f"PrismQDesktop{EXE}"
    assert exe.is_file(), "the one-file build deleted the one-folder build"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "QT_QPA_PLATFORM")}

    for program in (exe, dist / f"PrismQDesktop-onefile{EXE}"):
        version = subprocess.run([str(program), "--version"], capture_output=True, text=True,
                                 timeout=60, env=env, cwd=tmp_path)
        assert version.returncode == 0 and version.stdout.startswith("prismq-desktop 0.1.0")
        assert "SQLite 3." in version.stdout

    test = subprocess.run([str(exe), "self-test"], capture_output=True, text=True,
                          timeout=120, env=env, cwd=tmp_path)
    assert test.returncode == 0, test.stdout + test.stderr
    assert "(frozen)" in test.stdout and test.stdout.rstrip().endswith("self-test: passed")
    resources = next(line for line in test.stdout.splitlines() if ": resources: ok" in line)
    assert str(dist / "PrismQDesktop") in resources


def test_the_skip_says_how_to_enable_the_build_test(tmp_path: Path) -> None:
    """Without PyInstaller the build test is skipped with the command that enables it."""
    blocker = tmp_path / "PyInstaller"
    blocker.mkdir()
    (blocker / "__init__.py").write_text(
        "raise ModuleNotFoundError('hidden', name='PyInstaller')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    done = subprocess.run([sys.executable, "-m", "pytest", __file__, "-rs", "-q",
                           "-p", "no:cacheprovider", "-k", "built_program"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert "1 skipped" in done.stdout, done.stdout + done.stderr
    assert "pip install -e '.[build]'" in done.stdout and "to build and test" in done.stdout
