"""The Workers tab's table: one row per worker, ages computed on the GUI thread.

The rows come from ``Queue.workers_overview`` (read in the background); heartbeat ages and
stale marks move with a one-second tick that only recomputes from the last read, no SQL.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QPalette

from prismq_desktop.core import timeutil
from prismq_desktop.core.reports import STALE_AFTER_SECONDS, WorkerRow
from prismq_desktop.gui.formatting import duration, local_time, utc_text
from prismq_desktop.gui.tasks.status_badge import is_dark, status_color

#: "Failed tasks" (failed for good), as in the Stats tab: not its failed attempts.
COLUMNS = ("Worker", "State", "Last heartbeat", "Silent for", "Holds", "Completed tasks",
           "Failed tasks", "Capabilities")
STATE_COLUMN, AGE_COLUMN = 1, 3
#: The value the proxy sorts by (numbers as numbers, missing ages last).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex
ALIVE, STALE, UNREGISTERED = "alive", "stale", "no row"


class WorkersModel(QAbstractTableModel):
    def __init__(self, palette: QPalette, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[WorkerRow] = []
        self.now = timeutil.utc_now()
        self.stale_after = STALE_AFTER_SECONDS
        self.window_minutes = 60.0
        self.own_id: str | None = None
        #: worker id -> an operator's request as it stands ("quiet requested", "stopping", ...)
        self.controls: dict[str, str] = {}
        self._palette = palette

    # -- updates ---------------------------------------------------------------------------
    def set_rows(self, rows: list[WorkerRow], window_minutes: float) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.window_minutes = window_minutes
        self.endResetModel()

    def tick(self, now: datetime) -> None:
        """Move the clock: ages and stale marks change, nothing else."""
        self.now = now
        self._changed(STATE_COLUMN, AGE_COLUMN)

    def set_stale_after(self, seconds: float) -> None:
        self.stale_after = float(seconds)
        self._changed(0, AGE_COLUMN)

    def set_controls(self, controls: dict[str, str]) -> None:
        if controls != self.controls:
            self.controls = controls
            self._changed(STATE_COLUMN, STATE_COLUMN)

    def set_own_id(self, worker_id: str | None) -> None:
        if worker_id != self.own_id:
            self.own_id = worker_id
            self._changed(0, 0)

    def set_palette(self, palette: QPalette) -> None:
        self._palette = palette
        self._changed(0, len(COLUMNS) - 1)

    def _changed(self, first: int, last: int) -> None:
        if self.rows:
            self.dataChanged.emit(self.index(0, first), self.index(len(self.rows) - 1, last))

    # -- what a row says -----------------------------------------------------------------------
    def state(self, row: WorkerRow) -> str:
        if not row.registered:
            return UNREGISTERED
        return STALE if row.is_stale(self.now, self.stale_after) else ALIVE

    def stale_count(self) -> int:
        return sum(self.state(row) == STALE for row in self.rows)

    # -- Qt model ------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt API)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS.get(section, "").format(window=duration(self.window_minutes * 60))
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and column in (STATE_COLUMN, AGE_COLUMN):
            dark = is_dark(self._palette)
            return status_color({ALIVE: "completed", STALE: "failed"}.get(self.state(row),
                                                                          "leased"), dark)
        if role == Qt.ItemDataRole.FontRole and column == 0 and row.worker_id == self.own_id:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and 4 <= column <= 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: WorkerRow, column: int) -> str:
        if column == 0:
            return row.worker_id + ("  (this app)" if row.worker_id == self.own_id else "")
        if column == STATE_COLUMN:
            asked = self.controls.get(row.worker_id)
            return f"{self.state(row)} · {asked}" if asked else self.state(row)
        if column == 2:
            return local_time(row.heartbeat)[0] if row.heartbeat else _raw(row.heartbeat_utc)
        if column == AGE_COLUMN:
            age = row.heartbeat_age(self.now)
            if age is None:
                return "never" if row.heartbeat_utc is None else "unreadable"
            return "just now" if age < 1 else duration(age)
        if column == 7:
            return row.capabilities_text()
        return f"{(row.active, row.completed, row.failed)[column - 4]:,}"

    def _sort_key(self, row: WorkerRow, column: int) -> Any:
        if column in (2, AGE_COLUMN):
            age = row.heartbeat_age(self.now)
            return math.inf if age is None else age
        if column in (0, STATE_COLUMN, 7):
            return self._text(row, column).lower()
        return (row.active, row.completed, row.failed)[column - 4]

    def _tooltip(self, row: WorkerRow, column: int) -> str:
        state = self.state(row)
        if column in (STATE_COLUMN, AGE_COLUMN, 0) and state == UNREGISTERED:
            return (f"{row.worker_id} holds {row.active} running task(s) but has no row in "
                    "the workers table: it never registered or was removed. Its tasks go "
                    "back to the queue when their leases expire (Reclaim expired leases).")
        if column in (STATE_COLUMN, AGE_COLUMN) and state == STALE:
            age = row.heartbeat_age(self.now)
            silent = "no readable heartbeat" if age is None else f"no heartbeat for {duration(age)}"
            return (f"Stale: {silent} (threshold {duration(self.stale_after)}). The worker has "
                    "probably stopped or lost the file; its tasks count as stuck and return to "
                    "the queue when their leases expire.")
        if column in (STATE_COLUMN, AGE_COLUMN):
            return f"Heartbeat within the last {duration(self.stale_after)}"
        if column == 2:
            if row.heartbeat is None:
                return f"Stored value: {_raw(row.heartbeat_utc)}"
            return f"{utc_text(row.heartbeat)}\nStored value: {_raw(row.heartbeat_utc)}"
        if column == 7:
            return _raw(row.capabilities)
        if column == 0 and row.worker_id == self.own_id:
            return "The embedded worker of this window"
        if column == 0:
            return "Double-click to show its tasks"
        return ""


def _raw(value: object) -> str:
    return "(empty)" if value is None or value == "" else str(value)


_HEADER_TIPS = {
    STATE_COLUMN: "alive, or stale when its heartbeat is older than the threshold",
    AGE_COLUMN: "Time since the worker's last heartbeat",
    4: "Tasks it holds now (leased or processing)",
    5: "Tasks it completed in the last {window}",
    6: "Tasks that failed for good while it held them, in the last {window}",
    7: "As stored in the workers table (shown as is when not JSON)",
}
