"""The selected task's log: level filter, search, copy and save, on a real window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication

from prismq_desktop.core import Queue
from prismq_desktop.gui import settings
from tests.gui.support import WAIT_MS, message_box


def _logged_task(path: Path) -> int:
    with Queue.open(path) as queue:
        task = queue.enqueue("echo", {"n": 1})
        queue.log(task.id, "DEBUG", "resolving the host")
        queue.log(task.id, "WARNING", "slow answer from the API", seconds=9)
        queue.log(task.id, "ERROR", "gave up: quota exceeded")
        return task.id


def test_log_filter_copy_and_save(qtbot, open_window, tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    task_id = _logged_task(path)
    window = open_window(path)
    page, log = window.tasks_page, window.tasks_page.log
    page.jump_to(task_id)
    qtbot.waitUntil(lambda: log.model.rowCount() == 4, timeout=WAIT_MS)  # + "enqueued"
    log.level.setCurrentIndex(2)  # WARNING and above
    assert log.filter.rowCount() == 2 and log.summary.text() == "2 of 4 lines"
    log.search.setText("QUOTA")
    assert log.filter.rowCount() == 1
    log.copy_selected()  # nothing selected: the shown lines
    copied = QGuiApplication.clipboard().text()
    assert "ERROR" in copied and "gave up: quota exceeded" in copied and "slow" not in copied
    log.search.clear()
    log.level.setCurrentIndex(0)
    log.table.selectRow(2)
    log.copy_selected()
    assert QGuiApplication.clipboard().text().endswith('slow answer from the API  {"seconds": 9}')

    settings.set_value("export/dir", str(tmp_path))
    chooser = log.save()
    assert Path(chooser.directory().absolutePath()) == tmp_path  # starts where exports go
    target = tmp_path / "out" / "saved.log"
    target.parent.mkdir()
    chooser.selectFile(str(target))
    chooser.accept()
    qtbot.waitUntil(target.exists, timeout=WAIT_MS)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [line.split(None, 3)[2] for line in lines] == ["INFO", "DEBUG", "WARNING", "ERROR"]
    assert settings.value("export/dir") == str(target.parent)

    log._write(tmp_path / "out", "x")  # a folder, not a file: told, not crashed
    assert "Could not save the log" in message_box(qtbot, "saveLogFailed").text()
