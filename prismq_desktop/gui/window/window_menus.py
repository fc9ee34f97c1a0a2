"""The main window's menus, toolbar and the task table's context menu, built from the shared
actions (plus the two pieces that are not actions: the "All matching" menu and the worker's
toolbar controls)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QToolBar, QToolButton, QWidget

from prismq_desktop.gui.actions import Actions


def build_menus(window: QMainWindow, named: Actions, bulk_menu: QMenu,
                worker_controls: QWidget) -> QMenu:
    """Fill the menu bar and add the toolbar; returns the (empty) Open recent menu."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([named["open"], named["new"]])
    recent = file_menu.addMenu("Open &recent")
    file_menu.addSeparator()
    file_menu.addAction(named["quit"])
    tasks = bar.addMenu("&Tasks")
    tasks.addActions([named["enqueue"], named["duplicate"]])
    tasks.addSeparator()
    tasks.addActions([named["cancel"], named["retry"], named["edit"]])
    tasks.addActions([named["copy"], named["copyJson"], named["exportTask"]])
    tasks.addSeparator()
    tasks.addMenu(bulk_menu)
    tasks.addSeparator()
    tasks.addActions([named["find"], named["refresh"], named["pause"]])
    worker = bar.addMenu("&Worker")
    worker.addAction(named["workerToggle"])
    worker.addSeparator()
    worker.addAction(named["serveApi"])
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
    _toolbar(window, named, bulk_menu, worker_controls)
    return recent


def context_actions(named: Actions, bulk_menu: QMenu) -> list[QAction | None]:
    """The task table's context menu (None: a separator)."""
    return [named["edit"], named["duplicate"], None, named["cancel"], named["retry"], None,
            named["copy"], named["copyJson"], named["exportTask"], None,
            bulk_menu.menuAction()]


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


def apply_icons(window: QWidget, named: Actions) -> None:
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
        named[name].setIcon(QIcon(tinted))


def _toolbar(window: QMainWindow, named: Actions, bulk_menu: QMenu,
             worker_controls: QWidget) -> None:
    apply_icons(window, named)
    toolbar = QToolBar("Main", window, objectName="mainToolBar", movable=False)
    toolbar.setIconSize(QSize(16, 16))
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addActions([named["open"]])
    toolbar.addSeparator()
    toolbar.addActions([named["enqueue"], named["duplicate"], named["cancel"], named["retry"]])
    matching = QToolButton(toolbar, objectName="bulkMenuButton", text="All matching",
                           toolTip="Act on every task the current filter matches")
    matching.setMenu(bulk_menu)
    matching.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    toolbar.addWidget(matching)
    toolbar.addSeparator()
    toolbar.addActions([named["refresh"], named["pause"]])
    toolbar.addSeparator()
    toolbar.addAction(named["workerToggle"])
    toolbar.addWidget(worker_controls)
    window.addToolBar(toolbar)
