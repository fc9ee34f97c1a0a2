"""The window on a queue in a folder nobody may write (issue 17 item 7): the tasks show, and
the window says it is read-only and why (the banner and the status bar)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel

from tests.gui.support import WAIT_MS
from tests.sqlite.test_read_only_folder import locked_folder  # noqa: F401  (the fixture)


def test_the_window_reads_it_and_says_why_it_is_read_only(
        locked_folder: Path, qtbot, open_window) -> None:  # noqa: F811 (first: unmounted last)
    window = open_window(locked_folder / "queue.db")
    page = window.tasks_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT_MS)
    mode = window.findChild(QLabel, "statusMode")
    assert mode.text() == "read-only"
    assert f"the folder {locked_folder} is read-only" in mode.toolTip()
    banner = window.findChild(QLabel, "bannerText")
    assert banner.isVisible() and banner.text().startswith("Opened read-only: the folder")
