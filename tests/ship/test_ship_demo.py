"""The demo: its file, its traffic, its handlers in a real engine, and the whole command."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from prismq_desktop.cli import demo, demo_handlers
from prismq_desktop.core import Queue
from prismq_desktop.worker import HandlerRegistry, WorkerEngine
from tests.support import sqlite_db, wait_until

NOW = datetime.now(timezone.utc)  # the backlog must count as waiting, not scheduled


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    return demo.build_demo_file(tmp_path / "demo" / "demo.db", tasks=1500, now=NOW)


def test_demo_file_has_every_status_logs_errors_and_is_marked(demo_file: Path) -> None:
    with Queue.open(demo_file, read_only=True) as queue:
        counts = queue.counts()
        assert {"completed", "failed", "cancelled", "queued", "scheduled"} <= set(counts)
        assert queue.is_demo()
        [failed] = queue.list(limit=1, query=_failed())
        assert failed.error_message and any("failed" in log.message
                                            for log in queue.logs(failed.id))
        assert {w.worker_id for w in queue.workers()} == set(demo.PAST_WORKERS)
        assert set(sqlite_db(queue).query("SELECT DISTINCT type FROM task_queue")) == {
            (job.type,) for job in demo_handlers.JOBS}


def _failed():
    from prismq_desktop.core import TaskQuery

    return TaskQuery(statuses=("failed",))


def test_building_again_replaces_an_old_demo_file(demo_file: Path) -> None:
    with Queue.open(demo_file) as queue:
        queue.enqueue("echo")
        before = queue.count()
    demo.build_demo_file(demo_file, tasks=1500, now=NOW)
    with Queue.open(demo_file, read_only=True) as queue:
        assert queue.count() == before - 1


def test_a_real_queue_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    real = tmp_path / "queue.db"
    with Queue.open(real) as queue:
        queue.enqueue("resize_image", {"path": "a.png"})
    with pytest.raises(demo.DemoError, match="not a demo file"):
        demo.build_demo_file(real, tasks=10, now=NOW)
    with Queue.open(real, read_only=True) as queue:
        assert queue.count() == 1 and not queue.is_demo()


def test_a_file_that_is_not_a_queue_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(demo.DemoError, match="not a demo file"):
        demo.build_demo_file(notes, tasks=10, now=NOW)
    assert notes.read_text() == "hello"


def test_traffic_keeps_adding_tasks_until_stopped(demo_file: Path) -> None:
    traffic = demo.DemoTraffic(demo_file, mean_gap=0.01, max_waiting=10_000, seed=3).start()
    try:
        wait_until(lambda: traffic.enqueued >= 5, timeout=20)
    finally:
        traffic.stop()
    stopped_at = traffic.enqueued
    with Queue.open(demo_file, read_only=True) as queue:
        new = sqlite_db(queue).query("SELECT type FROM task_queue WHERE id > 1565")
    assert len(new) == stopped_at
    assert {t for (t,) in new} <= {job.type for job in demo_handlers.JOBS}


def test_traffic_pauses_while_the_queue_is_long(demo_file: Path) -> None:
    traffic = demo.DemoTraffic(demo_file, mean_gap=0.01, max_waiting=40, seed=3).start()
    try:
        # each beat saw 40 waiting and added nothing
        wait_until(lambda: traffic.beats >= 20, timeout=20)
    finally:
        traffic.stop()
    assert traffic.enqueued == 0


def test_demo_handlers_log_and_fail_in_a_real_engine(tmp_path: Path) -> None:
    path = tmp_path / "handlers.db"
    registry = demo_handlers.register(HandlerRegistry(), speed=200)
    with Queue.open(path) as queue:
        ids = {job.type: queue.enqueue(job.type, dict(history_payload(job.type))).id
               for job in demo_handlers.JOBS}
        doomed = queue.enqueue("thumbnail", {"path": "x.png", "fail": True},
                               max_attempts=1).id
        engine = WorkerEngine(path, registry=registry, concurrency=2, poll_interval=0.02)
        engine.start()
        try:
            wait_until(lambda: all(queue.get(i).status in ("completed", "failed")
                                   for i in [*ids.values(), doomed]))
        finally:
            engine.stop()
        transcode = queue.logs(ids["transcode"])
        assert any("ffmpeg -i /media/in/" in log.message for log in transcode)
        assert queue.get(doomed).status == "failed"
        assert "cannot identify image file" in queue.get(doomed).error_message
        assert any(queue.get(i).status == "completed" for i in ids.values())


def history_payload(task_type: str) -> dict:
    from prismq_desktop.core.sample_data import DEMO_TYPES

    return next(p for p in DEMO_TYPES if p.name == task_type).payloads[0]


def test_run_demo_opens_the_window_with_the_worker_running_demo_tasks(
        qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QTimer

    from prismq_desktop.worker import loading

    # run_demo adds its handlers to the process's default registry: give it a copy, so later
    # tests in this process see the registry as it was
    monkeypatch.setattr(loading, "default_registry", loading.default_registry.copy())
    monkeypatch.setenv("PRISMQ_DESKTOP_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setattr(demo, "DEMO_TASKS", 300)
    path = tmp_path / "demo.db"
    seen: dict[str, object] = {}
    deadline = time.monotonic() + 30

    def check() -> None:
        if not path.exists():
            return
        with Queue.open(path, read_only=True) as queue:
            seen["done"] = sqlite_db(queue).query(
                "SELECT COUNT(*) FROM task_queue WHERE locked_by LIKE 'desktop-%'"
                " AND status IN ('completed', 'failed')")[0][0]
        windows = [w for w in qapp.topLevelWidgets() if w.objectName() == "mainWindow"]
        seen["titles"] = [w.windowTitle() for w in windows]
        if seen["done"] or time.monotonic() > deadline:
            for window in windows:
                window.close()

    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(100)
    try:
        assert demo.run_demo(path) == 0
    finally:
        timer.stop()
    assert seen["done"] >= 1, "the embedded worker ran no demo task"
    assert any("demo" in title for title in seen["titles"])
