"""Measure start-up: process launch to the first painted rows of the task table.

    xvfb-run -a python scripts/startup_time.py [--exe dist/PrismQDesktop/PrismQDesktop]
    python scripts/startup_time.py --exe "python packaging/launcher.py"   # from source

Runs the program several times on a queue file with a week of history (made once and
cached under the temp folder) with fresh settings, and prints every run and the median.
The program itself reports the moment of the first paint (prismq_desktop/startup_probe.py).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prismq_desktop.core import Queue  # noqa: E402
from prismq_desktop.core.sqlite import sample_data as history  # noqa: E402


def sample_file(tasks: int) -> Path:
    path = Path(tempfile.gettempdir()) / "prismq-startup" / f"week-{tasks}.db"
    if not path.exists():
        with Queue.open(path) as queue:
            history.generate(queue.db, tasks, 7, datetime.now(timezone.utc), backlog=40)
    return path


def one_run(command: list[str], db: Path, settings: Path) -> float:
    env = {**os.environ, "PRISMQ_DESKTOP_STARTUP_PROBE": "1",
           "PRISMQ_DESKTOP_SETTINGS": str(settings), "PYTHONPATH": str(ROOT)}
    launched = time.time()
    done = subprocess.run([*command, "--db", str(db)], capture_output=True, text=True,
                          timeout=60, env=env)
    stamps = [line.split()[1] for line in done.stdout.splitlines()
              if line.startswith("first-paint ")]
    if not stamps:
        raise SystemExit(f"no first paint reported (exit {done.returncode}):\n{done.stderr}")
    return float(stamps[0]) - launched


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_exe = ROOT / "dist" / "PrismQDesktop" / "PrismQDesktop"
    parser.add_argument("--exe", default=str(default_exe), help="program (a command line)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=30_000)
    args = parser.parse_args()
    command = shlex.split(args.exe)
    if command[0] == "python":
        command[0] = sys.executable
    db = sample_file(args.tasks)
    with tempfile.TemporaryDirectory() as folder:
        one_run(command, db, Path(folder) / "warm.ini")  # warm the disk cache once
        times = [one_run(command, db, Path(folder) / f"run{i}.ini") for i in range(args.runs)]
    shown = ", ".join(f"{t:.2f}" for t in times)
    platform = os.environ.get("QT_QPA_PLATFORM") or ("xcb" if os.environ.get("DISPLAY") else "?")
    print(f"start-up to first painted rows ({platform}, {args.tasks} tasks):"
          f" median {statistics.median(times):.2f} s  (runs: {shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
