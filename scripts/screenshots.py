"""Render the README's screenshots from a fresh demo file, offscreen, so they stay current.

    python scripts/screenshots.py [--out docs/screenshots]

Writes main-window.png (light theme), task-detail.png (a failed task with its log),
stats.png (the Stats tab), workers.png (the Workers tab with the embedded worker busy),
schedules.png (the Schedules tab, a paused type in the sidebar's count), schedule-dialog.png
(the add dialog's live preview), dark.png and schedules-dark.png (the dark theme). Settings go
to a throw-away file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QListWidget, QTableView, QTabWidget, QWidget  # noqa: E402

from prismq_desktop.cli import demo, demo_handlers  # noqa: E402
from prismq_desktop.core import Queue, TaskQuery  # noqa: E402
from prismq_desktop.gui import theme  # noqa: E402
from prismq_desktop.gui.app import create_main_window  # noqa: E402
from prismq_desktop.gui.schedules.schedules_view import SchedulesView  # noqa: E402
from prismq_desktop.gui.stats.stats_view import StatsView  # noqa: E402
from prismq_desktop.worker import default_handlers  # noqa: E402

SIZE = (1440, 880)


def pump(app: QApplication, until: Callable[[], object] = lambda: False,
         seconds: float = 10.0) -> None:
    """Run the event loop until ``until()`` holds (or for ``seconds`` when it never does)."""
    deadline = time.monotonic() + seconds
    while not until() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def settle(app: QApplication) -> None:
    """Let background reads land and repaints happen (no condition to wait on)."""
    pump(app, seconds=1.0)


def select_running(app: QApplication, window: QWidget) -> None:
    """Select a transcode the embedded worker is running (slow enough to be caught with a
    live log and progress), or any task it runs if none comes up."""
    running = TaskQuery(statuses=("processing",))

    def ours(kind: str | None) -> int | None:
        with Queue.open(window.session.db_path, read_only=True) as queue:
            found = [t for t in queue.list(running, limit=50)
                     if str(t.locked_by or "").startswith("desktop-")
                     and kind in (None, t.type)]
        return int(found[0].id) if found else None

    pump(app, lambda: ours("transcode") is not None, seconds=40)
    task_id = ours("transcode") or ours(None)
    if task_id is None:
        return
    window.session.task_requested.emit(task_id)
    with Queue.open(window.session.db_path, read_only=True) as queue:
        pump(app, lambda: len(queue.logs(task_id)) >= 4, seconds=5)  # two steps in


def show_failures(app: QApplication, window: QWidget) -> None:
    """Click "Failed" in the sidebar and select the newest failed task."""
    failed = TaskQuery(statuses=("failed",))
    with Queue.open(window.session.db_path, read_only=True) as queue:
        newest, count = queue.list(failed, limit=1)[0], queue.count(failed)
    statuses = window.findChild(QListWidget, "statusFilter")
    [row] = [r for r in range(statuses.count()) if statuses.item(r).text() == "Failed"]
    statuses.setCurrentRow(row)
    table = window.findChild(QTableView, "taskTable")
    pump(app, lambda: table.model().rowCount() == count)
    window.session.task_requested.emit(int(newest.id))


def show_stats(app: QApplication, window: QWidget) -> None:
    """The Stats tab over the last 24 hours, once its charts are drawn."""
    tab(window, "Stats")
    view = window.findChild(StatsView, "statsView")
    view.set_window("24h")
    pump(app, lambda: view.stats is not None and view.stats.window.key == "24h"
         and view.charts is not None and view.charts.revealed())  # (a plot per turn)


def add_schedules(app: QApplication, window: QWidget) -> None:
    """Three schedules (one paused, one that has run) and a paused type, then the tab."""
    with Queue.open(window.session.db_path) as queue:
        queue.add_schedule("nightly-trends", "30 2 * * *", "youtube_search",
                           {"query": "AI trends"}, timezone="Europe/Prague")
        queue.add_schedule("thumbnails", "*/5 * * * *", "thumbnail", {"size": 256},
                           timezone="UTC", catch_up="all")
        queue.add_schedule("weekly-digest", "0 9 * * MON", "reddit_scrape",
                           {"subreddit": "python"}, timezone="America/New_York")
        queue.pause_schedule("weekly-digest")
        queue.run_schedule_now("thumbnails")
        queue.pause_type("reddit_scrape")
    tab(window, "Schedules")
    view = window.findChild(SchedulesView, "schedulesView")
    pump(app, lambda: view.model.rowCount() == 3
         and view.model.rows[1].last_task_status not in (None, "queued"), seconds=20)
    view.select("thumbnails")


def shoot_dialog(app: QApplication, window: QWidget, path: Path) -> None:
    view = window.findChild(SchedulesView, "schedulesView")
    view.add()
    dialog = view.dialog
    dialog.name.setText("hourly-sync")
    dialog.cron.setText("15 8-18 * * 1-5")
    dialog.zone.setCurrentText("Europe/Prague")
    dialog.type.setCurrentText("reddit_scrape")
    shoot(app, dialog, path)
    dialog.reject()


def tab(window: QWidget, title: str) -> None:
    tabs = window.findChild(QTabWidget, "mainTabs")
    for index in range(tabs.count()):
        if tabs.tabText(index).replace("&", "") == title:
            tabs.setCurrentIndex(index)
            return
    raise SystemExit(f"screenshots: no {title!r} tab in the main window")


def shoot(app: QApplication, window: QWidget, path: Path) -> None:
    settle(app)
    window.grab().save(str(path))
    print(f"screenshots: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["PRISMQ_DESKTOP_SETTINGS"] = str(Path(folder) / "settings.ini")
        path = demo.build_demo_file(Path(folder) / "demo.db")
        app = QApplication.instance() or QApplication(sys.argv[:1])
        theme.apply(app, "light")
        demo_handlers.register(default_handlers())
        window = create_main_window(path, start_worker=True)
        window.resize(*SIZE)
        window.show()
        pump(app, lambda: (t := window.findChild(QTableView, "taskTable")) is not None
             and t.model().rowCount() > 0)
        select_running(app, window)
        shoot(app, window, args.out / "main-window.png")
        show_failures(app, window)
        shoot(app, window, args.out / "task-detail.png")
        show_stats(app, window)
        shoot(app, window, args.out / "stats.png")
        tab(window, "Workers")
        window.worker.set_concurrency(3)
        pump(app, lambda: sum(t.progress is not None for t in window.worker.current_tasks())
             >= 2, seconds=20)
        shoot(app, window, args.out / "workers.png")
        add_schedules(app, window)
        shoot(app, window, args.out / "schedules.png")
        shoot_dialog(app, window, args.out / "schedule-dialog.png")
        tab(window, "Tasks")
        window.set_theme("dark")
        shoot(app, window, args.out / "dark.png")
        tab(window, "Schedules")
        shoot(app, window, args.out / "schedules-dark.png")
        window.close()
        pump(app, lambda: not window.isVisible())  # the worker stops first
    return 0


if __name__ == "__main__":
    sys.exit(main())
