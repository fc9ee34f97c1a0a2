"""The sidebar: status filters and task types, each with a live count."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from prismq_desktop.gui.formatting import thousands
from prismq_desktop.gui.tasks.status_badge import is_dark, status_color
from prismq_desktop.gui.tasks.unhandled import tip, warning_icon

COUNT_ROLE = Qt.ItemDataRole.UserRole + 2
KEY_ROLE = Qt.ItemDataRole.UserRole + 3
#: True on a type no live worker handles (it has waiting tasks).
MARK_ROLE = Qt.ItemDataRole.UserRole + 4
#: Side of the status dots and the type marks, so every label starts at the same x.
DOT_SIZE = 12
#: (key, label, stored statuses it covers); "all" and "other" are computed.
STATUS_FILTERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("all", "All tasks", ()),
    ("queued", "Queued", ("queued",)),
    ("scheduled", "Scheduled", ("scheduled",)),
    ("running", "Leased / processing", ("leased", "processing")),
    ("completed", "Completed", ("completed",)),
    ("failed", "Failed", ("failed",)),
    ("cancelled", "Cancelled", ("cancelled",)),
    ("other", "Other", ()),
    ("stuck", "Stuck", ("stuck",)),
)
KNOWN = {status for _key, _label, statuses in STATUS_FILTERS for status in statuses}
DOT_COLOR = {"queued": "queued", "scheduled": "scheduled", "running": "processing",
             "completed": "completed", "failed": "failed", "cancelled": "cancelled",
             "other": "dead_letter", "stuck": "stuck"}


class CountDelegate(QStyledItemDelegate):
    """Item text on the left, a muted count on the right."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        count = index.data(COUNT_ROLE)
        super().paint(painter, option, index)
        painter.save()
        if count is not None:
            color = QColor(option.palette.text().color())
            color.setAlphaF(0.6)
            painter.setPen(color)
            rect = QRect(option.rect.adjusted(0, 0, -8, 0))
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             thousands(int(count)))
        painter.restore()


