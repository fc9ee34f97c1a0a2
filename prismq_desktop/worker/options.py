"""Checking an engine's settings, and naming it, before anything starts.

Bad values raise ``ValueError`` with a one-line message the command line prints as is.
"""

from __future__ import annotations

import itertools
import os
import socket
from collections.abc import Iterable
from typing import Any

from prismq_desktop.core.sqlite.claiming import STRATEGIES

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
        capabilities=capabilities,
        poll_interval=check_range(poll_interval, "poll interval", 0.01, 60),
        allow_shell=bool(allow_shell or shell_programs is not None),
        shell_programs=None if shell_programs is None else tuple(shell_programs),
        max_tasks=None if max_tasks is None else int(check_range(
            max_tasks, "max tasks", 1, 10**12, whole=True)),
    )
