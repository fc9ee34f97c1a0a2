"""The handlers every worker has: ``sleep``, ``echo``, ``fail`` (and ``shell``, off by default).

They make a new queue testable before any real handler exists: the demo, the self-test and
the reliability tests run on them.
"""

from __future__ import annotations

import math
from typing import Any

from prismq_desktop.worker.context import PermanentError, TaskContext
from prismq_desktop.worker.registry import HandlerRegistry, default_registry
from prismq_desktop.worker.shell import run_shell

MAX_SLEEP_SECONDS = 86_400.0


def sleep(ctx: TaskContext) -> dict[str, Any]:
    """``{"seconds": x}``: wait, reporting progress, stopping at once when cancelled."""
    seconds = _seconds(ctx.payload.get("seconds", 1.0))
    steps = max(1, min(100, int(seconds * 4)))
    for step in range(steps):
        if ctx.wait(seconds / steps):
            return {"slept": round(seconds * step / steps, 3), "stopped": True}
        ctx.progress((step + 1) / steps, f"{seconds * (step + 1) / steps:.1f} of {seconds:g} s")
    return {"slept": seconds}


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PermanentError(f"sleep: 'seconds' must be a number, not {value!r}")
    if not 0 <= value <= MAX_SLEEP_SECONDS:
        raise PermanentError(f"sleep: 'seconds' must be from 0 to {MAX_SLEEP_SECONDS:g}")
    return float(value)


def echo(ctx: TaskContext) -> Any:
    """Return the payload as the result (the smallest possible handler)."""
    return ctx.task.payload_data


def fail(ctx: TaskContext) -> None:
    """``{"message": ..., "permanent": bool}``: always raise, to exercise retries and backoff."""
    message = str(ctx.payload.get("message") or "failed on purpose")
    if ctx.payload.get("permanent"):
        raise PermanentError(message)
    raise RuntimeError(message)


BUILTINS = {"sleep": sleep, "echo": echo, "fail": fail, "shell": run_shell}


def builtin_registry() -> HandlerRegistry:
    """A fresh registry holding only the built-ins (for engines with explicit registries)."""
    registry = HandlerRegistry()
    for task_type, fn in BUILTINS.items():
        registry.register(task_type, fn)
    return registry


for _type, _fn in BUILTINS.items():
    default_registry.register(_type, _fn)
