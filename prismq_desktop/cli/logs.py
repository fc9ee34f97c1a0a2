"""`logs ID [--follow]`: a task's history, and a live tail until it finishes.

Following polls the change token (``PRAGMA data_version``, a few microseconds) and reads
new rows only when some process has committed, so an idle tail costs next to nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from prismq_desktop.cli import output as out
from prismq_desktop.cli.files import open_for_reading
from prismq_desktop.core import Queue, TaskLog
from prismq_desktop.core.models import FROM_START, TERMINAL

POLL_SECONDS = 0.2
FULL_TEXT = "; --json prints all of it"


def logs(args: argparse.Namespace) -> int:
    with open_for_reading(args) as queue:
        queue.get(args.id)  # an unknown id is an error, not an empty log
        if args.follow:
            printer = _print_json_line if args.json else _print_entry
            try:
                follow(queue, args.id, printer)
            except KeyboardInterrupt:
                pass  # Ctrl+C is how a user ends a tail: not an error
            return 0
        entries = queue.logs(args.id)
    if args.json:
        out.print_json([entry.to_dict() for entry in entries])
        return 0
    for entry in entries:
        _print_entry(entry)
    if not any(entry.log_id for entry in entries):  # at most the row's own enqueue line
        print(f"(task {args.id} has no log entries: nothing has happened to it since it was "
              "enqueued)")
    return 0


def follow(queue: Queue, task_id: int, printer: Callable[[TaskLog], None],
           poll_seconds: float = POLL_SECONDS) -> None:
    """Print entries as they are written; return once the task is finished and all printed."""
    last_id, token = FROM_START, None
    while True:
        current = queue.change_token()
        if current != token:
            token = current
            # Status first: the logs read after it include every row up to that status.
            finished = queue.get(task_id).status in TERMINAL
            for entry in queue.logs(task_id, after_log_id=last_id):
                printer(entry)
                last_id = entry.log_id
            if finished:
                return
        time.sleep(poll_seconds)


def _print_json_line(entry: TaskLog) -> None:
    """One JSON object per line while following (a growing array cannot be streamed)."""
    out.print_json(entry.to_dict(), indent=None)


def _print_entry(entry: TaskLog) -> None:
    level = out.clean(entry.level).ljust(7)
    print(f"{out.local_time(entry.at_utc)}  {level}  {_long(entry.message)}")
    details = entry.details_data
    if isinstance(details, dict):
        for key, value in details.items():
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            lines = _long(text).splitlines() or [""]
            if len(lines) == 1:
                print(f"    {out.clean(key)}: {lines[0]}")
            else:
                print(f"    {out.clean(key)}:")
                for line in lines:
                    print(f"      {line}")
    elif entry.details is not None:
        print(f"    details: {out.elide(out.clean(entry.details), hint=FULL_TEXT)}")
    sys.stdout.flush()


def _long(text: object) -> str:
    """A message or value for the terminal: cleaned, and elided past LONG_TEXT characters
    (a 10 MB line would bury everything else)."""
    return out.elide(out.clean(text, one_line=False), hint=FULL_TEXT)
