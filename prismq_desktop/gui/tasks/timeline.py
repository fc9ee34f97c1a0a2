"""A task's life drawn as one line: created → claimed → started → finished, with durations."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from prismq_desktop.core.models import Task
from prismq_desktop.core.reports import Run
from prismq_desktop.gui import formatting as fmt
from prismq_desktop.gui.tasks.status_badge import is_dark, status_color

STEPS = (("created", "created_at_utc"), ("claimed", "reserved_at_utc"),
         ("started", "processing_started_utc"), ("finished", "finished_at_utc"))


@dataclass(frozen=True)
class Step:
    name: str
    local: str
    utc: str
    reached: bool


def steps(task: Task, runs: Sequence[Run] = ()) -> tuple[list[Step], list[str]]:
    """The four steps and the durations between reached neighbours ('' when unknown).

    PrismQ's columns hold whole seconds; this app's record of the task's latest attempt has
    the exact wait (creation to claim) and run time, so those two gaps come from it and
    agree with the attempt history (they read 3.0 s beside its 2.6 s)."""
    found = [Step(name, *fmt.local_time(getattr(task, column)),
                  getattr(task, column) not in (None, "")) for name, column in STEPS]
    last = runs[-1] if runs and runs[-1].attempt == task.attempts else None
    exact = {0: last.wait_s, 2: last.run_s} if last is not None else {}
    gaps = []
    for number, ((_a, first), (_b, second)) in enumerate(itertools.pairwise(STEPS)):
        gap = exact.get(number)
        if gap is None or not found[number + 1].reached:
            gap = fmt.between(getattr(task, first), getattr(task, second))
            # Two steps in the same whole second are "< 1 s" apart, not "0 ms".
            gaps.append("< 1 s" if gap == 0 else fmt.duration(gap))
        else:
            gaps.append(fmt.duration(gap))
    return found, gaps


class Timeline(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("taskTimeline")
        self._steps: list[Step] = []
        self._gaps: list[str] = []
        self._status = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(360, QFontMetrics(self.font()).height() * 3 + 30)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(240, self.sizeHint().height())

    def set_task(self, task: Task | None, status: str = "", runs: Sequence[Run] = ()) -> None:
        self._steps, self._gaps = steps(task, runs) if task is not None else ([], [])
        self._status = status
        tips = [f"{s.name}: {s.local}  ({s.utc})" for s in self._steps if s.reached]
        self.setToolTip("\n".join(tips))
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        if not self._steps:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        dark = is_dark(self.palette())
        accent = status_color(self._status or "queued", dark)
        muted = QColor(self.palette().text().color())
        muted.setAlphaF(0.35)
        metrics = QFontMetrics(self.font())
        y = 10 + metrics.height()
        margin = metrics.horizontalAdvance("00:00:00") / 2 + 6
        span = self.width() - 2 * margin
        xs = [margin + i * span / (len(self._steps) - 1) for i in range(len(self._steps))]
        for i, gap in enumerate(self._gaps):
            reached = self._steps[i + 1].reached
            painter.setPen(QPen(accent if reached else muted, 2))
            painter.drawLine(QPointF(xs[i] + 6, y), QPointF(xs[i + 1] - 6, y))
            if gap:
                painter.setPen(self.palette().text().color())
                box = QRectF(xs[i], 2, xs[i + 1] - xs[i], metrics.height())
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, gap)
        for x, step in zip(xs, self._steps, strict=True):
            painter.setPen(QPen(accent if step.reached else muted, 2))
            painter.setBrush(accent if step.reached else Qt.GlobalColor.transparent)
            painter.drawEllipse(QPointF(x, y), 5, 5)
            self._label(painter, metrics, x, y + 10, step, muted)
        painter.end()

    def _label(self, painter: QPainter, metrics: QFontMetrics, x: float, top: float,
               step: Step, muted: QColor) -> None:
        width = metrics.horizontalAdvance("00:00:00") + 12
        left = x - width / 2
        align = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        painter.setPen(self.palette().text().color() if step.reached else muted)
        painter.drawText(QRectF(left, top, width, metrics.height()), align, step.name)
        clock = step.local[11:] if step.reached else "—"
        painter.setPen(muted if not step.reached else self.palette().text().color())
        painter.drawText(QRectF(left, top + metrics.height(), width, metrics.height()), align,
                         clock)
