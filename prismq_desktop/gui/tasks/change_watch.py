"""Hear about commits as they happen: a file watch on the queue file and its WAL.

Polling ``PRAGMA data_version`` every refresh interval finds every commit, but on average
half an interval late. The operating system tells us sooner when another process writes the
``-wal`` file; this watch turns that into an early poll. It listens at most once per gap (a
busy queue writes thousands of times a second), and checks on re-arming whether the file
moved meanwhile, so nothing waits for the next tick. The timer poll stays as the fallback
(network drives often send no events).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

MIN_GAP_MS = 200


class ChangeWatch(QObject):
    #: The queue file or its WAL was written: poll the change token now.
    touched = Signal()

    def __init__(self, db_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._paths = [str(db_path), f"{db_path}-wal"]
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._changed)
        # The WAL appears when the first writer opens the file: the folder tells us when.
        self._watcher.addPath(str(Path(db_path).parent))
        self._watcher.directoryChanged.connect(self._changed)
        self._rearm = QTimer(self, singleShot=True, interval=MIN_GAP_MS, timeout=self._arm)
        self._seen: list[tuple[int, int] | None] = []
        self._arm()

    def _stamp(self) -> list[tuple[int, int] | None]:
        stamps: list[tuple[int, int] | None] = []
        for path in self._paths:
            try:
                info = os.stat(path)
                stamps.append((info.st_mtime_ns, info.st_size))
            except OSError:
                stamps.append(None)
        return stamps

    def _arm(self) -> None:
        moved = bool(self._seen) and self._stamp() != self._seen
        missing = [p for p in self._paths if os.path.exists(p) and p not in self._watcher.files()]
        if missing:
            self._watcher.addPaths(missing)
        if moved:
            self._changed("")

    def _changed(self, _path: str) -> None:
        files = self._watcher.files()
        if files:
            self._watcher.removePaths(files)
        self._seen = self._stamp()
        self.touched.emit()
        self._rearm.start()

    def stop(self) -> None:
        self._rearm.stop()
        files = self._watcher.files()
        if files:
            self._watcher.removePaths(files)
