"""The argparse definition of every command (DESIGN §8).

``--db`` and ``--lock-timeout`` work before or after the command: the main parser holds
their defaults, and each subcommand repeats them with ``SUPPRESS`` so a subcommand that was
not given them cannot overwrite what came before it.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from prismq_desktop import __version__
from prismq_desktop.cli.copy_command import add_arguments as add_copy_arguments
from prismq_desktop.cli.files import demo_db_path
from prismq_desktop.cli.schedule_args import add_commands as add_schedule_commands
from prismq_desktop.core import SORT_FIELDS, versions_text
from prismq_desktop.core.locations import location_of
from prismq_desktop.worker.options import add_arguments as add_worker_arguments

PROG = "prismq-desktop"
EPILOG = """\
The queue file is --db PATH, else $PRISMQ_QUEUE_DB_PATH, else the PrismQ backend's default
(/tmp/prismq/queue/queue.db; C:\\Data\\PrismQ\\queue\\queue.db on Windows).

Exit codes: 0 done; 1 refused (e.g. cancel of a completed task); 2 bad input or usage;
3 database problem (missing, locked, not a queue file, corrupt, newer schema, read-only);
4 internal error (a bug: please report it); 5 the desktop app cannot start here (no display,
or missing system libraries: the message names the packages); 130 interrupted (Ctrl+C);
143 terminated (SIGTERM; a worker releases its tasks and exits 0)."""
MAX_ID = 2**63 - 1
#: argparse's message for an option given without its value.
MISSING_VALUE = re.compile(r"argument (--[\w-]+)(?:/-\w)?: expected one argument")


class UsageError(Exception):
    """Bad command-line input, reported in one line with exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors raised, not printed with the whole usage block, and
    option values that may start with '-' (``--search -status:failed``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: option -> the option name that followed it, for the hint in a missing-value error
        self._option_values: dict[str, str] = {}

    def error(self, message: str) -> None:  # type: ignore[override]
        missing = MISSING_VALUE.fullmatch(message)
        value = self._option_values.get(missing.group(1)) if missing else None
        if missing and value is not None:
            message += f" (to give it {value!r}, write {missing.group(1)}={value})"
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def parse_known_args(  # type: ignore[override]
            self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._option_values = {}
        if args is not None:
            args = self._join_dash_values(list(args))
        return super().parse_known_args(args, namespace)

    def _join_dash_values(self, args: list[str]) -> list[str]:
        """``--opt -x`` becomes ``--opt=-x`` when ``--opt`` takes one value and ``-x`` is
        not an option of this parser: argparse alone would take ``-x`` for an unknown
        option and say ``--opt`` has no value. Everything after ``--`` is left alone."""
        valued = {name for action in self._actions if action.nargs is None
                  for name in action.option_strings if name.startswith("--")}
        joined: list[str] = []
        index = 0
        while index < len(args):
            token = args[index]
            if token == "--":
                return joined + args[index:]
            following = args[index + 1] if index + 1 < len(args) else None
            if (token in valued and following is not None and len(following) > 1
                    and following.startswith("-") and following != "--"):
                if not self._is_option(following):
                    joined.append(f"{token}={following}")
                    index += 2
                    continue
                self._option_values[token] = following
            joined.append(token)
            index += 1
        return joined

    def _is_option(self, token: str) -> bool:
        return token.split("=", 1)[0] in self._option_string_actions


def _number(kind: type, low: float, high: float, what: str) -> Callable[[str], float]:
    noun = "a whole number" if kind is int else "a number"
    bounds = f"from {kind(low)} to {kind(high)}"

    def convert(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be {noun}, not {text!r}") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"{what} must be {bounds}, not {text}")
        return value
    return convert


task_id = _number(int, 1, MAX_ID, "a task id")
seconds = _number(float, 0, 86400, "seconds")
days = _number(float, 0, 36500, "days")
limit = _number(int, 1, 1_000_000, "the limit")
offset = _number(int, 0, MAX_ID, "the offset")


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value
    parser.add_argument("--db", type=location_of, metavar="PATH|URL", default=default(None),
                        help="the queue file, or a postgresql://user@host/db URL (default: "
                             "$PRISMQ_QUEUE_DSN, else $PRISMQ_QUEUE_DB_PATH, else the PrismQ "
                             "backend's default path)")
    parser.add_argument("--lock-timeout", type=seconds, metavar="SECONDS", default=default(5.0),
                        help="how long to wait for another process's lock (default 5)")


def _json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="print JSON (task fields are the task_queue column names)")


def build_parser() -> Parser:
    parser = Parser(prog=PROG, description="Watch and run the PrismQ SQLite task queue. "
                    "Without a command, opens the desktop app.", epilog=EPILOG,
                    formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    parser.add_argument("--version", action="version", version=version_text(),
                        help="print the app's and SQLite's versions")
    _global_options(parser, suppress=False)
    common = Parser(add_help=False, allow_abbrev=False)
    _global_options(common, suppress=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def add(name: str, help: str, parents: Sequence[Parser] = (common,)
            ) -> Parser:
        return commands.add_parser(name, help=help, description=help, parents=list(parents),
                                   allow_abbrev=False)

    gui = add("gui", "open the desktop app (the default without a command)")
    gui.add_argument("--worker", action="store_true", help="start the embedded worker too")
    _add_task_commands(add)
    _add_queue_commands(add)
    add_worker_arguments(add("worker", "run a worker in this terminal: claim and run tasks, "
                             "enqueue due schedule ticks, obey worker-control"))
    demo = add("demo", "fill a queue with demo tasks and show them in the app", parents=())
    demo.add_argument("--db", type=Path, metavar="PATH", default=argparse.SUPPRESS,
                      help=f"the demo file (default: {demo_db_path()}); an existing file "
                           "is replaced only if an earlier demo wrote it")
    add("self-test", "check this installation end to end (headless)")
    add_schedule_commands(add, common)
    from prismq_desktop.cli.serve import add_arguments as add_serve_arguments  # imports us

    add_serve_arguments(add("serve", "serve the queue over HTTP (PrismQ's queue API and more)"))
    add_copy_arguments(add("copy", "copy a queue between SQLite and PostgreSQL, ids kept"))
    return parser


def _add_task_commands(add: Callable[[str, str], Parser]) -> None:
    enqueue = add("enqueue", "add a task to the queue")
    enqueue.add_argument("type", help="the task type, e.g. youtube_search")
    enqueue.add_argument("--payload", metavar="JSON",
                         help="a JSON object; @FILE reads a file, - reads stdin")
    enqueue.add_argument("--priority", metavar="N", default=100,
                         help="0-1000, lower runs first (default 100)")
    enqueue.add_argument("--max-attempts", metavar="N", default=5, help="1-100 (default 5)")
    enqueue.add_argument("--run-after", metavar="TIME",
                         help="ISO date-time (UTC unless it has an offset), or +5m, +2h, +1d")
    enqueue.add_argument("--idempotency-key", metavar="KEY",
                         help="a known key returns the existing task instead of a new one")
    enqueue.add_argument("--compatibility", metavar="JSON",
                         help='a JSON object matched against worker capabilities, '
                              'e.g. {"region": "eu"}: only a worker that declares every one of '
                              "these values claims it (worker --capability region=eu)")
    _json_option(enqueue)

    listing = add("list", "list tasks, newest first")
    _filter_options(listing)
    listing.add_argument("--sort", choices=SORT_FIELDS, default="id", metavar="KEY",
                         help=f"sort by one of {', '.join(SORT_FIELDS)} (default id)")
    order = listing.add_mutually_exclusive_group()
    order.add_argument("--desc", dest="descending", action="store_true", default=True,
                       help="largest or newest first (the default)")
    order.add_argument("--asc", dest="descending", action="store_false",
                       help="smallest or oldest first")
    listing.add_argument("--limit", type=limit, default=50, metavar="N",
                         help="print at most N tasks (default 50); when more match, the text "
                              "says so, and with --json a note on stderr gives the next --offset")
    listing.add_argument("--offset", type=offset, default=0, metavar="N",
                         help="skip the first N matches (with --limit, pages through them)")
    _json_option(listing)

    export = add("export", "write every task a filter matches to CSV or JSON Lines, oldest first")
    export.add_argument("dest", type=Path, help="the file to write (replaced if it exists)")
    _filter_options(export)
    export.add_argument("--format", choices=("csv", "jsonl"), metavar="FORMAT",
                        help="csv or jsonl (default: from DEST's suffix, else csv)")
    _json_option(export)

    for name, help in (("show", "show every field of one task"),
                       ("cancel", "cancel a queued or running task"),
                       ("retry", "run a failed or cancelled task again, with its full attempts")):
        command = add(name, help)
        command.add_argument("id", type=task_id, help="the task id")
        _json_option(command)
    logs = add("logs", "print a task's log")
    logs.add_argument("id", type=task_id, help="the task id")
    logs.add_argument("--follow", "-f", action="store_true",
                      help="keep printing new entries until the task finishes (Ctrl+C "
                           "stops); with --json, one JSON object per line")
    _json_option(logs)


def _filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", action="append", default=[], metavar="S",
                        help="queued, scheduled, active, stuck, leased, processing, completed, "
                             "failed, cancelled, dead_letter (repeat or comma-separate)")
    parser.add_argument("--type", action="append", default=[], metavar="T",
                        help="only this task type (repeatable)")
    parser.add_argument("--search", metavar="TEXT", default="",
                        help="search text, as in the app's search box: free text, "
                             "field:value, comparisons, NOT, OR, ( ) (see the README); "
                             "dates without a zone are local time, as shown (add Z or "
                             "+HH:MM for another zone)")


def _add_queue_commands(add: Callable[[str, str], Parser]) -> None:
    _json_option(add("stats", "counts per status and type, oldest waiting task, workers"))
    backup = add("backup", "write a consistent copy of the queue file, even while workers run")
    backup.add_argument("dest", type=Path, help="the new file")
    _json_option(backup)
    _json_option(add("check", "run SQLite's integrity check and print versions"))
    purge = add("purge", "delete finished tasks and their logs")
    purge.add_argument("--older-than", type=days, required=True, metavar="DAYS",
                       help="finished more than DAYS days ago (0 = all finished tasks)")
    _json_option(purge)


def version_text() -> str:
    return f"{PROG} {__version__} ({versions_text()})"
