"""Run every ``benchmarks/*_bench.py``: ``python -m benchmarks [--smoke] [name ...]``.

Each script is run as its own process (``python -m benchmarks.<name>``) so one's threads,
connections and memory never colour the next one's figures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    smoke = "--smoke" in argv
    wanted = [arg for arg in argv if not arg.startswith("-")]
    here = Path(__file__).parent
    names = sorted(path.stem for path in here.glob("*_bench.py"))
    failed = []
    for name in names:
        if wanted and name not in wanted:
            continue
        print(f"== {name}{' (smoke)' if smoke else ''}", flush=True)
        command = [sys.executable, "-m", f"benchmarks.{name}", *(["--smoke"] if smoke else [])]
        if subprocess.run(command, cwd=here.parent).returncode != 0:
            failed.append(name)
    if failed:
        print(f"benchmarks failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
