"""The Stats tab: window buttons, the current rates, three charts and the per-type table.

The charts (pyqtgraph, slow to import) are built the first time the tab is shown, so opening a
file never waits for them. Recomputing happens in the background reader, only when the tab is
visible and ``session.changed`` fired since the last result (or the window changed): a quiet
queue or a hidden tab costs nothing. Each result also gives the exact depth now, kept as a live
sample so the depth chart is exact for the time the app has been watching.
"""

from __future__ import annotations

import csv
import functools
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from prismq_desktop.core import TaskQuery
from prismq_desktop.core.stats import edge_text
from prismq_desktop.core.stats_types import BUCKET_STEPS, WINDOWS, DepthSample, Stats
from prismq_desktop.gui import settings
from prismq_desktop.gui.stats import chart_loader
from prismq_desktop.gui.stats.stats_table import TypeStatsTable
from prismq_desktop.gui.tasks.status_badge import is_dark, status_color
from prismq_desktop.gui.window.session import Session

if TYPE_CHECKING:
    from prismq_desktop.gui.stats.stats_charts import StatsCharts

SETTING = "stats/window"
#: The chosen window is written to the settings this long (ms) after the last change.
REMEMBER_MS = 500
DEFAULT_WINDOW = "1h"
#: Live depth samples kept: one per 15 s slot (the finest bucket), 3.5 days of them.
SAMPLE_SLOT = BUCKET_STEPS[0]
MAX_SAMPLES = 20_000
#: Seconds between recomputes while the queue is busy, by window (a 10-minute bucket gains
#: nothing from being redrawn twice a second, and the reader serves the table too).
#: The chart module is imported in the background this long (ms) after a file opened, so the
#: tab usually finds it ready (not at once: it would compete with the first rows' paint).
PRELOAD_MS = 4000
MIN_INTERVAL = {"15m": 1.0, "1h": 1.0, "24h": 3.0, "7d": 5.0}
HINT = ("Hover a bucket for its exact values; click a throughput or latency bucket to list "
        "its tasks. Wheel or drag to zoom time; the window buttons reset it.")
#: The chosen window reads as selected in both themes (palette roles, no fixed colours).
WINDOW_BUTTON_STYLE = ("QToolButton { padding: 3px 10px; }"
                       " QToolButton:checked { background: palette(highlight);"
                       " color: palette(highlighted-text); border-radius: 3px; }")
#: (label, value attribute of Rates, badge colour, number format)
BIG_NUMBERS = (("completed / s", "completed_per_s", "completed", "{:,.2f}"),
               ("completed / min", "completed_per_min", "completed", "{:,.0f}"),
               ("enqueued / min", "enqueued_per_min", "queued", "{:,.0f}"),
               ("failed tasks / min", "failed_per_min", "failed", "{:,.0f}"))
#: The big numbers' time base (core stats.RATE_SECONDS), said above them: they are not the
#: chart window's, whatever window the buttons beside them chose.
RATES_TITLE = "Rates over the last minute"
#: Below these heights the charts and the table scroll instead of squeezing (1024×640 and
#: 1280×720 screens): a chart shorter than this has no readable axis.
CHART_MIN_HEIGHT = 150
TABLE_MIN_HEIGHT = 130


