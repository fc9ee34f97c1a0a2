"""The PySide6 front end. ``create_main_window`` lives in ``gui.app``."""
