"""Build the PrismQDesktop executable: ``python packaging/build.py [--onefile]``.

One folder by default, ``dist/PrismQDesktop/`` (starts fastest: nothing to unpack);
``--onefile`` makes a single file, ``dist/PrismQDesktop-onefile``, that unpacks itself to a
temporary folder on every start. The two never overwrite each other. Prints where the result is,
its size and how long the build took.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "prismq_desktop.spec"
NAME = "PrismQDesktop"
#: The single file's name differs from the folder's, so each build keeps the other's output.
ONEFILE_NAME = "PrismQDesktop-onefile"


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build(onefile: bool, dist: Path, work: Path) -> Path:
    """Run PyInstaller on the spec; return the built folder (or file)."""
    env = {**os.environ, "PRISMQ_ONEFILE": "1" if onefile else "0"}
    command = [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--clean",
               "--log-level", "WARN", "--distpath", str(dist), "--workpath", str(work)]
    subprocess.run(command, check=True, cwd=ROOT, env=env)
    if onefile:
        return dist / (ONEFILE_NAME + (".exe" if sys.platform == "win32" else ""))
    for link in (dist / NAME).rglob("*"):  # links to libraries the spec pruned
        if link.is_symlink() and not link.exists():
            link.unlink()
    return dist / NAME


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onefile", action="store_true", help="one file instead of a folder")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=None,
                        help="PyInstaller's work folder (default: build/pyinstaller, "
                             "build/pyinstaller-onefile)")
    args = parser.parse_args(argv)
    work = args.work or ROOT / "build" / ("pyinstaller-onefile" if args.onefile else "pyinstaller")
    started = time.perf_counter()
    try:
        built = build(args.onefile, args.dist.resolve(), work.resolve())
    except subprocess.CalledProcessError as exc:
        print(f"build: PyInstaller failed (exit {exc.returncode})", file=sys.stderr)
        return 1
    took = time.perf_counter() - started
    files = 1 if built.is_file() else sum(1 for p in built.rglob("*") if p.is_file())
    print(f"build: {built}  {size_of(built) / 2**20:.1f} MiB in {files} files,"
          f" built in {took:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