class StatsView(QWidget):
    #: A result was shown (tests wait on it): the Stats it drew.
    applied = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statsView")
        self.session = session
        saved = settings.value(SETTING, DEFAULT_WINDOW)
        self.window_key = saved if saved in WINDOWS else DEFAULT_WINDOW
        self.stats: Stats | None = None
        self.samples: list[DepthSample] = []
        self.charts: StatsCharts | None = None
        self.recomputes = 0  # jobs submitted (tests check a quiet queue adds none)
        self._dirty = True
        self._reset_zoom = True
        self._last_submit = float("-inf")
        self._later = QTimer(self, singleShot=True, timeout=self._changed)
        self._waiting: Stats | None = None
        self._remember = QTimer(self, singleShot=True, interval=REMEMBER_MS,
                                timeout=lambda: settings.set_value(SETTING, self.window_key))
        self._building: StatsCharts | None = None
        #: What is left of showing a result, a part per event-loop turn (see ``apply``).
        self._showing: list[Callable[[], None]] = []
        self._show_next = QTimer(self, singleShot=True, interval=0, timeout=self._show_part)
        self._build()
        session.changed.connect(self._changed)
        chart_loader.loader().ready.connect(self._charts_loaded)
        QTimer.singleShot(PRELOAD_MS, self, chart_loader.loader().start)

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        top = QHBoxLayout()
        self.buttons = QButtonGroup(self)
        for key, window in WINDOWS.items():
            button = QToolButton(text=window.label, checkable=True, autoRaise=False)
            button.setObjectName(f"statsWindow{key}")
            button.setStyleSheet(WINDOW_BUTTON_STYLE)
            button.setChecked(key == self.window_key)
            button.clicked.connect(lambda _=False, k=key: self.set_window(k))
            self.buttons.addButton(button)
            top.addWidget(button)
        top.addSpacing(24)
        top.addLayout(self._rates())
        self.updated = QLabel("", objectName="statsUpdated")
        # It takes the free room, right-aligned, and is the first to give way on a 1024 px
        # screen (the header row is the tab's widest part).
        self.updated.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.updated.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.updated, 1)
        self.png_button = QPushButton("Export PNG…", clicked=self._ask_png)
        self.csv_button = QPushButton("Export CSV…", clicked=self._ask_csv)
        for button in (self.png_button, self.csv_button):
            button.setEnabled(False)
            top.addWidget(button)
        # Wrapped, so the hint (877 px in one line) never makes the window wider than 1024.
        self.hover = QLabel(HINT, objectName="statsHover", wordWrap=True)
        self.hover.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chart_stack = QStackedWidget()
        self.placeholder = QLabel("", alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True,
                                  objectName="statsEmpty")
        self.chart_stack.addWidget(self.placeholder)
        self.table = TypeStatsTable()
        self.split = QSplitter(Qt.Orientation.Vertical, objectName="statsSplitter")
        self.split.addWidget(self.chart_stack)
        self.split.addWidget(self.table)
        self.split.setStretchFactor(0, 1)
        self.split.setSizes([640, 170])
        self.chart_stack.setMinimumHeight(3 * CHART_MIN_HEIGHT)
        self.table.setMinimumHeight(TABLE_MIN_HEIGHT)
        self.scroll_area = QScrollArea(objectName="statsScroll", widgetResizable=True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self.split)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addLayout(top)
        layout.addWidget(self.hover)
        layout.addWidget(self.scroll_area, 1)
        self._show_placeholder("Reading…")
        self._paint_numbers()

    def _rates(self) -> QVBoxLayout:
        """The big numbers under a title that says their time base."""
        row = QHBoxLayout()
        self.numbers: dict[str, QLabel] = {}
        for label, attribute, _status, _fmt in BIG_NUMBERS:
            number = QLabel("–", objectName="statsNumber", alignment=Qt.AlignmentFlag.AlignCenter)
            caption = QLabel(label, alignment=Qt.AlignmentFlag.AlignCenter)
            box = QVBoxLayout()
            box.setSpacing(0)
            box.addWidget(number)
            box.addWidget(caption)
            row.addLayout(box)
            row.addSpacing(14)
            self.numbers[attribute] = number
        self.rates_title = QLabel(f"<small>{RATES_TITLE}</small>", objectName="statsRatesTitle")
        column = QVBoxLayout()
        column.setSpacing(0)
        column.addWidget(self.rates_title)
        column.addLayout(row)
        return column

    def _ensure_charts(self) -> StatsCharts | None:
        """The charts once built; None while their module is imported (off the GUI thread,
        see chart_loader) and while they are built, a plot per event-loop turn."""
        if self.charts is not None:
            return self.charts
        charts_module = chart_loader.loader()
        if not charts_module.is_ready():
            charts_module.start()
        elif charts_module.error is not None:
            self._show_placeholder(f"The charts could not load: {charts_module.error}")
        elif self._building is None:
            from prismq_desktop.gui.stats.stats_charts import StatsCharts

            self._building = StatsCharts()
            QTimer.singleShot(0, self, self._build_step)
        return None

    def _build_step(self) -> None:
        charts = self._building
        if charts is None:
            return
        if not charts.build_step():
            QTimer.singleShot(0, self, self._build_step)
            return
        self._building = None
        self.charts = charts
        charts.hovered.connect(lambda text: self.hover.setText(text or HINT))
        charts.bucket_clicked.connect(self.show_bucket_tasks)
        self.chart_stack.addWidget(charts)
        if self._waiting is not None:
            self.apply(self._waiting)

    def _show_placeholder(self, text: str) -> None:
        self.placeholder.setText(text)
        self.chart_stack.setCurrentWidget(self.placeholder)

    # -- when to recompute -------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        # Later, not now: replacing the Tasks tab shows this one for an instant (file open and
        # close), which must neither import pyqtgraph nor start a read.
        QTimer.singleShot(0, self, self._shown)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        super().hideEvent(event)
        if self._remember.isActive():  # leaving the tab or closing: write the choice now
            self._remember.stop()
            settings.set_value(SETTING, self.window_key)

    def _shown(self) -> None:
        if not self.isVisible():
            return
        if self._ensure_charts() is None and self.stats is None:
            self._show_placeholder("Loading the charts…")
        if self._dirty:
            self.recompute()

    def _charts_loaded(self) -> None:
        """The chart module is in: build the charts (they draw what came meanwhile)."""
        if isValid(self) and self.isVisible():
            self._ensure_charts()

    def _changed(self) -> None:
        self._dirty = True
        if not self.isVisible() or self._later.isActive():
            return
        wait = self._last_submit + MIN_INTERVAL[self.window_key] - time.monotonic()
        if wait > 0:
            self._later.start(int(wait * 1000) + 1)
        else:
            self.recompute()

    def set_window(self, key: str) -> None:
        """Show another window (15m, 1h, 24h, 7d); remembered for next time."""
        if key not in WINDOWS:
            return
        self.window_key = key
        self._remember.start()  # a settings write costs 20 ms: not in the same turn
        for button in self.buttons.buttons():
            button.setChecked(button.objectName() == f"statsWindow{key}")
        self._reset_zoom = True
        self._showing.clear()  # (the rest of an older window's result)
        self._dirty = True
        if self.isVisible():
            self.recompute()

    def recompute(self) -> None:
        """Ask the background reader for this window's stats (a newer request replaces it)."""
        self._dirty = False
        self._later.stop()
        self._last_submit = time.monotonic()
        self.recomputes += 1
        key, samples = self.window_key, tuple(self.samples)
        self.session.reader.submit(lambda q: q.stats(key, samples), self.apply, key="stats")

    # -- showing a result (GUI thread: setData only) ------------------------------------------
    def apply(self, stats: Stats) -> None:
        if not isValid(self) or stats.window.key != self.window_key:
            return  # closed meanwhile, or the user switched windows (that result is coming)
        charts = self._ensure_charts()
        if charts is None:  # drawn once the charts are built (_build_step)
            self._waiting = stats
            return
        self._waiting = None
        # A plot per turn, then the table, then the rest (all at once: 30-90 ms under load).
        # A newer result replaces what is left of an older one.
        self._showing = [*(functools.partial(self._show_plot, charts, name, stats)
                           for name in charts.plots),
                         functools.partial(self.table.set_rows, stats.types, stats.window.label),
                         functools.partial(self._shown_all, charts, stats)]
        self._show_next.start()

    def _show_part(self) -> None:
        if self._showing and isValid(self):
            self._showing.pop(0)()
            if self._showing:
                self._show_next.start()

    def _show_plot(self, charts: StatsCharts, name: str, stats: Stats) -> None:
        charts.show_plot(name, stats, self._reset_zoom)

    def _shown_all(self, charts: StatsCharts, stats: Stats) -> None:
        """The result's last part: the charts, numbers and labels say it (tests wait on
        ``stats`` and ``applied``)."""
        self.stats = stats
        self._keep_sample(stats.current)
        self._reset_zoom = False
        if stats.empty:
            self._show_placeholder(
                f"<h3>No tasks in the last {stats.window.label}</h3><p>Tasks enqueued, run or "
                "waiting in this window show up here as they happen; a longer window may "
                "show older activity.</p>")
        else:
            self.chart_stack.setCurrentWidget(charts)
        self._paint_numbers()
        moment = datetime.fromtimestamp(stats.now, timezone.utc)
        self.updated.setText(f"updated {moment.astimezone().strftime('%H:%M:%S')}")
        self.updated.setToolTip(self._sampling_note(stats))
        for button in (self.png_button, self.csv_button):
            button.setEnabled(True)
        self.applied.emit(stats)

    def _keep_sample(self, sample: DepthSample) -> None:
        if self.samples and self.samples[-1].at // SAMPLE_SLOT >= sample.at // SAMPLE_SLOT:
            self.samples[-1] = sample
        else:
            self.samples.append(sample)
        del self.samples[:-MAX_SAMPLES]

    @staticmethod
    def _sampling_note(stats: Stats) -> str:
        lines = [f"{stats.window.label} in {len(stats.edges) - 1} buckets"]
        if stats.runs_every > 1:
            lines.append(f"latency and run times from 1 run in {stats.runs_every:,} "
                         "(a systematic sample: the window holds many)")
        if stats.runs_source == "tasks":
            lines.append("latency from the task timestamps (whole seconds): no run records "
                         "from this app in the window")
        return "\n".join(lines)

    def _paint_numbers(self) -> None:
        dark = is_dark(self.palette())
        rates = self.stats.rates if self.stats is not None else None
        for _label, attribute, status, fmt in BIG_NUMBERS:
            value = "–" if rates is None else fmt.format(getattr(rates, attribute))
            color = status_color(status, dark).name()
            self.numbers[attribute].setText(
                f"<span style='font-size:20pt; font-weight:600; color:{color}'>{value}</span>")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._paint_numbers()
            if self.stats is not None:
                self.table.set_rows(self.stats.types, self.stats.window.label)

    # -- a click on a bucket lists its tasks ---------------------------------------------------
    def show_bucket_tasks(self, chart: str, series: str, start: float, end: float) -> None:
        """Ask the task table for the tasks behind one bucket of one series."""
        self.session.filter_requested.emit(bucket_query(chart, series, start, end))

    # -- export ------------------------------------------------------------------------------
    def _ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export chart as PNG",
                                              f"prismq-stats-{self.window_key}.png",
                                              "PNG image (*.png)")
        if path:
            self.export_png(Path(path))

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export chart data as CSV",
                                              f"prismq-stats-{self.window_key}.csv",
                                              "CSV (*.csv)")
        if path:
            self.export_csv(Path(path))

    def export_png(self, path: Path) -> bool:
        """The charts and table as they look now."""
        saved = self.split.grab().save(str(path), "PNG")
        self._report(saved, path)
        return saved

    def export_csv(self, path: Path) -> bool:
        """Exactly the plotted arrays, one row per bucket (times as UTC text and epoch)."""
        if self.stats is None:
            return False
        series = self.stats.series()
        names = list(series)
        try:
            with open(path, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["bucket_start_utc", *names])
                for row, start in enumerate(series["bucket_start"]):
                    writer.writerow([edge_text(float(start)),
                                     *(_cell(series[name][row]) for name in names)])
        except OSError as exc:
            self.hover.setText(f"Could not write {path}: {exc.strerror or exc}")
            return False
        self._report(True, path)
        return True

    def _report(self, ok: bool, path: Path) -> None:
        self.hover.setText(f"Saved {path}" if ok else f"Could not write {path}")


def _cell(value: object) -> str:
    """repr of a float round-trips exactly; NaN (an empty bucket) is an empty cell."""
    number = float(value)  # type: ignore[arg-type]
    if number != number:
        return ""
    return str(int(number)) if number.is_integer() else repr(number)


def _utc(epoch: float) -> str:
    """A bucket edge as search text; the Z keeps it UTC (search reads zoneless times as local)."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def bucket_query(chart: str, series: str, start: float, end: float) -> TaskQuery:
    """The task table's filter for one bucket: the search text says it, so the user sees it."""
    since, until = _utc(start), _utc(end)
    if series == "enqueued":
        return TaskQuery(text=f"created>={since} created<{until}", sort="created")
    if chart == "latency":
        return TaskQuery(text=f"status:completed,failed finished>={since} finished<{until}",
                         sort="duration")
    return TaskQuery(text=f"status:{series} finished>={since} finished<{until}",
                     sort="finished")
