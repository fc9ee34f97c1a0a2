"""The two ways into the window from outside its menus: the command palette (Ctrl+K, every
action) and the system tray (with its notify-on-failure setting).

The dialogs and the tray live in ``palette`` and ``tray``; this wires them to the shared
actions and the window they belong to.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMainWindow

from prismq_desktop.gui import settings
from prismq_desktop.gui.actions import Actions
from prismq_desktop.gui.window.palette import CommandPalette
from prismq_desktop.gui.window.tray import NOTIFY_KEY, Tray


class PaletteTray(QObject):
    def __init__(self, named: Actions, window: QMainWindow) -> None:
        super().__init__(window)
        self.named, self._window = named, window
        self.palette: CommandPalette | None = None
        self.tray = Tray(named, window)
        named["palette"].triggered.connect(self.open_palette)
        named["notify"].setChecked(Tray.notifications_enabled())
        named["notify"].toggled.connect(lambda on: settings.set_value(NOTIFY_KEY, on))

    def open_palette(self) -> CommandPalette:
        if self.palette is not None:
            self.palette.reject()
        named = self.named
        actions = [action for action in (*named.by_name.values(), *named.themes.actions())
                   if action is not named["palette"]]
        dialog = CommandPalette(actions, self._window.menuBar(), self._window)
        self.palette = dialog
        dialog.finished.connect(lambda _r: self._palette_closed(dialog))
        dialog.open()
        return dialog

    def _palette_closed(self, dialog: CommandPalette) -> None:
        if self.palette is dialog:
            self.palette = None
        dialog.deleteLater()
