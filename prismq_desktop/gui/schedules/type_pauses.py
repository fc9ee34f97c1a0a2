"""Paused task types in the GUI: a toggle under the sidebar's type list (and in its context
menu), paused types marked in that list, and "N types paused" in the status bar.

The paused set is read by the session's reader whenever something commits; a toggle goes
through the writer. A paused type is claimed by no worker of this app (the PrismQ backend's
own workers do not know about pauses, which the tooltip says).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QMenu, QStatusBar, QToolButton

from prismq_desktop.core import Queue
from prismq_desktop.gui.formatting import counted
from prismq_desktop.gui.tasks.sidebar import DOT_SIZE, MARK_ROLE, Sidebar
from prismq_desktop.gui.tasks.unhandled import warning_icon
from prismq_desktop.gui.window.session import Session

KIND_ROLE = Qt.ItemDataRole.UserRole
#: True on a paused type's item (it is drawn in italics with a pause mark).
PAUSED_ROLE = Qt.ItemDataRole.UserRole + 10
#: Amber reads on light and dark alike, so the mark needs no redraw on a theme change.
PAUSE_COLOR = QColor("#e0a030")
TIP = ("No worker of this app claims tasks of a paused type; they wait until it is resumed. "
       "The PrismQ backend's own workers do not know about pauses.")


class TypePauses(QObject):
    def __init__(self, session: Session, sidebar: Sidebar, status: QStatusBar) -> None:
        super().__init__(session)
        self.session = session
        self.types: QListWidget = sidebar.types
        self.paused: dict[str, datetime | None] = {}
        self.button = QToolButton(objectName="pauseTypeButton", checkable=True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.button.clicked.connect(lambda checked: self.set_paused(self.current(), checked))
        layout = sidebar.layout()
        if layout is not None:
            layout.addWidget(self.button)
        self.label = QLabel(objectName="pausedTypesLabel")
        self.label.setToolTip(TIP)
        self.label.hide()  # before it joins the bar, so it never takes room while empty
        status.addPermanentWidget(self.label)
        self.types.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.types.customContextMenuRequested.connect(self._menu)
        self.types.currentItemChanged.connect(lambda *_: self._update_button())
        session.changed.connect(self.refresh)
        session.destroyed.connect(self.label.deleteLater)
        session.destroyed.connect(self.button.deleteLater)
        self._update_button()
        self.refresh()

    def refresh(self) -> None:
        self.session.reader.submit(lambda q: q.paused_types(), self._arrived,
                                   key=("paused-types", id(self)))

    def _arrived(self, paused: dict[str, datetime | None]) -> None:
        self.paused = paused
        for row in range(1, self.types.count()):
            self._mark(self.types.item(row))
        n = len(paused)
        self.label.setText(f"{counted(n, 'type')} paused")
        self.label.setToolTip(f"Paused: {', '.join(sorted(paused))}\n{TIP}" if n else TIP)
        self.label.setVisible(n > 0)
        self._update_button()

    def _mark(self, item: QListWidgetItem) -> None:
        """Italics and a pause mark (the sidebar's own warning mark comes back on resume)."""
        paused = str(item.data(KIND_ROLE)) in self.paused
        if bool(item.data(PAUSED_ROLE)) == paused:
            return
        item.setData(PAUSED_ROLE, paused)
        font = QFont(item.font())
        font.setItalic(paused)
        item.setFont(font)
        if paused:
            item.setIcon(_pause_icon(PAUSE_COLOR))
        else:
            item.setIcon(warning_icon(DOT_SIZE) if item.data(MARK_ROLE) else _blank())
        item.setToolTip(f"Paused. {TIP}" if paused else "")

    def current(self) -> str:
        item = self.types.currentItem()
        return str(item.data(KIND_ROLE) or "") if item is not None else ""

    def _update_button(self) -> None:
        kind, reason = self.current(), self.session.read_only_reason
        paused = kind in self.paused
        self.button.setChecked(paused)
        self.button.setText(f"Resume {kind}" if paused else
                            f"Pause {kind}" if kind else "Pause type")
        self.button.setEnabled(bool(kind) and not reason)
        self.button.setToolTip(f"Unavailable: {reason}" if reason else
                               TIP if kind else "Select a type to pause or resume it")

    def set_paused(self, kind: str, paused: bool) -> None:
        if not kind or self.session.read_only_reason:
            return

        def job(queue: Queue) -> None:
            if paused:
                queue.pause_type(kind)
            else:
                queue.resume_type(kind)
        self.session.writer.submit(job, lambda _none: self.refresh(),
                                   lambda _exc: self.refresh())

    def _menu(self, point: QPoint) -> None:
        item = self.types.itemAt(point)
        kind = str(item.data(KIND_ROLE) or "") if item is not None else ""
        if not kind or self.session.read_only_reason:
            return
        menu = QMenu(self.types)
        paused = kind in self.paused
        action = menu.addAction(f"Resume {kind}" if paused else f"Pause {kind}")
        action.setObjectName("pauseTypeAction")
        action.triggered.connect(lambda: self.set_paused(kind, not paused))
        menu.popup(self.types.viewport().mapToGlobal(point))


def _pause_icon(color: QColor) -> QIcon:
    """Two bars, the size of the sidebar's status dots."""
    pixmap = _pixmap()
    painter = QPainter(pixmap)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRect(2, 2, 3, 8)
    painter.drawRect(7, 2, 3, 8)
    painter.end()
    return QIcon(pixmap)


def _blank() -> QIcon:
    return QIcon(_pixmap())


def _pixmap() -> QPixmap:
    pixmap = QPixmap(DOT_SIZE, DOT_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    return pixmap
