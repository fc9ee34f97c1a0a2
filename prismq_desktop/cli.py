"""Command line (replaced by the full argparse front end)."""

from __future__ import annotations

import sys

import apsw

from prismq_desktop import __version__


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        print(f"prismq-desktop {__version__} (SQLite {apsw.sqlite_lib_version()})")
        return 0
    print("prismq-desktop: the command line is not built yet", file=sys.stderr)
    return 2
