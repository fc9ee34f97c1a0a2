"""The desktop GUI (PySide6): the main window over one queue file, wired to the core."""

from prismq_desktop.gui.app import create_main_window, run_gui

__all__ = ["create_main_window", "run_gui"]
