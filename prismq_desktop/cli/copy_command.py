"""``copy SRC DEST``: move a queue between SQLite and PostgreSQL (either way), ids kept.

The source is opened read-only; the target is created when missing and must be empty unless
``--append`` (then rows it already has, by id, are skipped: an interrupted copy resumes).
Progress goes to stderr, the summary to stdout; locations are shown without passwords.
"""

from __future__ import annotations

import argparse
import sys

from prismq_desktop.core import Queue
from prismq_desktop.core.locations import location_of, redacted


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("src", type=location_of, metavar="SRC",
                        help="the queue to copy: a file or a postgresql:// URL")
    parser.add_argument("dest", type=location_of, metavar="DEST",
                        help="where to copy it: a new file or a postgresql:// URL (its schema "
                             "is created when missing)")
    parser.add_argument("--append", action="store_true",
                        help="copy into a queue that holds tasks already, skipping rows it "
                             "has (by id): resumes an interrupted copy")


def run(args: argparse.Namespace) -> int:
    timeout = int(args.lock_timeout * 1000)
    with Queue.open(args.src, read_only=True, create=False, busy_timeout_ms=timeout) as source, \
            Queue.open(args.dest, create=True, busy_timeout_ms=timeout) as target:
        result = source.copy_to(target, append=args.append, progress=_progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"copied {result.summary()} from {redacted(args.src)} to {redacted(args.dest)}")
    return 0


def _progress(table: str, rows: int) -> None:
    end = "\r" if sys.stderr.isatty() else "\n"
    print(f"copying {table}: {rows} rows", end=end, file=sys.stderr, flush=True)
