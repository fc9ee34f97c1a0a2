"""The worker's options: the command line's definition of them (the one the CLI uses), their
checks, and the engine's name, before anything starts.

Bad values raise ``ValueError`` with a one-line message the command line prints as is.
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
from collections.abc import Iterable
from typing import Any

from prismq_desktop.core import STRATEGIES, compat
from prismq_desktop.core.claims import DEFAULT_STRATEGY, STRATEGY_HELP

MAX_CONCURRENCY = 64
_engine_numbers = itertools.count(1)


def default_worker_id() -> str:
    """``desktop-HOST-PID``, with ``-N`` for the second and later engines of one process."""
    number = next(_engine_numbers)
    base = f"desktop-{socket.gethostname()}-{os.getpid()}"
    return base if number == 1 else f"{base}-{number}"


def check_concurrency(n: int) -> int:
    return int(check_range(n, "concurrency", 1, MAX_CONCURRENCY, whole=True))


def check_strategy(strategy: str) -> str:
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    return strategy


def check_range(value: Any, name: str, low: float, high: float, whole: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValueError(f"{name} must be a number, not {value!r}")
    if whole and int(value) != value:
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low:g} to {high:g}, not {value:g}")
    return value


def engine_options(
    strategy: str, lease_seconds: float, capabilities: dict[str, Any] | None,
    poll_interval: float, allow_shell: bool, shell_programs: Iterable[str] | None,
    max_tasks: int | None,
) -> dict[str, Any]:
    """The engine's settings, checked (an allow-list of programs implies shell enabled)."""
    return dict(
        strategy=check_strategy(strategy),
        lease_seconds=check_range(lease_seconds, "lease seconds", 1, 86_400),
        capabilities=compat.checked(capabilities),
        poll_interval=check_range(poll_interval, "poll interval", 0.01, 60),
        allow_shell=bool(allow_shell or shell_programs is not None),
        shell_programs=None if shell_programs is None else tuple(shell_programs),
        max_tasks=None if max_tasks is None else int(check_range(
            max_tasks, "max tasks", 1, 10**12, whole=True)),
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``worker`` command's options (``prismq-desktop worker --help`` lists them)."""
    parser.add_argument("--concurrency", type=int, default=1, metavar="N",
                        help="tasks run at once (threads; default 1)")
    parser.add_argument("--strategy", choices=STRATEGIES, default=DEFAULT_STRATEGY,
                        help=f"which waiting task goes first: {STRATEGY_HELP}")
    parser.add_argument("--capability", action="append", default=[], metavar="KEY=VALUE",
                        help="what this worker offers, e.g. gpu=true or region=eu (repeatable; "
                             "VALUE is JSON when it reads as JSON, else text). It claims only "
                             "tasks whose --compatibility it holds every value of; none: only "
                             "tasks that ask for nothing")
    parser.add_argument("--capabilities", metavar="JSON",
                        help='all capabilities as one JSON object, e.g. \'{"gpu": true}\' '
                             "(--capability adds to it)")
    parser.add_argument("--lease-seconds", type=float, default=30.0, metavar="N",
                        help="lease length; renewed every third of it while a task runs")
    parser.add_argument("--handlers", action="append", default=[], metavar="MODULE",
                        help="module (pkg.mod) or file (./x.py) with @handler functions; "
                             "repeatable")
    parser.add_argument("--allow-shell", action="store_true",
                        help="enable the shell handler (runs programs named by tasks)")
    parser.add_argument("--shell-allow", action="append", metavar="PROGRAM",
                        help="enable the shell handler for these programs only; repeatable")
    parser.add_argument("--max-tasks", type=int, metavar="N",
                        help="exit after this many tasks have run")
    parser.add_argument("--idle-exit", type=float, metavar="SECONDS",
                        help="exit once nothing has been running or claimable this long")
    parser.add_argument("--worker-id", metavar="ID", help="name in the workers table")
    parser.add_argument("--poll-interval", type=float, default=0.25, metavar="SECONDS",
                        help="how often an idle worker looks for tasks (default 0.25)")
    parser.add_argument("--quiet", action="store_true",
                        help="print only errors and start/stop lines")
