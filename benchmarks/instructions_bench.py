"""CPU instructions per write, counted by valgrind's callgrind: the raw loop, the raw loop on
this app's full schema (its triggers and indexes) and the core (DESIGN §9, issue 12).

``python -m benchmarks.instructions_bench [--smoke]``. Unlike times on a shared machine,
instruction counts do not move with the load, so they say where a ratio goes: each figure is
the difference between a run of ``HIGH`` and one of ``LOW`` operations, divided by the
difference, so start-up and imports cancel out. Each run is its own process under callgrind
(~50x slower than native: a full run takes a few minutes). The smoke run checks the workloads
natively, without valgrind.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.core_bench import LABELS, ROOT, SYSTEMS, fill, perform

LOW, HIGH = 100, 300
BULK_LOW, BULK_HIGH = 2000, 6000
WORKLOADS = ("single", "bulk", "claim")
ROWS = ("raw_apsw", "raw_full_schema", "core")
HEADINGS = ("single enqueue", "bulk enqueue/task", "claim+complete")


def child(name: str, workload: str, count: str, folder: str) -> None:
    """``count`` operations of ``workload`` on a new file (claims from HIGH waiting tasks)."""
    system, n = SYSTEMS[name], int(count)
    handle = system.open(Path(folder) / f"{name}-{workload}-{n}.db")
    if workload == "claim":
        fill(system, handle, HIGH)
    perform(system, handle, workload, n)
    system.close(handle)


def instructions(name: str, workload: str, count: int, folder: str) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
               "-m", "benchmarks.instructions_bench", "--child", name, workload, str(count),
               folder]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{name} {workload}: {done.stderr.strip().splitlines()[-1:]}")
    return int(found.group(1))


def per_operation(name: str, workload: str, folder: str) -> float:
    low, high = (BULK_LOW, BULK_HIGH) if workload == "bulk" else (LOW, HIGH)
    return (instructions(name, workload, high, folder)
            - instructions(name, workload, low, folder)) / (high - low)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.instructions_bench")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--child", nargs=4, metavar=("SYSTEM", "WORKLOAD", "COUNT", "FOLDER"))
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="pqd-instructions-") as folder:
        if args.smoke or shutil.which("valgrind") is None:
            for name in ROWS:
                for workload in WORKLOADS:
                    child(name, workload, "20", folder)
            print("instructions bench: workloads ran natively; counting them needs valgrind"
                  " and a run without --smoke")
            return 0
        print(f"instructions per operation (callgrind; runs of {HIGH} minus {LOW},"
              f" bulk {BULK_HIGH} minus {BULK_LOW})")
        print(f"{'':<36}" + "".join(f"{h:>20}" for h in HEADINGS))
        raw: dict[str, float] = {}
        for name in ROWS:
            counts = {w: per_operation(name, w, folder) for w in WORKLOADS}
            raw = raw or counts
            cells = "".join(f"{counts[w]:>12,.0f} {counts[w] / raw[w]:5.2f}x " for w in WORKLOADS)
            print(f"{LABELS[name].strip():<36}{cells}", flush=True)
    return 0



if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
