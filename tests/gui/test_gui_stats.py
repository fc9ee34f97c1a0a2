"""The Stats tab on real files: plotted arrays, window buttons, clicks, export, live refresh."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import apsw
import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel, QTableView, QTabWidget, QToolButton, QToolTip

from prismq_desktop.core import Queue
from prismq_desktop.gui import settings
from prismq_desktop.gui.stats.stats_view import StatsView
from prismq_desktop.gui.window.main_window import MainWindow
from tests.gui.support import WAIT_MS, run_child, table_ids

ENQUEUE = ("from prismq_desktop.core import Queue\nq = Queue.open({path!r})\n"
           "print(q.enqueue('late', {{}}).id)\nq.close()")


def stats_tab(qtbot, window: MainWindow) -> StatsView:
    """Show the Stats tab and wait for its first result, every plot on screen (if any)."""
    view = window.findChild(StatsView, "statsView")
    assert view is not None
    window.findChild(QTabWidget, "mainTabs").setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.stats is not None
                    and (view.stats.empty or view.charts.revealed()), timeout=WAIT_MS)
    return view


def plain_counts(path: Path, edges: np.ndarray, column: str, status: str = "") -> np.ndarray:
    """Tasks per bucket by plain SQL, parsing each timestamp (not the view's method)."""
    extra = f"AND status = '{status}'" if status else ""
    connection = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        rows = connection.execute(
            f"SELECT (unixepoch({column}) - ?1) / ?2, count(*) FROM task_queue"
            f" WHERE unixepoch({column}) >= ?1 AND unixepoch({column}) < ?3 {extra}"
            " GROUP BY 1", (int(edges[0]), int(edges[1] - edges[0]), int(edges[-1]))).fetchall()
    finally:
        connection.close()
    counts = np.zeros(len(edges) - 1)
    for index, n in rows:
        counts[index] = n
    return counts


def test_plotted_throughput_equals_plain_sql(qtbot, open_window, demo_db: Path) -> None:
    view = stats_tab(qtbot, open_window(demo_db))
    edges = view.stats.edges
    for key, column, status in (("enqueued", "created_at_utc", ""),
                                ("completed", "finished_at_utc", "completed"),
                                ("failed", "finished_at_utc", "failed")):
        x, y = view.charts.plotted(key)
        assert np.array_equal(x, edges)
        assert np.array_equal(y, plain_counts(demo_db, edges, column, status)), key
    assert view.charts.plotted("completed")[1].sum() > 0
    assert view.table.model().rowCount() == 4
    assert view.chart_stack.currentWidget() is view.charts
    assert view.numbers["completed_per_min"].text() != "–"


def test_the_window_buttons_change_the_buckets_and_are_remembered(qtbot, open_window,
                                                                   demo_db: Path) -> None:
    window = open_window(demo_db)
    view = stats_tab(qtbot, window)
    assert len(view.stats.edges) == 121  # 1 h in 30 s buckets
    view.findChild(QToolButton, "statsWindow24h").click()
    qtbot.waitUntil(lambda: view.stats.window.key == "24h", timeout=WAIT_MS)
    assert len(view.charts.plotted("enqueued")[0]) == 145  # 144 ten-minute buckets
    qtbot.waitUntil(lambda: settings.value("stats/window") == "24h", timeout=WAIT_MS)
    view.findChild(QToolButton, "statsWindow15m").click()
    qtbot.waitUntil(lambda: view.stats.window.key == "15m", timeout=WAIT_MS)
    assert len(view.charts.plotted("ready")[0]) == 60


def test_a_click_on_a_bucket_lists_its_tasks(qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)
    view = stats_tab(qtbot, window)
    view.set_window("24h")
    qtbot.waitUntil(lambda: view.stats.window.key == "24h", timeout=WAIT_MS)
    completed = view.stats.throughput.completed
    index = int(np.argmax(completed))
    start, end = (float(e) for e in view.stats.edges[index:index + 2])
    plot = view.charts.plots["throughput"]
    scene = plot.getViewBox().mapViewToScene(QPointF((start + end) / 2, completed[index] * 0.6))
    graphics = view.charts.views["throughput"]
    qtbot.mouseClick(graphics.viewport(), Qt.MouseButton.LeftButton,
                     pos=graphics.mapFromScene(scene))
    page = window.tasks_page
    qtbot.waitUntil(lambda: "status:completed" in page.model.query.text, timeout=WAIT_MS)
    assert window.tabs.currentWidget() is page
    expected = plain_counts(demo_db, np.array([start, end]), "finished_at_utc", "completed")
    qtbot.waitUntil(lambda: page.model.rowCount() == int(expected[0]) > 0, timeout=WAIT_MS)
    assert len(table_ids(window)) == int(expected[0])
    assert page.search.text() == page.model.query.text


def test_csv_export_is_the_plotted_data(qtbot, open_window, demo_db: Path,
                                        tmp_path: Path) -> None:
    view = stats_tab(qtbot, open_window(demo_db))
    target = tmp_path / "stats.csv"
    assert view.export_csv(target)
    with open(target, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(view.stats.edges) - 1
    for key in ("enqueued", "completed", "failed"):
        assert np.array_equal([float(r[key]) for r in rows], view.charts.plotted(key)[1])
    for key in ("ready", "scheduled", "active"):
        assert np.array_equal([float(r[key]) for r in rows], view.charts.plotted(key)[1])
    for key in ("wait_p50_s", "run_p95_s"):
        x, y = view.charts.plotted(key)
        known = ~np.isnan(y)  # an empty bucket is plotted as NaN (the line breaks there)
        written = [(float(r["bucket_start"]), float(r[key])) for r in rows if r[key]]
        assert len(written) == known.sum() > 0 and len(y) == len(rows)
        assert np.allclose([v for _s, v in written], y[known])
        assert np.allclose([s + view.stats.bucket / 2 for s, _v in written], x[known])
    png = tmp_path / "stats.png"
    assert view.export_png(png) and png.stat().st_size > 10_000


def test_recomputes_only_when_something_changed_and_the_tab_is_shown(
        qtbot, open_window, demo_db: Path) -> None:
    window = open_window(demo_db)
    view = stats_tab(qtbot, window)
    before = view.recomputes
    for _ in range(3):  # three change-token polls with nothing new
        with qtbot.waitSignal(window.session.polled, timeout=WAIT_MS):
            pass
    assert view.recomputes == before
    enqueued = view.stats.throughput.enqueued.sum()
    run_child(ENQUEUE.format(path=str(demo_db)))
    qtbot.waitUntil(lambda: view.stats.throughput.enqueued.sum() == enqueued + 1,
                    timeout=WAIT_MS)
    assert view.recomputes == before + 1
    window.tabs.setCurrentIndex(0)  # hidden: a change costs nothing
    new_id = int(run_child(ENQUEUE.format(path=str(demo_db))))
    qtbot.waitUntil(lambda: new_id in table_ids(window), timeout=WAIT_MS)
    assert view.recomputes == before + 1
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.stats.throughput.enqueued.sum() == enqueued + 2,
                    timeout=WAIT_MS)


def test_a_refresh_keeps_the_users_zoom(qtbot, open_window, demo_db: Path) -> None:
    view = stats_tab(qtbot, open_window(demo_db))
    plot = view.charts.plots["latency"]
    low, high = (float(e) for e in view.stats.edges[[10, 40]])
    plot.setXRange(low, high, padding=0)  # what a wheel zoom does
    zoomed = view.charts.plots["throughput"].viewRange()[0]
    enqueued = view.stats.throughput.enqueued.sum()
    run_child(ENQUEUE.format(path=str(demo_db)))
    qtbot.waitUntil(lambda: view.stats.throughput.enqueued.sum() == enqueued + 1,
                    timeout=WAIT_MS)
    assert view.charts.plots["throughput"].viewRange()[0] == zoomed
    view.findChild(QToolButton, "statsWindow1h").click()  # the window button resets it
    qtbot.waitUntil(lambda: view.charts.plots["throughput"].viewRange()[0][0]
                    < view.stats.edges[1], timeout=WAIT_MS)


def test_hover_shows_the_bucket_values(qtbot, open_window, demo_db: Path) -> None:
    view = stats_tab(qtbot, open_window(demo_db))
    index = int(np.argmax(view.stats.throughput.enqueued[:-1]))  # a bucket before now
    start, end = view.stats.edges[index:index + 2]
    box = view.charts.plots["depth"].getViewBox()
    view.charts._moved("depth", box.mapViewToScene(QPointF(float(start + end) / 2, 0.0)))
    count = int(view.stats.throughput.enqueued[index])
    assert f"enqueued {count:,}" in view.hover.text()
    assert all(cursor.isVisible() for cursor in view.charts.cursors)
    assert "reconstructed" in QToolTip.text()  # before the app's first live sample
    view.charts._moved("depth", box.mapViewToScene(QPointF(float(view.stats.edges[-1]) - 1, 0.0)))
    assert "live samples" in QToolTip.text()


def test_an_empty_queue_gets_a_calm_message(qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    Queue.open(path).close()
    view = stats_tab(qtbot, open_window(path))
    placeholder = view.findChild(QLabel, "statsEmpty")
    assert view.chart_stack.currentWidget() is placeholder
    assert "No tasks in the last 1 h" in placeholder.text()  # a calm note, not an error
    table = view.findChild(QTableView, "statsTypeTable")
    assert table.model().rowCount() == 0
    assert table.empty_text().startswith("No task types yet")  # issue 11.16: not blank


def test_the_sampling_note_says_how_many_runs_were_read(queue: Queue) -> None:
    result = queue.stats("1h")
    assert "sample" not in StatsView._sampling_note(result)
    note = StatsView._sampling_note(replace(result, runs_every=2, runs_source="tasks"))
    assert "1 run in 2 " in note and "task timestamps" in note
