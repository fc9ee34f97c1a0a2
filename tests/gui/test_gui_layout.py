"""Issue 11.13-11.15: what is on screen fits small screens and says what it means.

Status-bar messages are elided with the whole text in the tooltip; the Error column is in
view at 1440 px; the empty detail side gives its room to the table; the charts keep a
readable height at 1024×640 (the tab scrolls); every Stats number names its time base; the
latency chart breaks over empty buckets and has enough axis labels.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QTabWidget

from prismq_desktop.gui.stats.stats_charts import log_ticks, tick_text
from prismq_desktop.gui.stats.stats_view import CHART_MIN_HEIGHT, StatsView
from prismq_desktop.gui.tasks.task_rows import COLUMN_INDEX
from prismq_desktop.gui.window.status_bar import MESSAGE_MS
from tests.gui.support import *  # noqa: F403  (the GUI fixtures)
from tests.gui.support import WAIT_MS

LONG = ("Task #12345 does not match the current filter or search; its details are shown "
        "on the right")


def test_a_long_status_message_is_elided_with_the_whole_text_in_its_tooltip(
        qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.width() == 1280, timeout=WAIT_MS)
    status = window.status
    status.flash(LONG)  # the health and counts step aside while it shows, so it fits whole
    assert status.currentMessage() == LONG and not status.toolTip()
    assert not status.file.isVisible()  # the message is not drawn over the file name
    assert status.fontMetrics().horizontalAdvance(LONG) < status.mode.x()
    status.clearMessage()
    assert status.counts.isVisible() and status.health.isVisible() and status.file.isVisible()
    status.flash(LONG * 3)
    shown = status.currentMessage()
    assert shown.endswith("…") and (LONG * 3).startswith(shown[:-1])
    assert status.fontMetrics().horizontalAdvance(shown) < status.mode.x()
    assert status.toolTip() == LONG * 3
    status.flash("Copied 3 row(s)")
    assert status.currentMessage() == "Copied 3 row(s)" and not status.toolTip()


def test_facts_arriving_under_a_message_never_draw_over_it(qtbot, open_window,
                                                          demo_db: Path) -> None:
    """A message shown while the window opens (before the counts arrive) is fitted again when
    they do, and still goes when its time is up."""
    window = open_window(demo_db)
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.width() == 1280, timeout=WAIT_MS)
    status = window.status
    status.set_worker("worker stopped")
    status.flash(LONG[:60])
    status.set_worker("worker 8/8 busy · 1,234,567 completed · 23,456 failed attempts")
    status.set_counts({"queued": 12_345_678, "processing": 8, "failed": 1_234_567})

    def left_of_facts() -> bool:
        facts = [w for w in (status.mode, status.counts, status.health, status.worker)
                 if w.isVisible()]
        edge = min(w.x() for w in facts)
        return status.fontMetrics().horizontalAdvance(status.currentMessage()) < edge

    qtbot.waitUntil(left_of_facts, timeout=WAIT_MS)
    assert status.currentMessage() and LONG.startswith(status.currentMessage().rstrip("…"))
    qtbot.waitUntil(lambda: not status.currentMessage(), timeout=MESSAGE_MS + WAIT_MS)


def test_status_facts_give_way_whole_never_cut_mid_word(qtbot, open_window,
                                                        demo_db: Path) -> None:
    """At 1024 px the counts, health and worker facts drop whole facts (then "…"), never
    "1,114 fail"; what gives way is in the tooltip."""
    window = open_window(demo_db)
    window.resize(1024, 640)
    status = window.status
    status.set_worker("worker 1/1 busy · 11 completed · 1 failed attempt")
    qtbot.waitUntil(lambda: window.width() == 1024 and bool(status.health.facts()),
                    timeout=WAIT_MS)
    labels = (status.counts, status.health, status.worker)
    qtbot.waitUntil(lambda: all(label.width() >= label.minimumSizeHint().width()
                                for label in labels), timeout=WAIT_MS)  # laid out
    for label in labels:
        shown = QTextDocumentFragment.fromHtml(label.text()).toPlainText()
        facts = label.facts()
        kept = shown.removesuffix(" · …").removesuffix("…").split(" · ")
        assert kept == facts[:len(kept)], (shown, facts)
        assert label.fontMetrics().horizontalAdvance(shown) <= label.width()
        if len(kept) < len(facts):
            assert label.toolTip()  # what gave way is a hover away
    assert any(label.text().endswith("…") for label in labels)  # 1024 px is too narrow for all




def test_the_empty_detail_side_gives_its_room_to_the_table(qtbot, open_window,
                                                          demo_db: Path) -> None:
    window = open_window(demo_db)
    window.resize(1440, 880)
    page = window.tasks_page
    qtbot.waitUntil(lambda: page.split.sizes()[2] < 0.15 * page.split.width(), timeout=WAIT_MS)
    assert not page.log.isVisible()
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.shown_task is not None and page.log.isVisible(),
                    timeout=WAIT_MS)
    assert page.split.sizes()[2] > 0.25 * page.split.width()
    error = page.table.horizontalHeader().sectionViewportPosition(COLUMN_INDEX["error"])
    assert 0 < error < page.table.viewport().width() - 100  # in view beside a shown task


def test_charts_keep_a_readable_height_on_a_small_screen(qtbot, open_window,
                                                         demo_db: Path) -> None:
    window = open_window(demo_db)
    window.resize(1024, 640)
    view = window.findChild(StatsView, "statsView")
    window.findChild(QTabWidget, "mainTabs").setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.stats is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: all(v.isVisible() for v in view.charts.views.values()),
                    timeout=WAIT_MS)  # every part of the tab on screen
    assert window.minimumSizeHint().width() <= 1024
    assert window.width() == 1024  # nothing forces the window wider than the screen
    assert view.chart_stack.height() >= 3 * CHART_MIN_HEIGHT
    assert view.scroll_area.verticalScrollBar().maximum() > 0  # the tab scrolls instead


def test_every_stats_number_names_its_time_base(qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)
    view = window.findChild(StatsView, "statsView")
    window.findChild(QTabWidget, "mainTabs").setCurrentWidget(view)
    view.set_window("24h")
    qtbot.waitUntil(lambda: view.stats is not None and view.stats.window.key == "24h",
                    timeout=WAIT_MS)
    assert "last minute" in view.rates_title.text()
    model = view.table.source
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(1, 10)]
    assert all(h.endswith(("now", "all time", "last 24 h")) for h in headers), headers
    assert "Failed tasks\nall time" in headers and "Failed attempts\nlast 24 h" in headers


def test_the_latency_chart_breaks_over_empty_buckets(qtbot, open_window,
                                                     demo_db: Path) -> None:
    window = open_window(demo_db)
    view = window.findChild(StatsView, "statsView")
    window.findChild(QTabWidget, "mainTabs").setCurrentWidget(view)
    view.set_window("1h")
    qtbot.waitUntil(lambda: view.stats is not None and view.stats.window.key == "1h",
                    timeout=WAIT_MS)
    x, y = view.charts.plotted("run_p50_s")
    series = view.stats.series()["run_p50_s"]
    assert len(x) == len(series) and np.array_equal(np.isnan(y), np.isnan(series))
    assert np.isnan(series).any() and not np.isnan(series).all()  # idle buckets, and runs


def test_latency_axis_labels_fill_the_height() -> None:
    labels = [tick_text(10 ** t) for t in log_ticks(0, 1.2, 6)]
    assert labels == ["1 s", "2 s", "5 s", "10 s"]
    assert [tick_text(10 ** t) for t in log_ticks(0, 1.2, 3)] == ["1 s", "5 s", "10 s"]
    assert len(log_ticks(-3, 3.5, 4)) == 4 and tick_text(0.2) == "200 ms"
    assert tick_text(120.0) == "2 min" and math.isclose(log_ticks(-1, 0, 2)[0], -1)
