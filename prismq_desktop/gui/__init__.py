"""The desktop GUI (PySide6): the main window over one queue file, wired to the core.

``create_main_window`` and ``run_gui`` (from ``gui.app``) load on first use: importing any GUI
module imports this package first, and importing the main window here would put every module
the window imports on an import circle back through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prismq_desktop.gui.app import create_main_window, run_gui

__all__ = ["create_main_window", "run_gui"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from prismq_desktop.gui import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
