"""The status bar: file, read-only or read-write, counts, worker state, refresh latency."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from prismq_desktop.gui.formatting import thousands

MESSAGE_MS = 6000


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.file = QLabel(objectName="statusFile")
        self.mode = QLabel(objectName="statusMode")
        self.counts = QLabel(objectName="statusCounts")
        self.worker = QLabel(objectName="statusWorker")
        self.latency = QLabel(objectName="statusLatency")
        self.addWidget(self.file, 1)
        for label in (self.mode, self.counts, self.worker, self.latency):
            self.addPermanentWidget(label)
        self.set_file(None, "")
        self.set_worker("worker stopped")

    def set_file(self, path: Path | None, read_only_reason: str) -> None:
        self.file.setText(str(path) if path else "No queue open")
        self.file.setToolTip(str(path) if path else "")
        if path is None:
            self.mode.setText("")
            return
        self.mode.setText("read-only" if read_only_reason else "read-write")
        self.mode.setToolTip(read_only_reason or "Changes are written to the file")

    def set_counts(self, counts: dict[str, int]) -> None:
        total = sum(counts.values())
        running = counts.get("leased", 0) + counts.get("processing", 0)
        self.counts.setText(f"{thousands(total)} tasks · {thousands(counts.get('queued', 0))} "
                            f"queued · {thousands(running)} running · "
                            f"{thousands(counts.get('failed', 0))} failed")

    def set_worker(self, text: str) -> None:
        self.worker.setText(text)

    def set_latency(self, seconds: float, paused: bool) -> None:
        if paused:
            self.latency.setText("⏸ live updates paused")
        else:
            self.latency.setText(f"refresh {seconds * 1000:.0f} ms")
        self.latency.setToolTip("Time the last check for changes took")

    def flash(self, text: str) -> None:
        self.showMessage(text, MESSAGE_MS)
