"""The command palette (Ctrl+K): every action of the main window, its menu and shortcut,
filtered fuzzily as you type; Enter runs the highlighted one.

It lists the window's shared ``QAction`` objects themselves, so a disabled action shows
greyed with the reason in its tooltip, exactly as in the menus, and running one is the same
as choosing it from its menu.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QLineEdit,
    QMenu,
    QMenuBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

ACTION_ROLE = Qt.ItemDataRole.UserRole
WORD_BREAKS = " _-:›&"
NAVIGATION = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


def plain(text: str) -> str:
    """Menu text without its & mnemonics and trailing dots."""
    return text.replace("&&", "\x00").replace("&", "").replace("\x00", "&").rstrip(".…")


def fuzzy_score(pattern: str, text: str) -> int | None:
    """Higher is better; None when the pattern does not match.

    A substring beats anything else, an early one beats a late one. Otherwise each letter
    must follow the previous one or start a word ("rat" finds "Retry all tasks", not
    "Dark theme"), and the fewer words it jumps, the better.
    """
    pattern, text = "".join(pattern.lower().split()), text.lower()
    if not pattern:
        return 0
    found = text.find(pattern)
    if found >= 0:
        return 1000 - found + (50 if found == 0 or text[found - 1] in WORD_BREAKS else 0)
    score, last = 0, -1
    for char in pattern:
        at = next((i for i in range(last + 1, len(text)) if text[i] == char
                   and (i == last + 1 or i == 0 or text[i - 1] in WORD_BREAKS)), -1)
        if at < 0:
            return None
        score += 10 if at == last + 1 else 5
        last = at
    return score - last // 4


def menu_paths(bar: QMenuBar) -> dict[QAction, str]:
    """Each action in the menus -> "Menu › Submenu" where it lives."""
    paths: dict[QAction, str] = {}

    def walk(actions: list[QAction], prefix: str) -> None:
        for action in actions:
            menu = action.menu()
            if isinstance(menu, QMenu):
                walk(menu.actions(), f"{prefix} › {plain(menu.title())}".lstrip(" ›"))
            elif action not in paths:
                paths[action] = prefix
    walk(bar.actions(), "")
    return paths


class CommandPalette(QDialog):
    def __init__(self, actions: list[QAction], bar: QMenuBar | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("commandPalette")
        self.filter = QLineEdit(objectName="paletteFilter", placeholderText="Type a command…")
        self.filter.setClearButtonEnabled(True)
        self.list = QTreeWidget(objectName="paletteList")
        self.list.setColumnCount(3)
        self.list.setHeaderHidden(True)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(True)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.filter)
        layout.addWidget(self.list)
        self.setStyleSheet(
            "QDialog#commandPalette { border: 1px solid palette(mid); border-radius: 6px; }"
            " QLineEdit#paletteFilter { padding: 6px 8px; font-size: 14px; }"
            " QTreeWidget#paletteList { border: none; }"
            " QTreeWidget#paletteList::item { padding: 5px 8px; }")
        self.resize(640, 420)
        self._fill(actions, menu_paths(bar) if bar is not None else {})
        self.filter.textChanged.connect(self.apply_filter)
        self.filter.installEventFilter(self)
        self.list.itemActivated.connect(lambda item: self.run(item))
        self.apply_filter("")

    def _fill(self, actions: list[QAction], paths: dict[QAction, str]) -> None:
        for action in actions:
            if action.isSeparator() or not action.text():
                continue
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            item = QTreeWidgetItem([plain(action.text()), paths.get(action, ""), shortcut])
            item.setData(0, ACTION_ROLE, action)
            item.setForeground(1, self.palette().placeholderText())
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, action.toolTip())
            if not action.isEnabled():
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.list.addTopLevelItem(item)

    def items(self) -> list[QTreeWidgetItem]:
        found = (self.list.topLevelItem(i) for i in range(self.list.topLevelItemCount()))
        return [item for item in found if item is not None]

    def visible_items(self) -> list[QTreeWidgetItem]:
        """The shown items, best match first."""
        return [item for item in self.items() if not item.isHidden()]

    def apply_filter(self, text: str) -> None:
        """Hide what does not match and order the rest by score (enabled ones first)."""
        scored = []
        for order, item in enumerate(self.items()):
            score = fuzzy_score(text, f"{item.text(0)} {item.text(1)}")
            item.setHidden(score is None)
            enabled = bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)
            scored.append((score is None, not enabled, -(score or 0), order, item))
        for *_key, item in sorted(scored, key=lambda s: s[:4]):
            self.list.takeTopLevelItem(self.list.indexOfTopLevelItem(item))
            self.list.addTopLevelItem(item)
        first = next((i for i in self.visible_items()
                      if i.flags() & Qt.ItemFlag.ItemIsEnabled), None)
        self.list.setCurrentItem(first)  # type: ignore[arg-type]  # None clears it

    def run(self, item: QTreeWidgetItem | None = None) -> None:
        """Close, then trigger the action (so anything it opens is not under the palette)."""
        item = item or self.list.currentItem()
        if item is None or item.isHidden() or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return
        action: QAction = item.data(0, ACTION_ROLE)
        self.accept()
        QTimer.singleShot(0, action.trigger)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.filter and isinstance(event, QKeyEvent) \
                and event.type() == QEvent.Type.KeyPress:
            if event.key() in NAVIGATION:
                self.list.keyPressEvent(event)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.run()
                return True
        return False

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        parent = self.parentWidget()
        if parent is not None:
            top = parent.mapToGlobal(parent.rect().topLeft())
            self.move(top.x() + (parent.width() - self.width()) // 2, top.y() + 80)
        self.filter.setFocus()