class Sidebar(QWidget):
    #: (stored or pseudo statuses, types): empty tuples mean "any".
    filter_changed = Signal(tuple, tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._other: tuple[str, ...] = ()
        self.statuses = self._list("statusFilter")
        self.types = self._list("typeFilter")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_heading("Status"))
        layout.addWidget(self.statuses, 3)
        layout.addWidget(_heading("Type"))
        layout.addWidget(self.types, 2)
        for key, label, _statuses in STATUS_FILTERS:
            item = QListWidgetItem(label)
            item.setData(KEY_ROLE, key)
            self.statuses.addItem(item)
        self._paint_dots()
        self._type_item("", "All types")
        self.statuses.setCurrentRow(0)
        self.types.setCurrentRow(0)
        self.statuses.currentRowChanged.connect(self._emit)
        self.types.currentRowChanged.connect(self._emit)

    def _paint_dots(self) -> None:
        """Status dots as item icons, redrawn when the theme (palette) changes."""
        dark = is_dark(self.palette())
        for row in range(self.statuses.count()):
            item = self.statuses.item(row)
            status = DOT_COLOR.get(item.data(KEY_ROLE))
            item.setIcon(_dot(status_color(status, dark)) if status else _dot(None))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._paint_dots()

    def _list(self, name: str) -> QListWidget:
        widget = QListWidget(self)
        widget.setObjectName(name)
        widget.setItemDelegate(CountDelegate(widget))
        widget.setUniformItemSizes(True)
        widget.setIconSize(QSize(DOT_SIZE, DOT_SIZE))
        widget.setFrameShape(QListWidget.Shape.NoFrame)
        return widget

    def _type_item(self, kind: str, label: str) -> QListWidgetItem:
        item = QListWidgetItem(_dot(None), label)
        item.setData(Qt.ItemDataRole.UserRole, kind)
        self.types.addItem(item)
        return item

    def _sort_types(self) -> None:
        """Keep "All types" first and the rest in name order as new types arrive."""
        current = self.types.currentItem()
        rest = [self.types.takeItem(1) for _ in range(1, self.types.count())]
        for item in sorted(rest, key=lambda i: str(i.data(Qt.ItemDataRole.UserRole))):
            self.types.addItem(item)
        blocked = self.types.blockSignals(True)
        self.types.setCurrentItem(current)
        self.types.blockSignals(blocked)

    def select_status(self, key: str) -> None:
        for row in range(self.statuses.count()):
            if self.statuses.item(row).data(KEY_ROLE) == key:
                self.statuses.setCurrentRow(row)

    def show_filter_silently(self, statuses: tuple[str, ...], types: tuple[str, ...]) -> None:
        """Select the entries matching a filter set elsewhere ("All" when none matches),
        without emitting filter_changed."""
        key = next((k for k, _label, s in STATUS_FILTERS if s == statuses), "all")
        kind = types[0] if len(types) == 1 else ""
        for widget, role, wanted in ((self.statuses, KEY_ROLE, key),
                                     (self.types, Qt.ItemDataRole.UserRole, kind)):
            blocked = widget.blockSignals(True)
            for row in range(widget.count()):
                if widget.item(row).data(role) == wanted:
                    widget.setCurrentRow(row)
            widget.blockSignals(blocked)

    def current_filter(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        item = self.statuses.currentItem()
        key = item.data(KEY_ROLE) if item else "all"
        statuses = dict((k, s) for k, _label, s in STATUS_FILTERS).get(key, ())
        if key == "other":
            statuses = self._other or ("\x00none",)
        kind_item = self.types.currentItem()
        kind = kind_item.data(Qt.ItemDataRole.UserRole) if kind_item else ""
        return statuses, ((kind,) if kind else ())

    def _emit(self, *_args: object) -> None:
        self.filter_changed.emit(*self.current_filter())

    def set_counts(self, counts: dict[str, int], type_counts: dict[tuple[str, str], int],
                   stuck: int = 0, unhandled: frozenset[str] = frozenset()) -> None:
        """Show live counts; new task types appear in the type list as they arrive.

        ``stuck`` tasks are also counted as leased or processing, so they come separately;
        types in ``unhandled`` (waiting tasks no live worker handles) get a warning mark.
        """
        self._other = tuple(sorted(s for s in counts if s not in KNOWN))
        for row in range(self.statuses.count()):
            item = self.statuses.item(row)
            key = item.data(KEY_ROLE)
            item.setData(COUNT_ROLE, stuck if key == "stuck" else _status_count(key, counts))
        per_type: dict[str, int] = {}
        for (kind, _status), n in type_counts.items():
            per_type[kind] = per_type.get(kind, 0) + n
        self._sync_types(per_type)
        self._mark_types(unhandled)

    def _mark_types(self, unhandled: frozenset[str]) -> None:
        for row in range(1, self.types.count()):
            item = self.types.item(row)
            kind = item.data(Qt.ItemDataRole.UserRole)
            marked = kind in unhandled
            if bool(item.data(MARK_ROLE)) != marked:
                item.setData(MARK_ROLE, marked)
                item.setIcon(warning_icon(DOT_SIZE) if marked else _dot(None))
                item.setToolTip(tip(kind) if marked else "")

    def _sync_types(self, per_type: dict[str, int]) -> None:
        known = {self.types.item(r).data(Qt.ItemDataRole.UserRole): self.types.item(r)
                 for r in range(self.types.count())}
        for kind in sorted(per_type):
            if kind not in known:
                known[kind] = self._type_item(kind, kind)
                self._sort_types()
        total = sum(per_type.values())
        for kind, item in known.items():
            item.setData(COUNT_ROLE, total if kind == "" else per_type.get(kind, 0))


def _status_count(key: str, counts: dict[str, int]) -> int:
    if key == "all":
        return sum(counts.values())
    if key == "other":
        return sum(n for status, n in counts.items() if status not in KNOWN)
    statuses = dict((k, s) for k, _label, s in STATUS_FILTERS)[key]
    return sum(counts.get(status, 0) for status in statuses)


def _dot(color: QColor | None) -> QIcon:
    pixmap = QPixmap(DOT_SIZE, DOT_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    if color is not None:
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(2, 2, 8, 8)
        painter.end()
    return QIcon(pixmap)


def _heading(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setObjectName("sidebarHeading")
    label.setContentsMargins(10, 8, 8, 2)
    return label
