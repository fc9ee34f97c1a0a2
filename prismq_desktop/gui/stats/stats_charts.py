"""The Stats tab's three pyqtgraph plots: throughput, queue depth and latency.

Each plot is its own view (scene), shown one per event-loop turn: a paint then covers one
plot. A plot's first paint costs 15-50 ms (axis text and auto-range), all three in one
scene cost 80-170 ms on the GUI thread, over DESIGN §9's 50 ms (issue 17.11).

Plot items are made once; a refresh only calls ``setData``, so the charts never flicker and
the time zoom the user chose (wheel or drag; the three plots share it) survives. Colours are
the status badges' (status_badge.STATUS_COLORS), re-read when the theme changes.
"""

from __future__ import annotations

import functools
import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette, QShowEvent
from PySide6.QtWidgets import QToolTip, QVBoxLayout, QWidget

from prismq_desktop.core.stats_types import DEPTH_NOTE, Stats
from prismq_desktop.gui.formatting import clock_range, duration
from prismq_desktop.gui.tasks.status_badge import is_dark, status_color


@dataclass(frozen=True)
class Curve:
    """One plotted series: its name in the CSV, legend label, badge colour, and style."""

    key: str
    label: str
    status: str
    dashed: bool = False
    filled: bool = False


THROUGHPUT = (Curve("enqueued", "enqueued", "queued"),
              Curve("completed", "completed", "completed", filled=True),
              Curve("failed", "failed", "failed"))
DEPTH = (Curve("ready", "ready", "queued"), Curve("scheduled", "scheduled", "scheduled"),
         Curve("active", "leased/processing", "processing"))
LATENCY = (Curve("wait_p50_s", "wait p50", "queued"),
           Curve("wait_p95_s", "wait p95", "queued", dashed=True),
           Curve("run_p50_s", "run p50", "processing"),
           Curve("run_p95_s", "run p95", "processing", dashed=True))
#: (name, title, curves) of each plot, top to bottom.
PLOTS = (("throughput", "Tasks per bucket", THROUGHPUT), ("depth", "Queue depth", DEPTH),
         ("latency", "Latency", LATENCY))
#: Latency below this is drawn at it (a log axis has no zero).
LATENCY_FLOOR = 1e-3
#: The first plot is shown this long (ms) after the charts: their first paint comes apart.
REVEAL_MS = 30


class SecondsAxis(pg.AxisItem):
    """A log-scale axis labelled with round durations (1 s, 5 s, 30 s, 2 min) rather than
    powers of ten, as many as the height holds (pyqtgraph's own ticks left two labels on a
    chart spanning a decade or two)."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802,N803 (override)
        return [(1.0, log_ticks(minVal, maxVal, max(2, int(size // TICK_PIXELS))))]

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph override)
        return [tick_text(10.0 ** v) for v in values]


#: Pixels of axis per label on the latency axis.
TICK_PIXELS = 24
#: Durations worth a label (seconds): round in the unit they are read in.
NICE_SECONDS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30,
                60, 120, 300, 600, 1200, 1800, 3600, 7200, 18000, 43200, 86400, 172800,
                432000)


def log_ticks(low: float, high: float, most: int) -> list[float]:
    """log10 positions of round durations between ``low`` and ``high`` (log10 seconds), at
    most ``most`` of them, evenly thinned when more would fit the range."""
    ticks = [math.log10(v) for v in NICE_SECONDS if low <= math.log10(v) <= high]
    if len(ticks) <= most:
        return ticks
    last = len(ticks) - 1
    return [ticks[round(i * last / (most - 1))] for i in range(most)] if most > 1 else ticks[:1]


def tick_text(seconds: float) -> str:
    """A short axis label: 5 ms, 200 ms, 2 s, 30 s, 2 min, 5 h, 2 d."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds * 1000:.3g} ms"


def bucket_label(seconds: int) -> str:
    return f"{seconds} s" if seconds < 60 else (
        f"{seconds // 60} min" if seconds < 3600 else f"{seconds // 3600} h")


