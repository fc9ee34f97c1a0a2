"""The argparse definition of ``schedule ...``, ``pause``, ``resume`` and ``worker-control``
(DESIGN §14); cli/schedules.py runs them. Apart so cli/parser.py can import it without the
commands' own imports."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from prismq_desktop.core import CATCH_UP, CONTROL_ACTIONS

if TYPE_CHECKING:
    from prismq_desktop.cli.parser import Parser


def add_commands(add: Callable[[str, str], Parser], common: Parser) -> None:
    """Register the commands on the main parser (``add`` makes one subcommand, ``common``
    holds the options every subcommand repeats)."""
    schedule = add("schedule", "recurring tasks: add, list, edit, pause, resume, run now, remove")
    actions = schedule.add_subparsers(dest="schedule_command", metavar="ACTION",
                                      parser_class=type(common), required=True)

    def sub(name: str, help: str, named: bool = True) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help, description=help, parents=[common],
                                    allow_abbrev=False)
        if named:
            parser.add_argument("name", help="the schedule's name")
        return parser

    adding = sub("add", "add a schedule: a task of TYPE on every tick of a cron expression")
    adding.add_argument("--cron", required=True, metavar="EXPR",
                        help='five fields, e.g. "*/5 * * * *" (minute hour day month weekday),'
                             " or @hourly, @daily, @weekly, @monthly, @yearly")
    adding.add_argument("type", help="the task type to enqueue")
    _task_options(adding, defaults=True)
    _json(adding)
    editing = sub("edit", "change any field of a schedule (a new expression or zone counts "
                  "from now)")
    editing.add_argument("--cron", metavar="EXPR", help="a new expression")
    editing.add_argument("--type", metavar="TYPE", help="a new task type")
    _task_options(editing, defaults=False)
    _json(editing)
    _json(sub("list", "every schedule with its next and last run", named=False))
    for name, help in (("pause", "stop enqueueing until resumed"),
                       ("resume", "enqueue again from the next tick (paused ticks are not run)"),
                       ("remove", "delete the schedule (the tasks it made stay)"),
                       ("run-now", "enqueue one task of the schedule now")):
        _json(sub(name, help))

    for name, help in (("pause", "no worker of this app claims tasks of TYPE until resumed "
                                 "(the PrismQ backend's own workers do not know about pauses)"),
                       ("resume", "let workers claim tasks of TYPE again")):
        command = add(name, help)
        command.add_argument("task_type", metavar="TYPE", help="the task type")
    control = add("worker-control", "ask a worker process to stop claiming (quiet) or to "
                  "finish its running tasks and exit (stop); it obeys at its next heartbeat")
    control.add_argument("action", choices=CONTROL_ACTIONS, metavar="ACTION",
                         help="quiet or stop")
    control.add_argument("worker_id", metavar="WORKER_ID", help="as the Workers tab or "
                         "'stats' show it")


def _task_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    def default(value: Any) -> Any:
        return value if defaults else None
    parser.add_argument("--payload", metavar="JSON", default=default(None),
                        help="a JSON object; @FILE reads a file, - reads stdin")
    parser.add_argument("--priority", metavar="N", default=default(100),
                        help="0-1000, lower runs first" + (" (default 100)" if defaults else ""))
    parser.add_argument("--max-attempts", metavar="N", default=default(5),
                        help="1-100" + (" (default 5)" if defaults else ""))
    parser.add_argument("--timezone", metavar="TZ", default=None,
                        help="IANA zone the expression is read in, e.g. Europe/Prague"
                             + (" (default: this machine's zone)" if defaults else ""))
    parser.add_argument("--catch-up", choices=CATCH_UP, default=default("latest"),
                        help="after downtime run the latest missed tick once, all of them, or "
                             "none" + (" (default latest)" if defaults else ""))


def _json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")
