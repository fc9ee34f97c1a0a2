"""The main window's menus and toolbar, built from the shared actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QMenu, QStyle, QToolBar, QToolButton

if TYPE_CHECKING:
    from prismq_desktop.gui.window.main_window import MainWindow


def build_menus(window: MainWindow) -> None:
    named = window.actions
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([named["open"], named["new"]])
    window.files.recent_menu = file_menu.addMenu("Open &recent")
    window.files.fill_recent()
    file_menu.addSeparator()
    file_menu.addAction(named["quit"])
    tasks = bar.addMenu("&Tasks")
    tasks.addActions([named["enqueue"], named["duplicate"]])
    tasks.addSeparator()
    tasks.addActions([named["cancel"], named["retry"], named["edit"]])
    tasks.addActions([named["copy"], named["copyJson"], named["exportTask"]])
    tasks.addSeparator()
    tasks.addMenu(window.operations.bulk_menu)
    tasks.addSeparator()
    tasks.addActions([named["find"], named["refresh"], named["pause"]])
    worker = bar.addMenu("&Worker")
    worker.addAction(named["workerToggle"])
    view = bar.addMenu("&View")
    view.addActions([named["tabTasks"], named["tabStats"], named["tabWorkers"]])
    view.addSeparator()
    themes = QMenu("&Theme", view)
    themes.addActions(named.themes.actions())
    themes.addSeparator()
    themes.addAction(named["nextTheme"])
    view.addMenu(themes)
    view.addAction(named["resetColumns"])
    view.addSeparator()
    view.addActions([named["palette"], named["notify"]])
    bar.addMenu("&Help").addAction(named["about"])
    _toolbar(window)


ICONS = {
    "open": QStyle.StandardPixmap.SP_DialogOpenButton,
    "new": QStyle.StandardPixmap.SP_FileIcon,
    "enqueue": QStyle.StandardPixmap.SP_FileDialogNewFolder,
    "duplicate": QStyle.StandardPixmap.SP_FileLinkIcon,
    "cancel": QStyle.StandardPixmap.SP_DialogCancelButton,
    "retry": QStyle.StandardPixmap.SP_BrowserReload,
    "refresh": QStyle.StandardPixmap.SP_BrowserReload,
    "pause": QStyle.StandardPixmap.SP_MediaPause,
    "workerToggle": QStyle.StandardPixmap.SP_MediaPlay,
}


def apply_icons(window: MainWindow) -> None:
    """Toolbar icons drawn in the theme's text colour (the style's own are fixed colours)."""
    color = window.palette().color(QPalette.ColorRole.ButtonText)
    for name, standard in ICONS.items():
        source = window.style().standardIcon(standard).pixmap(QSize(32, 32))
        tinted = QPixmap(source.size())
        tinted.fill(Qt.GlobalColor.transparent)
        painter = QPainter(tinted)
        painter.drawPixmap(0, 0, source)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(tinted.rect(), color)
        painter.end()
        window.actions[name].setIcon(QIcon(tinted))


def _toolbar(window: MainWindow) -> None:
    named = window.actions
    apply_icons(window)
    toolbar = QToolBar("Main", window, objectName="mainToolBar", movable=False)
    toolbar.setIconSize(QSize(16, 16))
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addActions([named["open"]])
    toolbar.addSeparator()
    toolbar.addActions([named["enqueue"], named["duplicate"], named["cancel"], named["retry"]])
    matching = QToolButton(toolbar, objectName="bulkMenuButton", text="All matching",
                           toolTip="Act on every task the current filter matches")
    matching.setMenu(window.operations.bulk_menu)
    matching.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    toolbar.addWidget(matching)
    toolbar.addSeparator()
    toolbar.addActions([named["refresh"], named["pause"]])
    toolbar.addSeparator()
    toolbar.addAction(named["workerToggle"])
    toolbar.addWidget(window.worker_status.controls)
    window.addToolBar(toolbar)
