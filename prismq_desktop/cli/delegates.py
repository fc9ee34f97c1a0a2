"""Commands that hand over to other parts: the GUI, the worker, the demo, the self-test.

Each part is imported only when its command runs, so the command line starts fast and keeps
working in a build without Qt (a headless worker box) or without one of the parts.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from prismq_desktop.cli.files import db_path, open_for_writing, require_existing
from prismq_desktop.cli.parser import UsageError

#: Third-party modules a part needs, with what to tell a user who lacks them.
_INSTALL_HINTS = {"PySide6": "pip install PySide6-Essentials", "pyqtgraph": "pip install pyqtgraph",
                  "fastapi": "pip install 'prismq-desktop[api]'",
                  "uvicorn": "pip install 'prismq-desktop[api]'"}


def load(module: str, name: str, what: str) -> Any:
    """``module.name``, or a one-line UsageError naming what is missing from this build."""
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if module == missing or module.startswith(missing + "."):
            raise UsageError(f"{what} is not available in this build") from exc
        top = missing.split(".")[0]
        if top == "prismq_desktop":
            raise  # our own code imports a module that does not exist: a bug, not the user's
        hint = f" ({_INSTALL_HINTS[top]})" if top in _INSTALL_HINTS else ""
        raise UsageError(f"{what} needs {top}, which is not installed{hint}") from exc


class CannotStart(Exception):
    """The desktop app cannot start on this machine (no display, missing system libraries):
    exit 5, the message naming what to install."""


def require_display() -> None:
    """Check before Qt does: Qt aborts the whole process where we can say what is missing."""
    platform = load("prismq_desktop.gui.platform_check", "check", "the desktop app")()
    if platform.problem:
        raise CannotStart(platform.problem)


def gui(args: argparse.Namespace) -> int:
    require_display()
    run_gui = load("prismq_desktop.gui.app", "run_gui", "the desktop app")
    return int(run_gui(args.db, start_worker=bool(getattr(args, "worker", False))))


def worker(args: argparse.Namespace) -> int:
    run = load("prismq_desktop.worker.command", "run", "the worker")
    require_existing(args)
    open_for_writing(args).close()  # an upgrade for this version first, with its progress line
    return int(run(args, db_path(args)))


def demo(args: argparse.Namespace) -> int:
    require_display()
    return int(load("prismq_desktop.cli.demo", "run_demo", "the demo")(args.db))


def self_test(args: argparse.Namespace) -> int:
    return int(load("prismq_desktop.cli.selftest", "run_self_test", "the self-test")())