class StatsCharts(QWidget):
    #: A click on a bucket: (chart "throughput"/"latency", series key, start, end epoch).
    bucket_clicked = Signal(str, str, float, float)
    #: The values under the cursor, as one line of text ("" when it leaves the charts).
    hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stats: Stats | None = None
        self.setObjectName("statsCharts")
        self.views: dict[str, pg.GraphicsLayoutWidget] = {}
        self.plots: dict[str, pg.PlotItem] = {}
        self.items: dict[str, pg.PlotDataItem] = {}
        self.cursors: list[pg.InfiniteLine] = []
        self.titles: dict[str, tuple[str, tuple[Curve, ...]]] = {}
        self._shown_range: tuple[float, float] | None = None
        self._steps: list[Callable[[], None]] = []
        for name, title, curves in PLOTS:
            self._steps += [functools.partial(self._add_view, name),
                            functools.partial(self._add_plot, name, title),
                            functools.partial(self._add_curves, name, curves)]
        self._steps.append(self._finish)
        self._axes: dict[str, dict[str, pg.AxisItem]] = {}
        self._hidden: list[pg.GraphicsLayoutWidget] = []  # built views not shown yet, top first
        self._shown_painted = False  # the view shown last has painted
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(0)

    # -- building (once, a plot per step) ----------------------------------------------------
    def build_step(self) -> bool:
        """Build the next part; True once all are built. A plot costs 25 ms here (4 times
        that while the embedded worker's threads hold the GIL): the view runs one step per
        event-loop turn instead of all at once (issue 17.11)."""
        if self._steps:
            self._steps.pop(0)()
        return not self._steps

    def build(self) -> StatsCharts:
        """Every step at once (for a caller that is not on a live window)."""
        while not self.build_step():
            pass
        return self

    def _add_view(self, name: str) -> None:
        """A plot's first build step: its view and axes (pyqtgraph makes an axis's labels
        as rich text, a third of a plot's cost)."""
        self._axes[name] = {
            "left": (SecondsAxis if name == "latency" else pg.AxisItem)(orientation="left"),
            "bottom": pg.DateAxisItem(orientation="bottom"),
            "top": pg.AxisItem(orientation="top"), "right": pg.AxisItem(orientation="right")}
        view = pg.GraphicsLayoutWidget()
        view.setObjectName(f"statsChart-{name}")
        policy = view.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the plots keep their places while revealed
        view.setSizePolicy(policy)
        view.hide()
        self._column.addWidget(view)
        self.views[name] = view
        self._hidden.append(view)

    def _add_plot(self, name: str, title: str) -> None:
        """The second step: the plot in its view, without pyqtgraph's ViewBox menu (10 ms a
        plot to build, and the charts have no use for it)."""
        plot = self.views[name].addPlot(row=0, col=0, axisItems=self._axes.pop(name),
                                        enableMenu=False)
        for side in ("top", "right"):  # (made in the first step, hidden as pyqtgraph's own)
            plot.hideAxis(side)
        self.plots[name] = plot
        self.titles[name] = (title, ())
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setMouseEnabled(x=True, y=False)
        plot.getViewBox().setAutoVisible(y=True)
        plot.hideButtons()
        plot.getAxis("left").setWidth(52)
        for side in ("left", "bottom"):
            # The grid is drawn with the ticks: pyqtgraph's third (finest) tick level put
            # hundreds of faint full-width lines in every repaint, 70 % of its cost.
            plot.getAxis(side).setStyle(maxTickLevel=1)

    def _add_curves(self, name: str, curves: tuple[Curve, ...]) -> None:
        """A plot's third build step: its curves, log axis, shared zoom and cursor."""
        plot = self.plots[name]
        self.titles[name] = (self.titles[name][0], curves)
        for curve in curves:
            item = plot.plot(name=curve.label, connect="finite",
                             stepMode="center" if name == "throughput" else None)
            self.items[curve.key] = item
        if name == "latency":
            plot.setLogMode(x=False, y=True)
        if name != "throughput":
            plot.setXLink(self.plots["throughput"])
        cursor = pg.InfiniteLine(angle=90, movable=False)
        cursor.setVisible(False)
        plot.addItem(cursor, ignoreBounds=True)
        self.cursors.append(cursor)

    def _finish(self) -> None:
        for name, view in self.views.items():
            view.scene().sigMouseMoved.connect(functools.partial(self._moved, name))
            view.scene().sigMouseClicked.connect(functools.partial(self._clicked, name))
        self.apply_theme()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._hidden:  # (after the paint of what came with this widget: the table)
            QTimer.singleShot(REVEAL_MS, self, self._reveal)

    def _reveal(self) -> None:
        """Show the next plot; the next one once this one has painted (Qt paints a window
        5 ms or more after a change, so a zero timer would land before that paint)."""
        if self._hidden and self.isVisible():
            view = self._hidden.pop(0)
            self._shown_painted = False
            view.viewport().installEventFilter(self)
            view.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            self._shown_painted = True
            QTimer.singleShot(0, self, self._reveal)
        return False

    def revealed(self) -> bool:
        """True once every plot is shown and the last one has painted."""
        return not self._steps and not self._hidden and self._shown_painted

    def apply_theme(self) -> None:
        """Colours from the palette and the status badges (light or dark)."""
        palette = self.palette()
        dark = is_dark(palette)
        text = palette.color(QPalette.ColorRole.Text)
        for view in self.views.values():
            view.setBackground(palette.color(QPalette.ColorRole.Base))
        for plot in self.plots.values():
            for side in ("left", "bottom"):
                axis = plot.getAxis(side)
                axis.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Mid)))
                axis.setTextPen(pg.mkPen(text))
        for curve in (*THROUGHPUT, *DEPTH, *LATENCY):
            color = status_color(curve.status, dark)
            item = self.items[curve.key]
            style = Qt.PenStyle.DashLine if curve.dashed else Qt.PenStyle.SolidLine
            item.setPen(pg.mkPen(color, width=1.6, style=style))
            if curve.filled:
                fill = QColor(color)
                fill.setAlphaF(0.28 if dark else 0.2)
                item.setFillLevel(0)
                item.setBrush(fill)
            if curve in LATENCY:
                item.setSymbol("o")
                item.setSymbolSize(3)
                item.setSymbolPen(None)
                item.setSymbolBrush(color)
        for name in self.titles:
            self._paint_title(name)
        for cursor in self.cursors:
            cursor.setPen(pg.mkPen(palette.color(QPalette.ColorRole.PlaceholderText), width=1))

    def _paint_title(self, name: str) -> None:
        """A plot's title with its legend, in the palette's and the badges' colours."""
        palette = self.palette()
        dark, text = is_dark(palette), palette.color(QPalette.ColorRole.Text)
        title, curves = self.titles[name]
        keys = "&nbsp;&nbsp;&nbsp;".join(
            f"<span style='color:{status_color(c.status, dark).name()}'>"
            f"{'╍╍' if c.dashed else '━━'}</span>&nbsp;{c.label}" for c in curves)
        self.plots[name].setTitle(
            f"<span style='color:{text.name()}'><b>{title}</b>&nbsp;&nbsp;&nbsp;&nbsp;"
            f"{keys}</span>", justify="left", size="9pt")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._steps:
            self.apply_theme()

    # -- data --------------------------------------------------------------------------------
    def show_plot(self, name: str, stats: Stats, reset_zoom: bool) -> None:
        """New data on one plot's existing items (``reset_zoom`` when the window changed),
        called for each plot in PLOTS order: the last one moves the shared
        time axis (a paint between plots must not see the new range over old latency points:
        all-NaN there). All three took 15-45 ms here: the view calls this a plot per turn."""
        self.stats = stats
        series = stats.series()
        edges = stats.edges.astype(np.float64)
        plot = self.plots[name]
        if name == "throughput":
            for curve in THROUGHPUT:
                self.items[curve.key].setData(edges, series[curve.key].astype(np.float64))
            title = f"Tasks per {bucket_label(stats.bucket)}"
            if self.titles[name][0] != title:
                self.titles[name] = (title, THROUGHPUT)
                self._paint_title(name)  # (the whole theme again cost 35 ms under load)
        elif name == "depth":
            for curve in DEPTH:
                self.items[curve.key].setData(np.minimum(edges[1:], stats.now),
                                              series[curve.key])
        else:  # an empty bucket is NaN: the line breaks there (connect="finite")
            centers = (edges[:-1] + edges[1:]) / 2
            for curve in LATENCY:
                values = np.maximum(series[curve.key], LATENCY_FLOOR)
                if np.isnan(values).all():  # nothing to draw (and pyqtgraph warns on all-NaN)
                    self.items[curve.key].setData([], [])
                else:
                    self.items[curve.key].setData(centers, values)
            shared = self.plots["throughput"]  # the three share their time axis
            if reset_zoom or self._following(shared):
                shared.setXRange(float(edges[0]), float(edges[-1]), padding=0.01)
                self._shown_range = tuple(shared.viewRange()[0])
        if reset_zoom:
            plot.enableAutoRange(axis="y")

    def _following(self, plot: pg.PlotItem) -> bool:
        """True while the user has not zoomed or panned: then the view moves with the window
        as time passes; otherwise their zoom stays put."""
        if self._shown_range is None:
            return True
        low, high = plot.viewRange()[0]
        slack = (high - low) * 1e-6
        shown_low, shown_high = self._shown_range
        return abs(low - shown_low) <= slack and abs(high - shown_high) <= slack

    def plotted(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The x and y arrays an item holds (what the tests and CSV compare)."""
        x, y = self.items[key].getOriginalDataset()
        if x is None or y is None:  # nothing plotted
            return np.zeros(0), np.zeros(0)
        return np.asarray(x), np.asarray(y)

    # -- hover and click ---------------------------------------------------------------------
    def _at(self, name: str, scene_pos: QPointF) -> int | None:
        """The bucket index under a position in plot ``name``'s scene, or None."""
        if self.stats is None:
            return None
        box = self.plots[name].getViewBox()
        if not box.sceneBoundingRect().contains(scene_pos):
            return None
        edges = self.stats.edges
        index = int(np.searchsorted(edges, box.mapSceneToView(scene_pos).x(), "right")) - 1
        return index if 0 <= index < len(edges) - 1 else None

    def _moved(self, name: str, scene_pos: QPointF) -> None:
        index = self._at(name, scene_pos)
        if index is None or self.stats is None:
            for cursor in self.cursors:
                cursor.setVisible(False)
            self.hovered.emit("")
            return
        edges = self.stats.edges
        for cursor in self.cursors:
            cursor.setValue(float(edges[index] + edges[index + 1]) / 2)
            cursor.setVisible(True)
        text = describe_bucket(self.stats, index)
        self.hovered.emit(text)
        tip = text.replace(" · ", "\n").replace(" | ", "\n")
        if name == "depth":
            sampled = self.stats.depth.sampled_from
            live = sampled is not None and edges[index + 1] > sampled
            tip += "\n\n" + ("Depth: live samples (exact)." if live
                              else textwrap.fill(DEPTH_NOTE, 64))
        view = self.views[name]
        QToolTip.showText(view.mapToGlobal(view.mapFromScene(scene_pos)), tip, view)

    def _clicked(self, name: str, event: pg.GraphicsScene.mouseEvents.MouseClickEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.stats is None:
            return
        index = self._at(name, event.scenePos())
        if index is None:
            return
        start, end = (float(e) for e in self.stats.edges[index:index + 2])
        if name == "throughput":
            y = self.plots[name].getViewBox().mapSceneToView(event.scenePos()).y()
            self.bucket_clicked.emit(name, series_at(self.stats, index, y), start, end)
        elif name == "latency":
            self.bucket_clicked.emit(name, "finished", start, end)


def series_at(stats: Stats, index: int, y: float) -> str:
    """Which throughput series a click at height ``y`` in bucket ``index`` means: on or under
    the failed line, failed; inside the completed area, completed; above it, enqueued."""
    flow = stats.throughput
    if y <= flow.failed[index] + 0.5:
        return "failed" if flow.failed[index] else "completed"
    return "completed" if y <= flow.completed[index] else "enqueued"


def describe_bucket(stats: Stats, index: int) -> str:
    """The exact values of one bucket, for the hover line and tooltip."""
    series = stats.series()

    def seconds(key: str) -> str:
        value = float(series[key][index])
        return "–" if np.isnan(value) else duration(value)

    def count(key: str, digits: int = 0) -> str:
        return f"{float(series[key][index]):,.{digits}f}"

    when = clock_range(float(stats.edges[index]), float(stats.edges[index + 1]))
    return (f"{when} · enqueued {count('enqueued')} · completed {count('completed')}"
            f" · failed {count('failed')} | ready {count('ready')}"
            f" · scheduled {count('scheduled')} · running {count('active', 1)}"
            f" | wait p50 {seconds('wait_p50_s')}, p95 {seconds('wait_p95_s')}"
            f" · run p50 {seconds('run_p50_s')}, p95 {seconds('run_p95_s')}")
